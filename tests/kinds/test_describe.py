"""`d` describes as kubectl does: the war room's describe of the sim's objects, line by line
against what the real `kubectl describe` prints of the same objects (kubectl's describers are
its own code, not ours, so they are an independent oracle); smartLabelFor's cases from kubectl.
"""

from __future__ import annotations

import re

import pytest

from tests.sim.conftest import Kubectl
from warroom.kinds.describe import as_yaml, describe, smart_label
from warroom.sim.cluster import SimCluster

NS = "bizra-prod"


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("containerStatuses", "Container Statuses"),
        ("apiVersion", "API Version"),
        ("uid", "UID"),
        ("involvedObject", "Involved Object"),
        ("reportingComponent", "Reporting Component"),
        ("some.field/name", "some.field/name"),  # not letters: kept as it is
    ],
)
def test_smart_label_is_kubectls(field: str, label: str) -> None:
    assert smart_label(field) == label


async def get(sim: SimCluster, path: str) -> dict:
    async with sim.session() as session, session.get(f"{sim.url}{path}") as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


def fields(text: str) -> dict[str, str]:
    """`Key:  value` lines at the left margin, whitespace squeezed (the first of each key)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Z][\w -]*):\s+(\S.*)$", line)
        if match and match.group(1) not in out:
            out[match.group(1)] = " ".join(match.group(2).split())
    return out


def nested(text: str, keys: tuple[str, ...]) -> dict[str, str]:
    """Indented `Key: value` lines for `keys`, wherever they are (the first of each)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^\s+([A-Z][\w -]*):\s+(\S.*)$", line)
        if match and match.group(1) in keys and match.group(1) not in out:
            out[match.group(1)] = " ".join(match.group(2).split())
    return out


async def events_about(sim: SimCluster, uid: str) -> list[dict]:
    listed = await get(sim, f"/api/v1/namespaces/{NS}/events")
    return [e for e in listed["items"] if e["involvedObject"].get("uid") == uid]


async def test_a_pod_is_described_as_kubectl_describes_it(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    pods = await get(sim, f"/api/v1/namespaces/{NS}/pods")
    pod = next(p for p in pods["items"] if p["metadata"]["name"].startswith("bizra-inference"))
    name = pod["metadata"]["name"]
    ours = describe("pods", pod, await events_about(sim, pod["metadata"]["uid"]), sim.clock.now())
    theirs = await kubectl.ok("describe", "pod", name, "-n", NS)
    keys = ("Name", "Namespace", "Priority", "Service Account", "Node", "Start Time")
    keys += ("Labels", "Status", "IP", "Controlled By", "QoS Class")
    mine, real = fields(ours), fields(theirs)
    assert {k: mine.get(k) for k in keys} == {k: real.get(k) for k in keys}
    inner = ("Image", "State", "Ready", "Restart Count", "Started", "Port")
    assert nested(ours, inner) == nested(theirs, inner)

    # The events section: the same reasons, in the same order.
    def reasons(text: str) -> list[str]:
        after = text.split("Events:", 1)[1].splitlines()[3:]
        return [line.split()[1] for line in after if line.strip()]

    assert reasons(ours) == reasons(theirs)


async def test_a_node_is_described_as_kubectl_describes_it(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    node = await get(sim, "/api/v1/nodes/gpu-node-1")
    ours = describe("nodes", node, [], sim.clock.now())
    theirs = await kubectl.ok("describe", "node", "gpu-node-1")
    keys = ("Name", "Roles", "Labels", "CreationTimestamp", "Taints", "Unschedulable")
    mine, real = fields(ours), fields(theirs)
    assert {k: mine.get(k) for k in keys} == {k: real.get(k) for k in keys}
    inner = ("cpu", "memory", "nvidia.com/gpu", "pods")
    capacity = ours.split("Capacity:", 1)[1].split("Allocatable:", 1)[0]
    real_capacity = theirs.split("Capacity:", 1)[1].split("Allocatable:", 1)[0]
    assert nested(capacity, inner) == nested(real_capacity, inner)


async def test_a_deployment_is_described_as_kubectl_describes_it(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    deploy = await get(sim, f"/apis/apps/v1/namespaces/{NS}/deployments/bizra-inference")
    ours = describe("deployments", deploy, [], sim.clock.now())
    theirs = await kubectl.ok("describe", "deployment", "bizra-inference", "-n", NS)
    keys = ("Name", "Namespace", "CreationTimestamp", "Selector", "Replicas", "StrategyType")
    keys += ("MinReadySeconds", "RollingUpdateStrategy")
    mine, real = fields(ours), fields(theirs)
    assert {k: mine.get(k) for k in keys} == {k: real.get(k) for k in keys}
    assert nested(ours, ("Image",)) == nested(theirs, ("Image",))


async def test_the_yaml_is_kubectls_without_managed_fields(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    import yaml

    listed = await get(sim, f"/apis/apps/v1/namespaces/{NS}/deployments")
    item = listed["items"][0]  # a list's items carry no apiVersion and kind
    ours = yaml.safe_load(as_yaml(item, "apps/v1", "Deployment"))
    name = item["metadata"]["name"]
    theirs = yaml.safe_load(await kubectl.ok("get", "deployment", name, "-n", NS, "-o", "yaml"))
    theirs["metadata"].pop("managedFields", None)
    assert ours["apiVersion"] == "apps/v1" and ours["kind"] == "Deployment"
    assert ours["spec"] == theirs["spec"] and ours["metadata"]["name"] == name
    assert "managedFields" not in ours["metadata"]
