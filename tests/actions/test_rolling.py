"""The rolling strategy against the sim over HTTP, with the real kubectl as the oracle: set
image, undo (whose result must be what `kubectl rollout undo` makes of the same Deployment),
pause and the refusal kubectl gives a paused undo, scale with the HPA that owns the count,
an RBAC denial that changes nothing, the journal's records in order, and a second warroom
refused while the first holds the target."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.sim.conftest import Kubectl
from tests.waiting import until
from warroom.actions.lease import Target
from warroom.actions.plan import ActionRefused, Plan
from warroom.actions.rolling import Rolling
from warroom.actions.run import ActionRunner, Outcome, confirmation_problem
from warroom.journal.journal import Journal, open_journal
from warroom.kube import Connection, connect
from warroom.sim.access import DenyRule
from warroom.sim.cluster import CONTEXT, SimCluster

pytestmark = pytest.mark.kubectl

NS = "gpu-platform"
API = "inference-api"
OLD = "registry.example.com/gpu-platform/api:1.4.0"
NEW = "registry.example.com/gpu-platform/api:1.4.1"


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("gpu-inference-platform", speed=20) as cluster:
        yield cluster


def runner(conn: Connection, journal: Journal, sim: SimCluster, operator: str = "ana") -> Any:
    return ActionRunner(conn, operator=operator, record=journal.append, now=sim.clock.now, poll=0.1)


async def act(run: ActionRunner, plan: Plan) -> Outcome:
    checked = await run.preflight(plan)
    return await run.run(plan, checked)


async def image(kubectl: Kubectl) -> str:
    return await kubectl.ok(
        "get",
        "deployment",
        API,
        "-n",
        NS,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    )


async def kubectl_dry_undo(kubectl: Kubectl) -> Any:
    """The Deployment as the server answered kubectl's `rollout undo --dry-run=server` patch."""
    logged = await kubectl(
        "rollout", "undo", f"deployment/{API}", "-n", NS, "--dry-run=server", "-v=9"
    )
    lines = logged.stderr.splitlines()
    patched = next(
        i for i, line in enumerate(lines) if "PATCH http" in line and "dryRun=All" in line
    )
    answer = next(line for line in lines[patched:] if '"Response Body" body="' in line)
    return json.loads(json.loads(answer.split(" body=", 1)[1]))


async def test_set_image_then_undo_as_kubectl_would(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    rolling = Rolling(NS, API, "api")
    run = runner(conn, journal, sim)
    done = await act(run, rolling.set_image(await rolling.read(conn), NEW))
    assert done.ok and done.verified, done.sentence
    assert 'deployment "inference-api" successfully rolled out' in done.sentence
    assert await image(kubectl) == NEW
    history = await kubectl.ok("rollout", "history", f"deployment/{API}", "-n", NS)
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"]

    # What kubectl's undo makes of this Deployment: the server's answer to its patch (a
    # server-side dry run, read from kubectl's -v=9 log), against the answer to ours.
    theirs = await kubectl_dry_undo(kubectl)
    plan = rolling.undo(await rolling.read(conn))
    assert plan.destructive
    assert plan.preview == (
        f"roll deployment {NS}/{API} back from revision 2 ({NEW}) to revision 1 ({OLD})",
    )
    checked = await run.preflight(plan)
    assert checked.ok, checked.sentence
    ours = checked.answers[-1]
    assert ours["spec"]["template"] == theirs["spec"]["template"]
    assert ours["metadata"]["annotations"] == theirs["metadata"]["annotations"]
    assert checked.after == (f"the dry run says: deployment {API} will run {OLD}",)
    assert await image(kubectl) == NEW  # the dry run changed nothing

    back = await run.run(plan, checked)
    assert back.ok and back.verified, back.sentence
    assert await image(kubectl) == OLD
    # kubectl numbers the revision rolled back to anew, as the controller does.
    history = await kubectl.ok("rollout", "history", f"deployment/{API}", "-n", NS)
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"]

    kinds = [r.kind for r in journal.records]
    assert kinds == ["action_started", "action_call", "action_done"] * 2
    started, call, ended = journal.records[3:6]
    assert started.payload["action"] == "undo" and started.payload["preview"] == list(plan.preview)
    assert started.payload["calls"][0]["patch_type"] == "application/json-patch+json"
    assert call.payload["answer"]["kind"] == "Deployment"
    assert ended.payload["ok"] is True and ended.payload["verified"] is True
    assert started.operator == "ana"


async def test_a_paused_deployment_is_not_undone_but_resume_undo_does_both(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    rolling = Rolling(NS, API, "api")
    run = runner(conn, journal, sim)
    assert (await act(run, rolling.set_image(await rolling.read(conn), NEW))).ok
    paused = await act(run, rolling.pause(await rolling.read(conn)))
    assert paused.ok and paused.verified, paused.sentence
    assert await kubectl.ok("get", "deployment", API, "-n", NS, "-o",
                            "jsonpath={.spec.paused}") == "true"  # fmt: skip

    # kubectl's own refusal, word for word, and the offer.
    refusal = await kubectl("rollout", "undo", f"deployment/{API}", "-n", NS)
    state = await rolling.read(conn)
    with pytest.raises(ActionRefused) as refused:
        rolling.undo(state)
    assert str(refused.value).startswith(refusal.stderr.strip().removeprefix("error: "))
    assert refused.value.instead == "resume-undo"

    both = rolling.undo(state, resume=True)
    assert [c.says for c in both.calls] == [
        f"resume deployment {API}",
        f"roll back deployment {API} to revision 1",
    ]
    done = await act(run, both)
    assert done.ok and done.verified, done.sentence
    assert await image(kubectl) == OLD


async def test_scale_warns_of_the_hpa_and_an_rbac_denial_changes_nothing(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    rolling = Rolling(NS, API, "api")
    plan = rolling.scale(await rolling.read(conn), 5)
    assert plan.preview == (f"scale deployment {NS}/{API} 3 → 5 pods",)
    assert plan.warnings == (
        "HorizontalPodAutoscaler inference-api owns the replica count (3–10): it will scale "
        "the Deployment back within its range",
    )
    assert not plan.destructive and rolling.scale(await rolling.read(conn), 0).destructive

    sim.access.deny(DenyRule(verbs=("patch",), groups=("apps",),
                             resources=("deployments/scale",)))  # fmt: skip
    run = runner(conn, journal, sim)
    checked = await run.preflight(plan)
    assert not checked.ok
    assert checked.sentence.startswith(
        f'context "{CONTEXT}" may not patch deployments.apps/scale "{API}" in namespace "{NS}"'
    )
    assert checked.sentence.endswith("ask a cluster admin for that permission")
    outcome = await run.run(plan, checked)
    assert not outcome.ok and outcome.sentence == checked.sentence
    assert [r.kind for r in journal.records] == ["action_refused"]
    replicas = await kubectl.ok("get", "deployment", API, "-n", NS, "-o",
                                "jsonpath={.spec.replicas}")  # fmt: skip
    assert replicas == "3"


async def test_a_second_warroom_is_refused_while_the_first_acts(
    sim: SimCluster, conn: Connection, journal: Journal, tmp_path: Path
) -> None:
    rolling = Rolling(NS, API, "api")
    first = runner(conn, journal, sim)
    other = open_journal(tmp_path / "bob.jsonl", "bob", clock=sim.clock.now)
    async with await connect(sim.kubeconfig, CONTEXT) as bob_conn:
        second = runner(bob_conn, other, sim, operator="bob")
        # The first rolls the new image out; while it waits for the rollout, bob restarts.
        plan = rolling.set_image(await rolling.read(conn), NEW)
        checked = await first.preflight(plan)
        running = asyncio.create_task(first.run(plan, checked))
        await until(lambda: any(r.kind == "action_started" for r in journal.records),
                    what="the first warroom's action started")  # fmt: skip
        restart = rolling.restart(await rolling.read(bob_conn), sim.clock.now())
        refused = await act(second, restart)
        assert not refused.ok
        assert refused.sentence.startswith(f"{first.holder} is updating {API} (for ")
        assert refused.sentence.endswith("wait or ask them")
        assert [r.kind for r in other.records] == ["action_refused"]
        assert (await running).ok
        # Released at the end: bob may act now.
        assert (await act(second, rolling.restart(await rolling.read(bob_conn),
                                                  sim.clock.now()))).ok  # fmt: skip


def test_a_destructive_action_on_production_needs_the_name_typed() -> None:
    plan = Plan("undo", "rolling back", Target("Deployment", API, NS), (), (), destructive=True)
    assert confirmation_problem(plan, production=False, typed=None) == ""
    assert confirmation_problem(plan, production=True, typed=API) == ""
    assert confirmation_problem(plan, production=True, typed="inference") == (
        f"undo of Deployment {NS}/{API} on a production context needs its name typed to "
        f"confirm: type {API}"
    )
    safe = Plan("pause", "pausing", Target("Deployment", API, NS), (), ())
    assert confirmation_problem(safe, production=True, typed=None) == ""
