"""The flagger strategy against seed 003's scenario (node0-canary) over HTTP, on a manual clock
the test moves (Prometheus scraping along), with the real kubectl as the oracle: a release
promoted through every step (10 → 50 → 100 %) and its confirm-promotion gate opened by the
action; one rolled back from 50 % by the rollback gate; promote-full by skipAnalysis where the
layout allows it and refused where not; the proxy call's preflight, which asks its permission
and says it cannot be dry-run; the seed's emergency rollback, offered only once Flagger is
stuck. The Canary's status, NGINX's canary weight, the traffic split in the load model's
request counters (read from the sim's Prometheus) and the journal show each."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest

from tests.sim.conftest import Kubectl
from warroom.actions.flagger import Flagger, FlaggerState
from warroom.actions.plan import ActionArgs, ActionRefused, Plan
from warroom.actions.preflight import Preflight
from warroom.actions.run import ActionRunner, Outcome
from warroom.journal.journal import Journal
from warroom.kube import Connection
from warroom.layout import load_layout
from warroom.sim.access import DenyRule
from warroom.sim.cluster import CONTEXT, SimCluster

pytestmark = pytest.mark.kubectl

ROOT = Path(__file__).resolve().parents[2]
NS = "bizra-production"
STABLE = "ghcr.io/bizra/node0:v2.0.0"
RELEASE = "ghcr.io/bizra/node0:v2.1.0"
GATE = "/api/v1/namespaces/flagger-system/services/flagger-loadtester:80/proxy"
T = TypeVar("T")


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("node0-canary", manual_clock=True) as cluster:
        yield cluster


def seed_flagger(**settings: Any) -> Flagger:
    """node0's strategy as layouts/node0-canary.yaml builds it (its settings overridden)."""
    (target,) = [t for t in load_layout(ROOT / "layouts" / "node0-canary.yaml").targets
                 if t.strategy == "flagger"]  # fmt: skip
    assert target.flagger is not None
    chosen = target.flagger.model_copy(update=settings) if settings else target.flagger
    return Flagger(target.namespace, target.name, target.container or "", chosen)


def runner(conn: Connection, journal: Journal, sim: SimCluster) -> ActionRunner:
    return ActionRunner(conn, operator="ana", record=journal.append, now=sim.clock.now, poll=0.02)


async def tick(sim: SimCluster, seconds: float = 10) -> None:
    """Cluster time passes in 10 s steps, Prometheus scraping after each."""
    for _ in range(int(seconds // 10)):
        await sim.advance(10)
        sim.scrape_now()


async def drive(sim: SimCluster, work: Awaitable[T], ticks: int = 120) -> T:
    """Await `work` while the cluster's time moves on (it waits on the cluster's clock)."""
    task = asyncio.ensure_future(work)
    for _ in range(ticks):
        done, _ = await asyncio.wait({task}, timeout=0.05)
        if done:
            return task.result()
        await tick(sim)
    task.cancel()
    raise AssertionError(f"not done within {ticks * 10} s of cluster time")


async def until_state(
    sim: SimCluster, conn: Connection, flagger: Flagger, want: Any, ticks: int = 30
) -> FlaggerState:
    """Tick until the Canary's state passes `want`."""
    for _ in range(ticks):
        state = await flagger.read(conn)
        if want(state):
            return state
        await tick(sim)
    raise AssertionError(f"not within {ticks * 10} s: {flagger.status(state)}")


async def nginx_weight(kubectl: Kubectl) -> str:
    return await kubectl.ok(
        "get", "ingress", "node0-canary", "-n", NS, "-o",
        r"jsonpath={.metadata.annotations.nginx\.ingress\.kubernetes\.io/canary-weight}",
    )  # fmt: skip


async def image_of(kubectl: Kubectl, name: str) -> str:
    return await kubectl.ok(
        "get", "deployment", name, "-n", NS, "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    )  # fmt: skip


async def counters(sim: SimCluster) -> dict[tuple[str, str], float]:
    """node0's request counters per pod and version, as the sim's Prometheus holds them now."""
    query = f'circuit_breaker_requests_total{{namespace="{NS}"}}'
    async with aiohttp.ClientSession() as http:
        url = f"{sim.prometheus_url}/api/v1/query"
        async with http.get(url, params={"query": query}) as reply:
            result = (await reply.json())["data"]["result"]
    return {(r["metric"]["pod"], r["metric"]["version"]): float(r["value"][1]) for r in result}


async def split(sim: SimCluster, seconds: float = 40) -> dict[str, float]:
    """Each version's share of the requests served over the next `seconds` of cluster time."""
    before = await counters(sim)
    await tick(sim, seconds)
    after = await counters(sim)
    served: dict[str, float] = {}
    for key, value in after.items():
        if key in before:
            served[key[1]] = served.get(key[1], 0.0) + value - before[key]
    total = sum(served.values())
    assert total > 0, (before, after)
    return {version: round(n / total, 2) for version, n in served.items() if n > 0}


async def gate_check(kubectl: Kubectl, tmp_path: Path) -> int:
    """The loadtester's own answer to Flagger's promotion check (0 approved, else refused)."""
    body = tmp_path / "check.json"
    body.write_text(json.dumps({"name": "node0-canary", "namespace": NS}), encoding="utf-8")
    return (await kubectl("create", "--raw", f"{GATE}/gate/check", "-f", str(body))).returncode


async def release(kubectl: Kubectl, image: str = RELEASE) -> None:
    await kubectl.ok("set", "image", "deployment/node0", f"node0={image}", "-n", NS)


async def preflight_and_run(sim: SimCluster, run: ActionRunner, plan: Plan) -> Outcome:
    checked = await run.preflight(plan)
    assert checked.ok, checked.sentence
    return await drive(sim, run.run(plan, checked))


async def test_promote_through_every_step_with_the_gate_opened_by_the_action(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal, tmp_path: Path
) -> None:
    flagger = seed_flagger()
    idle = flagger.status(await flagger.read(conn))
    assert (idle.phase, idle.facts["primary image"]) == ("Initialized", STABLE)
    with pytest.raises(ActionRefused, match="runs no analysis"):
        flagger.plan("promote", await flagger.read(conn), ActionArgs(), sim.clock.now())

    await release(kubectl)
    seen: dict[int, tuple[str, dict[str, float]]] = {}
    for weight in (10, 50, 100):
        state = await until_state(sim, conn, flagger, lambda s, w=weight: s.weight == w)
        words = flagger.status(state)
        assert (words.phase, words.facts["canary weight"]) == ("Progressing", f"{weight} %")
        assert words.step == f"canary weight {weight} % (10 → 50 → 100), analysis every 60s"
        seen[weight] = (await nginx_weight(kubectl), await split(sim))
    assert seen == {
        10: ("10", {"v2.0.0": 0.9, "v2.1.0": 0.1}),
        50: ("50", {"v2.0.0": 0.5, "v2.1.0": 0.5}),
        100: ("100", {"v2.1.0": 1.0}),
    }

    # At 100 % Flagger holds at the confirm-promotion gate, which stays closed meanwhile.
    held = await until_state(sim, conn, flagger, lambda s: s.phase == "WaitingPromotion")
    words = flagger.status(held)
    assert words.waiting_for == (
        "the confirm-promotion gate promotion-gate on flagger-system/flagger-loadtester:80 "
        "(promote opens it)"
    )
    assert words.next.startswith(f"once open, Flagger copies node0's template ({RELEASE})")
    # Flagger's status resets the weight while it waits; the traffic stays on the canary.
    assert held.weight == 0 and await nginx_weight(kubectl) == "100"
    assert words.step.startswith("canary weight 100 %")
    assert words.facts["canary weight"] == (
        "100 % routed by its canary Ingress (Flagger's status says 0 % while WaitingPromotion)"
    )
    await tick(sim, 120)
    assert (await flagger.read(conn)).phase == "WaitingPromotion"
    assert await gate_check(kubectl, tmp_path) != 0

    run = runner(conn, journal, sim)
    plan = flagger.plan("promote", await flagger.read(conn), ActionArgs(), sim.clock.now())
    assert plan.preview == (
        "open the confirm-promotion gate promotion-gate of canary bizra-production/node0-canary "
        "(flagger-system/flagger-loadtester:80/gate/open)",
        f"Flagger then copies node0's template ({RELEASE}) to node0-primary (now {STABLE}) and "
        "routes all traffic back to the primary",
    )
    assert not plan.destructive
    done = await preflight_and_run(sim, run, plan)
    assert done.ok and done.verified, done.sentence
    assert done.sentence.endswith(
        f"canary node0-canary is promoted: Succeeded at canary weight 0 %; node0-primary runs "
        f"{RELEASE}"
    )
    after = flagger.status(await flagger.read(conn))
    assert after.phase == "Succeeded" and after.facts["primary image"] == RELEASE
    assert await image_of(kubectl, "node0-primary") == RELEASE
    assert await nginx_weight(kubectl) == "0"
    assert await split(sim) == {"v2.1.0": 1.0}  # production on the release, all of it primary's

    kinds = [r.kind for r in journal.records]
    assert kinds == ["action_started", "action_call", "action_done"]
    started, call, ended = (r.payload for r in journal.records)
    assert started["calls"] == [{
        "verb": "proxy", "path": f"{GATE}/gate/open",
        "says": "open the confirm-promotion gate promotion-gate of canary node0-canary on "
                "flagger-system/flagger-loadtester:80",
        "patch_type": None, "body": {"name": "node0-canary", "namespace": NS},
    }]  # fmt: skip
    assert started["preflight"]["untried"] == [plan.calls[0].says + ": " + plan.calls[0].untried]
    assert call["answer"] == {"code": 202, "body": ""}
    assert ended["ok"] is True and ended["verified"] is True


async def test_rollback_from_50_percent_by_the_rollback_gate(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    flagger = seed_flagger()
    await release(kubectl)
    await until_state(sim, conn, flagger, lambda s: s.weight == 50)
    assert await split(sim) == {"v2.0.0": 0.5, "v2.1.0": 0.5}
    plan = flagger.plan("rollback", await flagger.read(conn), ActionArgs(), sim.clock.now())
    assert plan.destructive
    assert plan.preview == (
        "open the rollback gate rollback-gate of canary bizra-production/node0-canary "
        "(flagger-system/flagger-rollback:80/rollback/open)",
        f"at its next run (within 60s) Flagger routes all traffic to node0-primary ({STABLE}), "
        f"scales node0 ({RELEASE}, now 50 %) to zero and marks the canary Failed",
    )
    assert plan.warnings == (
        "the rollback gate stays open until closed (POST /rollback/close on "
        "flagger-system/flagger-rollback:80): Flagger rolls back every later release of node0 "
        "at its first analysis",
    )
    done = await preflight_and_run(sim, runner(conn, journal, sim), plan)
    assert done.ok and done.verified, done.sentence
    assert done.sentence.endswith(
        f"canary node0-canary is rolled back and node0-primary keeps {STABLE}: Failed at canary "
        f"weight 0 %; node0-primary runs {STABLE}"
    )
    failed = flagger.status(await flagger.read(conn))
    assert failed.phase == "Failed" and failed.facts["primary image"] == STABLE
    assert await image_of(kubectl, "node0-primary") == STABLE
    assert await nginx_weight(kubectl) == "0"
    assert await split(sim) == {"v2.0.0": 1.0}
    assert await kubectl.ok("get", "deployment", "node0", "-n", NS, "-o",
                            "jsonpath={.spec.replicas}") == "0"  # fmt: skip
    records = [(r.kind, r.payload) for r in journal.records]
    assert [k for k, _ in records] == ["action_started", "action_call", "action_done"]
    assert records[0][1]["action"] == "rollback" and records[0][1]["destructive"] is True
    assert records[1][1]["answer"] == {"code": 202, "body": ""}
    assert flagger.plan("rollback", await flagger.read(conn), ActionArgs(),
                        sim.clock.now()).nothing_to_do  # fmt: skip


async def test_promote_full_sets_skip_analysis_where_allowed_and_is_refused_where_not(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    await release(kubectl)
    flagger = seed_flagger()
    state = await until_state(sim, conn, flagger, lambda s: s.weight == 10)
    with pytest.raises(ActionRefused) as refused:
        seed_flagger(allow_skip_analysis=False).plan("promote-full", state, ActionArgs(), 0)
    assert str(refused.value) == (
        "the layout does not allow skipping canary node0-canary's analysis: set "
        "flagger.allow_skip_analysis: true on the target to permit promote-full"
    )
    plan = flagger.plan("promote-full", state, ActionArgs(), sim.clock.now())
    assert plan.warnings == (
        "skipAnalysis stays true: every later release of node0 is promoted without analysis "
        "until it is set back to false",
    )
    run = runner(conn, journal, sim)
    checked = await run.preflight(plan)
    assert checked.after == ("the dry run says: canary node0-canary will have skipAnalysis True",)
    assert await kubectl.ok("get", "canary", "node0-canary", "-n", NS, "-o",
                            "jsonpath={.spec.skipAnalysis}") == ""  # fmt: skip
    done = await drive(sim, run.run(plan, checked))
    assert done.ok and done.verified, done.sentence
    assert await image_of(kubectl, "node0-primary") == RELEASE
    assert await nginx_weight(kubectl) == "0"
    events = await kubectl.ok("get", "events", "-n", NS, "--field-selector",
                              "involvedObject.kind=Canary", "-o",
                              "jsonpath={range .items[*]}{.message}{'\\n'}{end}")  # fmt: skip
    assert f"Promotion completed! Canary analysis was skipped for node0.{NS}" in events
    assert "Advance node0-canary.bizra-production canary weight 50" not in events
    assert journal.records[0].payload["calls"][0]["body"] == {"spec": {"skipAnalysis": True}}


async def test_the_gate_preflight_asks_its_permission_and_says_it_cannot_be_dry_run(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal, tmp_path: Path
) -> None:
    flagger = seed_flagger()
    await release(kubectl)
    state = await until_state(sim, conn, flagger, lambda s: s.weight == 10)
    plan = flagger.plan("promote", state, ActionArgs(), sim.clock.now())
    assert plan.preview[1] == (
        "the canary is at 10 %: Flagger still takes it to 50 → 100 % one step per analysis "
        "(60s), and at the last step finds the gate open and promotes without waiting"
    )
    (call,) = plan.calls
    assert call.permission.verb == "create" and call.permission.subresource == "proxy"
    run = runner(conn, journal, sim)
    checked: Preflight = await run.preflight(plan)
    assert checked.ok
    assert checked.untried == (
        "open the confirm-promotion gate promotion-gate of canary node0-canary on "
        "flagger-system/flagger-loadtester:80: the loadtester's gate cannot be dry-run (the "
        "API server refuses dryRun on a service proxy, and the loadtester would act on the "
        "call): only the permission was checked",
    )
    assert checked.after == checked.untried and checked.answers == ()
    assert await gate_check(kubectl, tmp_path) != 0  # the preflight opened nothing

    sim.access.deny(DenyRule(verbs=("create",), resources=("services/proxy",),
                             names=("flagger-loadtester:80",)))  # fmt: skip
    denied = await run.preflight(plan)
    assert denied.sentence.startswith(
        f'context "{CONTEXT}" may not create services/proxy "flagger-loadtester:80" in '
        'namespace "flagger-system"'
    )
    outcome = await run.run(plan, denied)
    assert not outcome.ok and [r.kind for r in journal.records] == ["action_refused"]
    assert await gate_check(kubectl, tmp_path) != 0


async def test_emergency_rollback_is_offered_once_flagger_is_stuck(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    flagger = seed_flagger()
    await release(kubectl)
    await until_state(sim, conn, flagger, lambda s: s.weight == 50)
    with pytest.raises(ActionRefused) as refused:
        flagger.plan("emergency-rollback", await flagger.read(conn), ActionArgs(),
                     sim.clock.now())  # fmt: skip
    assert refused.value.instead == "rollback"
    assert str(refused.value).startswith("Flagger is not stuck on canary node0-canary (its ")

    # Flagger itself goes down: the Canary's status stands still at 50 %.
    await kubectl.ok("scale", "deployment/flagger", "--replicas=0", "-n", "flagger-system")
    state = await until_state(sim, conn, flagger, lambda s: flagger.status(s).phase == "stuck")
    words = flagger.status(state)
    assert words.next.startswith(
        "Flagger has not written the canary's status for 3m"
    ) and words.next.endswith(
        "(more than 3m, 3 analysis intervals of 60s): Flagger is down or wedged; "
        "emergency-rollback sets node0's image to the last stable digest, as the seed's "
        "runbook does"
    ), words.next
    digest = words.facts["last stable revision"]
    assert digest.startswith("sha256:")
    plan = flagger.plan("emergency-rollback", state, ActionArgs(), sim.clock.now())
    stable = f"ghcr.io/bizra/node0@{digest}"
    assert plan.destructive and plan.preview[1] == (
        f"roll deployment {NS}/node0 from {RELEASE} to {stable}"
    )
    assert plan.warnings[0].startswith("Flagger Canary node0-canary owns node0: ")
    done = await preflight_and_run(sim, runner(conn, journal, sim), plan)
    assert done.ok and done.verified, done.sentence
    assert await image_of(kubectl, "node0") == stable
    assert await image_of(kubectl, "node0-primary") == STABLE
    # The canary's 50 % now runs the stable build (the kubelet's imageID is that digest).
    ids = await kubectl.ok("get", "pods", "-n", NS, "-l", "app=node0", "-o",
                           "jsonpath={.items[*].status.containerStatuses[0].imageID}")  # fmt: skip
    assert set(ids.split()) == {stable}


async def test_rolling_actions_on_the_primary_warn_that_flagger_owns_it(
    conn: Connection,
) -> None:
    from warroom.actions.rolling import Rolling

    rolling = Rolling(NS, "node0-primary", "node0")
    plan = rolling.restart(await rolling.read(conn), 0)
    assert plan.warnings == (
        "Flagger Canary node0-canary owns node0-primary: it overwrites the primary's template "
        "and replicas with its target's at every promotion",
    )


async def test_warroom_action_opens_the_gate_as_a_process(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, tmp_path: Path
) -> None:
    flagger = seed_flagger()
    await release(kubectl)
    await until_state(sim, conn, flagger, lambda s: s.phase == "WaitingPromotion", ticks=60)

    async def warroom(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "warroom", "action", str(ROOT / "layouts" / "node0-canary.yaml"),
            *args, "--kubeconfig", str(sim.kubeconfig), "--context", CONTEXT,
            "--session", str(tmp_path / "night.jsonl"), "--operator", "ana",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env=dict(os.environ), cwd=ROOT,
        )  # fmt: skip
        out, _ = await drive(sim, process.communicate(), ticks=200)
        assert process.returncode is not None
        return process.returncode, out.decode()

    code, out = await warroom("promote", "node0", "--dry-run")
    assert code == 0, out
    assert "the loadtester's gate cannot be dry-run" in out
    assert out.rstrip().endswith(
        "dry run: the server accepted every call it can dry-run, and the permission of the "
        "rest; nothing was changed"
    )
    assert await gate_check(kubectl, tmp_path) != 0

    code, out = await warroom("promote", "node0", "--yes")
    assert code == 0, out
    assert "warning: the gate stays open until closed (POST /gate/close" in out
    assert "node0: promote done; canary node0-canary is promoted: Succeeded" in out
    assert await image_of(kubectl, "node0-primary") == RELEASE
    written = (tmp_path / "night.jsonl").read_text(encoding="utf-8").splitlines()
    kinds = [json.loads(line).get("kind") for line in written]
    assert kinds[-3:] == ["action_started", "action_call", "action_done"], kinds

    code, out = await warroom("promote-full", "node0", "--yes")
    assert code == 1, out
    assert out.strip() == (
        "refused: canary node0-canary runs no analysis (Succeeded): there is nothing to promote; "
        "release a new image of node0 first"
    )


async def test_pause_holds_the_canary_where_it_is_and_resume_carries_on(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    flagger = seed_flagger()
    await release(kubectl)
    state = await until_state(sim, conn, flagger, lambda s: s.weight == 10)
    plan = flagger.plan("pause", state, ActionArgs(), sim.clock.now())
    assert plan.preview[0] == (
        "set spec.suspend: true on canary bizra-production/node0-canary (now Progressing at 10 %)"
    )
    assert "does not roll back a failing canary either" in plan.warnings[0]
    done = await preflight_and_run(sim, runner(conn, journal, sim), plan)
    assert done.ok and done.verified, done.sentence
    assert await kubectl.ok("get", "canary", "node0-canary", "-n", NS, "-o",
                            "jsonpath={.spec.suspend}") == "true"  # fmt: skip
    # Five analysis intervals on, Flagger has moved nothing.
    await tick(sim, 300)
    held = await flagger.read(conn)
    assert (held.phase, held.weight) == ("Progressing", 10)
    assert await nginx_weight(kubectl) == "10"
    assert flagger.plan("pause", held, ActionArgs(), sim.clock.now()).nothing_to_do
    resumed = await preflight_and_run(
        sim, runner(conn, journal, sim), flagger.plan("resume", held, ActionArgs(), 0)
    )
    assert resumed.ok, resumed.sentence
    await until_state(sim, conn, flagger, lambda s: s.weight == 50)
    calls = [r.payload["call"] for r in journal.records if r.kind == "action_call"]
    assert calls == ["set spec.suspend of canary node0-canary to true",
                     "set spec.suspend of canary node0-canary to false"]  # fmt: skip


async def test_abort_sends_the_traffic_back_and_keeps_the_release_for_inspection(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal
) -> None:
    flagger = seed_flagger()
    await release(kubectl)
    await until_state(sim, conn, flagger, lambda s: s.weight == 50)
    plan = flagger.plan("abort", await flagger.read(conn), ActionArgs(), sim.clock.now())
    assert plan.destructive and plan.action == "abort"
    assert plan.preview[-1] == (
        f"node0 keeps its template ({RELEASE}) for inspection: Flagger only scales it to zero, "
        "and the next release starts a new analysis"
    )
    done = await preflight_and_run(sim, runner(conn, journal, sim), plan)
    assert done.ok and done.verified, done.sentence
    assert await split(sim) == {"v2.0.0": 1.0}
    assert await image_of(kubectl, "node0") == RELEASE  # kept, at zero replicas
    assert await image_of(kubectl, "node0-primary") == STABLE
    assert [r.payload["action"] for r in journal.records if r.kind == "action_done"] == ["abort"]
