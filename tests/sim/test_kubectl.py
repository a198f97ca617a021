"""The real kubectl against `warroom sim`: what it prints, and what the cluster then holds."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.sim.conftest import Kubectl
from warroom.sim.cluster import SimCluster

NS = "bizra-prod"
DEPLOY = "deployment/bizra-inference"
PODS = ("", "pods")
DEPLOYMENTS = ("apps", "deployments")
REPLICASETS = ("apps", "replicasets")
NODES = ("", "nodes")
OLD_IMAGE = "ghcr.io/bizra/inference:2.0.0-production"
NEW_IMAGE = "ghcr.io/bizra/inference:2.0.1"


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("bizra-inference-10k", speed=40) as cluster:
        # Hold the HPA's input at its target, so it keeps whatever size kubectl sets.
        cluster.set_hpa_metric(NS, "bizra-inference-hpa", 70)
        yield cluster


def inference_pods(sim: SimCluster) -> list[dict]:
    return [
        p
        for p in sim.store.list(PODS, NS)
        if (p["metadata"].get("labels") or {}).get("app") == "bizra-inference"
    ]


def live_inference_pods(sim: SimCluster) -> list[dict]:
    return [p for p in inference_pods(sim) if not p["metadata"].get("deletionTimestamp")]


def deployment(sim: SimCluster) -> dict:
    obj = sim.store.get(DEPLOYMENTS, NS, "bizra-inference")
    assert obj is not None
    return obj


def replicasets(sim: SimCluster) -> list[dict]:
    return sorted(
        sim.store.list(REPLICASETS, NS),
        key=lambda rs: int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]),
    )


def image_of(obj: dict) -> str:
    return obj["spec"]["template"]["spec"]["containers"][0]["image"]


async def read_until(stream: asyncio.StreamReader, *patterns: str, timeout: float) -> str:
    """Read lines from a process stream until every pattern has matched a line; returns them."""
    seen: list[str] = []
    waiting = list(patterns)
    try:
        async with asyncio.timeout(timeout):
            while waiting:
                line = (await stream.readline()).decode()
                if not line:
                    raise AssertionError(f"stream ended before {waiting}:\n{''.join(seen)}")
                seen.append(line)
                waiting = [p for p in waiting if not re.search(p, line)]
    except TimeoutError:
        raise AssertionError(
            f"no line matched {waiting} in {timeout} s:\n{''.join(seen)}"
        ) from None
    return "".join(seen)


async def test_get_nodes_and_pods_in_all_namespaces(sim: SimCluster, kubectl: Kubectl) -> None:
    out = await kubectl.ok("get", "nodes,pods", "-A")
    node_rows = [line for line in out.splitlines() if line.startswith("node/")]
    assert len(node_rows) == 15
    assert all(re.match(r"node/\S+\s+Ready\s+", row) for row in node_rows)
    inference = [line for line in out.splitlines() if "pod/bizra-inference-" in line]
    assert len(inference) == 3
    for row in inference:
        assert re.search(r"\s1/1\s+Running\s+0\s", row), row
    assert "NAMESPACE" in out and "kube-system" in out and "bizra-monitoring" in out


async def test_get_pods_watch_sees_pods_appear_after_scale(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    watch = await kubectl.start("get", "pods", "-n", NS, "-l", "app=bizra-inference", "-w")
    assert watch.stdout is not None
    try:
        first = await read_until(watch.stdout, r"bizra-inference-", timeout=20)
        before = {p["metadata"]["name"] for p in inference_pods(sim)}
        out = await kubectl.ok("scale", DEPLOY, "-n", NS, "--replicas=5")
        assert "deployment.apps/bizra-inference scaled" in out
        await sim.until(lambda: len(inference_pods(sim)) == 5, timeout=20)
        new = {p["metadata"]["name"] for p in inference_pods(sim)} - before
        assert len(new) == 2
        seen = first + await read_until(
            watch.stdout, *(rf"{name}\s+1/1\s+Running" for name in new), timeout=30
        )
        for name in new:
            assert re.search(rf"{name}\s+0/1\s+(Pending|ContainerCreating|Running)", seen), seen
    finally:
        watch.kill()
        await watch.wait()


async def test_rollout_status_reports_success_after_scaling(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    await kubectl.ok("scale", DEPLOY, "-n", NS, "--replicas=6")
    out = await kubectl.ok("rollout", "status", DEPLOY, "-n", NS, "--timeout=60s", timeout=90)
    assert 'deployment "bizra-inference" successfully rolled out' in out
    status = deployment(sim)["status"]
    assert status["readyReplicas"] == status["availableReplicas"] == 6


async def test_set_image_makes_revision_two_and_completes(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    out = await kubectl.ok("set", "image", DEPLOY, f"inference-server={NEW_IMAGE}", "-n", NS)
    assert "deployment.apps/bizra-inference image updated" in out
    out = await kubectl.ok("rollout", "status", DEPLOY, "-n", NS, "--timeout=90s", timeout=120)
    assert 'Waiting for deployment "bizra-inference" rollout to finish' in out
    assert 'deployment "bizra-inference" successfully rolled out' in out
    d = deployment(sim)
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    old, new = replicasets(sim)
    assert (image_of(old), old["spec"]["replicas"]) == (OLD_IMAGE, 0)
    assert (image_of(new), new["status"]["availableReplicas"]) == (NEW_IMAGE, 3)
    await sim.until(lambda: len(inference_pods(sim)) == 3, timeout=20)
    assert {p["spec"]["containers"][0]["image"] for p in inference_pods(sim)} == {NEW_IMAGE}
    history = await kubectl.ok("rollout", "history", DEPLOY, "-n", NS)
    assert re.search(r"^1\s", history, re.M) and re.search(r"^2\s", history, re.M)


async def test_rollout_undo_restores_the_old_template_as_revision_three(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    await kubectl.ok("set", "image", DEPLOY, f"inference-server={NEW_IMAGE}", "-n", NS)
    await kubectl.ok("rollout", "status", DEPLOY, "-n", NS, "--timeout=90s", timeout=120)
    out = await kubectl.ok("rollout", "undo", DEPLOY, "-n", NS)
    assert "deployment.apps/bizra-inference rolled back" in out
    out = await kubectl.ok("rollout", "status", DEPLOY, "-n", NS, "--timeout=90s", timeout=120)
    assert "successfully rolled out" in out
    d = deployment(sim)
    assert image_of(d) == OLD_IMAGE
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    sets = replicasets(sim)
    assert len(sets) == 2  # the old ReplicaSet was reused, not a third one made
    newest = sets[-1]
    assert image_of(newest) == OLD_IMAGE
    assert newest["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert newest["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    await sim.until(lambda: len(inference_pods(sim)) == 3, timeout=20)
    assert {p["spec"]["containers"][0]["image"] for p in inference_pods(sim)} == {OLD_IMAGE}


async def test_rollout_undo_refuses_a_paused_deployment(sim: SimCluster, kubectl: Kubectl) -> None:
    await kubectl.ok("set", "image", DEPLOY, f"inference-server={NEW_IMAGE}", "-n", NS)
    await kubectl.ok("rollout", "status", DEPLOY, "-n", NS, "--timeout=90s", timeout=120)
    await kubectl.ok("rollout", "pause", DEPLOY, "-n", NS)
    result = await kubectl("rollout", "undo", DEPLOY, "-n", NS)
    assert result.returncode != 0
    assert "you cannot rollback a paused deployment" in result.stderr
    assert image_of(deployment(sim)) == NEW_IMAGE


async def test_rollout_pause_holds_a_new_template_until_resume(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    out = await kubectl.ok("rollout", "pause", DEPLOY, "-n", NS)
    assert "deployment.apps/bizra-inference paused" in out
    assert deployment(sim)["spec"]["paused"] is True
    await kubectl.ok("set", "image", DEPLOY, f"inference-server={NEW_IMAGE}", "-n", NS)
    await sim.until(
        lambda: any(
            c.get("reason") == "DeploymentPaused"
            for c in deployment(sim)["status"].get("conditions", [])
        ),
        timeout=10,
    )
    assert len(replicasets(sim)) == 1
    assert {p["spec"]["containers"][0]["image"] for p in inference_pods(sim)} == {OLD_IMAGE}
    out = await kubectl.ok("rollout", "resume", DEPLOY, "-n", NS)
    assert "deployment.apps/bizra-inference resumed" in out
    out = await kubectl.ok("rollout", "status", DEPLOY, "-n", NS, "--timeout=90s", timeout=120)
    assert "successfully rolled out" in out
    assert image_of(replicasets(sim)[-1]) == NEW_IMAGE


async def test_cordon_and_uncordon(sim: SimCluster, kubectl: Kubectl) -> None:
    out = await kubectl.ok("cordon", "gpu-node-1")
    assert "node/gpu-node-1 cordoned" in out
    node = sim.store.get(NODES, "", "gpu-node-1")
    assert node is not None and node["spec"]["unschedulable"] is True
    listing = await kubectl.ok("get", "node", "gpu-node-1")
    assert re.search(r"gpu-node-1\s+Ready,SchedulingDisabled", listing)
    out = await kubectl.ok("uncordon", "gpu-node-1")
    assert "node/gpu-node-1 uncordoned" in out
    node = sim.store.get(NODES, "", "gpu-node-1")
    assert node is not None and "unschedulable" not in node["spec"]


async def test_drain_is_held_by_the_pdb_and_finishes_once_it_allows(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    victim = live_inference_pods(sim)[0]
    node = victim["spec"]["nodeName"]
    # No disruption allowed: the drain must wait on the budget.
    await kubectl.ok(
        "patch",
        "pdb",
        "bizra-inference-pdb",
        "-n",
        NS,
        "--type=merge",
        "-p",
        '{"spec":{"minAvailable":3}}',
    )
    await sim.until(
        lambda: (
            sim.store.get(("policy", "poddisruptionbudgets"), NS, "bizra-inference-pdb")["status"][
                "disruptionsAllowed"
            ]
            == 0
        ),
        timeout=10,
    )
    drain = await kubectl.start(
        "drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=120s"
    )
    assert drain.stderr is not None and drain.stdout is not None
    try:
        held = await read_until(
            drain.stderr,
            r"error when evicting pods/\"" + victim["metadata"]["name"] + r"\" -n \"bizra-prod\" "
            r"\(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption "
            r"budget",
            timeout=30,
        )
        assert "Warning: ignoring DaemonSet-managed Pods" in held
        assert sim.store.get(PODS, NS, victim["metadata"]["name"]) is not None
        await kubectl.ok(
            "patch",
            "pdb",
            "bizra-inference-pdb",
            "-n",
            NS,
            "--type=merge",
            "-p",
            '{"spec":{"minAvailable":2}}',
        )
        async with asyncio.timeout(60):
            out, err = await drain.communicate()
    finally:
        with contextlib.suppress(ProcessLookupError):
            drain.kill()
    assert drain.returncode == 0, err.decode()
    text = out.decode()
    assert f"node/{node} cordoned" in text
    assert f"pod/{victim['metadata']['name']} evicted" in text
    assert f"node/{node} drained" in text
    left = [
        p
        for p in sim.store.pods_on_node(node)
        if p["metadata"]["ownerReferences"][0]["kind"] != "DaemonSet"
    ]
    assert left == []
    await sim.until(
        lambda: len([p for p in live_inference_pods(sim) if p["spec"].get("nodeName")]) == 3,
        timeout=20,
    )
    assert all(p["spec"]["nodeName"] != node for p in live_inference_pods(sim))


async def test_auth_can_i_follows_deny_rules(sim: SimCluster, kubectl: Kubectl) -> None:
    allowed = await kubectl("auth", "can-i", "delete", "pods", "-n", NS)
    assert (allowed.returncode, allowed.stdout.strip()) == (0, "yes")
    sim.deny({"verbs": ["delete"], "resources": ["pods"], "namespaces": [NS]})
    denied = await kubectl("auth", "can-i", "delete", "pods", "-n", NS)
    assert denied.returncode == 1
    assert denied.stdout.strip() == "no"
    elsewhere = await kubectl("auth", "can-i", "delete", "pods", "-n", "kube-system")
    assert elsewhere.stdout.strip() == "yes"
    scale = await kubectl("auth", "can-i", "patch", "deployments.apps", "-n", NS)
    assert scale.stdout.strip() == "yes"
    pod = live_inference_pods(sim)[0]["metadata"]["name"]
    refused = await kubectl("delete", "pod", pod, "-n", NS)
    assert refused.returncode != 0
    assert f'pods "{pod}" is forbidden: User "warroom-sim" cannot delete resource "pods"' in (
        refused.stderr
    )
    assert sim.store.get(PODS, NS, pod) is not None


async def test_server_dry_run_changes_nothing(sim: SimCluster, kubectl: Kubectl) -> None:
    rv_before = deployment(sim)["metadata"]["resourceVersion"]
    out = await kubectl.ok("scale", DEPLOY, "-n", NS, "--replicas=10", "--dry-run=server")
    assert "scaled (server dry run)" in out
    out = await kubectl.ok(
        "set", "image", DEPLOY, f"inference-server={NEW_IMAGE}", "-n", NS, "--dry-run=server"
    )
    assert "(server dry run)" in out
    pod = live_inference_pods(sim)[0]["metadata"]["name"]
    out = await kubectl.ok("delete", "pod", pod, "-n", NS, "--dry-run=server")
    assert f'pod "{pod}" deleted (server dry run)' in out
    out = await kubectl.ok("cordon", "gpu-node-2", "--dry-run=server")
    assert "cordoned (server dry run)" in out
    d = deployment(sim)
    assert d["spec"]["replicas"] == 3
    assert image_of(d) == OLD_IMAGE
    assert d["metadata"]["resourceVersion"] == rv_before
    assert sim.store.get(PODS, NS, pod) is not None
    assert not sim.store.get(PODS, NS, pod)["metadata"].get("deletionTimestamp")
    node = sim.store.get(NODES, "", "gpu-node-2")
    assert node is not None and not node["spec"].get("unschedulable")


async def test_warroom_sim_command_serves_kubectl(kubectl_binary: str, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "sim.kubeconfig"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "warroom",
        "sim",
        "--kubeconfig",
        str(kubeconfig),
        "--speed",
        "20",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        line = await read_until(proc.stdout, r"kubectl --kubeconfig", timeout=30)
        assert f"kubectl --kubeconfig {kubeconfig} get pods -A" in line
        kubectl = Kubectl(kubectl_binary, kubeconfig, tmp_path / "cache")
        out = await kubectl.ok("get", "deployments", "-n", NS)
        assert re.search(r"bizra-inference\s+3/3\s+3\s+3", out)
        context = await kubectl.ok("config", "current-context")
        assert context.strip() == "warroom-sim"
    finally:
        proc.send_signal(2)
        async with asyncio.timeout(20):
            rest, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    assert "warroom sim: stopped" in rest.decode()


async def test_create_stamps_the_creation_time_whatever_the_client_sent(kubectl: Kubectl) -> None:
    # `kubectl run` sends creationTimestamp: null; the server's BeforeCreate stamps it.
    await kubectl.ok("run", "stamped", "--image=registry.example/shop/web:2.3", "-n", "default")
    stamp = await kubectl.ok(
        "get", "pod", "stamped", "-n", "default", "-o", "jsonpath={.metadata.creationTimestamp}"
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    assert "<unknown>" not in await kubectl.ok("get", "pod", "stamped", "-n", "default")
