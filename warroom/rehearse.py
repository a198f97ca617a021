"""`warroom drill LAYOUT --scenario NAME`: a go-live rehearsed, on the simulated cluster the
layout's `simulation.scenario` builds (the default) or on a real staging context, with the
scenario's faults, on the screen or unattended (`--headless`).

Wiring, like demo.py: the only place besides the CLI that starts the sim. Against a real
context the refusals come first, before any call: a layout that marks its cluster production,
a context or server that says prod, a fault only the sim can take.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from warroom.drills.scenario import Scenario
from warroom.drills.words import scorecard_json, scorecard_lines
from warroom.journal.journal import JournalError
from warroom.journal.redact import log_to_file
from warroom.kube.connection import Kubeconfig, kubeconfig_paths
from warroom.kube.errors import KubeError
from warroom.layout import Layout
from warroom.live.actions import RoomActions
from warroom.live.checklist import ChecklistRun
from warroom.live.drill import (
    Confirm,
    DrillRefused,
    DrillRun,
    production_refusal,
    staging_refusal,
)
from warroom.live.drill_command import MET, MISSED, REFUSED, play
from warroom.live.drill_faults import FaultInjector
from warroom.live.room import Room, open_room
from warroom.live.session import open_checklist
from warroom.sim.cluster import SimCluster
from warroom.simulated import metrics_of

HEADLESS_SPEED = 30.0  # the sim's clock unattended: a 15-minute drill in half a minute
SCREEN_SPEED = 5.0  # and with people at the keys, as `warroom demo` runs
SIM_SCRAPE = 5.0  # cluster seconds between the sim's scrapes
MIN_POLL = 0.2  # real seconds: the fastest the signals are polled


@dataclass(frozen=True)
class Rehearsal:
    """What `warroom drill` was asked to run."""

    scenario: Scenario
    layout: Layout
    layout_path: Path
    sim: bool = True
    context: str | None = None
    kubeconfig: str | None = None
    speed: float | None = None
    session: str = "drill"
    operator: str = "drill"
    headless: bool = False

    @property
    def pace(self) -> float:
        """The sim's clock × real time (a real cluster's runs at 1)."""
        if not self.sim:
            return 1.0
        default = HEADLESS_SPEED if self.headless else SCREEN_SPEED
        return self.speed or self.scenario.speed or default


def refusal(asked: Rehearsal) -> str:
    """Why the drill may not run ("" when it may), read from the files alone: no call is made
    to any cluster before this says yes."""
    if asked.sim:
        if asked.layout.simulation is None:
            return (
                f"the layout {asked.layout.name} has no simulation.scenario to rehearse on; "
                "give --context for a staging cluster, or add one (docs/layouts.md)"
            )
        return ""
    try:
        config = Kubeconfig(kubeconfig_paths(asked.kubeconfig))
        context = config.choose(asked.context or asked.layout.cluster.context)
        server = config.server_of(context)
    except KubeError as exc:
        return str(exc)
    return production_refusal(asked.layout, context, server) or staging_refusal(asked.scenario)


@contextlib.asynccontextmanager
async def _cluster(
    asked: Rehearsal, *, real_prometheus: bool
) -> AsyncIterator[tuple[Room, bool]]:
    """The room on the sim (started here; True: its control API answers on the room's
    connection) or on the context (False)."""
    if not asked.sim:
        layout = asked.layout.with_overrides(context=asked.context)
        async with open_room(layout, kubeconfig=asked.kubeconfig) as room:
            yield room, False
        return
    assert asked.layout.simulation is not None
    speed = asked.pace
    # The sim's clock runs `speed` times ours: it is scraped, and its signals polled, as often
    # on its clock as the layout asks of a real one (every 5 s, every `interval`), so a
    # trigger's `for` and a rate's window hold as many points as they would live.
    scrape = max(0.1, SIM_SCRAPE / speed)
    async with (
        SimCluster(asked.layout.simulation.scenario, speed=speed, scrape_interval=scrape) as sim,
        metrics_of(sim, real=real_prometheus) as (url, _),
    ):
        layout = _polled_on_sim_clock(
            asked.layout.with_overrides(context="warroom-sim", prometheus=url), speed
        )
        async with open_room(layout, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as room:
            yield room, True


def _polled_on_sim_clock(layout: Layout, speed: float) -> Layout:
    """The layout with its Prometheus polled every `interval` of the sim's clock."""
    prometheus = layout.prometheus
    every = max(MIN_POLL, prometheus.interval.total_seconds() / speed)
    polled = prometheus.model_copy(update={"interval": timedelta(seconds=every)})
    return layout.model_copy(update={"prometheus": polled})


@contextlib.asynccontextmanager
async def _drill(
    asked: Rehearsal, *, scripted: bool, confirm: Confirm | None, real_prometheus: bool
) -> AsyncIterator[tuple[Room, ChecklistRun, DrillRun]]:
    async with _cluster(asked, real_prometheus=real_prometheus) as (room, simulated):
        await room.sources.wait_synced(60)
        async with open_checklist(
            room,
            asked.session,
            operator=asked.operator,
            layout_path=asked.layout_path,
            drill=True,
            pace=lambda: asked.pace,
        ) as run:
            if scripted and run.probes is not None:
                # `rollback:` items judge whether a rollback can be run: the script runs it.
                run.probes.key_armed = lambda: ""
            drill = DrillRun(
                asked.scenario,
                run,
                RoomActions(room.connection, room.layout, run),
                FaultInjector(room.connection, room.layout, simulated=simulated),
                staging=not asked.sim,
                speed=asked.pace,
                confirm=None if asked.sim else confirm,
                scripted=scripted,
            )
            yield room, run, drill


def _log_to_file() -> None:
    """The sim's and the room's log to a file: the screen, or the scorecard printed, is what
    the person reads."""
    log_file = Path(tempfile.gettempdir()) / "warroom-drill.log"
    log_to_file(log_file)


async def rehearse_headless(
    asked: Rehearsal,
    *,
    as_json: bool,
    echo: Callable[[str], None],
    confirm: Confirm | None,
) -> int:
    """Play the drill unattended and print its scorecard; 0 every expected response met, 1
    not, 2 refused."""
    refused = refusal(asked)
    if refused:
        echo(f"refused: {refused}")
        return REFUSED
    _log_to_file()
    # Unattended, the sim's built-in PromQL: it is scraped every 5 s of the sim's clock, where a
    # real Prometheus scrapes on its own interval of ours (30 s of the sim's at ×30). Either
    # way a rate's window is on our clock (docs/drills.md, "At speed, rates lag").
    try:
        async with _drill(asked, scripted=True, confirm=confirm, real_prometheus=False) as (
            _,
            _,
            drill,
        ):
            longest = asked.scenario.ends.total_seconds() / asked.pace
            card = await play(drill, timeout=longest + 120)
    except DrillRefused as exc:
        echo(f"refused: {exc}")
        return REFUSED
    except (KubeError, JournalError) as exc:
        echo(f"error: {exc}")
        return MISSED
    could_not = dict(drill.responder.said) if drill.responder is not None else {}
    if as_json:
        shown = scorecard_json(card) | {"responder": could_not, "problem": drill.problem or None}
        echo(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        for line in scorecard_lines(card):
            echo(line)
        for rid, why in could_not.items():
            echo(f"the scripted responder could not perform {rid}: {why}")
        if drill.problem:
            echo(f"problem: {drill.problem}")
    return MET if card.met else MISSED


async def rehearse_on_screen(
    asked: Rehearsal,
    *,
    confirm: Confirm | None,
    screen: Callable[[Room, ChecklistRun, DrillRun], object],
    echo: Callable[[str], None],
) -> int:
    """Play the drill with people at the keys; `screen` runs the war room on it until `q`."""
    refused = refusal(asked)
    if refused:
        echo(f"refused: {refused}")
        return REFUSED
    _log_to_file()
    try:
        async with _drill(asked, scripted=False, confirm=confirm, real_prometheus=True) as (
            room,
            run,
            drill,
        ):
            outcome = screen(room, run, drill)
            if asyncio.iscoroutine(outcome):
                await outcome
            card = drill.card()
    except (KubeError, JournalError) as exc:
        echo(f"error: {exc}")
        return MISSED
    return MET if card is not None and card.met else MISSED


__all__ = [
    "HEADLESS_SPEED",
    "SCREEN_SPEED",
    "Rehearsal",
    "refusal",
    "rehearse_headless",
    "rehearse_on_screen",
]
