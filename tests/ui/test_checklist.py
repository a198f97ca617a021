"""The checklist tab used as an on-call engineer uses it, on the simulated cluster over HTTP:
keys on the screen, and every act asserted three ways — what is drawn, what the session
journal holds, and what `warroom report` makes of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._toast import Toast

from tests.ui.checklist_room import (
    COMMAND,
    STABLE,
    Desk,
    checklist_on,
    live_room,
    simulated,
    two_hours_ahead,
)
from tests.ui.screen import content, cursor_line, line_with, lines, text
from tests.waiting import until
from warroom.cli import main
from warroom.journal import readable_records, session_path
from warroom.live.room import Room
from warroom.sim.cluster import SimCluster
from warroom.ui.app import WarRoomApp
from warroom.ui.ask import AskScreen, ConfirmScreen
from warroom.ui.details import DetailScreen
from warroom.ui.evidence import EvidenceDetail
from warroom.ui.widgets.checklist import LOOKS, PhasePanel

SESSION = "golive"


@pytest.fixture
async def room() -> AsyncIterator[tuple[SimCluster, Room]]:
    async with simulated() as sim, live_room(sim) as live:
        yield sim, live


@pytest.fixture
async def desk(room: tuple[SimCluster, Room]) -> AsyncIterator[Desk]:
    sim, live = room
    async with checklist_on(live, SESSION, "ana", go_live=two_hours_ahead(sim)) as run:
        yield Desk(sim, live, run)


# ---- reading the screen, the journal and the report ------------------------------------------


def checklist_text(app: WarRoomApp) -> str:
    return text(app.checklist_pane.list)


def row(app: WarRoomApp, title: str) -> str:
    return line_with(app.checklist_pane.list, title).text


def toasts(app: WarRoomApp) -> str:
    """The notifications as drawn on the screen now."""
    return " ".join(" ".join(text(t).replace("▌", " ").split()) for t in app.screen.query(Toast))


def records(kind: str) -> list[dict[str, Any]]:
    return [r for r in readable_records(session_path(SESSION)) if r["kind"] == kind]


def report() -> str:
    done = CliRunner().invoke(main, ["report", SESSION])
    assert done.exit_code == 0, done.output
    return done.output


async def open_checklist_tab(pilot: Pilot[None], app: WarRoomApp) -> None:
    await pilot.press("6")
    await until(
        lambda: "Runbook reviewed" in checklist_text(app), what="the checklist", pause=pilot.pause
    )


async def select(pilot: Pilot[None], app: WarRoomApp, title: str) -> None:
    """Move the cursor to the row of `title` with j and k, as a person would."""
    rows = app.checklist_pane.list
    for _ in range(40):
        drawn = [line.text for line in lines(rows)]
        at = cursor_line(rows)
        if at is not None and title in at.text:
            return
        there = next((i for i, t in enumerate(drawn) if title in t), None)
        assert there is not None, f"{title!r} is not drawn:\n{checklist_text(app)}"
        here = drawn.index(at.text) if at is not None else 0
        await pilot.press("j" if there > here else "k")
        await pilot.pause()
    raise AssertionError(f"the cursor never reached {title!r}:\n{checklist_text(app)}")


async def answer(pilot: Pilot[None], app: WarRoomApp, typed: str) -> None:
    """Type into the AskScreen open and press Enter."""
    await until(lambda: isinstance(app.screen, AskScreen), what="the question", pause=pilot.pause)
    if typed:
        await pilot.press(*typed)
    await pilot.press("enter")


async def shows(pilot: Pilot[None], app: WarRoomApp, title: str, *wanted: str) -> str:
    """The row of `title` once it shows every one of `wanted`."""
    await until(
        lambda: all(w in row(app, title) for w in wanted),
        what=f"{title!r} showing {wanted}",
        pause=pilot.pause,
        timeout=15,
    )
    return row(app, title)


# ---- 1. ticking an item ----------------------------------------------------------------------


async def test_a_tick_with_a_note_shows_done_by_the_engineer_and_is_recorded(desk: Desk) -> None:
    app = desk.app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await open_checklist_tab(pilot, app)
        await select(pilot, app, "Status page drafted")
        await pilot.press("t")
        await answer(pilot, app, "checked with comms")
        drawn = await shows(pilot, app, "Status page drafted", "● done", "by ana")
        assert "Runbook reviewed" in checklist_text(app)
        assert "● done" not in row(app, "Runbook reviewed")  # only the row selected
        assert "Ticked: Status page drafted" in toasts(app), drawn
    ticks = records("tick")
    assert [(t["operator"], t["payload"]) for t in ticks] == [
        ("ana", {"phase": "prep", "item": "comms", "note": "checked with comms"})
    ]
    said = report()
    line = next(x for x in said.splitlines() if "Status page drafted" in x)
    assert "done" in line and "ana" in line and "checked with comms" in said, said


# ---- 2. note, untick, override, sign off -----------------------------------------------------


def evidence_text(app: WarRoomApp) -> str:
    screen = app.screen
    assert isinstance(screen, DetailScreen) and isinstance(screen.body, EvidenceDetail), screen
    return content(screen.body)


async def open_evidence(pilot: Pilot[None], app: WarRoomApp) -> str:
    await pilot.press("enter")
    await until(
        lambda: isinstance(app.screen, DetailScreen), what="the evidence", pause=pilot.pause
    )
    await pilot.pause()
    return evidence_text(app)


async def close(pilot: Pilot[None], app: WarRoomApp) -> None:
    await pilot.press("escape")
    await until(lambda: app.screen is app.screen_stack[0], what="back", pause=pilot.pause)


async def confirm_text(pilot: Pilot[None], app: WarRoomApp) -> str:
    await until(
        lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation", pause=pilot.pause
    )
    await pilot.pause()
    return " ".join(" ".join(content(part).split()) for part in app.screen.query(Static))


async def test_note_untick_override_and_sign_off_show_and_are_recorded(desk: Desk) -> None:
    app = desk.app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await open_checklist_tab(pilot, app)
        await select(pilot, app, "Runbook reviewed")
        await pilot.press("t")
        await answer(pilot, app, "")
        await shows(pilot, app, "Runbook reviewed", "● done", "by ana")

        await pilot.press("n")
        await answer(pilot, app, "paged the DBA")
        await until(lambda: "Noted." in toasts(app), what="the note said", pause=pilot.pause)
        assert "ana: paged the DBA" in await open_evidence(pilot, app)
        await close(pilot, app)

        await pilot.press("u")
        await answer(pilot, app, "runbook out of date")
        await shows(pilot, app, "Runbook reviewed", "◔ wait", "to tick")

        await pilot.press("o")
        await answer(pilot, app, "")  # no reason: refused in place
        ask = app.screen
        assert isinstance(ask, AskScreen)
        await until(
            lambda: "An override needs a reason." in content(ask.query_one("#ask-said")),
            what="the refusal",
            pause=pilot.pause,
        )
        await pilot.press(*"vendor confirmed the runbook by phone", "enter")
        await shows(pilot, app, "Preparation", "» overridden")
        await shows(pilot, app, "Launch", "▶ in progress")

        await select(pilot, app, "Operations agree")
        await pilot.press("s")
        asked = await confirm_text(pilot, app)
        assert "ana signs as Operations" in asked
        assert "“Operations are ready for the switch.”" in asked
        assert f"revision 1, image {STABLE}" in asked, asked
        await pilot.press("y")
        await shows(pilot, app, "Operations agree", "● done", "signed by ana")

    (note,) = records("note")
    assert (note["operator"], note["payload"]) == (
        "ana",
        {"text": "paged the DBA", "phase": "prep", "item": "runbook"},
    )
    (untick,) = records("untick")
    assert untick["payload"] == {
        "phase": "prep",
        "item": "runbook",
        "reason": "runbook out of date",
    }
    (override,) = records("override")
    assert override["operator"] == "ana"
    assert override["payload"] == {
        "phase": "prep",
        "reason": "vendor confirmed the runbook by phone",
        "unmet": ["runbook", "comms", "verify", "ops-ok"],
    }
    (signed,) = records("signoff")
    assert signed["operator"] == "ana"
    payload = signed["payload"]
    assert (payload["item"], payload["role"], payload["statement"]) == (
        "ops-ok",
        "Operations",
        "Operations are ready for the switch.",
    )
    assert payload["bound"]["revision"] == "1" and payload["bound"]["image"] == STABLE
    said = report()
    assert "paged the DBA" in said and "runbook out of date" in said
    assert "vendor confirmed the runbook by phone" in said
    runbook = next(x for x in said.splitlines() if x.startswith("| Runbook reviewed"))
    assert "| pending |" in runbook  # unticked
    signed_row = next(x for x in said.splitlines() if x.startswith("| Operations agree"))
    assert "| done |" in signed_row and "ana" in signed_row, said


# ---- 3. the one who started a gated phase does not sign it ------------------------------------


async def test_the_starter_of_a_gated_phase_cannot_sign_until_someone_else_takes_over(
    desk: Desk,
) -> None:
    app = desk.app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await open_checklist_tab(pilot, app)
        await pilot.press("o")
        await answer(pilot, app, "preparation done on paper")
        await shows(pilot, app, "Launch", "▶ in progress")
        await select(pilot, app, "Engineering lead signs the go")
        await pilot.press("s")
        await confirm_text(pilot, app)
        await pilot.press("y")
        await until(lambda: "forbids" in toasts(app), what="the refusal", pause=pilot.pause)
        said = toasts(app)
        assert (
            "ana started Launch, and this layout forbids the one who started a phase from "
            "signing its gate; hand over to someone else" in said
        ), said
        assert said.count(". ") == 0  # one sentence
        assert "● done" not in row(app, "Engineering lead signs the go")
        assert not records("signoff")

        await pilot.press("w")
        await answer(pilot, app, "bob")
        await until(
            lambda: "✎ bob" in text(app.header), what="bob in the header", pause=pilot.pause
        )
        await pilot.press("s")
        assert "bob signs as Engineering lead" in await confirm_text(pilot, app)
        await pilot.press("y")
        await shows(pilot, app, "Engineering lead signs the go", "● done", "signed by bob")
    (handed,) = records("operator_changed")
    assert (handed["operator"], handed["payload"]) == ("ana", {"from": "ana", "to": "bob"})
    (signed,) = records("signoff")
    assert signed["operator"] == "bob" and signed["payload"]["role"] == "Engineering lead"
    go = next(x for x in report().splitlines() if x.startswith("| Engineering lead signs"))
    assert "| done |" in go and "bob" in go


# ---- 4. a command item -----------------------------------------------------------------------


async def test_a_command_is_shown_before_it_first_runs_and_its_output_is_the_evidence(
    desk: Desk,
) -> None:
    app = desk.app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await open_checklist_tab(pilot, app)
        await select(pilot, app, "Verification script")
        await pilot.press("r")
        asked = await confirm_text(pilot, app)
        assert f"This layout runs, on this machine: {COMMAND}" in asked, asked
        shown = line_with(app.screen.query_one("#ask-body", Static), "sh").text
        assert shown.strip() == COMMAND  # exactly as it will run
        assert not records("command_approved")  # nothing is approved before the yes
        await pilot.press("y")
        await shows(pilot, app, "Verification script", "✓ pass")
        shown = await open_evidence(pilot, app)
        assert "Verified OK" in shown and COMMAND in shown, shown
        await close(pilot, app)

        await pilot.press("r")  # approved once this session: it runs without asking
        await until(
            lambda: toasts(app).count("Running: Verification script") >= 2,
            what="the second run",
            pause=pilot.pause,
        )
        assert not isinstance(app.screen, ConfirmScreen)
    (approved,) = records("command_approved")
    assert (approved["operator"], approved["payload"]) == (
        "ana",
        {"phase": "prep", "item": "verify", "command": COMMAND},
    )
    passed = [r for r in records("verdict") if r["payload"]["item"] == "verify"][-1]
    assert passed["payload"]["verdict"] == "pass"


# ---- 5. a restart gives the session back ----------------------------------------------------


async def test_a_restart_on_the_same_session_shows_what_was_recorded(
    room: tuple[SimCluster, Room],
) -> None:
    sim, live = room
    async with checklist_on(live, SESSION, "ana") as run:
        app = Desk(sim, live, run).app()
        async with app.run_test(size=(120, 36)) as pilot:
            await open_checklist_tab(pilot, app)
            run.tick_item("comms", "posted to the status page")
            run.note("database failover rehearsed", "runbook")
            run.override("prep", "the rehearsal covered it")
            run.sign("ops-ok")
            await shows(pilot, app, "Operations agree", "● done", "signed by ana")
    assert records("session_closed")  # that war room has stopped

    async with checklist_on(live, SESSION, "ana") as again:
        app = Desk(sim, live, again).app()
        async with app.run_test(size=(120, 36)) as pilot:
            await open_checklist_tab(pilot, app)
            await shows(pilot, app, "Status page drafted", "● done", "by ana")
            await shows(pilot, app, "Operations agree", "● done", "signed by ana")
            await shows(pilot, app, "Preparation", "» overridden")
            await shows(pilot, app, "Launch", "▶ in progress")
            await select(pilot, app, "Runbook reviewed")
            assert "ana: database failover rehearsed" in await open_evidence(pilot, app)
            await close(pilot, app)
            await select(pilot, app, "Status page drafted")
            shown = await open_evidence(pilot, app)
            assert "ticked by ana" in shown and "posted to the status page" in shown


# ---- 6. two engineers on one session ---------------------------------------------------------


async def test_a_tick_by_one_engineer_shows_on_the_paired_engineers_screen(
    room: tuple[SimCluster, Room],
) -> None:
    sim, live = room
    async with (
        checklist_on(live, SESSION, "ana") as ana,
        checklist_on(live, SESSION, "bob") as bob,
    ):
        app = Desk(sim, live, bob).app()  # bob's screen; ana ticks from hers
        async with app.run_test(size=(120, 36)) as pilot:
            await open_checklist_tab(pilot, app)
            assert "✎ bob" in text(app.header)
            assert "● done" not in row(app, "Runbook reviewed")
            ana.tick_item("runbook", "read it twice")
            # Within a second: bob's screen evaluates once a second, folding in ana's records.
            await until(
                lambda: "by ana" in row(app, "Runbook reviewed"),
                what="ana's tick on bob's screen",
                pause=pilot.pause,
                timeout=1.5,
            )
            assert "● done" in row(app, "Runbook reviewed")
    ticks = records("tick")
    assert [(t["operator"], t["process"].split("@")[0]) for t in ticks] == [("ana", "ana")]


# ---- 7. a write that fails -------------------------------------------------------------------


def test_a_journal_that_cannot_grow_refuses_the_tick_with_a_red_banner() -> None:
    # In a child: the file-size limit is the whole process's, and must not reach this one.
    script = Path(__file__).with_name("journal_full.py")
    root = Path(__file__).parents[2]
    done = subprocess.run(
        [sys.executable, str(script), "full"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    path = session_path("full")
    sentence = (
        f"{path}: the record was not saved (the file reached the size this process may write, "
        "ulimit -f); raise the limit, or start a new session with --session NAME"
    )
    assert said["banner"].startswith(f"JOURNAL: {sentence}"), said["banner"]
    # The toast wraps the path where it must: compare it without the spaces.
    assert [t.replace(" ", "") for t in said["toasts"]] == [
        f"Not recorded: {sentence}".replace(" ", "")
    ]
    assert "● done" not in said["row"] and "◔ wait" in said["row"], said["row"]
    red, green, blue = said["background"]
    assert red > green and red > blue, said["background"]  # the banner is the error colour
    # Nothing was half written: the journal is as it was, and still verifies.
    assert path.stat().st_size == said["size"]
    assert not [r for r in readable_records(path) if r["kind"] == "tick"]
    checked = CliRunner().invoke(main, ["verify", "full"])
    assert checked.exit_code == 0, checked.output


# ---- 8. the rollback trigger -----------------------------------------------------------------


async def test_a_held_trigger_is_on_the_banner_of_every_tab_until_it_clears(desk: Desk) -> None:
    app = desk.app()
    raised = "ROLLBACK TRIGGER: p95 over 1s"
    async with app.run_test(size=(120, 36)) as pilot:
        await open_checklist_tab(pilot, app)
        assert raised not in content(app.banner)
        desk.sim.regress_image(STABLE, latency=4.0, errors=0.0)
        await until(
            lambda: app.banner.display and raised in content(app.banner),
            what="the trigger on the banner",
            pause=pilot.pause,
            timeout=30,
        )
        for tab in "123456":
            await pilot.press(tab)
            await pilot.pause()
            assert app.banner.display and app.banner.region.height > 0, tab
            assert raised in content(app.banner), (tab, content(app.banner))
        desk.sim.clear_regression(STABLE)
        await until(
            lambda: raised not in content(app.banner),
            what="the banner cleared",
            pause=pilot.pause,
            timeout=60,
        )
    kinds = [r["kind"] for r in readable_records(session_path(SESSION))]
    assert [k for k in kinds if k.startswith("trigger_")] == ["trigger_raised", "trigger_cleared"]


# ---- 9. sizes --------------------------------------------------------------------------------

ITEMS = (
    "Runbook reviewed",
    "Status page drafted",
    "Verification script",
    "Operations agree",
    "Rolled out",
    "Engineering lead signs the go",
)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_the_checklist_reads_whole_at(size: tuple[int, int], desk: Desk) -> None:
    app = desk.app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        # One panel shows the phase: in the one column, or beside the events from 150 columns.
        panel = app.query_one("#phase-wide" if size[0] >= 150 else "#phase", PhasePanel)
        await until(
            lambda: "Preparation  0/4" in text(panel), what="the phase panel", pause=pilot.pause
        )
        assert panel.region.height > 0 and panel.region.right <= size[0]
        assert "◔ wait" in text(panel)  # what holds the phase, with its verdict word

        await open_checklist_tab(pilot, app)
        await until(
            lambda: "✓ pass" in row(app, "Rolled out"), what="the rollout", pause=pilot.pause
        )
        status = content(app.checklist_pane.status)
        assert status.startswith("Preparation: 0/4 · ✎ ana · journal "), status
        assert "Preparation  0/4  ▶ in progress  T-1h starts in " in row(app, "Preparation")
        assert "Launch  1/2" in row(app, "Launch")
        looks = {f"{glyph} {word}" for glyph, word, _ in LOOKS.values()}
        rows = app.checklist_pane.list
        assert rows.region.bottom <= size[1]
        for title in ITEMS:
            drawn = row(app, title)
            assert len(drawn) <= size[0]
            verdict = drawn[:10].split("  ")[0].strip()  # the verdict column, 10 wide
            assert verdict in looks, (title, drawn)
            assert drawn[1 : 1 + len(verdict)] == verdict and drawn[1 + len(verdict)] == " "
            assert title in drawn  # whole, not cut
        # The last row is inside the list, not under the key bar.
        last = line_with(rows, ITEMS[-1])
        assert lines(rows).index(last) < rows.region.height
