"""Every size: the layout follows a resize at once, small panes keep what matters, a pane too
small for the truth says so, and a terminal that cannot draw is refused in one sentence."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.ui.screen import content, text
from tests.ui.test_keys import app_with
from tests.waiting import until
from warroom.ui.screens import HelpScreen
from warroom.ui.widgets.keybar import KeyBar


async def test_a_resize_lays_the_screen_out_for_the_size_it_becomes() -> None:
    app = app_with()
    async with app.run_test(size=(160, 45)) as pilot:
        events = app.query_one("#overview-events")
        await until(lambda: events.region.width > 0, what="the wide layout", pause=pilot.pause)
        await pilot.resize_terminal(80, 24)
        await until(lambda: events.region.width == 0, what="the narrow layout", pause=pilot.pause)
        assert app.query_one("#rollout").region.width >= 76  # the whole width, one column
        await pilot.resize_terminal(160, 45)
        await until(
            lambda: events.region.width > 0, what="the wide layout again", pause=pilot.pause
        )


async def test_at_80_columns_the_key_bar_keeps_every_view_key() -> None:
    app = app_with()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = text(app.query_one(KeyBar))
        for key in ("1 Overview", "2 Pods", "3 Nodes", "4 Graphs", "5 Events", "/ Filter"):
            assert key in bar, bar
        assert "^p" in bar


async def test_the_help_fits_in_80_by_24() -> None:
    app = app_with()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await until(lambda: isinstance(app.screen, HelpScreen), pause=pilot.pause)
        await pilot.pause()
        table = app.screen.query_one("KeyHelp")
        drawn = content(table)
        assert "Show every key" in drawn and "command palette" in drawn  # first and last rows
        # All of it in view: the table is no taller than the box that shows it.
        box = app.screen.query_one("#help")
        assert table.region.height <= box.content_region.height


async def test_a_pane_too_small_says_the_size_it_needs_and_draws_once_it_fits() -> None:
    app = app_with()
    async with app.run_test(size=(60, 15)) as pilot:
        note = app.query_one("#too-small")
        await until(lambda: note.display, what="the note", pause=pilot.pause)
        said = content(note)
        assert "needs at least 72×20" in said and "60×15" in said
        assert app.query_one("#tabs").region.width == 0  # nothing half drawn behind it
        await pilot.resize_terminal(100, 30)
        await until(lambda: not note.display, what="the screen back", pause=pilot.pause)
        await until(
            lambda: "Rollout" in text(app.query_one("#rollout")),
            what="the overview drawn",
            pause=pilot.pause,
        )


def test_a_terminal_that_cannot_draw_is_refused_in_one_sentence() -> None:
    for env in ({"TERM": "dumb"}, {}):
        done = subprocess.run(
            [sys.executable, "-m", "warroom", "demo"],
            capture_output=True,  # stdout is a pipe: not a terminal
            text=True,
            env={**os.environ, **env},
            timeout=60,
            check=False,
        )
        assert done.returncode == 2
        assert done.stdout == "" and "\x1b" not in done.stderr
        assert done.stderr.strip().splitlines() == [
            "warroom draws on a terminal, and this is not one (or TERM is dumb); run it in a "
            "terminal, or use the headless commands: warroom validate LAYOUT"
        ]


async def test_at_80_columns_the_pods_view_keeps_status_ready_restarts_and_age() -> None:
    long_name = "bizra-inference-canary-gpu-large-model-7d9f8c6b5-x2k4q"
    pod = {
        "metadata": {
            "uid": "p1",
            "name": long_name,
            "namespace": "ns",
            "resourceVersion": "1",
            "creationTimestamp": "2026-11-18T06:00:00Z",
        },
        "spec": {"containers": [{"name": "c", "image": "repo/app:1.2.3"}], "nodeName": "gpu-7"},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "c",
                    "ready": True,
                    "restartCount": 3,
                    "state": {"running": {}},
                    "lastState": {"terminated": {"finishedAt": "2026-11-18T07:00:00Z"}},
                }
            ],
        },
    }
    app = app_with(pods=[pod])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        table = app.query_one("#pod-table")
        await until(lambda: "…" in text(table), what="the pod listed", pause=pilot.pause)
        header, row = (line.rstrip() for line in text(table).splitlines()[:2])
        columns = header.split()
        for must in ("pod", "status", "ready", "restarts", "age"):
            assert must in columns, header
        assert len(row) <= 80
        cells = row.split()
        at = columns.index("pod")
        name = cells[at]  # cut in the middle: both ends of the name stay
        assert name.startswith("bizra-inf") and "…" in name and name.endswith("-x2k4q")
        assert cells[at + 1 : at + 4] == ["Running", "1/1", "3"]
        assert cells[-1] == "5h6m"  # the age, last and whole
