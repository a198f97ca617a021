"""A drill on the screen at 80×24, driven by Pilot key presses as an engineer would, on the
simulated cluster over HTTP: the release and the regression come on the scenario's timeline,
the banner's timers run, `e` acknowledges the trigger, `b` and the target's name typed roll it
back, and the scorecard (`D`) says how long detecting, deciding and mitigating took, on the
sim's clock, within a second of what the script did and saw."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from tests.ui.checklist_room import SPEED, WATCHED, live_room, simulated
from tests.ui.screen import text
from tests.ui.test_actions import opened
from tests.ui.test_checklist import toasts
from tests.waiting import until
from warroom.drills.loading import parse_scenario
from warroom.journal import readable_records, session_path
from warroom.live.actions import RoomActions
from warroom.live.checklist import ChecklistRun
from warroom.live.drill import DrillRun
from warroom.live.drill_faults import FaultInjector
from warroom.live.room import Room
from warroom.live.session import open_checklist
from warroom.sim.cluster import SimCluster
from warroom.ui.acting import ActionScreen
from warroom.ui.app import RENDER_INTERVAL, WarRoomApp
from warroom.ui.drilling import drill_app
from warroom.ui.run import room_app
from warroom.ui.scorecard import ScorecardScreen

SESSION = "drill-on-screen"
NS = "bizra-prod"
TARGET = "bizra-inference"
NEXT = "ghcr.io/bizra/inference:2.0.1"
SLO = 1.0
LAYOUT = f"""
name: ui drill
cluster: {{namespaces: [{NS}], production: true}}
{WATCHED}phases:
  - id: live
    title: Live
    items:
      - {{id: fast, title: p95 under 1 s, promql: {{signal: p95, op: "<", value: {SLO}}}}}
triggers:
  slow: {{title: p95 over 1s, signal: p95, op: ">", value: {SLO}}}
"""
SCENARIO = f"""
name: ui-drill
layout: ui drill
says: The release's latency quadruples twenty seconds after it rolls out; roll it back.
targets: {{detect: 5m, decide: 10m, mitigate: 30m}}
ends: 15m
faults:
  - id: release
    at: 10s
    release: {{target: {TARGET}, image: "{NEXT}"}}
  - id: slow
    at: 30s
    regress: {{image: "{NEXT}", latency: 4}}
responses:
  - id: acknowledged
    title: The trigger acknowledged on its banner
    acknowledged: {{trigger: slow}}
    within: 5m
  - id: undone
    title: Rolled back within 5 minutes of the first breach
    action: {{action: undo, target: {TARGET}}}
    within: 5m
    points: 3
  - id: fast-again
    title: p95 under 1 s again
    checklist: {{item: fast}}
    within: 10m
"""
# What the screen adds to a time it shows: it looks every RENDER_INTERVAL of our seconds, on
# a clock running SPEED times as fast.
DRAWN = RENDER_INTERVAL * SPEED


@dataclass
class Drill:
    sim: SimCluster
    room: Room
    run: ChecklistRun
    drill: DrillRun

    def app(self) -> WarRoomApp:
        return drill_app(self.room, self.run, self.drill)


@contextlib.asynccontextmanager
async def drilled(session: str = SESSION) -> AsyncIterator[Drill]:
    async with simulated() as sim, live_room(sim, LAYOUT) as room:
        scenario = parse_scenario(SCENARIO, "ui-drill.yaml", layout=room.layout)
        async with open_checklist(
            room, session, operator="ana", layout_path=None, drill=True, pace=lambda: SPEED
        ) as run:
            drill = DrillRun(
                scenario,
                run,
                RoomActions(room.connection, room.layout, run),
                FaultInjector(room.connection, room.layout, simulated=True),
                staging=False,
                speed=SPEED,
            )
            yield Drill(sim, room, run, drill)


def banner(app: WarRoomApp) -> list[str]:
    return [line.strip() for line in text(app.banner).splitlines() if line.strip()]


def flat(app: WarRoomApp) -> str:
    return " ".join(" ".join(banner(app)).split())


def records(kind: str) -> list[dict[str, Any]]:
    return [r for r in readable_records(session_path(SESSION)) if r["kind"] == kind]


def taken(card: str, timer: str) -> float:
    """A timer's seconds as the scorecard draws them (`decide 0:42 ✔ (≤ 10:00)`), met."""
    found = re.search(rf"^\s*{timer} (\d+):(\d\d) ✔", card, re.MULTILINE)
    assert found, f"no {timer} met on the scorecard:\n{card}"
    return int(found[1]) * 60 + int(found[2])


class GreenWatch:
    """The p95 signal's query asked of the sim's Prometheus API directly, over and over: the
    sim time at which it first answered within the SLO after `since` was set."""

    def __init__(self, sim: SimCluster, query: str) -> None:
        self.sim, self.query = sim, query
        self.since: float | None = None
        self.green: float | None = None

    async def watch(self) -> None:
        async with httpx.AsyncClient(base_url=self.sim.prometheus_url) as client:
            while self.green is None:
                asked = self.sim.clock.now()
                answer = await client.get("/api/v1/query", params={"query": self.query})
                result = answer.json()["data"]["result"]
                value = float(result[0]["value"][1]) if result else float("nan")
                if self.since is not None and asked >= self.since and value <= SLO:
                    self.green = asked
                await asyncio.sleep(0.05)


async def test_a_drill_by_keys_scores_detect_decide_and_mitigate_as_they_were_done() -> None:
    async with drilled() as d:
        app = d.app()
        watch = GreenWatch(d.sim, d.room.layout.signals["p95"].query)
        watching = asyncio.get_running_loop().create_task(watch.watch())
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            # The timers are the banner's first line from the start, whole at 80 columns.
            await until(lambda: " T+" in "".join(banner(app)[:1]),
                        what=f"the drill's timers on the banner, not {banner(app)}",
                        pause=pilot.pause)  # fmt: skip
            first = banner(app)[0]
            assert "detect –" in first and first.endswith("0/5 pts"), first
            # The release, then the regression: the trigger's banner offers `e`.
            await until(lambda: "e acknowledges" in flat(app), what="the trigger's banner",
                        pause=pilot.pause, timeout=40)  # fmt: skip
            offered = d.sim.clock.now()
            running = banner(app)[0]
            assert "det " in running and running.endswith(" pts"), running  # shortened, whole
            await pilot.press("e")
            await until(lambda: "acknowledged by ana" in flat(app), pause=pilot.pause)
            await pilot.press("b")
            await opened(pilot, app, f"Production: type {TARGET} and Enter to undo it")
            await pilot.press(*TARGET)
            pressing = d.sim.clock.now()
            await pilot.press("enter")  # the decision: the action confirmed
            confirmed = d.sim.clock.now()
            watch.since = pressing
            await opened(pilot, app, "undo done")
            await pilot.press("escape")
            await until(lambda: not isinstance(app.screen, ActionScreen), pause=pilot.pause)
            # Mitigated: the trigger's line leaves the banner as the latency comes back.
            await until(lambda: "ROLLBACK TRIGGER" not in flat(app), what="the trigger cleared",
                        pause=pilot.pause, timeout=30)  # fmt: skip
            cleared = d.sim.clock.now()
            await until(lambda: "DRILL ui-drill over at" in flat(app), what="the drill over",
                        pause=pilot.pause, timeout=30)  # fmt: skip
            assert banner(app)[0].endswith("5/5 pts · D shows the scorecard"), banner(app)
            await pilot.press("D")
            await until(lambda: isinstance(app.screen, ScorecardScreen), pause=pilot.pause)
            card = text(app.screen.query_one("#scorecard-text"))
            await pilot.press("escape")
            await until(lambda: not isinstance(app.screen, ScorecardScreen), pause=pilot.pause)
        await until(lambda: watch.green is not None, what="Prometheus green", timeout=10)
        await watching
    said = " ".join(card.split())
    assert "finished at T+" in said and "every expected response judged" in said
    assert "expected responses (5/5 points):" in said
    [slow] = [f for f in records("drill_fault") if f["payload"]["id"] == "slow"]
    impact = slow["at"]["cluster"]
    # The scorecard draws whole seconds: half a second of rounding on top of each bound.
    detect = taken(card, "detect")
    assert abs(detect - (offered - impact)) <= 1 + DRAWN + 0.5, (detect, offered - impact)
    # Enter went in between `pressing` and `confirmed` (Pilot's press waits for the screen).
    decide = taken(card, "decide")
    early, late = pressing - impact, confirmed - impact
    assert early - 1.5 <= decide <= late + 1.5, (decide, early, late)
    mitigate = taken(card, "mitigate")
    assert abs(mitigate - (cleared - impact)) <= 1 + DRAWN + 0.5, (mitigate, cleared - impact)
    # And never before Prometheus itself answered within the SLO again.
    assert watch.green is not None
    assert impact + mitigate >= watch.green - 1 - 0.5, (impact + mitigate, watch.green)
    assert "undo of bizra-inference confirmed by ana" in said


async def test_the_scorecard_key_outside_a_drill_says_there_is_none() -> None:
    async with simulated() as sim, live_room(sim, LAYOUT) as room:
        app = room_app(room, session="ui", clock=sim.clock.now)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("D")
            await until(lambda: "No drill is running here" in toasts(app), pause=pilot.pause)
            assert not isinstance(app.screen, ScorecardScreen)


async def test_a_drill_on_a_read_only_journal_says_why_it_did_not_start() -> None:
    session = "drill-read-only"
    session_path(session).parent.mkdir(parents=True, exist_ok=True)
    session_path(session).write_text("not json\nnor this\n")
    async with drilled(session) as d:
        app = d.app()
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            said = "DRILL: a drill needs a session journal it can write; pick another --session"
            await until(lambda: said in banner(app),
                        what=f"the refusal on the banner, not {banner(app)}",
                        pause=pilot.pause)  # fmt: skip
            noticed = "The drill did not start: a drill needs a session journal it can write"
            await until(lambda: noticed in toasts(app), what="the refusal noticed",
                        pause=pilot.pause)  # fmt: skip
            await pilot.press("D")
            await until(lambda: isinstance(app.screen, ScorecardScreen), pause=pilot.pause)
            assert "The drill did not start" in text(app.screen.query_one("#scorecard-text"))


async def test_a_drill_waiting_for_its_prerequisites_says_so_and_starts_no_clock() -> None:
    never = "      - {id: never, title: p95 over 100 s, "
    never += 'promql: {signal: p95, op: ">", value: 100}}\n'
    layout = LAYOUT.replace("triggers:", f"{never}triggers:")
    async with simulated() as sim, live_room(sim, layout) as room:
        waiting = SCENARIO.replace("ends: 15m", "ends: 15m\nrequires: [never]")
        scenario = parse_scenario(waiting, "ui-drill.yaml", layout=room.layout)
        async with open_checklist(room, "waits", operator="ana", layout_path=None, drill=True,
                                  pace=lambda: SPEED) as run:  # fmt: skip
            drill = DrillRun(scenario, run, RoomActions(room.connection, room.layout, run),
                             FaultInjector(room.connection, room.layout, simulated=True),
                             staging=False, speed=SPEED)  # fmt: skip
            app = drill_app(room, run, drill)
            async with app.run_test(size=(80, 24)) as pilot:
                await until(lambda: "DRILL ui-drill: waiting for its prerequisites: never ("
                            in flat(app), what="the wait on the banner", pause=pilot.pause,
                            timeout=60)  # fmt: skip
                await pilot.press("D")
                await until(lambda: isinstance(app.screen, ScorecardScreen), pause=pilot.pause)
                drawn = " ".join(text(app.screen.query_one("#scorecard-text")).split())
                assert "The drill has not started: waiting for its prerequisites: never (" in drawn
    kinds = {r["kind"] for r in readable_records(session_path("waits"))}
    assert not {k for k in kinds if k.startswith("drill_")}
