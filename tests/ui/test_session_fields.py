"""The session's fields on the checklist tab, used as an engineer uses them on the simulated
cluster over HTTP: `f`, the field, its value (typed, or picked from its choices); asserted on
what is drawn, on the journal, and on a reopened session's screen."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from tests.ui.checklist_room import LAYOUT, Desk, checklist_on, live_room, simulated
from tests.ui.screen import line_with, text
from tests.ui.test_checklist import answer, open_checklist_tab, row, toasts
from tests.ui.test_keys import offers
from tests.waiting import until
from warroom.journal import readable_records, session_path
from warroom.live.checklist import ChecklistRun
from warroom.live.room import Room
from warroom.sim.cluster import SimCluster
from warroom.ui.app import WarRoomApp
from warroom.ui.ask import AskScreen, ChooseScreen
from warroom.ui.screens import HelpScreen

SESSION = "fields"
FIELDS = """
session_fields:
  deployment_date: {title: Deployment Date, kind: date}
  deployed_by: {title: Deployed By}
  version: {kind: version}
  environment: {choices: [Development, Staging, Production]}
  notes: {title: Additional Notes, required: false}
"""
GO = "Engineering lead signs the go"


@pytest.fixture
async def room() -> AsyncIterator[tuple[SimCluster, Room]]:
    async with simulated() as sim, live_room(sim, LAYOUT + FIELDS) as live:
        yield sim, live


def fields_text(app: WarRoomApp) -> str:
    """The fields' line(s) as drawn on the checklist tab, joined."""
    return " ".join(text(app.checklist_pane.fields).split())


async def choose(pilot: Pilot[None], app: WarRoomApp, label: str) -> None:
    """In the ChooseScreen open, where `label` is drawn, press down to it and Enter."""
    await until(lambda: isinstance(app.screen, ChooseScreen), what="the choice", pause=pilot.pause)
    await pilot.pause()
    options = app.screen.query_one(OptionList)
    line_with(options, label)  # drawn, or it says what is
    for _ in range(options.option_count):
        at = options.highlighted
        if at is not None and label in str(options.get_option_at_index(at).prompt):
            break
        await pilot.press("down")
    await pilot.press("enter")


@contextlib.asynccontextmanager
async def checklist_screen(
    room: tuple[SimCluster, Room],
    operator: str,
    size: tuple[int, int] = (120, 36),
    before: Callable[[ChecklistRun], object] = lambda run: None,
) -> AsyncIterator[tuple[WarRoomApp, Pilot[None]]]:
    """`operator`'s war room on the session, its checklist tab open with the fields drawn;
    `before` is done on the run before the screen starts."""
    sim, live = room
    async with checklist_on(live, SESSION, operator) as run:
        before(run)
        app = Desk(sim, live, run).app()
        async with app.run_test(size=size, notifications=True) as pilot:
            await open_checklist_tab(pilot, app)
            await until(lambda: "Session:" in fields_text(app), what="fields", pause=pilot.pause)
            yield app, pilot


async def test_fields_are_set_by_keys_drawn_and_come_back_on_reopening(
    room: tuple[SimCluster, Room],
) -> None:
    sim = room[0]
    async with checklist_screen(room, "ana") as (app, pilot):
        assert fields_text(app) == (
            "Session: Deployment Date not set · Deployed By not set · Version not set · "
            "Environment not set · Additional Notes not set (optional)"
        )
        assert "◔ wait" in row(app, GO) and "4 session fields not set" in row(app, GO)

        await pilot.press("f")
        await choose(pilot, app, "Version: not set")
        await until(lambda: isinstance(app.screen, AskScreen), what="ask", pause=pilot.pause)
        await answer(pilot, app, "v2 point 1")  # not a version: refused, in one sentence
        await until(lambda: "is not a version" in toasts(app), what="no", pause=pilot.pause)
        assert "Version not set" in fields_text(app)

        await pilot.press("f")
        await choose(pilot, app, "Version: not set")
        await answer(pilot, app, "2.1.0")
        await until(
            lambda: "Version 2.1.0" in fields_text(app), what="the version", pause=pilot.pause
        )

        await pilot.press("f")
        await choose(pilot, app, "Environment: not set")
        await choose(pilot, app, "Production")
        await pilot.press("f")
        await choose(pilot, app, "Deployed By: not set")
        await answer(pilot, app, "ana and bob")
        await pilot.press("f")
        await choose(pilot, app, "Deployment Date: not set")
        await until(lambda: isinstance(app.screen, AskScreen), what="ask", pause=pilot.pause)
        today = time.strftime("%Y-%m-%d", time.gmtime(sim.clock.now()))
        assert app.screen.query_one("#ask-input").value == today  # the cluster's date
        await pilot.press("enter")
        await until(
            lambda: "Deployment Date not set" not in fields_text(app),
            what="the date",
            pause=pilot.pause,
        )
        assert fields_text(app) == (
            f"Session: Deployment Date {today} · Deployed By ana and bob · Version 2.1.0 · "
            "Environment Production · Additional Notes not set (optional)"
        )
        await until(lambda: "to sign" in row(app, GO), what="the go", pause=pilot.pause)

    written = [r for r in readable_records(session_path(SESSION)) if r["kind"] == "field_set"]
    assert [(r["operator"], r["payload"]) for r in written] == [
        ("ana", {"field": "version", "value": "2.1.0"}),
        ("ana", {"field": "environment", "value": "Production"}),
        ("ana", {"field": "deployed_by", "value": "ana and bob"}),
        ("ana", {"field": "deployment_date", "value": today}),
    ]

    async with checklist_screen(room, "bob") as (app, pilot):
        assert fields_text(app) == (
            f"Session: Deployment Date {today} · Deployed By ana and bob · Version 2.1.0 · "
            "Environment Production · Additional Notes not set (optional)"
        )


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_the_fields_read_whole_above_the_checklist_at(
    size: tuple[int, int], room: tuple[SimCluster, Room]
) -> None:
    def set_version(run: ChecklistRun) -> None:
        run.set_field("version", "2.1.0")

    async with checklist_screen(room, "ana", size, set_version) as (app, _):
        panel = app.checklist_pane.fields
        assert panel.region.right <= size[0] and panel.region.height <= 4
        drawn = fields_text(app)
        for said in ("Deployment Date not set", "Version 2.1.0", "Environment not set",
                     "Additional Notes not set (optional)"):  # fmt: skip
            assert said in drawn, drawn
        rows = app.checklist_pane.list
        assert rows.region.y >= panel.region.bottom  # the list starts under them
        assert "Runbook reviewed" in text(rows)


async def test_the_palette_and_the_help_offer_setting_a_field(
    room: tuple[SimCluster, Room],
) -> None:
    async with checklist_screen(room, "ana") as (app, pilot):
        await pilot.press("question_mark")
        await until(lambda: isinstance(app.screen, HelpScreen), what="the help", pause=pilot.pause)
        shown = line_with(app.screen.query_one("KeyHelp"), "Set a session field").text
        assert shown.split()[:2] == ["f", "w"], shown
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, HelpScreen), pause=pilot.pause)
        await pilot.press("ctrl+p", *"session field")
        await until(
            lambda: ["Set a session field (date, version, environment …)", "key: f"] in offers(app),
            what="the palette's command",
            pause=pilot.pause,
        )
        await pilot.press("enter")
        await choose(pilot, app, "Environment: not set")
        await choose(pilot, app, "Staging")
        await until(
            lambda: "Environment Staging" in fields_text(app), what="set", pause=pilot.pause
        )


NO_SIGNOFF = """
name: no sign-off
cluster: {namespaces: [bizra-prod]}
targets: [{name: bizra-inference, container: inference-server}]
phases:
  - id: prep
    title: Preparation
    items: [{id: runbook, title: Runbook reviewed}]
  - id: launch
    title: Launch
    items: [{id: rolled, title: Rolled out, rollout: {target: bizra-inference}}]
session_fields: {version: {kind: version}}
"""


async def test_without_a_signoff_the_last_phase_says_the_field_it_waits_for() -> None:
    async with simulated() as sim, live_room(sim, NO_SIGNOFF) as live:

        def ticked(run: ChecklistRun) -> None:
            run.tick_item("runbook")

        async with checklist_screen((sim, live), "ana", before=ticked) as (app, pilot):
            await until(
                lambda: "✓ pass" in row(app, "Rolled out"), what="rolled", pause=pilot.pause
            )
            launch = row(app, "Launch")
            assert "1/1 · session field Version not set" in launch and "▶ in progress" in launch
            await pilot.press("f")
            await choose(pilot, app, "Version: not set")
            await answer(pilot, app, "2.1.0")
            await until(
                lambda: "✓ complete" in row(app, "Launch"), what="complete", pause=pilot.pause
            )
            assert "session field" not in row(app, "Launch")
