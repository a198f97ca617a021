"""Moving like k9s: j/k, ^c, the palette as a menu, and a screenshot that says where it went."""

from __future__ import annotations

from pathlib import Path

from tests.ui.screen import cursor_line
from tests.ui.test_keys import app_with, offers
from tests.ui.test_pod_statuses import pod
from tests.waiting import until
from warroom.ui.widgets.pods import PodTable

PODS = [pod(f"web-{i}", "Running", {"running": {}}) for i in range(3)]


def cursor_row(table: PodTable) -> str:
    """The pod the cursor is on, as drawn."""
    line = cursor_line(table)
    return line.text.split()[1] if line is not None else ""


async def test_j_and_k_move_the_cursor_as_the_arrows_do() -> None:
    app = app_with(pods=PODS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one(PodTable)
        await until(lambda: cursor_row(table) == "web-0", what="the cursor", pause=pilot.pause)
        await pilot.press("j", "j")
        await until(lambda: cursor_row(table) == "web-2", what="j moving", pause=pilot.pause)
        await pilot.press("k")
        await until(lambda: cursor_row(table) == "web-1", what="k moving", pause=pilot.pause)


async def test_ctrl_c_quits_even_from_the_filter_box() -> None:
    app = app_with(pods=PODS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash", "w")
        await pilot.press("ctrl+c")
        await until(lambda: not app.is_running, what="^c quitting", pause=pilot.pause)


async def test_the_palette_opened_empty_lists_the_apps_commands() -> None:
    app = app_with()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")

        def listed() -> list[str]:
            return [offer[0] for offer in offers(app)]

        await until(lambda: "Show pods" in listed(), what="the commands", pause=pilot.pause)
        for command in ("Show overview", "Show nodes and GPUs", "Show every key", "Quit"):
            assert command in listed()


def svgs(folder: Path) -> list[Path]:
    return list(folder.glob("*.svg"))


async def test_a_screenshot_says_where_it_was_saved(tmp_path: Path) -> None:
    app = app_with()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.action_save_screenshot(str(tmp_path))
        await pilot.pause()
        saved = svgs(tmp_path)
        assert len(saved) == 1 and "<svg" in saved[0].read_text()
        said = [n.message for n in app._notifications]
        assert said == [f"Screenshot saved to {saved[0]} (open it in a browser)."]


async def test_a_screenshot_that_cannot_be_saved_says_why(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    app = app_with()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.action_save_screenshot(str(blocked / "below"))
        await pilot.pause()
        said = " ".join(n.message for n in app._notifications)
        assert said.startswith(f"Could not save a screenshot in {blocked / 'below'}: ")
        assert said.endswith("Start warroom from a folder you can write to.")
