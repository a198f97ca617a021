"""A seed's layout run against its simulated cluster, as a drill would: the real sim over HTTP,
its built-in Prometheus, the war room's live core (reflectors, pollers, probes) and the
checklist evaluator ticking on the sim's clock. Tests drive the rollout with the real kubectl
and the sim's faults, and wait (with a deadline) for the verdicts and triggers to say so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.checklist.test_live import until_verdict
from tests.sim.conftest import Kubectl
from warroom.checklist.evaluator import Evaluation
from warroom.checklist.verdicts import ItemVerdict
from warroom.layout import Layout, load_layout
from warroom.live.checklist import ChecklistRun
from warroom.live.room import Room, open_room
from warroom.live.session import open_checklist
from warroom.sim.cluster import SimCluster

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SeedRun:
    sim: SimCluster
    room: Room
    run: ChecklistRun
    layout: Layout
    kubectl: Kubectl

    async def until(
        self,
        item: str,
        check: Callable[[ItemVerdict], bool] | str,
        timeout: float = 60.0,
    ) -> ItemVerdict:
        """Tick until `item`'s verdict is `check` (a verdict word, or a test of the verdict)."""
        want = check if callable(check) else (lambda v, w=check: v.verdict == w)
        return await until_verdict(self.run, item, want, timeout)

    async def until_all(self, items: list[str], verdict: str, timeout: float = 60.0) -> None:
        for item in items:
            await self.until(item, verdict, timeout)

    async def until_trigger(self, trigger: str, raised: bool = True, timeout: float = 60.0) -> str:
        """Tick until the trigger is raised (or cleared); its reason."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last: Evaluation | None = None
        while loop.time() < deadline:
            last = self.run.tick()
            state = next(t for t in last.triggers if t.id == trigger)
            if state.raised == raised:
                return state.reason
            await asyncio.sleep(0.1)
        states = {t.id: (t.raised, t.reason) for t in last.triggers} if last else {}
        raise AssertionError(f"trigger {trigger} not raised={raised} in {timeout:g} s: {states}")


@asynccontextmanager
async def seed_run(
    name: str,
    kubectl_binary: str,
    tmp_path: Path,
    speed: float = 30.0,
    *,
    path: Path | None = None,
) -> AsyncIterator[SeedRun]:
    """layouts/NAME.yaml (or `path`, a copy of it changed by the test) on its scenario at
    `speed`, the room synced, its probes running and a drill session journalled (in the
    test's own data folder)."""
    path = path or ROOT / "layouts" / f"{name}.yaml"
    layout = load_layout(path)
    assert layout.simulation is not None
    async with SimCluster(layout.simulation.scenario, speed=speed, scrape_interval=0.5) as sim:
        live = layout.with_overrides(context="warroom-sim", prometheus=sim.prometheus_url)
        async with open_room(live, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as room:
            await room.sources.wait_synced(30)
            kubectl = Kubectl(kubectl_binary, sim.kubeconfig, tmp_path / "kube-cache")
            async with open_checklist(
                room, name, operator="drill", layout_path=path, drill=True, pace=lambda: speed
            ) as run:
                yield SeedRun(sim, room, run, live, kubectl)
