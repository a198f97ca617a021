"""What the journal promises a crash and a full disk, seen from real processes: a record
the caller was handed is on disk; a write that failed leaves the chain valid."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.journal.conftest import CHILD, ROOT, child, journal_at
from warroom.journal import session_path, torn_path, verify_file


def acks_until_killed(path: Path, count: int) -> list[int]:
    """Start a child appending as fast as it can, read `count` acks, SIGKILL it mid-flight;
    the acks it printed before dying count too."""
    proc = child("crash", str(path))
    assert proc.stdout is not None
    assert proc.stdout.readline() == "open\n", proc.stderr.read() if proc.stderr else ""
    acked = [int(proc.stdout.readline()) for _ in range(count)]
    proc.send_signal(signal.SIGKILL)
    rest = proc.stdout.read()
    assert proc.wait() == -signal.SIGKILL
    acked += [int(seq) for seq in rest.split("\n")[:-1]]  # a last ack cut mid-line is not one
    return acked


def test_every_acknowledged_record_survives_sigkill(opened: list) -> None:
    path = session_path("crash")
    acked: list[int] = []
    for _ in range(3):  # each restart replays, sets any torn line aside, and carries on
        acked += acks_until_killed(path, 300)
    journal = journal_at(path, opened)
    seqs = [record.seq for record in journal.records]
    assert seqs == list(range(1, len(seqs) + 1))
    assert set(acked) <= set(seqs)
    assert acked == sorted(acked) and len(acked) >= 900
    checked = verify_file(path)
    assert checked.ok and not checked.torn
    if torn_path(path).exists():  # a kill landed mid-write: those bytes were never acked
        assert journal.problem is None or "set aside" in journal.problem


STRACE = shutil.which("strace")


def test_a_record_is_locked_written_and_fsynced_before_append_returns(tmp_path: Path) -> None:
    """SIGKILL cannot tell a missing fsync (the page cache outlives the process), so watch
    the system calls: each ack is printed only after lock, write, fsync, unlock."""
    require_tool("strace")
    path = session_path("traced")
    trace = tmp_path / "trace"
    proc = subprocess.Popen(
        [STRACE or "strace", "-qq", "-e", "trace=write,fsync,flock", "-e", "signal=none",
         "-o", str(trace), sys.executable, str(CHILD), "crash", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "WARROOM_DATA_DIR": "unused"},
    )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()
    if first != "open\n":
        proc.kill()
        pytest.skip(f"strace cannot trace here: {proc.communicate()[1][-200:]}")
    for _ in range(50):
        proc.stdout.readline()
    proc.kill()
    proc.wait()
    calls = trace.read_text().splitlines()
    journal_fd = re.match(r"write\((\d+), \"\{", next(c for c in calls if '"{\\"v\\":1' in c))
    assert journal_fd is not None
    fd = journal_fd.group(1)
    steps = []
    for call in calls:
        if call.startswith(f"flock({fd}, LOCK_EX)"):
            steps.append("lock")
        elif call.startswith(f"write({fd}, "):
            steps.append("write")
        elif call.startswith(f"fsync({fd})"):
            steps.append("fsync")
        elif call.startswith(f"flock({fd}, LOCK_UN)"):
            steps.append("unlock")
        elif re.match(r'write\(1, "\d+\\n"', call):
            steps.append("ack")
    first_ack = steps.index("ack")
    rounds = "".join(f"{s} " for s in steps[first_ack + 1 :]).split("ack ")[:-1]
    assert len(rounds) >= 40
    assert set(rounds) == {"lock write fsync unlock "}


@pytest.mark.parametrize("room", [0, 60])
def test_a_write_past_the_file_size_limit_is_one_sentence_and_leaves_the_chain(room: int) -> None:
    """RLIMIT_FSIZE: with room 0 the write fails at once (EFBIG); with 60 bytes of room the
    kernel writes part of the line, and the journal must cut it back."""
    path = session_path("limited")
    proc = child("fsize", str(path), str(room))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    result = json.loads(out)
    assert result["error"] == (
        f"{path}: the record was not saved (the file reached the size this process may write, "
        "ulimit -f); raise the limit, or start a new session with --session NAME"
    )
    assert result["size"] == result["before"]
    checked = verify_file(path)
    assert (checked.ok, checked.records, checked.torn) == (True, 3, False)
