"""The pairing lock against the sim over HTTP: two warrooms (two connections, or a second
process) on one target. The second is refused while the first holds the lease, and takes it
once it is released or has lapsed; what the server holds is read back with the real kubectl.

The sim runs ten times faster than real time, so a 15 s lease lapses in 1.5 s; tests that
need a lease to stay put give it 60 s or more.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.kube.conftest import Sent, Traffic
from tests.kube.test_clock import Ours, ask
from tests.sim.conftest import Kubectl
from tests.waiting import until, until_value
from warroom.actions.lease import (
    ACTION,
    LockLost,
    LockRefused,
    PairingLock,
    Renewal,
    Target,
    clock_text,
    holder_identity,
    lease_name,
)
from warroom.actions.lease_record import LeaseRecord
from warroom.kinds.times import timestamp_of
from warroom.kube import ApiError, Connection, connect, writes
from warroom.kube.clock import ServerClock
from warroom.sim.access import DenyRule
from warroom.sim.cluster import CONTEXT, SimCluster

NS = "warroom"
NODE = Target("Node", "gpu-node-3")
ALICE = "alice@laptop:4121"
BOB = "bob@desk:77"
LONG = 600  # seconds of sim time: ample for a test to look at a held lease


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster(None, speed=10) as cluster:
        rt = cluster.catalogue.get("", "v1", "namespaces")
        assert rt is not None
        cluster.registry.create(rt, "", {"metadata": {"name": NS}}, dry_run=False)
        yield cluster


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
async def alice(sim: SimCluster, traffic: Traffic) -> AsyncIterator[Connection]:
    async with await connect(sim.kubeconfig, CONTEXT, trace_configs=[traffic.config]) as conn:
        yield conn


@pytest.fixture
async def bob(sim: SimCluster) -> AsyncIterator[Connection]:
    async with await connect(sim.kubeconfig, CONTEXT) as conn:
        yield conn


def lock(conn: Connection, holder: str, duration: int = LONG, **options: Any) -> PairingLock:
    return PairingLock(conn, NODE, holder, namespace=NS, duration=duration, **options)


async def served(kubectl: Kubectl, name: str = "warroom-node-gpu-node-3") -> dict[str, Any]:
    """The Lease as the API server holds it, read by kubectl."""
    return json.loads(await kubectl.ok("get", "lease", name, "-n", NS, "-o", "json"))


def until_text(lease: dict[str, Any]) -> str:
    spec = lease["spec"]
    renewed = timestamp_of(spec["renewTime"])
    assert renewed is not None
    return clock_text(renewed + spec["leaseDurationSeconds"])


async def takes(lock: PairingLock) -> bool:
    try:
        await lock.acquire()
    except LockRefused:
        return False
    return True


# ---- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "want"),
    [
        ("Node", "gpu-node-3", "warroom-node-gpu-node-3"),
        ("Deployment", "bizra-inference", "warroom-deployment-bizra-inference"),
        ("Node", "ip-10-0-1-5.ec2.internal", "warroom-node-ip-10-0-1-5.ec2.internal"),
    ],
)
def test_a_lease_is_named_for_its_target(kind, name, want):
    assert lease_name(kind, name) == want


def test_a_name_too_long_keeps_a_readable_head_and_a_hash_of_the_target():
    long = "sap-llm-inference-green-canary-with-a-very-long-name-indeed"
    name = lease_name("Deployment", long)
    assert len(name) <= 63
    assert name.startswith("warroom-deployment-sap-llm-inference-green")
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name)
    assert lease_name("Deployment", long + "-2") != name
    assert lease_name("Deployment", long) == name  # the same target, the same lease
    dotted = lease_name("Node", "ip-10-0-1-5.eu-west-1.compute.internal.with.more.labels")
    assert len(dotted) <= 63 and re.fullmatch(r"[a-z0-9-]+", dotted)


def test_the_holder_is_the_operator_and_this_process():
    assert holder_identity("alice") == f"alice@{socket.gethostname()}:{os.getpid()}"


def test_a_cluster_scoped_target_needs_a_namespace_for_its_lease(alice):
    with pytest.raises(ValueError, match="Node gpu-node-3 is cluster-scoped"):
        PairingLock(alice, NODE, ALICE)
    deployment = PairingLock(alice, Target("Deployment", "web", "shop"), ALICE, namespace=NS)
    assert deployment.namespace == "shop"  # a namespaced target's lease lives beside it


# ---- two warrooms on one target ----------------------------------------------------------------


async def test_the_first_takes_the_lease_and_the_second_is_refused_naming_it(alice, bob, kubectl):
    first = lock(alice, ALICE, action="draining")
    await first.acquire()
    lease = await served(kubectl)
    assert lease["spec"]["holderIdentity"] == ALICE
    assert lease["spec"]["leaseDurationSeconds"] == LONG
    assert lease["spec"]["leaseTransitions"] == 0
    assert lease["spec"]["acquireTime"] == lease["spec"]["renewTime"]
    assert lease["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "warroom"}
    assert lease["metadata"]["annotations"] == {
        ACTION: "draining",
        "warroom/target": "Node gpu-node-3",
    }
    table = (await kubectl.ok("get", "leases", "-n", NS)).splitlines()
    assert table[1].split()[:2] == ["warroom-node-gpu-node-3", ALICE]

    second = lock(bob, BOB)
    with pytest.raises(LockRefused) as refused:
        await second.acquire()
    assert re.fullmatch(
        rf"{ALICE} is draining gpu-node-3 \(for \d+s; lease held until "
        rf"{until_text(lease)}\); wait or ask them",
        str(refused.value),
    ), str(refused.value)
    assert refused.value.holding.record.holder == ALICE
    assert not second.held
    assert (await served(kubectl))["spec"]["holderIdentity"] == ALICE  # untouched

    holding = await second.read()
    assert holding is not None and holding.action == "draining"
    assert holding.record.holder == ALICE


async def test_without_an_action_the_refusal_says_the_target_is_being_acted_on(alice, bob, kubectl):
    await lock(alice, ALICE).acquire()
    with pytest.raises(LockRefused) as refused:
        await lock(bob, BOB).acquire()
    assert str(refused.value) == (
        f"gpu-node-3 is being acted on by {ALICE} (lease held until "
        f"{until_text(await served(kubectl))}); wait or ask them"
    )


async def test_the_second_takes_the_lease_once_the_first_releases_it(alice, bob, kubectl):
    first = lock(alice, ALICE, action="draining")
    await first.acquire()
    assert await first.release()
    lease = await served(kubectl)
    # tryRelease: the holder cleared, a one-second duration, the transitions kept.
    assert lease["spec"]["holderIdentity"] == ""
    assert lease["spec"]["leaseDurationSeconds"] == 1
    assert lease["spec"]["leaseTransitions"] == 0
    assert ACTION not in (lease["metadata"].get("annotations") or {})
    assert await lock(bob, BOB).read() is None

    second = lock(bob, BOB)
    await second.acquire()
    lease = await served(kubectl)
    assert lease["spec"]["holderIdentity"] == BOB
    assert lease["spec"]["leaseTransitions"] == 1
    assert await first.release()  # nothing names her: Bob's lease is left alone
    assert (await served(kubectl))["spec"]["holderIdentity"] == BOB


async def test_the_second_takes_the_lease_once_it_lapses(alice, bob, kubectl):
    """A warroom that stops renewing (it died) loses the lease when its duration runs out on
    the server's clock; the one it belonged to finds out at its next renewal."""
    first = lock(alice, ALICE, duration=15)
    await first.acquire()
    second = lock(bob, BOB, duration=15)
    assert not await takes(second)
    assert await until_value(lambda: takes(second), bool, timeout=10, every=0.1)
    lease = await served(kubectl)
    assert (lease["spec"]["holderIdentity"], lease["spec"]["leaseTransitions"]) == (BOB, 1)
    with pytest.raises(LockLost, match=f"taken over by {BOB}; stop and check"):
        await first.renew()
    assert not first.held


async def test_a_holder_that_renews_keeps_the_lease(alice, bob, kubectl):
    first = lock(alice, ALICE, duration=15)
    async with first.hold(renew_every=0.05) as renewal:
        acquired = (await served(kubectl))["spec"]["acquireTime"]
        await until(lambda: renewal.renewals >= 3, timeout=10, what="three renewals")
        lease = await served(kubectl)
        assert lease["spec"]["acquireTime"] == acquired
        assert lease["spec"]["renewTime"] > acquired
        assert not await takes(lock(bob, BOB, duration=15))
        renewal.check()
    assert (await served(kubectl))["spec"]["holderIdentity"] == ""


async def test_hold_releases_the_lease_when_the_action_fails(alice, kubectl):
    with pytest.raises(RuntimeError, match="the action failed"):
        async with lock(alice, ALICE).hold():
            assert (await served(kubectl))["spec"]["holderIdentity"] == ALICE
            raise RuntimeError("the action failed")
    assert (await served(kubectl))["spec"]["holderIdentity"] == ""


async def test_a_lease_taken_over_while_held_is_lost(alice, bob):
    first = lock(alice, ALICE)
    async with first.hold(renew_every=0.05) as renewal:
        lease = await writes.get(bob, first.resource, first.name)
        lease["spec"]["holderIdentity"] = BOB  # someone forces it
        await writes.replace(bob, first.resource, first.name, lease)
        await until(lambda: renewal.lost is not None, timeout=10, what="the lock lost")
        assert renewal.lost_event.is_set()
        with pytest.raises(LockLost) as lost:
            renewal.check()
        assert str(lost.value) == (
            f"the pairing lock on gpu-node-3 was taken over by {BOB}; stop and check what "
            "changed before acting again"
        )
    # Not hers any more: leaving the block left Bob's lease alone.
    assert (await writes.get(bob, first.resource, first.name))["spec"]["holderIdentity"] == BOB


async def test_a_renewal_that_meets_a_foreign_write_still_naming_us_keeps_the_lease(alice, kubectl):
    """A 409 on the fast path is not a loss by itself: read again, and renew if it still names
    us (tryAcquireOrRenew's slow path)."""
    first = lock(alice, ALICE)
    await first.acquire()
    await kubectl.ok("annotate", "lease", first.name, "-n", NS, "team=gpu")
    await first.renew()
    lease = await served(kubectl)
    assert lease["spec"]["holderIdentity"] == ALICE
    assert lease["metadata"]["annotations"]["team"] == "gpu"


async def test_a_deleted_lease_is_lost(alice, kubectl):
    first = lock(alice, ALICE)
    await first.acquire()
    await kubectl.ok("delete", "lease", first.name, "-n", NS)
    with pytest.raises(LockLost, match="was deleted; stop and check"):
        await first.renew()


def bob_takes_it_when_alice_reads(sim: SimCluster, traffic: Traffic, name: str) -> None:
    """When Alice's read of the lease is answered, Bob's warroom writes it first."""
    rt = sim.catalogue.get("coordination.k8s.io", "v1", "leases")
    assert rt is not None
    path = f"/apis/coordination.k8s.io/v1/namespaces/{NS}/leases/{name}"
    now = sim.clock.now()
    spec = LeaseRecord(BOB, LONG, acquired=now, renewed=now).spec()

    def race(sent: Sent) -> None:
        if sent.method != "GET" or sent.path != path:
            return
        traffic.on_answer.remove(race)
        current = sim.store.get(("coordination.k8s.io", "leases"), NS, name)
        if current is None:
            body = {"metadata": {"name": name}, "spec": spec}
            sim.registry.create(rt, NS, body, dry_run=False)
        else:
            sim.registry.update(rt, NS, name, {**current, "spec": spec}, dry_run=False)

    traffic.on_answer.append(race)


@pytest.mark.parametrize("lease_there", [False, True], ids=["create", "update"])
async def test_losing_the_race_to_write_the_lease_rereads_and_refuses(
    sim, alice, traffic, kubectl, lease_there
):
    """Both warrooms read the lease free; Bob writes first, so Alice's write is a 409
    (AlreadyExists on create, Conflict on update): she reads again and is refused."""
    first = lock(alice, ALICE)
    if lease_there:
        await first.acquire()
        await first.release()
    bob_takes_it_when_alice_reads(sim, traffic, first.name)
    with pytest.raises(LockRefused) as refused:
        await first.acquire()
    assert refused.value.holding.record.holder == BOB
    writes_sent = [s for s in traffic.sent if s.method in ("POST", "PUT") and "leases" in s.path]
    assert writes_sent[-1].status == 409
    assert (await served(kubectl))["spec"]["holderIdentity"] == BOB


async def test_release_retries_on_conflict(sim, alice, traffic, kubectl):
    """TestReleaseRetriesOnConflict: a write between the release's read and its update (a
    renewal in flight) makes the update a 409; the release reads again and clears it."""
    first = lock(alice, ALICE)
    await first.acquire()
    path = f"/apis/coordination.k8s.io/v1/namespaces/{NS}/leases/{first.name}"
    rt = sim.catalogue.get("coordination.k8s.io", "v1", "leases")
    assert rt is not None

    def bump(sent: Sent) -> None:
        if sent.method == "GET" and sent.path == path and sent.status == 200:
            traffic.on_answer.remove(bump)
            patch = {"metadata": {"annotations": {"moved": "yes"}}}
            sim.registry.patch(
                rt, NS, first.name, "application/merge-patch+json", patch, dry_run=False
            )

    traffic.on_answer.append(bump)
    assert await first.release()
    updates = [s.status for s in traffic.sent if s.method == "PUT" and s.path == path]
    assert updates[-2:] == [409, 200]
    assert (await served(kubectl))["spec"]["holderIdentity"] == ""


async def test_a_lock_without_the_permission_is_refused_in_one_sentence(sim, alice):
    sim.access.deny(DenyRule(verbs=("create",), resources=("leases",)))
    first = lock(alice, ALICE)
    answers = [await writes.can_i(alice, *p) for p in first.permissions()]
    assert [a.allowed for a in answers] == [True, False, True]
    assert answers[1].sentence == (
        f'context "{CONTEXT}" may not create leases.coordination.k8s.io in namespace '
        f'"{NS}"; ask a cluster admin for that permission'
    )
    with pytest.raises(ApiError) as err:
        await first.acquire()
    assert err.value.code == 403
    # A create names no object in its request, so RBAC's message names none either.
    assert str(err.value) == (
        f"create leases.coordination.k8s.io {NS}/warroom-node-gpu-node-3 refused: "
        'leases.coordination.k8s.io is forbidden: User "warroom-sim" cannot create resource '
        f'"leases" in API group "coordination.k8s.io" in the namespace "{NS}"; ask a cluster '
        "admin for that permission"
    )


def test_renewals_keep_pace_with_a_server_clock_that_runs_fast(alice):
    """A lease's seconds are the server's: against a sim at 10× speed a 15 s lease lasts
    1.5 s of ours, so it is renewed every 0.5 s and lost after 1 s of failures."""
    ours = Ours()
    alice.clock = ServerClock(ours)
    start = ours.now
    for _ in range(40):
        ask(alice.clock, ours, 1_900_000_000.0 + 10 * (ours.now - start))
        ours.now += 0.25
    assert alice.clock.rate == pytest.approx(10, rel=0.02)
    renewal = Renewal(lock(alice, ALICE, duration=15))
    assert renewal.interval() == pytest.approx(0.5, rel=0.02)
    assert renewal.deadline() == pytest.approx(1.0, rel=0.02)
    assert Renewal(lock(alice, ALICE, duration=15), every=0.05).interval() == 0.05


# ---- a warroom process that dies ---------------------------------------------------------------

HOLDER = """
import asyncio, sys
from warroom.actions.lease import PairingLock, Target, holder_identity
from warroom.kube import connect

async def main() -> None:
    conn = await connect(sys.argv[1], "warroom-sim")
    lock = PairingLock(conn, Target("Node", "gpu-node-3"), holder_identity("carol"),
                       namespace="warroom", duration=15, action="cordoning")
    async with lock.hold(renew_every=0.1):
        print("held", flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_a_warroom_process_that_dies_leaves_a_lease_that_lapses(sim, bob, kubectl):
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLDER,
        str(sim.kubeconfig),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 60)
        assert line == b"held\n", (line, await child.stderr.read() if child.stderr else b"")
        carol = f"carol@{socket.gethostname()}:{child.pid}"
        second = lock(bob, BOB, duration=15)

        async def held_for() -> float:
            spec = (await writes.get(bob, second.resource, second.name))["spec"]
            return float(timestamp_of(spec["renewTime"]) - timestamp_of(spec["acquireTime"]))

        # Renewed every 0.1 s, the 15 s lease (1.5 s of real time) outlives its duration.
        await until_value(held_for, lambda held: held > 30, timeout=20, every=0.1)
        with pytest.raises(LockRefused) as refused:
            await second.acquire()
        assert refused.value.holding.record.holder == carol
        assert str(refused.value).startswith(f"{carol} is cordoning gpu-node-3 (for ")
    finally:
        child.kill()
        await child.wait()
    assert await until_value(lambda: takes(second), bool, timeout=10, every=0.1)
    lease = await served(kubectl)
    assert (lease["spec"]["holderIdentity"], lease["spec"]["leaseTransitions"]) == (BOB, 1)
