"""`warroom demo`: a layout's simulated go-live (its simulation.scenario), its metrics, and
the war room on it; the BIZRA inference go-live (layouts/bizra-inference-10k.yaml) by default."""

from __future__ import annotations

import tempfile
from pathlib import Path

from warroom.journal.redact import log_to_file
from warroom.layout import load_layout
from warroom.layouts import shipped_layout
from warroom.live.room import open_room
from warroom.live.session import default_operator, open_checklist
from warroom.sim.cluster import SimCluster
from warroom.simulated import metrics_of
from warroom.ui.keys import Keymap
from warroom.ui.run import room_app, run_app


async def run_demo(
    *,
    speed: float = 5.0,
    keymap: Keymap | None = None,
    session: str = "demo",
    operator: str | None = None,
    go_live: str | None = None,
    layout_path: Path | None = None,
) -> None:
    """`keymap`: the user's keys, read before the sim starts; `session` the journal's name;
    `layout_path` a layout with a simulation (default: the shipped bizra-inference-10k.yaml)."""
    # Nothing may write to the terminal under the screen: the sim's own log goes to a file.
    log_file = Path(tempfile.gettempdir()) / "warroom-demo.log"
    log_to_file(log_file)
    layout_path = layout_path or shipped_layout("bizra-inference-10k.yaml")
    layout = load_layout(layout_path)
    if layout.simulation is None:
        raise ValueError(f"{layout_path} has no simulation.scenario to run on")
    async with (
        SimCluster(layout.simulation.scenario, speed=speed) as sim,
        metrics_of(sim) as (url, real),
    ):
        layout = layout.with_overrides(context="warroom-sim", prometheus=url)
        # Ages and the war room's own entries read the simulated cluster's clock, which
        # runs ahead of ours.
        async with open_room(layout, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as room:
            which = "a real Prometheus" if real else "the built-in PromQL subset"
            room.picture.note(
                "DemoStarted", f"simulated go-live at ×{speed:g} speed, metrics from {which}"
            )
            async with open_checklist(
                room,
                session,
                operator=operator or default_operator(),
                layout_path=layout_path,
                go_live=go_live,
                drill=True,
                pace=lambda: speed,
            ) as checklist:
                app = room_app(
                    room,
                    session=session,
                    drill=True,
                    clock=sim.clock.now,
                    keymap=keymap,
                    clock_label=f"sim time ×{speed:g}",
                    checklist=checklist,
                )
                await run_app(app, room)
