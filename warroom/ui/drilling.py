"""`warroom drill` on the screen: the war room on the drill's room and checklist, its timers
on the banner and its scorecard a key away (`rehearse.rehearse_on_screen` calls it); once
the war room closes, the scorecard printed."""

from __future__ import annotations

import asyncio

from rich.text import Text

from warroom.drills.words import scorecard_lines
from warroom.live.checklist import ChecklistRun
from warroom.live.drill import Confirm, DrillRun
from warroom.live.room import Room
from warroom.ui.app import WarRoomApp
from warroom.ui.ask import ConfirmScreen
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
    app = room_app(
        room,
        session=session,
        drill=True,
        clock=room.picture.clock,
        keymap=keymap,
        clock_label=label,
        checklist=run,
        drill_run=drill,
    )
    if drill.staging:
        # Against staging each fault is confirmed by the person at the keys.
        drill.confirm = _asker(app)
    return app


def _asker(app: WarRoomApp) -> Confirm:
    """A fault's question on the screen; y or Enter injects it, n or Esc declines it."""

    async def confirm(question: str) -> bool:
        answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def done(yes: bool | None) -> None:
            if not answered.done():
                answered.set_result(bool(yes))

        body = Text(f"{question}\n\nThe drill waits; declined, it goes on without this fault.")
        app.push_screen(ConfirmScreen("Drill — a fault into staging", body, "Inject it?"), done)
        return await answered

    return confirm


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
