"""Node actions against the sim over HTTP, the real kubectl as the oracle: cordon and uncordon
with the patch kubectl sends, a drain a PodDisruptionBudget holds until the Deployment grows
(the retries visible, then done and verified), a cancelled drain that leaves the node
cordoned and says so, the preview of a GPU node (the PDB that will block, the GPUs going out
of service, no room for the GPU pods), and an RBAC denial that changes nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.sim.conftest import Kubectl
from tests.waiting import until
from warroom.actions.nodes import NodeActions
from warroom.actions.plan import ActionArgs
from warroom.actions.run import ActionRunner
from warroom.journal.journal import Journal
from warroom.kube import Connection
from warroom.sim.access import DenyRule
from warroom.sim.cluster import CONTEXT, SimCluster

pytestmark = pytest.mark.kubectl

NS = "gpu-platform"
APP_NODE = "app-node-2"  # two of inference-api's three pods, CoreDNS and Prometheus


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("gpu-inference-platform", speed=20) as cluster:
        yield cluster


def runner(conn: Connection, journal: Journal, sim: SimCluster) -> ActionRunner:
    return ActionRunner(conn, operator="ana", record=journal.append, now=sim.clock.now,
                        lock_namespace=NS, poll=0.1)  # fmt: skip


async def unschedulable(kubectl: Kubectl, node: str) -> str:
    return await kubectl.ok("get", "node", node, "-o", "jsonpath={.spec.unschedulable}")


async def pods_on(kubectl: Kubectl, node: str) -> list[str]:
    out = await kubectl.ok(
        "get", "pods", "-A", "--field-selector", f"spec.nodeName={node}",
        "-o", "jsonpath={range .items[*]}{.metadata.name}{'\\n'}{end}",
    )  # fmt: skip
    return [line for line in out.splitlines() if line]


async def kubectl_patch(kubectl: Kubectl, verb: str, node: str) -> Any:
    """The body `kubectl cordon|uncordon --dry-run=server` sends, from its -v=9 log."""
    logged = await kubectl(verb, node, "--dry-run=server", "-v=9")
    line = next(
        line for line in logged.stderr.splitlines() if "Request Body" in line and "spec" in line
    )
    body = line.split("Request Body", 1)[1].split("body=", 1)[-1].lstrip(": ")
    return json.loads(json.loads(body) if body.startswith('"') else body)


async def test_cordon_and_uncordon_send_kubectls_patch(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    node = NodeActions("gpu-server-1")
    run = runner(conn, journal, sim)
    plan = node.cordon(await node.read(conn))
    assert plan.calls[0].body == await kubectl_patch(kubectl, "cordon", "gpu-server-1")
    done = await run.run(plan, await run.preflight(plan))
    assert done.ok and done.verified, done.sentence
    assert done.sentence.endswith("node gpu-server-1 reads back unschedulable")
    assert await unschedulable(kubectl, "gpu-server-1") == "true"
    again = node.cordon(await node.read(conn))
    assert again.nothing_to_do == "node gpu-server-1 is already cordoned"

    plan = node.uncordon(await node.read(conn))
    assert plan.calls[0].body == await kubectl_patch(kubectl, "uncordon", "gpu-server-1")
    done = await run.run(plan, await run.preflight(plan))
    assert done.ok and done.verified, done.sentence
    assert await unschedulable(kubectl, "gpu-server-1") == ""
    assert node.uncordon(await node.read(conn)).nothing_to_do == (
        "node gpu-server-1 is already uncordoned"
    )
    assert [r.kind for r in journal.records] == ["action_started", "action_call", "action_done"] * 2


async def hold_the_api(kubectl: Kubectl) -> None:
    """inference-api's PDB asks for all three of its pods: no eviction goes through."""
    await kubectl.ok("patch", "pdb", "inference-api", "-n", NS, "--type=merge",
                     "-p", '{"spec":{"minAvailable":3}}')  # fmt: skip


async def test_a_drain_held_by_a_pdb_retries_visibly_and_finishes_once_it_allows(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    await hold_the_api(kubectl)
    node = NodeActions(APP_NODE)
    run = runner(conn, journal, sim)
    state = await node.read(conn)
    plan = node.drain(state, ActionArgs(), sim.clock.now())
    checked = await run.preflight(plan)
    assert checked.ok, checked.sentence
    assert any(line.startswith("PodDisruptionBudget gpu-platform/inference-api will block the "
                               "eviction of gpu-platform/inference-api-") and line.endswith(
        "The disruption budget inference-api needs 3 healthy pods and has 3 currently; the drain "
        "retries every 5 s") for line in checked.held), checked.held  # fmt: skip

    said: list[str] = []
    drain = asyncio.create_task(run.run(plan, checked, progress=said.append))
    retried = "needs 3 healthy pods and has 3 currently; retrying every 5 s (attempt 2)"
    await until(lambda: any(retried in s for s in said), timeout=20, what="a visible retry")
    assert await unschedulable(kubectl, APP_NODE) == "true"  # cordoned first
    # Scale up through the HPA that owns the count: four pods, and the budget allows one.
    await kubectl.ok("patch", "hpa", "inference-api", "-n", NS, "--type=merge",
                     "-p", '{"spec":{"minReplicas":5}}')  # fmt: skip
    outcome = await asyncio.wait_for(drain, 50)
    assert outcome.ok and outcome.verified, outcome.sentence
    assert outcome.sentence.endswith(f"node {APP_NODE} is cordoned and holds no evictable pod")
    assert await pods_on(kubectl, APP_NODE) == []
    assert any(s.startswith("pod gpu-platform/inference-api-") and "is gone (" in s for s in said)

    calls = [r.payload for r in journal.records if r.kind == "action_call"]
    assert calls[0] == {"call": f"cordon node {APP_NODE}", "answer": calls[0]["answer"]}
    refused = [c for c in calls if "error" in c]
    assert refused and all("disruption budget" in c["error"] for c in refused)
    assert max(c["attempt"] for c in calls if "attempt" in c) >= 2
    assert journal.records[-1].kind == "action_done" and journal.records[-1].payload["verified"]


async def test_a_cancelled_drain_leaves_the_node_cordoned_and_says_so(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    await hold_the_api(kubectl)
    node = NodeActions(APP_NODE)
    run = runner(conn, journal, sim)
    plan = node.drain(await node.read(conn), ActionArgs(), sim.clock.now())
    said: list[str] = []
    stop = False
    drain = asyncio.create_task(
        run.run(plan, await run.preflight(plan), progress=said.append, cancel=lambda: stop)
    )
    await until(lambda: any("retrying every 5 s" in s for s in said), timeout=20, what="a retry")
    stop = True
    outcome = await asyncio.wait_for(drain, 10)
    assert not outcome.ok
    assert outcome.sentence == (
        f"drain of Node {APP_NODE} cancelled by ana; node {APP_NODE} stays cordoned: uncordon it "
        "to let pods be scheduled there again"
    )
    assert await unschedulable(kubectl, APP_NODE) == "true"
    last = journal.records[-1]
    assert last.kind == "action_done" and last.payload["cancelled"] is True
    assert last.payload["sentence"] == outcome.sentence
    holder = await kubectl.ok("get", "lease", f"warroom-node-{APP_NODE}", "-n", NS, "-o",
                              "jsonpath={.spec.holderIdentity}")  # fmt: skip
    assert holder == ""  # released

    # Cancelling the task itself: the journal still says so, and the lock is let go.
    plan = node.drain(await node.read(conn), ActionArgs(), sim.clock.now())
    said.clear()
    drain = asyncio.create_task(run.run(plan, await run.preflight(plan), progress=said.append))
    await until(lambda: any("retrying every 5 s" in s for s in said), timeout=20, what="a retry")
    drain.cancel()
    with pytest.raises(asyncio.CancelledError):
        await drain
    assert journal.records[-1].payload["cancelled"] is True
    assert await unschedulable(kubectl, APP_NODE) == "true"


async def test_the_gpu_node_preview_names_the_blocking_pdb_the_gpus_and_no_room(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    await kubectl.ok("patch", "pdb", "inference-worker", "-n", NS, "--type=merge",
                     "-p", '{"spec":{"maxUnavailable":0}}')  # fmt: skip
    node = NodeActions("gpu-server-3")
    run = runner(conn, journal, sim)
    state = await node.read(conn)
    plan = node.drain(state, ActionArgs(), sim.clock.now())
    workers = sorted(p for p in await pods_on(kubectl, "gpu-server-3") if "worker" in p)
    evicted = ", ".join(f"{NS}/{p}" for p in workers)
    assert len(workers) == 2
    assert f"2 GPUs (nvidia.com/gpu) on gpu-server-3 go out of service; 2 GPU pods evicted: " \
        f"{evicted}" in plan.preview  # fmt: skip
    assert "no room: 2 GPU pods need 2 GPUs, 0 free on schedulable nodes; the rest stay Pending " \
        "until GPUs come free" in plan.preview  # fmt: skip
    assert plan.warnings == (
        "ignoring DaemonSet-managed Pods: "
        + ", ".join(sorted(f"{ns}/{p}" for ns, p in await daemon_pods(kubectl, "gpu-server-3"))),
    )
    checked = await run.preflight(plan)
    assert checked.ok, checked.sentence
    assert checked.held == (
        f"PodDisruptionBudget {NS}/inference-worker will block the eviction of {evicted}: The "
        "disruption budget inference-worker needs 8 healthy pods and has 8 currently; the drain "
        "retries every 5 s",
    )
    assert await unschedulable(kubectl, "gpu-server-3") == ""  # the dry run changed nothing

    # Two workers fewer: two GPUs come free on the other servers, and the preview says where.
    # gpu-server-3's workers cost more to delete (pod-deletion-cost, which the ReplicaSet ranks
    # by first), so the scale-down takes its two from the others; else a tie may take both
    # from gpu-server-3, as the real controller's may.
    for worker in workers:
        await kubectl.ok("annotate", "pod", worker, "-n", NS,
                         "controller.kubernetes.io/pod-deletion-cost=100")  # fmt: skip
    await kubectl.ok("scale", "deployment", "inference-worker", "-n", NS, "--replicas=6")

    async def six() -> bool:
        listed = await kubectl.ok("get", "pods", "-n", NS, "-l", "app=inference-worker", "-o",
                                  "jsonpath={.items[*].metadata.name}")  # fmt: skip
        return len(listed.split()) == 6

    await until_async(six, "six workers")
    state = await node.read(conn)
    plan = node.drain(state, ActionArgs(), sim.clock.now())
    here = len([p for p in await pods_on(kubectl, "gpu-server-3") if "worker" in p])
    free = {n: 2 - len([p for p in await pods_on(kubectl, n) if "worker" in p])
            for n in ("gpu-server-1", "gpu-server-2", "gpu-server-4")}  # fmt: skip
    places = ", ".join(f"{n}: {f}" for n, f in free.items() if f)
    s = "s" * (here != 1)
    assert here == 2, "the ReplicaSet took a worker off gpu-server-3 despite its deletion cost"
    assert f"room: {here} GPU pod{s} need{'s' * (here == 1)} {here} GPU{s}, {sum(free.values())} " \
        f"free on schedulable nodes ({places})" in plan.preview  # fmt: skip

    # A failed (NotReady) node is no room.
    for name, count in free.items():
        if count:
            sim.fail_node(name)

    async def not_ready() -> bool:
        state = await node.read(conn)
        return any(line.startswith("no room") for line in
                   node.drain(state, ActionArgs(), sim.clock.now()).preview)  # fmt: skip

    await until_async(not_ready, "the failed nodes counted as no room")


async def daemon_pods(kubectl: Kubectl, node: str) -> list[tuple[str, str]]:
    out = await kubectl.ok("get", "pods", "-A", "--field-selector", f"spec.nodeName={node}", "-o",
                           "jsonpath={range .items[*]}{.metadata.namespace} {.metadata.name} "
                           "{.metadata.ownerReferences[0].kind}{'\\n'}{end}")  # fmt: skip
    rows = [line.split() for line in out.splitlines() if line]
    return [(r[0], r[1]) for r in rows if r[2] == "DaemonSet"]


async def until_async(check: Any, what: str, timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.1)


async def test_an_rbac_denial_names_the_permission_and_changes_nothing(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    sim.access.deny(DenyRule(verbs=("create",), resources=("pods/eviction",)))
    node = NodeActions(APP_NODE)
    run = runner(conn, journal, sim)
    plan = node.drain(await node.read(conn), ActionArgs(), sim.clock.now())
    checked = await run.preflight(plan)
    assert not checked.ok
    assert checked.sentence.startswith(f'context "{CONTEXT}" may not create pods/eviction "')
    assert f'in namespace "{NS}"' in checked.sentence
    assert checked.sentence.endswith(" more)") or checked.sentence.endswith("permission")
    outcome = await run.run(plan, checked)
    assert not outcome.ok and outcome.sentence == checked.sentence
    assert [r.kind for r in journal.records] == ["action_refused"]
    assert await unschedulable(kubectl, APP_NODE) == ""
    assert plan.procedure is not None
    assert len(await pods_on(kubectl, APP_NODE)) == len(plan.procedure.calls) == 4
