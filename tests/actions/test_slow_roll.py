"""The slow-roll strategy against seed 004's scenario (hsc-jit-slow-roll) over HTTP, as its
layout declares it: promote 0 → 25 → 50 %, a rollback from the middle, then every step to
100 %. After each, the Deployments as the real kubectl reads them, the new version's share of
the traffic in the load model's metrics (the layout's own new_share signal, on the sim's
Prometheus), and the journal's records; the HPA that holds the stable at 3 pods is warned
of before the step it would undo. And one step by `warroom action`, a real process."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.sim.conftest import Kubectl
from warroom.actions.plan import ActionArgs, Plan
from warroom.actions.run import ActionRunner, Outcome
from warroom.actions.slow_roll import RELEASE_REPLICAS, SlowRollState, SlowRollStrategy
from warroom.actions.strategies import for_target
from warroom.journal import open_journal, session_path
from warroom.journal.journal import Journal
from warroom.kube import Connection
from warroom.layout import Layout, load_layout
from warroom.sim.cluster import CONTEXT, SimCluster

pytestmark = pytest.mark.kubectl

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = ROOT / "layouts" / "hsc-jit-slow-roll.yaml"
NS = "hsc-jit"
NEW, STABLE = "hsc-jit-backend-new", "hsc-jit-backend"
SERVICE = f"{NS}/hsc-jit-backend"


@pytest.fixture
def layout() -> Layout:
    return load_layout(LAYOUT)


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("hsc-jit-slow-roll", speed=30, scrape_interval=0.5) as cluster:
        cluster.set_users(SERVICE, 100)  # the seed's locust run, held
        yield cluster


def strategy(layout: Layout) -> SlowRollStrategy:
    chosen = for_target(next(t for t in layout.targets if t.name == NEW))
    assert isinstance(chosen, SlowRollStrategy)
    return chosen


async def counts(kubectl: Kubectl) -> dict[str, tuple[int, int]]:
    """Each Deployment's (spec.replicas, readyReplicas), as kubectl reads them."""
    out = await kubectl.ok(
        "get", "deployments", "-n", NS, "-l", "app=hsc-jit-backend", "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.spec.replicas} "
        "{.status.readyReplicas}{'\\n'}{end}",
    )  # fmt: skip
    rows = (line.split() for line in out.splitlines() if line.strip())
    return {row[0]: (int(row[1]), int(row[2]) if len(row) > 2 else 0) for row in rows}


async def traffic(sim: SimCluster, layout: Layout, want: float) -> float:
    """The layout's new_share signal on the sim's Prometheus, once it reads `want` (±3 %)."""
    query = layout.signals["new_share"].query
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    seen = float("nan")
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            url = f"{sim.prometheus_url}/api/v1/query"
            async with http.get(url, params={"query": query}) as reply:
                result = (await reply.json())["data"]["result"]
            seen = float(result[0]["value"][1]) if result else float("nan")
            if abs(seen - want) <= 0.03:
                return seen
            await asyncio.sleep(0.2)
    raise AssertionError(f"the new version's share of requests is {seen}, not {want}, in 30 s")


async def act(run: ActionRunner, plan: Plan) -> Outcome:
    checked = await run.preflight(plan)
    assert checked.ok, checked.sentence
    return await run.run(plan, checked)


async def step(
    run: ActionRunner,
    roll: SlowRollStrategy,
    conn: Connection,
    action: str,
    preview: str,
    now: float,
) -> SlowRollState:
    """Plan `action`, check its first preview line, run it, and return the state after."""
    plan = roll.plan(action, await roll.read(conn), ActionArgs(), now)
    assert plan.preview[0] == preview
    done = await act(run, plan)
    assert done.ok and done.verified, done.sentence
    return await roll.read(conn)


async def test_promote_roll_back_from_the_middle_then_promote_every_step_to_100(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal, layout: Layout
) -> None:
    roll = strategy(layout)
    assert (roll.stable, roll.steps, roll.traffic_signal) == (STABLE, (25, 50, 75, 100),
                                                              "new_share")  # fmt: skip
    run = ActionRunner(conn, operator="ana", record=journal.append, now=sim.clock.now, poll=0.1)
    state = await roll.read(conn)
    words = roll.status(state)
    assert (words.phase, words.step) == ("not started", f"0 of 4 steps: {STABLE} serves everything")
    assert words.next == f"promote: scale {NEW} 0 → 1 pods (25 %)"

    # Step 1, the seed's "1 extra pod": one new pod beside the three stable ones.
    state = await step(run, roll, conn, "promote",
                       f"scale {NEW} 0 → 1 pods; new version's share 0 % → 25 % (step 1 of 4)",
                       sim.clock.now())  # fmt: skip
    assert await counts(kubectl) == {NEW: (1, 1), STABLE: (3, 3)}
    await traffic(sim, layout, 0.25)
    annotations = json.loads(await kubectl.ok("get", "deployment", NEW, "-n", NS, "-o",
                                              "jsonpath={.metadata.annotations}"))  # fmt: skip
    assert annotations[RELEASE_REPLICAS] == "3"  # the release's size, for the rollback

    # Step 2 takes the stable below its HPA's minimum of 3: said before it is sent.
    plan = roll.plan("promote", state, ActionArgs(), sim.clock.now())
    assert plan.preview == (
        f"scale {NEW} 1 → 2 pods and {STABLE} 3 → 2 pods; new version's share 25 % → 50 % "
        "(step 2 of 4)",
    )
    assert plan.warnings == (
        f"HorizontalPodAutoscaler {STABLE} keeps {STABLE} at 3 pods at least (minReplicas): it "
        "will scale it back from 2 to 3, and the new version's share will be 40 %, not 50 %; "
        "lower its minReplicas before this step",
    )
    # The engineer heeds it: the HPA may go down to 1 and holds its scale-down for the roll.
    await kubectl.ok(
        "patch", "hpa", STABLE, "-n", NS, "--type=merge", "-p",
        json.dumps({"spec": {"minReplicas": 1,
                             "behavior": {"scaleDown": {"selectPolicy": "Disabled"}}}}),
    )  # fmt: skip
    state = await step(run, roll, conn, "promote",
                       f"scale {NEW} 1 → 2 pods and {STABLE} 3 → 2 pods; new version's share "
                       "25 % → 50 % (step 2 of 4)", sim.clock.now())  # fmt: skip
    assert await counts(kubectl) == {NEW: (2, 2), STABLE: (2, 2)}
    share = await traffic(sim, layout, 0.5)
    words = roll.status(state, share)
    assert (words.phase, words.step) == ("rolling", "step 2 of 4: 50 %")
    assert words.facts["new version's share of requests"] == "50 %"
    assert words.next == f"promote: scale {NEW} 2 → 3 and {STABLE} 2 → 1 pods (75 %)"

    # Pause means nothing here, and says so; nothing is sent.
    held = roll.plan("pause", state, ActionArgs(), sim.clock.now())
    assert held.nothing_to_do == (
        "a slow roll moves only when promoted: it holds at 50 % of the pods (step 2 of 4) "
        "until the next promote, so there is nothing to pause"
    )
    assert (await run.run(held, await run.preflight(held))).ok

    # Rollback from the middle: the new version to 0, the stable back to its 3, one action.
    plan = roll.plan("rollback", state, ActionArgs(), sim.clock.now())
    assert plan.destructive
    abort = roll.plan("abort", state, ActionArgs(), sim.clock.now())  # the same calls
    assert (abort.action, abort.calls, abort.destructive) == ("abort", plan.calls, True)
    assert abort.preview == (*plan.preview, "abort is the rollback here: the new version's pods "
                             "behind the Service take their share while they run, so the traffic "
                             "is back on the stable only once they are gone")  # fmt: skip
    # The stable comes back before the new version goes.
    assert [c.says for c in plan.calls] == [f"scale deployment {STABLE} 2 → 3",
                                            f"scale deployment {NEW} 2 → 0"]  # fmt: skip
    assert plan.preview == (
        f"scale {NEW} 2 → 0 pods and {STABLE} 2 → 3 pods; new version's share 50 % → 0 %",
        f"{NEW} keeps its Deployment and ReplicaSet for inspection, with no pods; {STABLE} goes "
        "back to the 3 pods it had before the roll",
    )
    done = await act(run, plan)
    assert done.ok and done.verified, done.sentence
    assert await counts(kubectl) == {NEW: (0, 0), STABLE: (3, 3)}
    await traffic(sim, layout, 0.0)
    annotations = json.loads(await kubectl.ok("get", "deployment", NEW, "-n", NS, "-o",
                                              "jsonpath={.metadata.annotations}"))  # fmt: skip
    assert RELEASE_REPLICAS not in annotations  # the next roll starts from the stable's count

    # Then every step to 100 %: 1 + 3, 2 + 2, 3 + 1, 3 + 0 pods.
    expected = [
        (f"scale {NEW} 0 → 1 pods; new version's share 0 % → 25 % (step 1 of 4)", (1, 3)),
        (f"scale {NEW} 1 → 2 pods and {STABLE} 3 → 2 pods; new version's share 25 % → 50 % "
         "(step 2 of 4)", (2, 2)),
        (f"scale {NEW} 2 → 3 pods and {STABLE} 2 → 1 pods; new version's share 50 % → 75 % "
         "(step 3 of 4)", (3, 1)),
        (f"scale {STABLE} 1 → 0 pods; new version's share 75 % → 100 % (step 4 of 4)", (3, 0)),
    ]  # fmt: skip
    for preview, (new, stable) in expected:
        state = await step(run, roll, conn, "promote", preview, sim.clock.now())
        assert await counts(kubectl) == {NEW: (new, new), STABLE: (stable, stable)}
        await traffic(sim, layout, new / (new + stable))
    words = roll.status(state)
    assert words.phase == "promoted" and words.step == f"step 4 of 4: 100 %, {STABLE} at 0 pods"
    last = roll.plan("promote", state, ActionArgs(), sim.clock.now())
    assert last.nothing_to_do == "the new version already has 100 %"

    kinds = [r.kind for r in journal.records]
    one = ["action_started", "action_call", "action_done"]
    two = ["action_started", "action_call", "action_call", "action_done"]
    assert kinds == one + two + ["action_skipped"] + two + one + two + two + one
    rollback = [r for r in journal.records if r.kind == "action_started"][2]
    assert rollback.payload["action"] == "rollback" and rollback.payload["destructive"]
    assert [c["body"] for c in rollback.payload["calls"]] == [
        {"spec": {"replicas": 3}},
        {"metadata": {"annotations": {RELEASE_REPLICAS: None}}, "spec": {"replicas": 0}},
    ]
    assert all(r.payload["ok"] and r.payload["verified"]
               for r in journal.records if r.kind == "action_done")  # fmt: skip


async def warroom(sim: SimCluster, *args: str, stdin: str = "") -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "warroom", "action", str(LAYOUT), *args,
        "--kubeconfig", str(sim.kubeconfig), "--context", CONTEXT,
        "--session", "slow-roll", "--operator", "ana",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=dict(os.environ), cwd=ROOT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(stdin.encode()), 120)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_one_step_by_warroom_action(sim: SimCluster, kubectl: Kubectl) -> None:
    code, out = await warroom(sim, "promote", NEW, "--dry-run")
    assert code == 0, out
    assert f"scale {NEW} 0 → 1 pods; new version's share 0 % → 25 % (step 1 of 4)" in out
    assert f"the dry run says: deployment {NEW} will have 1 replicas" in out
    assert (await counts(kubectl))[NEW] == (0, 0)

    code, out = await warroom(sim, "promote", NEW, "--yes")
    assert code == 0, out
    assert f"{NEW}: promote done; {NEW} and {STABLE} run their pods, ready" in out
    assert await counts(kubectl) == {NEW: (1, 1), STABLE: (3, 3)}

    # The layout marks the context production: a rollback wants the name typed.
    code, out = await warroom(sim, "rollback", NEW, stdin="hsc-jit\n")
    assert code == 1 and out.rstrip().endswith(f"type {NEW}"), out
    assert f"{STABLE} keeps the 3 pods it had before the roll" in out
    code, out = await warroom(sim, "rollback", NEW, "--confirm", NEW)
    assert code == 0, out
    assert await counts(kubectl) == {NEW: (0, 0), STABLE: (3, 3)}

    journal = open_journal(session_path("slow-roll"), "ana", clock=sim.clock.now)
    records: list[Any] = journal.records
    assert [r.kind for r in records] == ["action_started", "action_call", "action_done"] * 2
