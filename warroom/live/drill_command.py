"""`warroom drill … --headless`: a drill played unattended to its end, with the scenario's
scripted responder, the checklist ticking and the triggers that act acting, as the screen
runs them; then its scorecard."""

from __future__ import annotations

import asyncio

from warroom.background import Repeat
from warroom.drills.scorecard import Scorecard
from warroom.live.auto_rollback import AutoRollback
from warroom.live.drill import DrillRefused, DrillRun

TICK = 0.25  # real seconds between checklist ticks: the sim's clock runs fast in a drill

# Exit codes of `warroom drill`.
MET, MISSED, REFUSED = 0, 1, 2


async def play(drill: DrillRun, *, timeout: float) -> Scorecard:
    """Run the drill until it ends (or `timeout` real seconds pass: then it is stopped and
    says so); its scorecard."""
    run = drill.checklist
    run.tick()
    drill.begin()
    auto = (
        AutoRollback(run, drill.actions)
        if any(t.auto for t in run.layout.triggers.values())
        else None
    )
    async with Repeat(TICK, run.tick, "checklist tick"), drill:
        if auto is not None:
            auto.start()
        try:
            await asyncio.wait_for(drill.finished.wait(), timeout)
        except TimeoutError:
            if drill.started is None:
                raise DrillRefused(
                    f"the drill never started in {timeout:g} s: {drill.waiting}"
                ) from None
            await drill.stop_drill(f"it did not end within {timeout:g} s of real time")
        finally:
            if auto is not None:
                await auto.stop()
    if drill.started is None:
        raise DrillRefused(drill.waiting)
    card = drill.card()
    assert card is not None
    return card


__all__ = ["MET", "MISSED", "REFUSED", "play"]
