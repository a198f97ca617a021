"""The checklist on a live room against the simulated cluster over HTTP and its Prometheus:
a rollout check flips to pass when the sim's rollout finishes; `for` is judged on the sim's
clock; a Prometheus outage turns items unknown and back; a soak restarts on a breach and
says so; a trigger is raised, and journalled, when the sim injects a regression."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.checklist.conftest import NS, SPEED
from tests.sim.conftest import Kubectl
from warroom.checklist.verdicts import ItemVerdict
from warroom.journal import open_journal, session_path
from warroom.live.checklist import ChecklistRun
from warroom.live.room import Room
from warroom.sim.cluster import SimCluster

STABLE = "ghcr.io/bizra/inference:2.0.0-production"


async def until_verdict(
    run: ChecklistRun, item: str, check: Callable[[ItemVerdict], bool], timeout: float = 30.0
) -> ItemVerdict:
    """Tick the checklist until `item`'s verdict passes `check`; the verdicts seen on failure."""
    seen: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        verdict = run.tick().items[item]
        if check(verdict):
            return verdict
        said = f"{verdict.verdict} ({verdict.reason})"
        if not seen or seen[-1] != said:
            seen.append(said)
        if loop.time() > deadline:
            raise AssertionError(f"{item} not as wanted within {timeout:g} s; saw {seen}")
        await asyncio.sleep(0.1)


def live_run(room: Room) -> ChecklistRun:
    return ChecklistRun(room, None, pace=lambda: SPEED)


@pytest.mark.kubectl
async def test_a_rollout_check_flips_to_pass_when_the_sims_rollout_finishes(
    room: Room, kubectl: Kubectl
) -> None:
    run = live_run(room)
    await until_verdict(run, "rolled", lambda v: v.verdict == "pass")
    await kubectl.ok(
        "set", "image", "deployment/bizra-inference",
        "inference-server=ghcr.io/bizra/inference:2.0.1", "-n", NS,
    )  # fmt: skip
    moving = await until_verdict(run, "rolled", lambda v: v.verdict == "pending")
    assert moving.reason.endswith("updated") and "rollout status" in (moving.evidence.query or "")
    done = await until_verdict(run, "rolled", lambda v: v.verdict == "pass", timeout=90)
    assert done.evidence.value == 'deployment "bizra-inference" successfully rolled out'
    # kubectl itself agrees at that moment.
    said = await kubectl.ok("rollout", "status", "deployment/bizra-inference", "-n", NS)
    assert "successfully rolled out" in said


async def test_for_is_held_on_the_sims_clock_then_passes(room: Room, sim: SimCluster) -> None:
    run = live_run(room)
    pending = await until_verdict(run, "traffic", lambda v: v.verdict == "pending")
    assert pending.reason == "holding, 1m needed" and pending.remaining is not None
    # A minute of the sim's time is six seconds of ours at ×10.
    passed = await until_verdict(run, "traffic", lambda v: v.verdict == "pass", timeout=40)
    assert passed.evidence.since is not None
    assert sim.clock.now() - passed.evidence.since >= 60


async def test_a_prometheus_outage_turns_its_items_unknown_and_back(
    room: Room, sim: SimCluster
) -> None:
    run = live_run(room)
    await until_verdict(run, "traffic", lambda v: v.verdict in ("pending", "pass"))
    sim.prometheus_outage(True)
    gone = await until_verdict(run, "traffic", lambda v: v.verdict == "unknown")
    assert gone.reason in ("query failed", "stale", "no data")
    assert run.tick().items["runbook"].verdict == "pending"  # a manual item is not touched
    sim.prometheus_outage(False)
    await until_verdict(run, "traffic", lambda v: v.verdict in ("pending", "pass"))


async def test_a_soak_restarts_on_a_breach_and_says_so(room: Room, sim: SimCluster) -> None:
    run = live_run(room)
    await until_verdict(
        run, "soak", lambda v: v.verdict == "pending" and "restarted" not in v.reason
    )
    sim.regress_image(STABLE, latency=4.0, errors=0.0)
    breaching = await until_verdict(run, "soak", lambda v: v.verdict == "fail")
    assert breaching.reason == "P95 breaching"  # the title from the id
    sim.clear_regression(STABLE)
    again = await until_verdict(
        run, "soak", lambda v: v.verdict == "pending" and "restarted" in v.reason, timeout=60
    )
    assert again.evidence.detail == "timer restarted after P95 breached its SLO"


async def test_a_regression_raises_the_trigger_and_the_journal_records_it(
    room: Room, sim: SimCluster
) -> None:
    journal = open_journal(session_path("trigger"), "ana", clock=room.picture.clock)
    run = ChecklistRun(room, journal, pace=lambda: SPEED)
    await until_verdict(run, "soak", lambda v: v.verdict != "unknown")
    assert not run.tick().raised
    sim.regress_image(STABLE, latency=4.0, errors=0.0)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not run.tick().raised:
        assert loop.time() < deadline, "the trigger was not raised"
        await asyncio.sleep(0.1)
    raised = [r for r in journal.records if r.kind == "trigger_raised"]
    assert [r.payload["trigger"] for r in raised] == ["slow"]
    assert raised[0].payload["evidence"]["threshold"] == "> 1.00s"
    sim.clear_regression(STABLE)
    while run.tick().raised:
        assert loop.time() < deadline + 60, "the trigger was not cleared"
        await asyncio.sleep(0.1)
    assert [r.kind for r in journal.records if r.kind.startswith("trigger")] == [
        "trigger_raised",
        "trigger_cleared",
    ]
    journal.close()


async def test_answers_failing_the_ihsan_check_raise_the_seeds_trigger(
    room: Room, sim: SimCluster
) -> None:
    # Seed 000's rollback trigger "احسان pass rate < 50%", read from the load model's
    # ihsan_checks_total: a build whose answers fail the check raises it, and only it.
    run = ChecklistRun(room, None, pace=lambda: SPEED)
    await until_verdict(run, "soak", lambda v: v.verdict != "unknown")
    assert not run.tick().raised
    sim.regress_image(STABLE, latency=1.0, errors=0.0, ihsan=0.6)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not (raised := run.tick().raised):
        assert loop.time() < deadline, "the trigger was not raised"
        await asyncio.sleep(0.1)
    assert [t.id for t in raised] == ["ihsan_low"]
    assert raised[0].evidence.threshold == "< 50.00%"
