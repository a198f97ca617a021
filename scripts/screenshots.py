"""Make the README's screenshots: the demo mid-go-live, saved as SVG under screenshots/.

    python scripts/screenshots.py

Runs the bizra-inference-10k sim at speed, ramps the load so the HPA scales, starts a rollout to a
regressed canary image, lets the graphs fill, and saves each view at 160×45, the overview at
80×24 (what an on-call laptop in a tmux split shows) and at 250×70 (a big monitor).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from warroom.layout import load_layout
from warroom.layouts import shipped_layout
from warroom.live.room import open_room
from warroom.sim.cluster import SimCluster
from warroom.ui.run import room_app

OUT = Path(__file__).resolve().parents[1] / "screenshots"
NS = "bizra-prod"
CANARY = "ghcr.io/bizra/inference:2.0.1-rc2"  # regressed in the scenario: slower, erroring


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    async with SimCluster("bizra-inference-10k", speed=15, scrape_interval=1.0) as sim:
        sim.set_users(f"{NS}/bizra-inference", 4000)
        layout = load_layout(shipped_layout("bizra-inference-10k.yaml")).with_overrides(
            context="warroom-sim", prometheus=sim.prometheus_url
        )
        async with open_room(layout, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as room:
            # Let the HPA scale and the graphs gather a few minutes of simulated history.
            def replicas() -> int:
                d = sim.store.get(("apps", "deployments"), NS, "bizra-inference")
                return int(d["spec"]["replicas"]) if d else 0

            with contextlib.suppress(TimeoutError):
                await sim.until(lambda: replicas() >= 12, timeout=60)
            rt = sim.catalogue.get("apps", "v1", "deployments")
            sim.registry.patch(
                rt,
                NS,
                "bizra-inference",
                "application/strategic-merge-patch+json",
                {
                    "spec": {
                        "template": {
                            "spec": {"containers": [{"name": "inference-server", "image": CANARY}]}
                        }
                    }
                },
                dry_run=False,
            )
            await asyncio.sleep(25)  # wall time for the rollout and the graphs to move
            for size, tabs in (
                ((160, 45), ("overview", "pods", "nodes", "graphs", "events")),
                ((80, 24), ("overview", "pods")),
                ((250, 70), ("overview",)),
            ):
                app = room_app(room, session="go-live", drill=True, clock=sim.clock.now)
                async with app.run_test(size=size) as pilot:
                    await pilot.pause(1.0)
                    for tab in tabs:
                        app.show_tab(tab)
                        await pilot.pause(1.0)
                        name = f"{tab}-{size[0]}x{size[1]}.svg"
                        app.save_screenshot(filename=name, path=str(OUT))
                        print(OUT / name)


if __name__ == "__main__":
    asyncio.run(main())
