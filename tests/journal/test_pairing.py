"""Two war rooms on one session: two processes append at once through the lock, and each
sees the other's records by polling, within a second."""

from __future__ import annotations

import json
from pathlib import Path

from tests.journal.conftest import child
from warroom.journal import open_journal, session_path, verify_file

EACH = 1000
ROUNDS = 400


def test_two_processes_append_to_one_session_and_see_each_other(tmp_path: Path) -> None:
    path = session_path("paired")
    reports = {name: tmp_path / f"{name}.json" for name in ("alice", "bob")}
    procs = {name: child("pair", str(path), name, str(EACH), str(report))
             for name, report in reports.items()}  # fmt: skip
    for proc in procs.values():
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    for proc in procs.values():  # both are open before either writes
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs.values():
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err

    checked = verify_file(path)
    assert (checked.ok, checked.records) == (True, 2 * EACH)
    journal = open_journal(path, "carol", clock=lambda: 0.0)
    assert [r.seq for r in journal.records] == list(range(1, 2 * EACH + 1))
    journal.close()

    seen = {name: json.loads(report.read_text()) for name, report in reports.items()}
    for me, other in (("alice", "bob"), ("bob", "alice")):
        theirs = seen[other]["mine"]
        assert len(theirs) == EACH
        got = seen[me]["seen"]
        assert sorted(int(seq) for seq in got) == sorted(theirs), f"{me} missed some of {other}'s"
        late = {seq: when - wall for seq, (wall, when) in got.items() if when - wall > 1.0}
        assert late == {}, f"{me} saw these of {other}'s records after more than 1 s"


def test_two_processes_claiming_the_same_decisions_make_each_once(tmp_path: Path) -> None:
    """`claim` is how two war rooms on one session fire an automatic rollback once: each
    round both try to claim it at the same moment, and the journal holds it exactly once."""
    path = session_path("claimed")
    procs = [child("claim", str(path), name, str(ROUNDS)) for name in ("alice", "bob")]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err

    journal = open_journal(path, "carol", clock=lambda: 0.0)
    rounds = [r.payload["round"] for r in journal.records if r.kind == "decided"]
    journal.close()
    assert sorted(rounds) == list(range(ROUNDS))
    assert {r.operator for r in journal.records} == {"alice", "bob"}  # both won some
