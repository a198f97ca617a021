"""What the pods' programs answer through the Service proxy, shaped by the scenario's `apps:`.

Seed 000's inference server (the packaged scenario) and seed 001's API with a detailed health
of its model, GPU, Redis and PostgreSQL (declared below), over real HTTP and through the real
`kubectl get --raw`; the answers follow the pods' state and the endpoint fault.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml

from tests.sim.conftest import Kubectl
from tests.sim.seed_metrics import seed_scenario_data
from tests.sim.test_service_proxy import Client, proxy
from tests.waiting import until_value
from warroom.sim.cluster import SimCluster
from warroom.sim.scenario import ScenarioError, parse

NS = "bizra-prod"
APP = "bizra-inference"
IMAGE = "ghcr.io/bizra/inference:2.0.0-production"
DETAILED_APP = {
    "image": "ghcr.io/bizra/inference",
    "routes": [
        {"path": "/health", "answer": "health", "fields": {"version": "{version}"}},
        {"path": "/health/ready", "answer": "ready"},
        {
            "path": "/health/detailed",
            "answer": "detailed",
            "fields": {"pod": "{pod}"},
            "components": {
                "model": "model",
                "gpu": "gpu",
                "redis": f"{NS}/redis",
                "postgresql": f"{NS}/postgresql",
            },
        },
    ],
}


def dependency(name: str, image: str, port: int) -> list[dict[str, Any]]:
    labels = {"app": name}
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": NS, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": name,
                                "image": image,
                                "ports": [{"containerPort": port}],
                                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                            }
                        ]
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"selector": labels, "ports": [{"port": port}]},
        },
    ]


def detailed_scenario_text() -> str:
    """Seed 000's scenario serving seed 001's health API, with its Redis and PostgreSQL."""
    data = seed_scenario_data()
    data["apps"] = [DETAILED_APP]
    data["objects"] += dependency("redis", "redis:7.4", 6379)
    data["objects"] += dependency("postgresql", "postgres:16.4", 5432)
    return yaml.safe_dump(data, allow_unicode=True)


@pytest.fixture
async def client(sim: SimCluster) -> AsyncIterator[Client]:
    async with sim.session() as session:
        yield Client(session, sim)


async def fault(sim: SimCluster, method: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with (
        sim.session() as session,
        session.request(method, f"{sim.url}/_sim/faults/endpoint", json=body) as resp,
    ):
        return resp.status, await resp.json()


# ---- seed 000: the packaged scenario ---------------------------------------------------


@pytest.mark.kubectl
async def test_kubectl_reads_the_metrics_port_as_the_seed_greps_it(kubectl: Kubectl) -> None:
    text = await kubectl.ok("get", "--raw", proxy(f"{APP}:9464", "/metrics"))
    lines = [line for line in text.splitlines() if "bizra_inference" in line]
    assert any(line.startswith("bizra_inference_requests_total{") for line in lines)
    assert "# TYPE bizra_inference_request_latency_seconds histogram" in lines
    pods = {line.split('pod="')[1].split('"')[0] for line in lines if 'pod="' in line}
    assert len(pods) == 1  # the pod's own /metrics: its series only
    assert "DCGM_FI_DEV_GPU_UTIL" not in text


async def test_a_completion_is_200_with_an_openai_answer(client: Client) -> None:
    body = {"model": "bizra-inference", "prompt": "What is احسان in BIZRA?", "max_tokens": 100}
    done = await client.call(
        "POST", proxy(f"{APP}:http", "/v1/completions"), json.dumps(body).encode()
    )
    assert done.status == 200, done.text
    answer = done.json()
    assert answer["object"] == "text_completion" and answer["id"].startswith("cmpl-")
    assert answer["model"] == "bizra-inference"
    choice = answer["choices"][0]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert choice["text"].split()[:2] == ["What", "is"]
    # The scenario's 96 tokens a request, under the 100 asked for; tokens are words here.
    assert answer["usage"] == {"prompt_tokens": 5, "completion_tokens": 96, "total_tokens": 101}
    short = await client.call("POST", proxy(f"{APP}:http", "/v1/completions"), b'{"prompt": "hi"}')
    assert short.json()["usage"]["completion_tokens"] == 16  # the OpenAI default max_tokens
    assert short.json()["choices"][0]["finish_reason"] == "length"
    assert short.json()["model"] == "inference"


async def test_a_completion_request_fastapi_refuses_is_422(client: Client) -> None:
    path = proxy(f"{APP}:http", "/v1/completions")
    missing = await client.call("POST", path, b'{"model": "m"}')
    assert missing.status == 422
    assert missing.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["body", "prompt"],
                "msg": "Field required",
                "input": {"model": "m"},
            }
        ]
    }
    broken = await client.call("POST", path, b'{"prompt": ')
    assert broken.status == 422
    assert broken.json()["detail"][0]["type"] == "json_invalid"
    assert broken.json()["detail"][0]["loc"] == ["body", 11]
    got = await client.get(path)
    allow = {k.lower(): v for k, v in got.headers.items()}["allow"]
    assert (got.status, allow) == (405, "POST")


@pytest.mark.kubectl
async def test_the_endpoint_fault_fails_a_path_until_cleared(
    sim: SimCluster, client: Client, kubectl: Kubectl
) -> None:
    status, said = await fault(
        sim, "POST", {"service": f"{NS}/{APP}", "path": "/health", "status": 503}
    )
    assert status == 200
    assert said == {
        "endpoints": [{"service": f"{NS}/{APP}", "path": "/health", "status": 503, "delay": 0.0}]
    }
    failing = await client.get(proxy(f"{APP}:http", "/health"))
    assert (failing.status, failing.json()) == (503, {"detail": "Service Unavailable"})
    assert (await client.get(proxy(f"{APP}:http", "/ready"))).status == 200  # only that path
    result = await kubectl("get", "--raw", proxy(f"{APP}:http", "/health"))
    assert result.returncode == 1 and "ServiceUnavailable" in result.stderr
    await fault(sim, "DELETE", {"service": f"{NS}/{APP}", "path": "/health"})
    assert (await client.get(proxy(f"{APP}:http", "/health"))).status == 200


@pytest.mark.kubectl
async def test_a_delayed_path_times_a_client_out(
    sim: SimCluster, client: Client, kubectl: Kubectl
) -> None:
    await fault(sim, "POST", {"service": f"{NS}/{APP}", "path": "/ready", "delay": 30})
    result = await kubectl("get", "--raw", proxy(f"{APP}:http", "/ready"), "--request-timeout=1s")
    assert result.returncode == 1
    assert "Client.Timeout" in result.stderr or "deadline exceeded" in result.stderr
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.get(proxy(f"{APP}:http", "/ready")), 0.5)
    await fault(sim, "DELETE", {})
    assert (await client.get(proxy(f"{APP}:http", "/ready"))).status == 200


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (
            {"service": "bizra-prod/nope", "path": "/x", "status": 503},
            "no Service 'bizra-prod/nope'",
        ),
        ({"service": f"{NS}/{APP}", "path": "health", "status": 503}, "must start with /"),
        ({"service": f"{NS}/{APP}", "path": "/health"}, "give either a status (400–599) or"),
        ({"service": f"{NS}/{APP}", "path": "/health", "status": 200}, "is not an error status"),
        ({"service": f"{NS}/{APP}", "path": "/h", "status": "bad"}, "status must be a whole"),
    ],
)
async def test_a_mistaken_endpoint_fault_is_one_sentence(
    sim: SimCluster, body: dict[str, Any], sentence: str
) -> None:
    status, said = await fault(sim, "POST", body)
    assert status == 400
    assert sentence in said["error"], said


# ---- seed 001's detailed health ---------------------------------------------------------


@pytest.fixture
async def detailed() -> AsyncIterator[SimCluster]:
    scenario = parse(detailed_scenario_text(), "detailed.yaml")
    async with SimCluster(scenario, speed=20) as cluster:
        yield cluster


@pytest.mark.kubectl
async def test_detailed_health_judges_each_component(
    detailed: SimCluster, kubectl_binary: str, tmp_path: Any
) -> None:
    kubectl = Kubectl(kubectl_binary, detailed.kubeconfig, tmp_path / "cache")
    text = await kubectl.ok("get", "--raw", proxy(f"{APP}:http", "/health/detailed"))
    answer = json.loads(text)
    assert answer["status"] == "healthy"
    assert answer["pod"].startswith(f"{APP}-")
    assert answer["components"] == {
        name: {"status": "healthy"} for name in ("model", "gpu", "redis", "postgresql")
    }
    health = json.loads(await kubectl.ok("get", "--raw", proxy(f"{APP}:http", "/health")))
    assert health == {"status": "healthy", "version": "2.0.0-production"}
    ready = json.loads(await kubectl.ok("get", "--raw", proxy(f"{APP}:http", "/health/ready")))
    assert ready == {"status": "ready", "model_loaded": True}
    # /ready is not this program's: its own 404.
    gone = await kubectl("get", "--raw", proxy(f"{APP}:http", "/ready"))
    assert gone.returncode == 1 and "NotFound" in gone.stderr
    await kubectl.ok("scale", "deployment/redis", "-n", NS, "--replicas=0")

    async with detailed.session() as session:
        client = Client(session, detailed)
        down = await until_value(
            lambda: client.get(proxy(f"{APP}:http", "/health/detailed")),
            lambda a: a.status == 503,
            timeout=30,
            what="redis gone from the detailed health",
        )
        assert down.json()["status"] == "unhealthy"
        assert down.json()["components"]["redis"] == {"status": "unhealthy"}
        assert down.json()["components"]["postgresql"] == {"status": "healthy"}
        await kubectl.ok("scale", "deployment/redis", "-n", NS, "--replicas=1")
        await until_value(
            lambda: client.get(proxy(f"{APP}:http", "/health/detailed")),
            lambda a: a.status == 200,
            timeout=30,
            what="redis back in the detailed health",
        )
        detailed.regress_image(IMAGE, latency=2.0, errors=0.0)
        slow = await client.get(proxy(f"{APP}:http", "/health/detailed"))
        assert (slow.status, slow.json()["status"]) == (200, "degraded")
        assert slow.json()["components"]["model"] == {"status": "degraded"}
        detailed.clear_regression(IMAGE)


async def test_a_lost_gpu_makes_the_pod_unhealthy() -> None:
    """Through a Service that publishes not-ready pods, so the failing pod is reached."""
    data = yaml.safe_load(detailed_scenario_text())
    data["objects"].append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "all-inference", "namespace": NS},
            "spec": {
                "selector": {"app": APP},
                "publishNotReadyAddresses": True,
                "ports": [{"name": "http", "port": 80, "targetPort": 8000}],
            },
        }
    )
    scenario = parse(yaml.safe_dump(data, allow_unicode=True), "detailed.yaml")
    async with SimCluster(scenario, manual_clock=True) as sim, sim.session() as s:
        client = Client(s, sim)
        pods = sorted(
            (
                p
                for p in sim.store.list(("", "pods"), NS)
                if p["metadata"]["labels"].get("app") == APP
            ),
            key=lambda p: p["metadata"]["name"],
        )
        for pod in pods:
            node = pod["spec"]["nodeName"]
            for index in range(4):
                sim.lose_gpu(node, index)
        every = [
            await client.get(
                f"/api/v1/namespaces/{NS}/services/all-inference:http/proxy/health/detailed"
            )
            for _ in pods
        ]
        assert {a.status for a in every} == {503}
        assert {a.json()["components"]["gpu"]["status"] for a in every} == {"unhealthy"}
        health = await client.get(
            f"/api/v1/namespaces/{NS}/services/all-inference:http/proxy/health"
        )
        assert (health.status, health.json()["status"]) == (503, "unhealthy")
        ready = await client.get(
            f"/api/v1/namespaces/{NS}/services/all-inference:http/proxy/health/ready"
        )
        assert (ready.status, ready.json()) == (503, {"status": "loading", "model_loaded": False})


@pytest.mark.parametrize(
    ("apps", "sentence"),
    [
        ("{image: x}", "apps must be a list"),
        ("[{routes: [{path: /h, answer: health}]}]", "apps[0] needs either image"),
        ("[{image: a, service: b/c, routes: [{path: /h, answer: health}]}]", "needs either image"),
        (
            "[{service: nons, routes: [{path: /h, answer: health}]}]",
            "service must be NAMESPACE/NAME",
        ),
        ("[{image: a}]", "apps[0] needs routes"),
        (
            "[{image: a, routes: [{path: h, answer: health}]}]",
            "routes[0] needs path: starting with /",
        ),
        (
            "[{image: a, routes: [{path: /h, answer: teapot}]}]",
            "(/h): answer must be one of health",
        ),
        (
            "[{image: a, routes: [{path: /h, answer: health, port: [1]}]}]",
            "port must be a container",
        ),
        (
            "[{image: a, routes: [{path: /h, answer: health, fields: {status: ok}}]}]",
            "other than status",
        ),
        (
            "[{image: a, routes: [{path: /h, answer: health, components: {r: a/b}}]}]",
            "only a detailed",
        ),
        (
            "[{image: a, routes: [{path: /h, answer: detailed, components: {r: redis}}]}]",
            "model, gpu or a Service",
        ),
        (
            "[{image: a, routes: [{path: /h, answer: health}, {path: /h, answer: ready}]}]",
            "routes /h more than once",
        ),
        ("[{image: a, colour: red, routes: []}]", "apps[0]: unknown keys colour"),
    ],
)
def test_a_mistaken_app_is_one_sentence(apps: str, sentence: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse(f"apps: {apps}\n", "bad.yaml")
    message = str(caught.value)
    assert sentence in message, message
    assert message.startswith("bad.yaml: apps") and "\n" not in message


async def test_a_starting_pod_answers_ready_503_until_its_probe_passes() -> None:
    """A Service that publishes not-ready pods reaches the pod while its model loads."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "warming", "labels": {"probe": "warming"}},
        "spec": {
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists"}],
            "containers": [
                {
                    "name": "inference-server",
                    "image": IMAGE,
                    "ports": [{"name": "http", "containerPort": 8000}],
                    "readinessProbe": {
                        "httpGet": {"path": "/ready", "port": 8000},
                        "initialDelaySeconds": 20,
                    },
                    "resources": {"limits": {"nvidia.com/gpu": "1"}},
                }
            ],
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "warming"},
        "spec": {
            "selector": {"probe": "warming"},
            "publishNotReadyAddresses": True,
            "ports": [{"name": "http", "port": 80, "targetPort": 8000}],
        },
    }
    async with (
        SimCluster("bizra-inference-10k", manual_clock=True) as sim,
        sim.session() as session,
    ):
        client = Client(session, sim)
        for plural, obj in (("pods", pod), ("services", service)):
            made = await client.call(
                "POST", f"/api/v1/namespaces/{NS}/{plural}", json.dumps(obj).encode()
            )
            assert made.status == 201, made.text
        path = f"/api/v1/namespaces/{NS}/services/warming:http/proxy/ready"

        def phase() -> dict[str, Any]:
            found = sim.store.get(("", "pods"), NS, "warming")
            return (found or {}).get("status") or {}

        for _ in range(60):  # the image pulls, then the container runs, not yet Ready
            if phase().get("podIP") and phase().get("phase") == "Running":
                break
            await sim.advance(1)
        loading = await client.get(path)
        assert (loading.status, loading.json()) == (
            503,
            {"status": "loading", "model_loaded": False},
        )
        await sim.advance(30)
        ready = await client.get(path)
        assert (ready.status, ready.json()) == (200, {"status": "ready", "model_loaded": True})


@pytest.mark.kubectl
async def test_kubectl_create_raw_posts_a_completion(kubectl: Kubectl, tmp_path: Any) -> None:
    request = tmp_path / "completion.json"
    request.write_text('{"model": "bizra-inference", "prompt": "Say salam", "max_tokens": 3}')
    text = await kubectl.ok(
        "create", "--raw", proxy(f"{APP}:http", "/v1/completions"), "-f", str(request)
    )
    answer = json.loads(text)
    assert answer["choices"][0]["text"] == " Say salam Say"
    assert answer["usage"] == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}


async def test_an_app_is_found_by_its_exact_image_then_repository_then_service() -> None:
    data = seed_scenario_data()
    data["apps"] = [
        {"service": f"{NS}/{APP}", "routes": [{"path": "/by-service", "answer": "health"}]},
        {"image": "ghcr.io/bizra/inference", "routes": [{"path": "/by-repo", "answer": "health"}]},
        {"image": IMAGE, "routes": [{"path": "/by-tag", "answer": "health"}]},
    ]
    scenario = parse(yaml.safe_dump(data, allow_unicode=True), "apps.yaml")
    async with (
        SimCluster(scenario, manual_clock=True) as sim,
        sim.session() as session,
    ):
        client = Client(session, sim)
        found = {
            path: (await client.get(proxy(f"{APP}:http", path))).status
            for path in ("/by-tag", "/by-repo", "/by-service", "/health")
        }
        assert found == {"/by-tag": 200, "/by-repo": 404, "/by-service": 404, "/health": 404}
        data["apps"] = data["apps"][:1]
        scenario = parse(yaml.safe_dump(data, allow_unicode=True), "apps.yaml")
    async with (
        SimCluster(scenario, manual_clock=True) as sim,
        sim.session() as session,
    ):
        client = Client(session, sim)
        assert (await client.get(proxy(f"{APP}:http", "/by-service"))).status == 200
        # The metrics port has no route of this program: a bare server's 404.
        bare = await client.get(proxy(f"{APP}:metrics", "/metrics"))
        assert (bare.status, bare.text) == (404, "404 page not found\n")
