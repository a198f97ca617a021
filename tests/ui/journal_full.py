"""Run in a child process by test_checklist.py: the checklist screen on a session whose journal
cannot grow (RLIMIT_FSIZE at its size, SIGXFSZ ignored so a write fails with EFBIG rather
than killing us). Ticks an item with the keys and prints, as JSON, what the banner, the row
and the notifications say."""

from __future__ import annotations

import asyncio
import json
import resource
import signal
import sys

from textual.widgets._toast import Toast

from tests.ui.checklist_room import Desk, checklist_on, live_room, simulated
from tests.ui.screen import content, line_with, text
from tests.waiting import until
from warroom.journal import session_path

ITEM = "Runbook reviewed"


async def main(session: str) -> dict[str, object]:
    async with (
        simulated() as sim,
        live_room(sim) as room,
        checklist_on(room, session, "ana") as run,
    ):
        app = Desk(sim, room, run).app()
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await pilot.press("6")
            rows = app.checklist_pane.list
            await until(lambda: ITEM in text(rows), what="the checklist", pause=pilot.pause)
            # From here on the journal cannot grow by a byte.
            size = session_path(session).stat().st_size
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
            await pilot.press("j", "t")  # the first item, under the phase row
            await pilot.pause()
            await pilot.press(*"checked", "enter")
            await until(
                lambda: any("Not recorded" in text(t) for t in app.query(Toast)),
                what="the refusal",
                pause=pilot.pause,
            )
            await until(lambda: app.banner.display, what="the banner", pause=pilot.pause)
            await pilot.pause()
            journal = line_with(app.banner, "JOURNAL:")
            background = journal.style_of("JOURNAL:")
            assert background is not None and background.bgcolor is not None
            red = background.bgcolor.get_truecolor()
            return {
                "banner": content(app.banner),
                "row": line_with(rows, ITEM).text,
                "toasts": [" ".join(text(t).replace("▌", " ").split()) for t in app.query(Toast)],
                "size": size,
                "background": [red.red, red.green, red.blue],
            }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
