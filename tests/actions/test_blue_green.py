"""The blue-green strategy against seed 002's scenario (sap-llm-blue-green) over HTTP, as its
layout declares it: the canary weight 0 → 5 → 20, a rollback from the middle, then every step
to 100 % and the Service's selector switched to green, and the rollback that switches the
selector back and the weight to 0 in one action. After each, the objects as the real kubectl
reads them, green's share of the documents in the load model's metrics (the layout's
traffic_signal on the sim's Prometheus) and the journal; before each rollback, what sticky
sessions will do. And one step by `warroom action`, a real process. The stickiness itself is
held to ingress-nginx's e2e cases (test/e2e/annotations/canary.go, "session affinity")."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.sim.conftest import Kubectl
from tests.waiting import until_value
from warroom.actions.blue_green import BlueGreenStrategy
from warroom.actions.plan import ActionArgs, Plan
from warroom.actions.run import ActionRunner, Outcome
from warroom.actions.sticky import after_weight_zero
from warroom.actions.strategies import for_target
from warroom.journal import open_journal, session_path
from warroom.journal.journal import Journal
from warroom.kube import Connection
from warroom.layout import Layout, load_layout
from warroom.sim.cluster import CONTEXT, SimCluster

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = ROOT / "layouts" / "sap-llm-blue-green.yaml"
BLUE, GREEN, PROD = "sap-llm-blue", "sap-llm-green", "sap-llm-prod"
API, CANARY = "sap-llm-api", "sap-llm-api-canary"
LOAD = f"{BLUE}/{API}"  # the load runs on blue's Service; the canary takes its share
WEIGHT = "nginx.ingress.kubernetes.io/canary-weight"
STICKY = (
    f"sticky sessions keep users on green: the main Ingress {BLUE}/{API} pins sessions by "
    "cookie INGRESSCOOKIE and the canary's affinity-canary-behavior is sticky (the default), so "
    "a user whose cookie names green stays on green at weight 0 until the cookie expires "
    "(a session cookie, kept until the browser closes); new sessions go to blue"
)
LEGACY = (
    f"no sticky sessions on green: the main Ingress {BLUE}/{API} pins sessions by cookie "
    "INGRESSCOOKIE, but the canary's affinity-canary-behavior is legacy, so the canary ignores "
    "them and at weight 0 every request goes to blue"
)


def ingress(namespace: str, name: str, **annotations: str) -> dict[str, Any]:
    return {"metadata": {"namespace": namespace, "name": name, "annotations": annotations}}


PREFIX = "nginx.ingress.kubernetes.io/"
MAIN = ingress(BLUE, API, **{PREFIX + "affinity": "cookie"})


@pytest.mark.parametrize(
    ("main", "canary", "sticky", "sentence"),
    [
        # "always routes traffic to canary if first request was affinitized to canary
        # (default behavior)": the behaviour left unset is sticky.
        (MAIN, ingress(GREEN, CANARY), True, STICKY),
        # "(explicit sticky behavior)".
        (MAIN, ingress(GREEN, CANARY, **{PREFIX + "affinity-canary-behavior": "sticky"}), True,
         STICKY.replace("sticky (the default)", "sticky")),
        # "routes traffic to either mainline or canary backend (legacy behavior)".
        (MAIN, ingress(GREEN, CANARY, **{PREFIX + "affinity-canary-behavior": "legacy"}), False,
         LEGACY),
        # No affinity on the main Ingress: nothing to stick to.
        (ingress(BLUE, API), ingress(GREEN, CANARY), False,
         f"no sticky sessions: the main Ingress {BLUE}/{API} sets no cookie affinity, so at "
         "weight 0 every request goes to blue"),
        # The cookie's lifetime is the main Ingress's; canary-by-header beats the weight.
        (ingress(BLUE, API, **{PREFIX + "affinity": "cookie",
                              PREFIX + "session-cookie-name": "route",
                              PREFIX + "session-cookie-max-age": "172800"}),
         ingress(GREEN, CANARY, **{PREFIX + "canary-by-header": "ForceCanary",
                                  PREFIX + "canary-by-header-value": "yes"}), True,
         f"sticky sessions keep users on green: the main Ingress {BLUE}/{API} pins sessions by "
         "cookie route and the canary's affinity-canary-behavior is sticky (the default), so a "
         "user whose cookie names green stays on green at weight 0 until the cookie expires "
         "(session-cookie-max-age 172800 s); new sessions go to blue; requests sent with header "
         "ForceCanary: yes still reach green at weight 0"),
        (None, ingress(GREEN, CANARY), None,
         "whether sticky sessions keep users on green is unknown: the layout names no "
         "main_ingress under blue_green (the Ingress the canary shares its host with)"),
    ],
)  # fmt: skip
def test_stickiness_after_weight_zero_as_ingress_nginx_routes(
    main: dict[str, Any] | None, canary: dict[str, Any], sticky: bool | None, sentence: str
) -> None:
    said = after_weight_zero(main, canary)
    assert (said.sticky, said.sentence) == (sticky, sentence)


@pytest.fixture
def layout() -> Layout:
    return load_layout(LAYOUT)


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("sap-llm-blue-green", speed=100, scrape_interval=0.5) as cluster:
        cluster.set_users(LOAD, 50)  # the seed's 50 uploaders, held
        yield cluster


def strategy(layout: Layout) -> BlueGreenStrategy:
    chosen = for_target(next(t for t in layout.targets if t.namespace == GREEN))
    assert isinstance(chosen, BlueGreenStrategy)
    return chosen


async def split(kubectl: Kubectl) -> tuple[str, str]:
    """(the canary's weight, the prod Service's version selector), as kubectl reads them."""
    weight = await kubectl.ok("get", "ingress", CANARY, "-n", GREEN, "-o",
                              "jsonpath={.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io"
                              "/canary-weight}")  # fmt: skip
    selector = await kubectl.ok("get", "service", API, "-n", PROD, "-o",
                                "jsonpath={.spec.selector.version}")  # fmt: skip
    return weight, selector


async def traffic(sim: SimCluster, layout: Layout, want: float) -> float:
    """The layout's traffic_signal on the sim's Prometheus, once it reads `want` (±1 %)."""
    query = layout.signals["green_docs_share"].query
    url = f"{sim.prometheus_url}/api/v1/query"
    async with aiohttp.ClientSession() as http:

        async def read() -> float:
            async with http.get(url, params={"query": query}) as reply:
                result = (await reply.json())["data"]["result"]
            return float(result[0]["value"][1]) if result else float("nan")

        return await until_value(read, lambda seen: abs(seen - want) <= 0.01, timeout=30,
                                 what=f"green's share of documents at {want}",
                                 every=0.2)  # fmt: skip


async def act(run: ActionRunner, plan: Plan) -> Outcome:
    checked = await run.preflight(plan)
    assert checked.ok, checked.sentence
    done = await run.run(plan, checked)
    assert done.ok and done.verified, done.sentence
    return done


async def green_up(bg: BlueGreenStrategy, conn: Connection) -> None:
    async def available() -> int:
        state = await bg.read(conn)
        return int(state.green.get("status", {}).get("availableReplicas") or 0)

    await until_value(available, lambda n: n >= 3, timeout=30, what="green's 3 pods available")


@pytest.mark.kubectl
async def test_shift_roll_back_from_the_middle_then_every_step_switch_and_roll_back(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, journal: Journal, layout: Layout
) -> None:
    bg = strategy(layout)
    assert (bg.canary_ingress, bg.steps, bg.label) == (CANARY, (5, 20, 50, 100), "version")
    await green_up(bg, conn)
    run = ActionRunner(conn, operator="ana", record=journal.append, now=sim.clock.now, poll=0.1)
    words = bg.status(await bg.read(conn))
    assert (words.phase, words.next) == ("not started", "promote: canary weight to 5 %")

    def weight_line(before: int, after: int, step: int) -> str:
        return (
            f"set the canary weight of Ingress {GREEN}/{CANARY} {before} → {after}: green's "
            f"share of requests {before} % → {after} % (step {step} of 4)"
        )

    for before, after, step in ((0, 5, 1), (5, 20, 2)):
        plan = bg.plan("promote", await bg.read(conn), ActionArgs(), sim.clock.now())
        assert plan.preview == (weight_line(before, after, step),) and not plan.destructive
        await act(run, plan)
        assert await split(kubectl) == (str(after), "v1.0.0-blue")
        await traffic(sim, layout, after / 100)
    state = await bg.read(conn)
    words = bg.status(state, 0.2)
    assert (words.phase, words.step) == ("shifting", "step 2 of 4: 20 % to green")
    assert words.facts["green's share of requests"] == "20 %"
    held = bg.plan("pause", state, ActionArgs(), sim.clock.now())
    assert held.nothing_to_do == (
        "a blue-green shift moves only when promoted: the canary weight holds where it is "
        "(20 % to green) until the next promote, so there is nothing to pause"
    )

    # Before a rollback: what sticky sessions do. The scenario's main Ingress has none; with
    # cookie affinity on it, users on green stay there (warned), unless the canary is legacy.
    plan = bg.plan("rollback", state, ActionArgs(), sim.clock.now())
    assert plan.preview[-1] == (
        f"no sticky sessions: the main Ingress {BLUE}/{API} sets no cookie affinity, so at "
        "weight 0 every request goes to blue"
    )
    # Abort is the same calls: the traffic back to blue, green left running.
    abort = bg.plan("abort", state, ActionArgs(), sim.clock.now())
    assert (abort.action, abort.calls, abort.destructive) == ("abort", plan.calls, True)
    assert abort.preview == (*plan.preview, "abort is the rollback here: the traffic goes "
                             "back to blue and green is left as it is")  # fmt: skip
    assert plan.warnings == ()
    await kubectl.ok("annotate", "ingress", API, "-n", BLUE,
                     "nginx.ingress.kubernetes.io/affinity=cookie")  # fmt: skip
    plan = bg.plan("rollback", await bg.read(conn), ActionArgs(), sim.clock.now())
    assert plan.preview[-1] == STICKY and plan.warnings == (STICKY,)
    await kubectl.ok("annotate", "ingress", CANARY, "-n", GREEN,
                     "nginx.ingress.kubernetes.io/affinity-canary-behavior=legacy")  # fmt: skip
    plan = bg.plan("rollback", await bg.read(conn), ActionArgs(), sim.clock.now())
    assert plan.preview == (
        f"set the canary weight of Ingress {GREEN}/{CANARY} 20 → 0: green's share of requests "
        "20 % → 0 %",
        f"green (deployment {GREEN}/{API}) keeps running for inspection",
        LEGACY,
    )
    assert plan.destructive and plan.warnings == ()

    # Rollback from the middle: the selector is blue's already, so the weight alone.
    await act(run, plan)
    assert await split(kubectl) == ("0", "v1.0.0-blue")
    await traffic(sim, layout, 0.0)

    # Every step to 100 %, then the Service switched to green.
    for before, after, step in ((0, 5, 1), (5, 20, 2), (20, 50, 3), (50, 100, 4)):
        plan = bg.plan("promote", await bg.read(conn), ActionArgs(), sim.clock.now())
        assert plan.preview == (weight_line(before, after, step),)
        await act(run, plan)
        assert (await split(kubectl))[0] == str(after)
        await traffic(sim, layout, after / 100)
    plan = bg.plan("promote", await bg.read(conn), ActionArgs(), sim.clock.now())
    assert plan.preview == (
        f"switch the selector of Service {PROD}/{API} version=v1.0.0-blue → "
        "version=v1.1.0-green: it selects green's pods",
    )
    checked = await run.preflight(plan)
    assert checked.after == (f"the dry run says: service {API} will select app={API},"
                             "version=v1.1.0-green",)  # fmt: skip
    await act(run, plan)
    assert await split(kubectl) == ("100", "v1.1.0-green")
    state = await bg.read(conn)
    assert bg.status(state).phase == "switched"
    done = bg.plan("promote", state, ActionArgs(), sim.clock.now())
    assert done.nothing_to_do == f"the Service {API} already selects green; nothing further"

    # The rollback from the end: the selector back and the weight to 0, in one action.
    plan = bg.plan("rollback", state, ActionArgs(), sim.clock.now())
    assert [c.says for c in plan.calls] == [
        f"switch the selector of service {API} to version=v1.0.0-blue",
        f"set the canary weight of ingress {CANARY} 100 → 0",
    ]
    await act(run, plan)
    assert await split(kubectl) == ("0", "v1.0.0-blue")
    await traffic(sim, layout, 0.0)

    kinds = [r.kind for r in journal.records]
    one = ["action_started", "action_call", "action_done"]
    two = ["action_started", "action_call", "action_call", "action_done"]
    assert kinds == one * 2 + one + one * 4 + one + two
    last = [r for r in journal.records if r.kind == "action_started"][-1]
    assert last.payload["action"] == "rollback" and last.payload["destructive"]
    assert [c["body"] for c in last.payload["calls"]] == [
        {"spec": {"selector": {"version": "v1.0.0-blue"}}},
        {"metadata": {"annotations": {WEIGHT: "0"}}},
    ]
    assert last.payload["preview"][-1] == LEGACY


async def warroom(sim: SimCluster, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "warroom", "action", str(LAYOUT), *args,
        "--kubeconfig", str(sim.kubeconfig), "--context", CONTEXT,
        "--session", "blue-green", "--operator", "ana",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=dict(os.environ), cwd=ROOT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode()


@pytest.mark.kubectl
async def test_one_step_by_warroom_action(
    sim: SimCluster, conn: Connection, kubectl: Kubectl, layout: Layout
) -> None:
    await green_up(strategy(layout), conn)
    # Two targets are named sap-llm-api: the bare name is not enough to act on.
    code, out = await warroom(sim, "promote", API, "--yes")
    assert code == 4, out
    assert (
        f"two targets are named {API}: name one as namespace/name ({GREEN}/{API} or "
        f"{BLUE}/{API})" in out
    )
    code, out = await warroom(sim, "promote", f"{GREEN}/{API}", "--yes")
    assert code == 0, out
    assert (
        f"set the canary weight of Ingress {GREEN}/{CANARY} 0 → 5: green's share of requests "
        "0 % → 5 % (step 1 of 4)" in out
    )
    assert f"the dry run says: ingress {CANARY} will carry canary-weight 5" in out
    assert "promote done; the weight and the selector read back as sent: canary weight 5" in out
    assert await split(kubectl) == ("5", "v1.0.0-blue")
    await traffic(sim, layout, 0.05)

    code, out = await warroom(sim, "rollback", f"{GREEN}/{API}", "--confirm", API)
    assert code == 0, out
    assert await split(kubectl) == ("0", "v1.0.0-blue")
    journal = open_journal(session_path("blue-green"), "ana", clock=sim.clock.now)
    assert [r.kind for r in journal.records] == ["action_started", "action_call",
                                                 "action_done"] * 2  # fmt: skip
