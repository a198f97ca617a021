"""pods/{name}/log over real HTTP and through the real `kubectl logs`.

Expected behaviour is Kubernetes': the option rules of ValidatePodLogOptions, the container
choice of LogLocation (pkg/registry/core/pod/strategy.go), the kubelet's choice of instance
(validateContainerLogStatus, pkg/kubelet/kubelet_pods.go) and its reader (ReadLogs,
pkg/kubelet/kuberuntime/logs: tail first, then since; RFC3339NanoFixed stamps; limitBytes cut
mid-line; follow until the container stops). An unscheduled pod has no log location: 204.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from tests.sim.conftest import Kubectl
from tests.sim.test_kubectl import read_until
from warroom.sim.clock import parse_rfc3339
from warroom.sim.cluster import SimCluster
from warroom.sim.container_logs import LINES
from warroom.sim.scenario import parse

NS = "default"
MODEL = "registry.example/ml/inference-server:1.4.0"
BROKEN = "registry.example/ml/inference-server:1.5.0-rc1"
SLOW = "registry.example/ml/huge-model:7.0"
STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (.*)$")
PROBE_LINE = re.compile(r'^INFO:     10\.0\.0\.\d+:\d+ - "GET /ready HTTP/1\.1" 200 OK$')


def deployment(name: str, image: str) -> str:
    return f"""
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: {name}, namespace: default}}
    spec:
      replicas: 1
      selector: {{matchLabels: {{app: {name}}}}}
      template:
        metadata: {{labels: {{app: {name}}}}}
        spec:
          containers:
            - name: server
              image: {image}
              ports: [{{containerPort: 8000}}]
              readinessProbe:
                httpGet: {{path: /ready, port: 8000}}
                initialDelaySeconds: 20
                periodSeconds: 5
"""


SCENARIO = (
    "name: logs-test\n"
    "warmup: 0\n"
    "nodePools:\n"
    '  - {name: worker, prefix: node, count: 2, cpu: "16", memory: 64Gi}\n'
    f"brokenImages: [{BROKEN}]\n"
    f"imagePullSeconds: {{{SLOW}: 600}}\n"
    "objects:\n"
    + deployment("model", MODEL)
    + deployment("crasher", BROKEN)
    + f"""
  - apiVersion: v1
    kind: Pod
    metadata: {{name: two, namespace: default}}
    spec:
      containers:
        - {{name: app, image: registry.example/shop/web:2.3}}
        - {{name: sidecar, image: registry.example/shop/proxy:1.0}}
  - apiVersion: v1
    kind: Pod
    metadata: {{name: slow, namespace: default}}
    spec:
      containers: [{{name: app, image: {SLOW}}}]
  - apiVersion: v1
    kind: Pod
    metadata: {{name: nowhere, namespace: default}}
    spec:
      nodeSelector: {{pool: none}}
      containers: [{{name: app, image: registry.example/shop/web:2.3}}]
"""
)


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster(parse(SCENARIO, "test"), manual_clock=True, start_time=1.7e9) as c:
        await c.advance(60)
        yield c


@pytest.fixture
async def http(sim: SimCluster) -> AsyncIterator[aiohttp.ClientSession]:
    async with sim.session() as session:
        yield session


def pod_named(sim: SimCluster, app: str) -> dict[str, Any]:
    found = [
        p
        for p in sim.store.list(("", "pods"), NS)
        if (p["metadata"].get("labels") or {}).get("app") == app
        and not p["metadata"].get("deletionTimestamp")
    ]
    assert len(found) == 1, found
    return found[0]


async def raw(
    http: aiohttp.ClientSession, sim: SimCluster, pod: str, **params: str
) -> tuple[int, str, Any]:
    url = f"{sim.url}/api/v1/namespaces/{NS}/pods/{pod}/log"
    async with http.get(url, params=params) as resp:
        text = await resp.text()
        body = await resp.json() if resp.content_type == "application/json" else text
        return resp.status, resp.headers.get("Content-Type", ""), body


# ---- what the container wrote ---------------------------------------------------------------


async def test_kubectl_logs_shows_the_servers_start_its_model_load_and_probe_requests(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    pod = pod_named(sim, "model")
    out = (await kubectl.ok("logs", pod["metadata"]["name"])).splitlines()
    assert out[:2] == [
        "INFO:     Starting inference-server 1.4.0",
        "INFO:     Loading model weights from /models",
    ]
    loaded = re.fullmatch(r"INFO:     Model loaded successfully in (\d+\.\d)s", out[2])
    assert loaded, out
    # The model loads while the readiness probe waits: it took about as long as Ready did.
    cs = pod["status"]["containerStatuses"][0]
    started = parse_rfc3339(cs["state"]["running"]["startedAt"])
    ready = parse_rfc3339(
        next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")["lastTransitionTime"]
    )
    assert abs(float(loaded.group(1)) - (ready - started)) <= 1.5
    assert out[3:7] == [
        "INFO:     Started server process [1]",
        "INFO:     Waiting for application startup.",
        "INFO:     Application startup complete.",
        "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
    ]
    assert out[7:] and all(PROBE_LINE.match(line) for line in out[7:]), out


async def test_tail_and_timestamps_follow_the_kubelets_reader(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    name = pod_named(sim, "model")["metadata"]["name"]
    whole = (await kubectl.ok("logs", name)).splitlines()
    assert (await kubectl.ok("logs", name, "--tail=3")).splitlines() == whole[-3:]
    assert await kubectl.ok("logs", name, "--tail=0") == ""
    # A tail longer than the log is the whole log, not its end counted from the wrong side.
    longer = f"--tail={len(whole) + 1}"
    assert (await kubectl.ok("logs", name, longer)).splitlines() == whole
    stamped = (await kubectl.ok("logs", name, "--timestamps")).splitlines()
    matches = [STAMP.match(line) for line in stamped]
    assert all(matches), stamped
    assert [m.group(2) for m in matches if m] == whole
    times = [datetime.strptime(m.group(1)[:26], "%Y-%m-%dT%H:%M:%S.%f") for m in matches if m]
    assert times == sorted(times)
    now = datetime.fromtimestamp(sim.clock.now(), UTC).replace(tzinfo=None)
    assert times[-1] <= now
    # The probe requests come every periodSeconds (5 s).
    probes = [t for t, line in zip(times, whole, strict=True) if PROBE_LINE.match(line)]
    assert {round((b - a).total_seconds(), 3) for a, b in itertools.pairwise(probes)} == {5.0}


async def test_c_picks_a_container_and_kubectl_defaults_to_the_first(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    app = await kubectl.ok("logs", "two", "-c", "app")
    sidecar = await kubectl.ok("logs", "two", "-c", "sidecar")
    assert re.match(r"^\S+ INFO starting web version=2\.3$", app.splitlines()[0]), app
    assert re.match(r"^\S+ INFO starting proxy version=1\.0$", sidecar.splitlines()[0]), sidecar
    defaulted = await kubectl("logs", "two")
    assert defaulted.returncode == 0
    assert defaulted.stdout == app
    assert 'Defaulted container "app" out of: app, sidecar' in defaulted.stderr


async def test_previous_reads_the_crashed_instance_of_a_crash_looping_container(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    def crash_looping() -> bool:
        cs = pod_named(sim, "crasher")["status"]["containerStatuses"][0]
        return "CrashLoopBackOff" in str(cs["state"]) and cs["restartCount"] >= 2

    await sim.until(crash_looping, timeout=10)
    name = pod_named(sim, "crasher")["metadata"]["name"]
    previous = (await kubectl.ok("logs", name, "--previous")).splitlines()
    assert previous[0] == "INFO:     Starting inference-server 1.5.0-rc1"
    assert "Traceback (most recent call last):" in previous
    assert previous[-1] == "RuntimeError: CUDA error: an illegal memory access was encountered"
    assert not any("Model loaded" in line for line in previous)
    # While it waits out its back-off, its log is the last terminated instance's.
    assert (await kubectl.ok("logs", name)).splitlines() == previous

    healthy = pod_named(sim, "model")["metadata"]["name"]
    refused = await kubectl("logs", healthy, "--previous")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f'Error from server (BadRequest): previous terminated container "server" in pod '
        f'"{healthy}" not found'
    )


async def test_follow_sends_new_lines_as_written_and_ends_when_the_pod_goes(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    name = pod_named(sim, "model")["metadata"]["name"]
    last = (await kubectl.ok("logs", name)).splitlines()[-1]
    follow = await kubectl.start("logs", "-f", name, "--timestamps")
    assert follow.stdout is not None
    try:
        seen = await read_until(follow.stdout, re.escape(last) + "$", timeout=20)
        before = len(seen.splitlines())
        await sim.advance(5)  # one readiness probe period: one new access-log line
        more = await read_until(follow.stdout, r'"GET /ready HTTP/1\.1" 200 OK$', timeout=20)
        assert len(more.splitlines()) == 1 and before > 0
        stamp = STAMP.match(more.strip())
        assert stamp is not None
        await kubectl.ok("delete", "pod", name, "--wait=false")
        await sim.advance(1)
        tail = await read_until(
            follow.stdout, r"Shutting down$", r"Finished server process \[1\]$", timeout=20
        )
        assert "Waiting for application shutdown." in tail
        await sim.advance(30)  # past the kubelet's shutdown: the pod is gone
        async with asyncio.timeout(20):
            rest = await follow.stdout.read()
            code = await follow.wait()
        assert code == 0, rest
    finally:
        with contextlib.suppress(ProcessLookupError):
            follow.kill()
        await follow.wait()


# ---- the raw API ------------------------------------------------------------------------------


async def test_log_is_text_plain_and_cut_by_since_and_limit_bytes(
    sim: SimCluster, http: aiohttp.ClientSession
) -> None:
    name = pod_named(sim, "model")["metadata"]["name"]
    status, ctype, whole = await raw(http, sim, name)
    assert (status, ctype) == (200, "text/plain")
    status, _, stamped = await raw(http, sim, name, timestamps="true")
    lines = stamped.splitlines()
    assert [STAMP.match(line).group(2) for line in lines] == whole.splitlines()  # type: ignore[union-attr]

    status, _, cut = await raw(http, sim, name, limitBytes="100")
    assert (status, cut) == (200, whole.encode()[:100].decode())
    status, _, recent = await raw(http, sim, name, sinceSeconds="12")
    stamps = [STAMP.match(line).group(1) for line in lines]  # type: ignore[union-attr]
    cutoff = sim.clock.now() - 12
    kept = [
        text
        for stamp, text in zip(stamps, whole.splitlines(), strict=True)
        if datetime.strptime(stamp[:26] + "+0000", "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() >= cutoff
    ]
    assert recent.splitlines() == kept and 0 < len(kept) < len(lines)
    since_time = datetime.fromtimestamp(sim.clock.now() - 12, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, _, by_time = await raw(http, sim, name, sinceTime=since_time)
    assert status == 200 and by_time.splitlines()[-len(kept) :] == kept
    # tail and since both keep the newest lines: together, the fewer of the two.
    status, _, both = await raw(http, sim, name, tailLines="1", sinceSeconds="12")
    assert both.splitlines() == kept[-1:]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"tailLines": "-1"},
            'PodLogOptions "{pod}" is invalid: tailLines: Invalid value: -1: must be greater '
            "than or equal to 0",
        ),
        (
            {"limitBytes": "0"},
            'PodLogOptions "{pod}" is invalid: limitBytes: Invalid value: 0: must be greater '
            "than 0",
        ),
        (
            {"sinceSeconds": "0"},
            'PodLogOptions "{pod}" is invalid: sinceSeconds: Invalid value: 0: must be greater '
            "than 0",
        ),
        (
            {"sinceSeconds": "5", "sinceTime": "2026-01-01T00:00:00Z"},
            'PodLogOptions "{pod}" is invalid: : Forbidden: at most one of `sinceTime` or '
            "`sinceSeconds` may be specified",
        ),
    ],
)
async def test_invalid_options_are_422_pod_log_options(
    sim: SimCluster, http: aiohttp.ClientSession, params: dict[str, str], message: str
) -> None:
    name = pod_named(sim, "model")["metadata"]["name"]
    status, _, body = await raw(http, sim, name, **params)
    assert status == 422
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "Invalid", 422)
    assert body["message"] == message.format(pod=name)
    assert body["details"]["kind"] == "PodLogOptions"


async def test_refusals_carry_the_api_servers_and_the_kubelets_words(
    sim: SimCluster, http: aiohttp.ClientSession
) -> None:
    status, _, body = await raw(http, sim, "nope")
    assert (status, body["reason"], body["message"]) == (404, "NotFound", 'pods "nope" not found')
    status, _, body = await raw(http, sim, "two")
    assert (status, body["reason"]) == (400, "BadRequest")
    assert body["message"] == (
        "a container name must be specified for pod two, choose one of: [app sidecar]"
    )
    status, _, body = await raw(http, sim, "two", container="nope")
    assert (status, body["message"]) == (400, "container nope is not valid for pod two")
    status, _, body = await raw(http, sim, "slow")
    assert (status, body["message"]) == (
        400,
        'container "app" in pod "slow" is waiting to start: ContainerCreating',
    )
    status, _, body = await raw(http, sim, "two", container="app", previous="true")
    assert (status, body["message"]) == (
        400,
        'previous terminated container "app" in pod "two" not found',
    )
    status, _, body = await raw(http, sim, "two", container="app", tailLines="x")
    assert (status, body["message"]) == (400, 'strconv.ParseInt: parsing "x": invalid syntax')
    status, _, body = await raw(http, sim, "nowhere")
    assert (status, body) == (204, "")


async def test_a_lost_nodes_kubelet_cannot_be_reached(
    sim: SimCluster, http: aiohttp.ClientSession
) -> None:
    pod = pod_named(sim, "model")
    node = pod["spec"]["nodeName"]
    sim.fail_node(node)
    ip = pod["status"]["hostIP"]
    name = pod["metadata"]["name"]
    status, _, body = await raw(http, sim, name, follow="true", tailLines="5")
    assert status == 500
    assert "reason" not in body
    assert body["message"] == (
        f'Get "https://{ip}:10250/containerLogs/{NS}/{name}/server?follow=true&tailLines=5": '
        f"dial tcp {ip}:10250: i/o timeout"
    )


async def test_follow_streams_chunked_until_the_container_exits(
    sim: SimCluster, http: aiohttp.ClientSession
) -> None:
    name = pod_named(sim, "model")["metadata"]["name"]
    url = f"{sim.url}/api/v1/namespaces/{NS}/pods/{name}/log"
    async with http.get(url, params={"follow": "true", "tailLines": "1"}) as resp:
        assert resp.status == 200
        assert resp.headers["Transfer-Encoding"] == "chunked"
        assert resp.headers["Content-Type"] == "text/plain"
        first = await asyncio.wait_for(resp.content.readline(), 10)
        assert PROBE_LINE.match(first.decode().rstrip("\n"))
        await sim.advance(5)
        second = await asyncio.wait_for(resp.content.readline(), 10)
        assert PROBE_LINE.match(second.decode().rstrip("\n")) and second != first
        # Deleting the pod stops the container: the rest arrives and the stream ends.
        async with http.delete(f"{sim.url}/api/v1/namespaces/{NS}/pods/{name}") as gone:
            assert gone.status == 200
        await sim.advance(40)
        rest = await asyncio.wait_for(resp.content.read(), 10)
    assert rest.decode().splitlines()[-1] == "INFO:     Finished server process [1]"


async def test_each_container_keeps_its_newest_lines_only(
    sim: SimCluster, http: aiohttp.ClientSession
) -> None:
    name = pod_named(sim, "model")["metadata"]["name"]
    await sim.advance(LINES * 5 + 60)  # a readiness request every 5 s
    status, _, text = await raw(http, sim, name)
    lines = text.splitlines()
    assert status == 200 and len(lines) == LINES
    assert all(PROBE_LINE.match(line) for line in lines)  # the start-up lines are gone


async def test_discovery_lists_the_pods_log_subresource(
    sim: SimCluster, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{sim.url}/api/v1") as resp:
        resources = (await resp.json())["resources"]
    assert {
        "name": "pods/log",
        "singularName": "",
        "namespaced": True,
        "kind": "Pod",
        "verbs": ["get"],
    } in resources


async def test_follow_ends_when_the_container_exits_though_the_pod_stays(
    sim: SimCluster, http: aiohttp.ClientSession
) -> None:
    def restarted_and_running() -> bool:
        cs = pod_named(sim, "crasher")["status"]["containerStatuses"][0]
        return "running" in cs["state"] and cs["restartCount"] >= 1

    await sim.until(restarted_and_running, timeout=10, step=0.2)
    await sim.advance(0.1)  # it has printed its first lines
    name = pod_named(sim, "crasher")["metadata"]["name"]
    url = f"{sim.url}/api/v1/namespaces/{NS}/pods/{name}/log"
    async with http.get(url, params={"follow": "true"}) as resp:
        assert resp.status == 200
        first = await asyncio.wait_for(resp.content.readline(), 10)
        assert first == b"INFO:     Starting inference-server 1.5.0-rc1\n"
        await sim.advance(3)  # the broken image exits after 2 s
        rest = await asyncio.wait_for(resp.content.read(), 10)
    lines = rest.decode().splitlines()
    assert lines[-1] == "RuntimeError: CUDA error: an illegal memory access was encountered"
    assert sim.store.get(("", "pods"), NS, name) is not None
