"""A small go-live for the checklist's screen tests, on the simulated cluster over HTTP: manual
items, a command, a sign-off in each phase (the second phase's barred to whoever started it),
a phase scheduled at T-1h and a rollback trigger. Shared by the Pilot tests and the child
process that runs the screen with a journal that cannot grow."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from warroom.layout import Layout, parse_layout
from warroom.live.checklist import ChecklistRun
from warroom.live.room import Room, open_room
from warroom.live.session import open_checklist
from warroom.sim.cluster import SimCluster
from warroom.ui.app import WarRoomApp
from warroom.ui.run import room_app

NS = "bizra-prod"
SPEED = 10.0
STABLE = "ghcr.io/bizra/inference:2.0.0-production"
COMMAND = "sh -c 'echo Verified OK'"
# The target and its p95 latency against a 1 s SLO (tests/ui/test_drill.py's layout has them too).
WATCHED = f"""prometheus: {{interval: 1s, range: 5m}}
targets: [{{name: bizra-inference, container: inference-server}}]
signals:
  p95:
    query: >-
      histogram_quantile(0.95, sum by (le) (
        rate(http_request_duration_seconds_bucket{{namespace="{NS}"}}[30s])))
    unit: s
    slo: {{max: 1.0}}
"""
LAYOUT = f"""
name: ui checklist
cluster: {{namespaces: [{NS}]}}
{WATCHED}roles:
  ops: Operations
  eng_lead: Engineering lead
phases:
  - id: prep
    title: Preparation
    at: T-1h
    items:
      - {{id: runbook, title: Runbook reviewed}}
      - {{id: comms, title: Status page drafted}}
      - id: verify
        title: Verification script
        command: {{run: "{COMMAND}", stdout: Verified OK}}
      - id: ops-ok
        title: Operations agree
        signoff: {{role: ops, statement: Operations are ready for the switch.}}
  - id: launch
    title: Launch
    starter_may_sign: false
    items:
      - {{id: rolled, title: Rolled out, rollout: {{target: bizra-inference}}}}
      - id: go
        title: Engineering lead signs the go
        signoff: {{role: eng_lead, statement: bizra-inference is live and healthy.}}
triggers:
  slow: {{title: p95 over 1s, signal: p95, op: ">", value: 1.0}}
"""


def layout_on(sim: SimCluster, text: str = LAYOUT) -> Layout:
    return parse_layout(text).with_overrides(context="warroom-sim", prometheus=sim.prometheus_url)


@contextlib.asynccontextmanager
async def simulated() -> AsyncIterator[SimCluster]:
    async with SimCluster("bizra-inference-10k", speed=SPEED, scrape_interval=0.5) as sim:
        sim.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # hold the replica count
        sim.set_users(f"{NS}/bizra-inference", 600)
        yield sim


@contextlib.asynccontextmanager
async def live_room(sim: SimCluster, text: str = LAYOUT) -> AsyncIterator[Room]:
    layout = layout_on(sim, text)
    async with open_room(layout, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as room:
        await room.sources.wait_synced(20)
        yield room


def two_hours_ahead(sim: SimCluster) -> str:
    """A go-live two (cluster) hours from now, written as --go-live takes it."""
    return datetime.fromtimestamp(sim.clock.now() + 7200).isoformat(timespec="seconds")


@contextlib.asynccontextmanager
async def checklist_on(
    room: Room, session: str, operator: str, go_live: str | None = None
) -> AsyncIterator[ChecklistRun]:
    async with open_checklist(
        room, session, operator=operator, layout_path=None, go_live=go_live, pace=lambda: SPEED
    ) as run:
        yield run


@dataclass
class Desk:
    """One engineer's war room: the room, its checklist run and the screen on them."""

    sim: SimCluster
    room: Room
    run: ChecklistRun

    def app(self) -> WarRoomApp:
        return room_app(
            self.room, session="ui", drill=True, clock=self.sim.clock.now, checklist=self.run
        )
