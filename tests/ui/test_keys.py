"""Keys by id, remapped from the user's keymap file; the palette's colours follow the theme."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.command import CommandList
from textual.widgets import TabbedContent

from tests.ui.screen import color_of, line_with, text, theme_color
from tests.waiting import until
from warroom.state.model import RoomModel
from warroom.state.picture import ClusterPicture
from warroom.state.room import HeaderInfo, RoomSnapshot, Targets
from warroom.ui.app import WarRoomApp
from warroom.ui.keys import Keymap, KeymapError, load_keymap, parse_keymap
from warroom.ui.screens import HelpScreen
from warroom.ui.widgets.keybar import KeyBar
from warroom.ui.widgets.nodes import NodeTable

NOW = 1_795_000_000.0


def node(name: str, ready: str) -> dict:
    return {
        "metadata": {"uid": name, "name": name, "resourceVersion": "1"},
        "status": {"conditions": [{"type": "Ready", "status": ready}]},
    }


def app_with(keymap: Keymap | None = None, pods: list[dict] | None = None) -> WarRoomApp:
    """The screen on a picture of two nodes, one NotReady, and `pods`, with no live source."""
    picture = ClusterPicture(["ns"], clock=lambda: NOW)
    picture.cache("nodes").replace([node("gpu-node-1", "True"), node("gpu-node-2", "False")], "1")
    picture.cache("pods", "ns").replace(pods or [], "1")
    model = RoomModel(lambda: RoomSnapshot(picture), Targets(), clock=lambda: NOW)
    return WarRoomApp(model, HeaderInfo("ctx", ("ns",), "test"), keymap=keymap)


async def test_a_remapped_key_works_and_the_key_bar_and_help_show_it() -> None:
    keymap = parse_keymap("view.pods: p\nview.nodes: [m, f3]\n", "keymap.yaml")
    app = app_with(keymap)
    async with app.run_test(size=(120, 30)) as pilot:
        tabs = app.query_one("#tabs", TabbedContent)
        bar = text(app.query_one(KeyBar))
        assert " p Pods " in bar and " m Nodes " in bar and " 2 Pods" not in bar
        await pilot.press("2")  # the old key does nothing now
        await pilot.pause()
        assert tabs.active == "overview"
        await pilot.press("p")
        await until(lambda: tabs.active == "pods", what="p opening pods", pause=pilot.pause)
        await pilot.press("f3")
        await until(lambda: tabs.active == "nodes", what="f3 opening nodes", pause=pilot.pause)
        await pilot.press("question_mark")
        await until(lambda: isinstance(app.screen, HelpScreen), what="the help", pause=pilot.pause)
        help_text = text(app.screen.query_one("KeyHelp"))
        assert line_with(app.screen.query_one("KeyHelp"), "Show pods").text.split()[0] == "p"
        assert "m f3" in line_with(app.screen.query_one("KeyHelp"), "Show nodes").text
        assert "Show every key" in help_text
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, HelpScreen), pause=pilot.pause)
        # The palette offers the command with the key in force.
        await pilot.press("ctrl+p", *"show pods")
        await until(
            lambda: offers(app)[:1] == [["Show pods", "key: p"]],
            what="the palette offering Show pods by its new key",
            pause=pilot.pause,
        )


def offers(app: WarRoomApp) -> list[list[str]]:
    """The command palette's offers as drawn: each a list of its lines (command, help)."""
    found = app.screen.query(CommandList)
    if not found:
        return []
    options = found.first()
    shown = []
    for index in range(options.option_count):
        prompt = options.get_option_at_index(index).prompt
        shown.append(str(getattr(prompt, "plain", prompt)).splitlines())
    return shown


async def test_the_palette_offers_textuals_theme_picker() -> None:
    app = app_with()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p", *"theme")
        await until(
            lambda: any(lines[:1] == ["Theme"] for lines in offers(app)),
            what="the Theme command",
            pause=pilot.pause,
        )


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("view.podz: p\n", "'view.podz' is not a key binding id; the ids are "),
        (
            "view.pods: ctrl+alt+nope\n",
            "view.pods: 'ctrl+alt+nope' is not a key name Textual knows",
        ),
        ("view.pods: '1'\n", "1 would do both view.overview and view.pods; give one of them"),
        ("view.pods: [p\n", "keymap.yaml:2: not valid YAML; fix the file or remove it"),
        ("- view.pods\n", "expected binding ids mapped to keys, like `view.pods: p`"),
        ("view.pods: ''\n", "view.pods has no keys; give at least one, or remove it"),
    ],
)
def test_a_bad_keymap_is_one_sentence_saying_what_to_fix(content: str, said: str) -> None:
    with pytest.raises(KeymapError) as caught:
        parse_keymap(content, "keymap.yaml")
    message = str(caught.value)
    assert said in message and message.startswith("keymap.yaml") and "\n" not in message


def test_the_keymap_is_read_from_the_users_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_keymap().overrides == {}  # no file: the defaults
    (tmp_path / "warroom").mkdir()
    (tmp_path / "warroom" / "keymap.yaml").write_text("app.help: '?'\nlist.down: down,j\n")
    keymap = load_keymap()
    assert keymap.overrides == {"app.help": "question_mark", "list.down": "down,j"}
    assert keymap.labels("list.down") == "↓ j"


def test_warroom_refuses_a_bad_keymap_at_start_in_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "warroom").mkdir()
    (tmp_path / "warroom" / "keymap.yaml").write_text("view.pods: '1'\n")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"Error: {tmp_path / 'warroom' / 'keymap.yaml'}: 1 would do both view.overview and "
        "view.pods; give one of them another key"
    ]


async def test_colours_follow_the_theme() -> None:
    app = app_with()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        nodes = app.query_one(NodeTable)
        await until(lambda: "gpu-node-2" in text(nodes), what="the nodes", pause=pilot.pause)
        dark_error = theme_color(app, "error")
        assert color_of(line_with(nodes, "gpu-node-2").style_of("NotReady")) == dark_error
        app.theme = "solarized-light"
        await until(
            lambda: theme_color(app, "error") != dark_error, what="the theme", pause=pilot.pause
        )
        await until(
            lambda: (
                color_of(line_with(nodes, "gpu-node-2").style_of("NotReady"))
                == theme_color(app, "error")
            ),
            what="NotReady in the new theme's error colour",
            pause=pilot.pause,
        )
        ok = color_of(line_with(nodes, "gpu-node-1").style_of("Ready"))
        assert ok == theme_color(app, "success")


async def test_no_color_draws_no_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_with()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        nodes = app.query_one(NodeTable)
        await until(lambda: "gpu-node-2" in text(nodes), what="the nodes", pause=pilot.pause)
        drawn = [
            color_of(style) for line in [line_with(nodes, "gpu-node-2")] for _, style in line.cells
        ]
        # Monochrome: every colour drawn is a grey (red, green and blue alike).
        assert all(c is None or c[1:3] == c[3:5] == c[5:7] for c in drawn), drawn
        bad = line_with(nodes, "gpu-node-2").style_of("NotReady")
        assert bad is not None and bad.bold  # still marked, by weight instead of colour
