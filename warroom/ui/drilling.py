"""`warroom drill` on the screen: the war room on the drill's room and checklist, its timers
on the banner and its scorecard a key away (`rehearse.rehearse_on_screen` calls it); once
the war room closes, the scorecard printed."""

from __future__ import annotations

from warroom.drills.words import scorecard_lines
from warroom.live.checklist import ChecklistRun
from warroom.live.drill import DrillRun
from warroom.live.room import Room
from warroom.ui.app import WarRoomApp
from warroom.ui.keys import Keymap
from warroom.ui.run import room_app, run_app


def drill_app(
    room: Room, run: ChecklistRun, drill: DrillRun, *, keymap: Keymap | None = None
) -> WarRoomApp:
    """The war room on the drill's room and checklist, with the drill beside them: it begins
    with the checklist's first evaluation and ends (its faults taken back) when the screen
    closes."""
    label = "cluster time" if drill.staging else f"sim time ×{drill.speed:g}"
    session = run.journal.path.stem if run.journal is not None else "drill"
    return room_app(
        room,
        session=session,
        drill=True,
        clock=room.picture.clock,
        keymap=keymap,
        clock_label=label,
        checklist=run,
        drill_run=drill,
    )


async def drill_screen(
    room: Room, run: ChecklistRun, drill: DrillRun, *, keymap: Keymap | None = None
) -> None:
    """Run the drill's war room until `q`; then print the scorecard it ended with."""
    await run_app(drill_app(room, run, drill, keymap=keymap), room)
    card = drill.card()
    if card is not None:
        print("\n".join(scorecard_lines(card)))
    if drill.problem:
        print(f"drill: {drill.problem}")


__all__ = ["drill_app", "drill_screen"]
