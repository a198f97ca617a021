"""`warroom verify SESSION` as a user runs it: ok, the first bad line, a missing session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.journal.conftest import ROOT, write_notes
from warroom.journal import session_path


def warroom(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "warroom", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_an_intact_session_is_ok(opened: list) -> None:
    journal = write_notes(session_path("golive"), 4, opened)
    result = warroom("verify", "golive")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"golive: ok: 4 records, head {journal.head}\n"


def test_a_session_given_by_its_path_is_ok(opened: list, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.jsonl"
    journal = write_notes(path, 2, opened)
    result = warroom("verify", str(path))
    assert result.stdout == f"{path}: ok: 2 records, head {journal.head}\n"


def test_a_bad_line_is_named_with_file_and_line(opened: list) -> None:
    path = session_path("golive")
    write_notes(path, 10, opened)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[4] = lines[4].replace(b"note 5", b"note 9")
    path.write_bytes(b"".join(lines))
    result = warroom("verify", "golive")
    assert result.returncode == 1
    assert result.stdout == f"{path}:6: does not follow line 5 (edited, removed or reordered)\n"


def test_a_torn_last_line_is_still_ok_and_said(opened: list) -> None:
    path = session_path("golive")
    journal = write_notes(path, 3, opened)
    with path.open("ab") as file:
        file.write(b'{"v":1,"seq":4')
    result = warroom("verify", "golive")
    assert result.returncode == 0
    assert result.stdout == f"golive: ok: 3 records, head {journal.head}\n"
    assert result.stderr.startswith(f"{path}:4: is incomplete (warroom stopped while writing it)")
    assert path.read_bytes().endswith(b'{"v":1,"seq":4')  # verify changes nothing


def test_a_missing_session_is_one_sentence(data_dir: Path) -> None:
    result = warroom("verify", "nope")
    assert result.returncode == 2
    assert result.stderr == (
        f"nope: no such session (there is no {data_dir / 'sessions' / 'nope.jsonl'})\n"
    )


def test_a_bad_session_name_is_one_sentence() -> None:
    result = warroom("verify", ".secret")
    assert result.returncode == 2
    assert result.stderr == (
        "'.secret' is not a session name: use up to 100 letters, digits, '-', '_' and '.', "
        "not starting with '.'\n"
    )
