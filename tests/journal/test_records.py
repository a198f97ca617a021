"""The line format of docs/journal.md, byte for byte, and the chain it makes."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import orjson
import pytest

from tests.journal.conftest import journal_at, write_notes
from warroom.journal import (
    GENESIS,
    Record,
    RecordError,
    SessionNameError,
    decode,
    encode,
    head_hash,
    list_sessions,
    session_path,
    verify_file,
)


def test_a_record_is_the_documented_line() -> None:
    record = Record(
        1, 7, 1764668400.25, 1764668401.03, "alice", "alice@host:4242", "tick",
        {"phase": "canary", "item": "pods-ready", "note": None}, GENESIS,
    )  # fmt: skip
    assert encode(record) == (
        b'{"v":1,"seq":7,"at":{"cluster":1764668400.25,"wall":1764668401.03},'
        b'"operator":"alice","process":"alice@host:4242","kind":"tick",'
        b'"payload":{"phase":"canary","item":"pods-ready","note":null},'
        b'"prev":"' + b"0" * 64 + b'"}'
    )
    assert decode(encode(record)) == record


def test_a_newline_in_a_payload_stays_inside_its_line() -> None:
    record = Record(1, 1, 1.0, 2.0, "a", "p", "note", {"text": "two\nlines\r\u2028"}, GENESIS)
    assert b"\n" not in encode(record)
    assert decode(encode(record)).payload["text"] == "two\nlines\r\u2028"


def test_round_trip_through_the_file(tmp_path: Path, opened: list) -> None:
    path = session_path("golive")
    journal = journal_at(path, opened)
    payload = {"phase": "canary", "item": "p99", "note": "ü ✓", "extra": [1, 2.5, None, True]}
    written = journal.append("tick", payload)
    journal.close()
    again = journal_at(path, opened, operator="bob")
    assert list(again.records) == [written]
    assert written.payload == payload
    assert (written.seq, written.prev, written.operator, written.kind) == (
        1,
        GENESIS,
        "alice",
        "tick",
    )
    assert written.process == f"alice@{os.uname().nodename}:{os.getpid()}"
    assert written.at_cluster == 1_764_668_400.25


def test_seq_counts_up_and_each_prev_is_the_hash_of_the_line_before(opened: list) -> None:
    path = session_path("chain")
    journal = write_notes(path, 10, opened)
    lines = path.read_bytes().split(b"\n")
    assert lines.pop() == b""
    assert [orjson.loads(line)["seq"] for line in lines] == list(range(1, 11))
    prevs = [orjson.loads(line)["prev"] for line in lines]
    assert prevs == [GENESIS] + [hashlib.sha256(line).hexdigest() for line in lines[:-1]]
    head = hashlib.sha256(lines[-1]).hexdigest()
    assert journal.head == head == head_hash(path.read_bytes())
    assert verify_file(path).head == head


def test_a_line_of_another_version_is_refused() -> None:
    line = encode(Record(2, 1, 1.0, 2.0, "a", "p", "note", {}, GENESIS))
    with pytest.raises(RecordError, match="has record version 2; this warroom reads version 1"):
        decode(line)


def test_the_folder_is_0700_and_the_file_0600_whatever_the_umask(opened: list) -> None:
    old = os.umask(0)
    try:
        path = session_path("private")
        write_notes(path, 1, opened)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize("name", [".hidden", "", "a b", "ü", "a" * 101, "x;rm", ".x.jsonl"])
def test_a_bad_session_name_is_one_sentence(name: str) -> None:
    with pytest.raises(SessionNameError) as caught:
        session_path(name)
    assert str(caught.value) == (
        f"{name!r} is not a session name: use up to 100 letters, digits, '-', '_' and '.', "
        "not starting with '.'"
    )


def test_names_and_paths(data_dir: Path, tmp_path: Path) -> None:
    assert session_path("go-live_2.1") == data_dir / "sessions" / "go-live_2.1.jsonl"
    assert session_path("go-live.jsonl") == data_dir / "sessions" / "go-live.jsonl"
    assert session_path("elsewhere/x.jsonl") == Path("elsewhere/x.jsonl")
    assert session_path(tmp_path / "y") == tmp_path / "y"


def test_sessions_are_listed_newest_first(opened: list) -> None:
    write_notes(session_path("old"), 1, opened)
    write_notes(session_path("new"), 2, opened)
    os.utime(session_path("old"), (1, 1))
    assert [s.name for s in list_sessions()] == ["new", "old"]
