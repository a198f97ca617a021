"""services/{name}[:port]/proxy/{path} over real HTTP and through the real `kubectl get --raw`.

Expected behaviour is Kubernetes': ProxyREST and ResourceLocation
(pkg/registry/core/service/storage) pick a Ready address of the Service's Endpoints on the
named port, a port number is turned into its name first, and the failures are the Status
objects they return; the transport's error reaching a pod is "error trying to reach service"
(apimachinery util/proxy transport.go). What the pod answers is the inference app's model.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import yaml

from tests.sim.conftest import Kubectl
from tests.waiting import until_value
from warroom.sim.cluster import SimCluster

NS = "bizra-prod"
APP = "bizra-inference"
IMAGE = "ghcr.io/bizra/inference:2.0.0-production"
PODS = ("", "pods")
HEALTHY = '{"status":"healthy"}'
READY = '{"status":"ready","model_loaded":true}'


def proxy(service_id: str, path: str = "/health") -> str:
    return f"/api/v1/namespaces/{NS}/services/{service_id}/proxy{path}"


@dataclass
class Answer:
    status: int
    text: str
    content_type: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.text)


class Client:
    """Plain HTTP to the server and with the credentials the sim's kubeconfig names."""

    def __init__(self, session: aiohttp.ClientSession, sim: SimCluster) -> None:
        config = yaml.safe_load(sim.kubeconfig.read_text(encoding="utf-8"))
        self.server = config["clusters"][0]["cluster"]["server"]
        user = config["users"][0]["user"] or {}
        self.headers = {"Authorization": f"Bearer {user['token']}"} if "token" in user else {}
        self.session = session

    async def call(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        content_type: str = "application/json",
    ) -> Answer:
        headers = {**self.headers, "Content-Type": content_type} if data else self.headers
        async with self.session.request(
            method, self.server + path, data=data, headers=headers, allow_redirects=False
        ) as resp:
            return Answer(resp.status, await resp.text(), resp.content_type, dict(resp.headers))

    async def get(self, path: str) -> Answer:
        return await self.call("GET", path)


@pytest.fixture
async def client(sim: SimCluster) -> AsyncIterator[Client]:
    async with sim.session() as session:
        yield Client(session, sim)


def app_pods(sim: SimCluster) -> list[dict[str, Any]]:
    return [
        p for p in sim.store.list(PODS, NS) if (p["metadata"].get("labels") or {}).get("app") == APP
    ]


def assert_status(answer: Answer, code: int, reason: str | None, message: str) -> None:
    assert answer.status == code, answer.text
    assert answer.content_type == "application/json"
    body = answer.json()
    assert body["kind"] == "Status" and body["status"] == "Failure"
    assert body["code"] == code
    assert body.get("reason") == reason
    assert body["message"] == message


@pytest.mark.kubectl
async def test_kubectl_get_raw_reads_the_seed_health_and_ready_answers(kubectl: Kubectl) -> None:
    health = await kubectl.ok("get", "--raw", proxy(f"{APP}:http", "/health"))
    assert health.strip() == HEALTHY
    ready = await kubectl.ok("get", "--raw", proxy(f"{APP}:http", "/ready"))
    assert ready.strip() == READY


async def test_port_name_and_number_reach_the_app_as_json(client: Client) -> None:
    for service_id in (f"{APP}:http", f"{APP}:80", f"http:{APP}:http"):
        health = await client.get(proxy(service_id, "/health"))
        assert (health.status, health.text) == (200, HEALTHY), service_id
        assert health.content_type == "application/json"
        ready = await client.get(proxy(service_id, "/ready"))
        assert (ready.status, ready.text) == (200, READY), service_id


async def test_a_path_the_app_lacks_is_its_own_404(client: Client) -> None:
    missing = await client.get(proxy(f"{APP}:http", "/v1/nothing-here"))
    assert missing.status == 404
    assert missing.content_type == "application/json"
    assert missing.json() == {"detail": "Not Found"}
    # FastAPI routes GET only: a POST to /health is the app's 405, through the proxy.
    posted = await client.call("POST", proxy(f"{APP}:http", "/health"), b"{}")
    assert posted.status == 405
    assert posted.json() == {"detail": "Method Not Allowed"}


async def test_the_proxy_root_without_its_slash_is_redirected(client: Client) -> None:
    root = await client.get(proxy(f"{APP}:http", ""))
    assert root.status == 301
    assert root.headers["Location"] == proxy(f"{APP}:http", "/")
    assert (await client.get(proxy(f"{APP}:http", "/"))).json() == {"detail": "Not Found"}


async def test_an_unknown_service_is_not_found(client: Client) -> None:
    # A named port looks up the Endpoints; a numeric one looks up the Service first.
    by_name = await client.get(proxy("no-such-service:http"))
    assert_status(by_name, 404, "NotFound", 'endpoints "no-such-service" not found')
    by_number = await client.get(proxy("no-such-service:80"))
    assert_status(by_number, 404, "NotFound", 'services "no-such-service" not found')


async def test_a_port_the_service_lacks_and_no_port_of_two_are_unavailable(
    client: Client,
) -> None:
    unknown = await client.get(proxy(f"{APP}:8080"))
    assert_status(
        unknown, 503, "ServiceUnavailable", f'no service port 8080 found for service "{APP}"'
    )
    # Both of the Service's ports are named, so an id without a port matches neither.
    bare = await client.get(proxy(APP))
    assert_status(bare, 503, "ServiceUnavailable", f'no endpoints available for service "{APP}"')
    invalid = await client.get(proxy(f"ftp:{APP}:http"))
    assert_status(invalid, 400, "BadRequest", f'invalid service request "ftp:{APP}:http"')


@pytest.mark.kubectl
async def test_no_pods_behind_the_service_is_503_no_endpoints(
    sim: SimCluster, client: Client, kubectl: Kubectl
) -> None:
    scaled = await client.call(
        "PATCH",
        f"/apis/apps/v1/namespaces/{NS}/deployments/{APP}/scale",
        b'{"spec": {"replicas": 0}}',
        content_type="application/merge-patch+json",
    )
    assert scaled.status == 200, scaled.text
    answer = await until_value(
        lambda: client.get(proxy(f"{APP}:http")),
        lambda a: a.status == 503 and not app_pods(sim),
        timeout=30,
        what="the inference pods gone and the proxy answering 503",
    )
    message = f'no endpoints available for service "{APP}"'
    assert_status(answer, 503, "ServiceUnavailable", message)
    result = await kubectl("get", "--raw", proxy(f"{APP}:http"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error from server (ServiceUnavailable): {message}"


async def test_pods_on_a_lost_node_time_out_then_leave_the_endpoints(
    sim: SimCluster, client: Client
) -> None:
    for node in {p["spec"]["nodeName"] for p in app_pods(sim)}:
        sim.fail_node(node)
    # Still Ready until the node lifecycle controller notices: the dial times out.
    lost = await client.get(proxy(f"{APP}:http"))
    assert lost.status == 500, lost.text
    assert lost.json().get("reason") is None
    assert lost.json()["message"].startswith("error trying to reach service: dial tcp 10.")
    assert lost.json()["message"].endswith(":8000: i/o timeout")
    # Then every address is not ready: subsets remain, none Ready, and the id is named.
    gone = await until_value(
        lambda: client.get(proxy(f"{APP}:http")),
        lambda a: a.status == 503,
        timeout=30,
        what="the pods on the lost nodes marked not ready",
        every=0.2,
    )
    message = f'no endpoints available for service "{APP}:http"'
    assert_status(gone, 503, "ServiceUnavailable", message)


async def test_https_to_the_plain_http_app_fails_the_handshake(client: Client) -> None:
    answer = await client.get(proxy(f"https:{APP}:http"))
    assert_status(
        answer,
        500,
        None,
        "error trying to reach service: tls: first record does not look like a TLS handshake",
    )


async def test_a_regressed_image_answers_degraded_health(sim: SimCluster, client: Client) -> None:
    sim.regress_image(IMAGE, latency=2.5, errors=0.06)
    health = await client.get(proxy(f"{APP}:http"))
    assert health.status == 200
    assert health.json() == {"status": "degraded", "model_loaded": True}
    sim.clear_regression(IMAGE)
    assert (await client.get(proxy(f"{APP}:http"))).text == HEALTHY


@pytest.mark.kubectl
async def test_a_deny_rule_on_services_proxy_is_403(sim: SimCluster, kubectl: Kubectl) -> None:
    sim.deny({"verbs": ["get"], "resources": ["services/proxy"], "namespaces": [NS]})
    result = await kubectl("get", "--raw", proxy(f"{APP}:http"))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f'Error from server (Forbidden): services "{APP}:http" is forbidden: User "warroom-sim" '
        f'cannot get resource "services/proxy" in API group "" in the namespace "{NS}"'
    )
    can_i = await kubectl("auth", "can-i", "get", "services", "--subresource=proxy", "-n", NS)
    assert can_i.stdout.strip() == "no"
    # The Service itself is still readable: only the subresource is denied.
    await kubectl.ok("get", "service", APP, "-n", NS)


async def test_a_dry_run_through_the_proxy_is_refused_and_reaches_no_pod(client: Client) -> None:
    # handlers/rest.go ConnectResource: a connect request with dryRun is a 400 before the
    # proxy dials anything, so a program behind a Service never sees a "dry" request.
    answer = await client.call("POST", proxy(f"{APP}:http", "/health") + "?dryRun=All", b"{}")
    assert_status(answer, 400, "BadRequest", "dryRun is not supported")
    assert (await client.get(proxy(f"{APP}:http", "/health"))).text.strip() == HEALTHY
