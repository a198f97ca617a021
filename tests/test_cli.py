"""The command line as a user meets it: a mistyped command, a missing layout, `warroom --help`.

Each test runs the real `python -m warroom` and reads what it prints and how it exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from warroom.cli import main

ROOT = Path(__file__).resolve().parents[1]


def warroom(
    *args: str, cwd: Path = ROOT, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`warroom ARGS` from this checkout, with no terminal and 80 columns."""
    env = dict(os.environ, COLUMNS="80")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if home is not None:  # a config folder of its own: no keymap.yaml of the user's
        env["XDG_CONFIG_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "warroom", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def commands() -> list[str]:
    return sorted(name for name, command in main.commands.items() if not command.hidden)


def squeeze(text: str) -> str:
    """Whitespace folded to single spaces, so that wrapped help reads as written."""
    return " ".join(text.split())


def test_a_mistyped_command_is_named_with_the_nearest_command(tmp_path: Path) -> None:
    result = warroom("dmeo", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: 'dmeo' is not a warroom command or a file; did you mean "
        f"'python -m warroom demo'? (commands: {', '.join(commands())})\n"
    )


def test_a_word_near_no_command_lists_the_commands(tmp_path: Path) -> None:
    result = warroom("xyzzy", "--speed", "3", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "Error: 'xyzzy' is not a warroom command or a file; give one of the commands "
        f"{', '.join(commands())}, or the path of a layout file (.yaml)\n"
    )


@pytest.mark.parametrize("word", ["go-live.yaml", "GO-LIVE.YML", "layouts/nope"])
def test_a_missing_layout_path_is_no_such_layout_file(tmp_path: Path, word: str) -> None:
    result = warroom(word, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"Error: {word}: no such layout file; check the path\n"
    assert "Traceback" not in result.stderr


def test_validate_a_missing_layout_is_no_such_layout_file(tmp_path: Path) -> None:
    result = warroom("validate", "go-live.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "Error: go-live.yaml: no such layout file; check the path\n"


def test_an_existing_file_is_read_as_a_layout_whatever_its_name(tmp_path: Path) -> None:
    (tmp_path / "dmeo").write_text("", encoding="utf-8")
    result = warroom("dmeo", cwd=tmp_path)
    assert result.returncode == 1
    assert "not a warroom command" not in result.stderr
    assert result.stderr.startswith("Error: dmeo:1: ")
    assert "is empty" in result.stderr


@pytest.mark.parametrize("args", [["layouts"], ["validate", "layouts"]])
def test_a_folder_given_as_layout_says_to_give_the_file_inside(args: list[str]) -> None:
    result = warroom(*args)
    assert result.returncode == 1
    assert result.stderr == ("Error: layouts: is a directory; give the layout file inside it\n")


def test_a_layout_path_still_opens_the_war_room(tmp_path: Path) -> None:
    # `warroom LAYOUT` is `warroom run LAYOUT`: the layout loads, and only then is the missing
    # terminal refused (stdout here is a pipe).
    result = warroom(
        str(ROOT / "layouts" / "bizra-inference-10k.yaml"), "--read-only", home=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.startswith("warroom draws on a terminal, and this is not one")


def test_help_shows_every_option_of_the_default_command() -> None:
    result = warroom("--help")
    assert result.returncode == 0
    shown = squeeze(result.stdout)
    run = main.commands["run"]
    options = [p for p in run.params if isinstance(p, click.Option)]
    assert options, "run has no options: nothing to check"
    for option in options:
        for flag in option.opts:
            assert f" {flag} " in shown, f"{flag} of run is missing from warroom --help"
        assert option.help is not None
        assert squeeze(option.help) in shown, f"the help of {option.opts[0]} is missing"


def test_help_lists_every_command_with_its_first_sentence() -> None:
    result = warroom("--help")
    commands_section = squeeze(result.stdout.partition("\nCommands:\n")[2])
    for name in commands():
        command = main.commands[name]
        assert f"{name} {squeeze(command.get_short_help_str(limit=200))}" in commands_section
