"""Pods on a NotReady node, held to MarkPodsNotReady (pkg/controller/util/node/controller_utils.go)
as pkg/controller/nodelifecycle calls it, and to what printPod then shows.

MarkPodsNotReady copies each pod's Ready condition, sets its status to False and hands it to
UpdatePodCondition, which moves lastTransitionTime only when the status changes and keeps the
rest; it writes the status and records a Warning "NodeNotReady" "Node is not ready" on the pod.
Nothing else changes: ContainersReady and the container statuses belong to the kubelet, so
printPod, which counts ready container statuses, still prints READY 1/1 and STATUS Running.
monitorNodeHealth calls it when the node's Ready condition leaves True; processPod calls it for
a pod bound to a node that is not Ready. When the node is back, its kubelet reports Ready again.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.sim.conftest import Kubectl
from warroom.sim.clock import rfc3339
from warroom.sim.cluster import SimCluster

NS = "bizra-prod"
GRACE = 50  # --node-monitor-grace-period's default


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("bizra-inference-10k", manual_clock=True) as cluster:
        yield cluster


@pytest.fixture
async def http(sim: SimCluster) -> AsyncIterator[aiohttp.ClientSession]:
    async with sim.session() as session:
        yield session


async def get(http: aiohttp.ClientSession, sim: SimCluster, path: str, **params: str) -> Any:
    async with http.get(sim.url + path, params=params) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def node_fault(http: aiohttp.ClientSession, sim: SimCluster, node: str, action: str) -> None:
    async with http.post(f"{sim.url}/_sim/nodes/{node}/{action}") as resp:
        assert resp.status == 200, await resp.text()


def cond(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in obj["status"]["conditions"] if c["type"] == kind)



async def ready_condition(kubectl: Kubectl, name: str) -> str:
    """The pod's Ready condition as kubectl reads it (jsonpath)."""
    jsonpath = 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'
    return await kubectl.ok("get", "pod", name, "-n", NS, "-o", jsonpath)

async def test_pods_on_a_lost_node_turn_not_ready_and_kubectl_still_prints_them_running(
    sim: SimCluster, kubectl: Kubectl, http: aiohttp.ClientSession
) -> None:
    pods = (await get(http, sim, f"/api/v1/namespaces/{NS}/pods"))["items"]
    victim = next(p for p in pods if p["metadata"]["name"].startswith("bizra-inference-"))
    name, node = victim["metadata"]["name"], victim["spec"]["nodeName"]
    path = f"/api/v1/namespaces/{NS}/pods/{name}"
    before = await get(http, sim, path)
    assert cond(before, "Ready")["status"] == "True"

    await node_fault(http, sim, node, "fail")
    marked_at = sim.clock.now() + GRACE  # when the grace period runs out
    await sim.advance(GRACE - 1)
    assert cond(await get(http, sim, path), "Ready")["status"] == "True"
    await sim.advance(2)

    listing = await kubectl.ok("get", "node", node)
    assert re.search(rf"^{node}\s+NotReady\s", listing, re.M), listing
    on_node = await kubectl.ok(
        "get", "pods", "-A", "-o", "wide", "--field-selector", f"spec.nodeName={node}"
    )
    rows = on_node.splitlines()[1:]
    assert len(rows) == 3  # the inference pod and the two GPU DaemonSet pods
    for row in rows:
        assert re.search(rf"\s1/1\s+Running\s+0\s.*\s{node}\s", row), on_node
    ready = await ready_condition(kubectl, name)
    assert ready == "False"
    deploy = await kubectl.ok("get", "deployment", "bizra-inference", "-n", NS)
    assert re.search(r"bizra-inference\s+2/3\s+3\s+2\s", deploy), deploy

    after = await get(http, sim, path)
    was, now = cond(before, "Ready"), cond(after, "Ready")
    # UpdatePodCondition: status and lastTransitionTime move, nothing else.
    assert now == {**was, "status": "False", "lastTransitionTime": rfc3339(marked_at)}
    assert cond(after, "ContainersReady") == cond(before, "ContainersReady")
    assert after["status"]["containerStatuses"] == before["status"]["containerStatuses"]
    assert after["status"]["phase"] == "Running"
    events = await get(
        http,
        sim,
        f"/api/v1/namespaces/{NS}/events",
        fieldSelector=f"reason=NodeNotReady,involvedObject.name={name}",
    )
    assert [(e["type"], e["message"]) for e in events["items"]] == [
        ("Warning", "Node is not ready")
    ]
    elsewhere = [p for p in pods if p["spec"].get("nodeName") != node]
    for pod in elsewhere:
        fresh = await get(http, sim, f"/api/v1/namespaces/{NS}/pods/{pod['metadata']['name']}")
        assert cond(fresh, "Ready")["status"] == cond(pod, "Ready")["status"]

    await node_fault(http, sim, node, "recover")
    await sim.advance(5)
    assert cond(await get(http, sim, f"/api/v1/nodes/{node}"), "Ready")["status"] == "True"
    restored = await get(http, sim, path)
    assert cond(restored, "Ready")["status"] == "True"
    assert cond(restored, "ContainersReady")["status"] == "True"
    ready = await ready_condition(kubectl, name)
    assert ready == "True"
    await sim.until(
        lambda: (
            sim.store.get(("apps", "deployments"), NS, "bizra-inference")["status"].get(
                "readyReplicas"
            )
            == 3
        ),
        timeout=10,
    )
    deploy = await kubectl.ok("get", "deployment", "bizra-inference", "-n", NS)
    assert re.search(r"bizra-inference\s+3/3\s", deploy), deploy


async def test_a_pod_already_ready_and_not_ready_alike_gets_one_event_only(
    sim: SimCluster, http: aiohttp.ClientSession
) -> None:
    pods = (await get(http, sim, f"/api/v1/namespaces/{NS}/pods"))["items"]
    node = next(p for p in pods if p["metadata"]["name"].startswith("bizra-"))["spec"]["nodeName"]
    await node_fault(http, sim, node, "fail")
    await sim.advance(GRACE + 1)
    # The node stays lost: later passes find every pod already not ready and write nothing.
    marked = {p["metadata"]["name"]: p for p in sim.store.pods_on_node(node)}
    await sim.advance(60)
    for pod_name, pod in marked.items():
        now = sim.store.get(("", "pods"), pod["metadata"]["namespace"], pod_name)
        assert now is not None
        assert now["metadata"]["resourceVersion"] == pod["metadata"]["resourceVersion"]
    events = [
        e
        for e in sim.store.list(("", "events"), "")
        if e["reason"] == "NodeNotReady" and e["involvedObject"]["kind"] == "Pod"
    ]
    assert sorted(e["involvedObject"]["name"] for e in events) == sorted(marked)
    assert all(e.get("count", 1) == 1 for e in events)


async def test_a_pod_bound_to_a_not_ready_node_is_marked_not_ready_at_once(
    sim: SimCluster, http: aiohttp.ClientSession
) -> None:
    node = "system-node-1"
    await node_fault(http, sim, node, "fail")
    await sim.advance(GRACE + 1)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "late"},
        "spec": {
            "schedulerName": "hand-placed",
            "containers": [{"name": "app", "image": "registry.example/app:1.0"}],
        },
    }
    base = f"{sim.url}/api/v1/namespaces/default/pods"
    async with http.post(base, json=pod) as resp:
        assert resp.status == 201
    ready = {"type": "Ready", "status": "True", "lastTransitionTime": sim.clock.timestamp()}
    async with http.patch(
        f"{base}/late/status",
        json={"status": {"conditions": [ready]}},
        headers={"Content-Type": "application/merge-patch+json"},
    ) as resp:
        assert resp.status == 200
    await sim.advance(1)
    assert cond(await get(http, sim, "/api/v1/namespaces/default/pods/late"), "Ready") == ready

    binding = {"apiVersion": "v1", "kind": "Binding", "target": {"kind": "Node", "name": node}}
    async with http.post(f"{base}/late/binding", json=binding) as resp:
        assert resp.status == 201
    await sim.advance(1)
    bound = await get(http, sim, "/api/v1/namespaces/default/pods/late")
    assert bound["spec"]["nodeName"] == node
    assert cond(bound, "Ready")["status"] == "False"
    events = await get(
        http,
        sim,
        "/api/v1/namespaces/default/events",
        fieldSelector="reason=NodeNotReady,involvedObject.name=late",
    )
    assert [e["message"] for e in events["items"]] == ["Node is not ready"]
