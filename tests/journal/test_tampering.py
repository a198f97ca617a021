"""A journal edited, cut or reordered is caught with its line number and opens read-only;
a torn last line (a crash mid-write) is tolerated, reported and set aside.

Which line is named: the first line whose check fails. Editing a byte of line 5 so that it
still parses leaves line 5 looking fine on its own, and line 6 is named (its prev no longer
matches); an edit that breaks line 5's JSON names line 5."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.journal.conftest import journal_at, write_notes
from warroom.journal import JournalReadOnly, Problem, session_path, torn_path, verify_file

READ_ONLY = "this session is read-only — start a new one with --session NAME"


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def ten(opened: list) -> Path:
    path = session_path("tamper")
    write_notes(path, 10, opened).close()
    return path


def test_an_intact_journal_verifies(opened: list) -> None:
    path = ten(opened)
    checked = verify_file(path)
    assert (checked.ok, checked.records, checked.problems, checked.torn) == (True, 10, [], False)


def test_an_edited_byte_that_still_parses_is_caught_on_the_next_line(opened: list) -> None:
    path = ten(opened)
    lines = lines_of(path)
    lines[4] = lines[4].replace(b"note 5", b"note 6")
    path.write_bytes(b"".join(lines))
    checked = verify_file(path)
    assert not checked.ok
    assert checked.problems == [Problem(6, "does not follow line 5 (edited, removed or reordered)")]
    journal = journal_at(path, opened)
    assert journal.read_only
    assert journal.problem == (
        f"{path}: line 6 does not follow line 5 (edited, removed or reordered); {READ_ONLY}"
    )
    with pytest.raises(JournalReadOnly) as caught:
        journal.append("note", {"text": "more"})
    assert str(caught.value) == journal.problem
    assert lines_of(path)[4].count(b"note 6") == 1 and len(lines_of(path)) == 10


def test_an_edit_that_breaks_the_json_names_its_own_line(opened: list) -> None:
    path = ten(opened)
    lines = lines_of(path)
    lines[4] = lines[4].replace(b'"kind"', b'"kind', 1)
    path.write_bytes(b"".join(lines))
    checked = verify_file(path)
    assert checked.problems[0] == Problem(5, "is not JSON (edited, or not a journal)")
    assert journal_at(path, opened).read_only


def test_a_removed_line_is_caught(opened: list) -> None:
    path = ten(opened)
    lines = lines_of(path)
    del lines[4]
    path.write_bytes(b"".join(lines))
    assert verify_file(path).problems == [
        Problem(5, "does not follow line 4 (edited, removed or reordered)")
    ]
    assert journal_at(path, opened).read_only


def test_a_removed_first_line_is_caught(opened: list) -> None:
    path = ten(opened)
    path.write_bytes(b"".join(lines_of(path)[1:]))
    assert verify_file(path).problems == [
        Problem(1, "is not the first record (edited, removed or reordered)")
    ]


def test_two_swapped_lines_are_caught(opened: list) -> None:
    path = ten(opened)
    lines = lines_of(path)
    lines[4], lines[5] = lines[5], lines[4]
    path.write_bytes(b"".join(lines))
    checked = verify_file(path)
    assert checked.problems[0] == Problem(
        5, "does not follow line 4 (edited, removed or reordered)"
    )
    assert journal_at(path, opened).read_only


def test_a_record_of_another_version_is_caught(opened: list) -> None:
    path = ten(opened)
    lines = lines_of(path)
    lines[2] = lines[2].replace(b'{"v":1,', b'{"v":2,', 1)
    path.write_bytes(b"".join(lines))
    assert verify_file(path).problems[0] == Problem(
        3, "has record version 2; this warroom reads version 1"
    )


def test_tampering_while_open_makes_the_writer_read_only(opened: list) -> None:
    path = ten(opened)
    journal = journal_at(path, opened)
    lines = lines_of(path)
    with path.open("ab") as file:  # another "writer" that does not follow the chain
        file.write(lines[3])
    with pytest.raises(JournalReadOnly, match="line 11 does not follow line 10"):
        journal.append("note", {"text": "after"})
    assert journal.read_only


def test_a_journal_cut_short_while_open_is_caught(opened: list) -> None:
    path = ten(opened)
    journal = journal_at(path, opened)
    path.write_bytes(b"".join(lines_of(path)[:8]))
    assert journal.poll() == []
    assert journal.problem == (
        f"{path}: the file is shorter than when warroom last read it; {READ_ONLY}"
    )


@pytest.mark.parametrize(
    "torn", [b'{"v":1,"seq":11,"at":{"clus', b'{"v":1,"seq":11,"at":{"clus\n', b"\0\0\0\0"]
)
def test_a_torn_last_line_is_tolerated_and_set_aside(opened: list, torn: bytes) -> None:
    path = ten(opened)
    intact = path.read_bytes()
    path.write_bytes(intact + torn)
    checked = verify_file(path)
    assert (checked.ok, checked.records, checked.torn) == (True, 10, True)
    assert checked.problems == [
        Problem(
            11,
            "is incomplete (warroom stopped while writing it); it was never acknowledged and "
            f"will be set aside in {torn_path(path)} when warroom next opens the session",
        )
    ]
    journal = journal_at(path, opened)
    assert not journal.read_only
    assert journal.problem == (
        f"{path}: line 11 is incomplete (warroom stopped while writing it); it was never "
        f"acknowledged and is set aside in {torn_path(path)}"
    )
    assert path.read_bytes() == intact
    assert torn_path(path).read_bytes() == torn.rstrip(b"\n") + b"\n"
    record = journal.append("note", {"text": "after the crash"})
    assert record.seq == 11
    checked = verify_file(path)
    assert (checked.ok, checked.records, checked.torn) == (True, 11, False)


def test_a_broken_line_before_a_torn_one_is_not_torn(opened: list) -> None:
    path = ten(opened)
    path.write_bytes(path.read_bytes() + b"not json\n" + b'{"v":1')
    checked = verify_file(path)
    assert not checked.ok and checked.torn
    assert checked.problems[0] == Problem(11, "is not JSON (edited, or not a journal)")


def test_a_file_warroom_may_not_write_opens_read_only(opened: list) -> None:
    """Made immutable (chattr +i) rather than chmod: the tests may run as root."""
    path = ten(opened)
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        journal = journal_at(path, opened)
        assert journal.read_only and len(journal.records) == 10
        assert journal.problem == (
            f"{path}: warroom may not write this file (operation not permitted); {READ_ONLY}"
        )
        with pytest.raises(JournalReadOnly, match="may not write this file"):
            journal.append("note", {"text": "x"})
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)
