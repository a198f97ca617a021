"""A separate war-room process writing to a journal, for the tests that need real ones.

python tests/journal/child.py crash PATH          append until killed; print each acked seq
python tests/journal/child.py fsize PATH LIMIT    append 3, set RLIMIT_FSIZE, append again
python tests/journal/child.py pair PATH NAME N REPORT   wait for "go" on stdin, append N,
                                  poll at least every 0.25 s, write what it saw (JSON)
python tests/journal/child.py claim PATH NAME N   wait for "go", then for each of N rounds
                                  claim "decided" unless another process already did
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from warroom.journal import JournalWriteError, open_journal  # noqa: E402


def crash(path: str) -> None:
    journal = open_journal(path, "crasher", clock=time.time)
    print("open", flush=True)
    n = 0
    while True:
        n += 1
        record = journal.append("note", {"text": f"note {n} " + "x" * (n % 300)})
        # Only now may the record count as acknowledged.
        sys.stdout.write(f"{record.seq}\n")
        sys.stdout.flush()


def fsize(path: str, limit: str) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    journal = open_journal(path, "limited", clock=time.time)
    for n in range(3):
        journal.append("note", {"text": f"note {n}"})
    size = os.path.getsize(path)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + int(limit), resource.RLIM_INFINITY))
    try:
        journal.append("note", {"text": "this one does not fit " + "y" * 200})
    except JournalWriteError as exc:
        print(json.dumps({"error": str(exc), "size": os.path.getsize(path), "before": size}))
        return
    print(json.dumps({"error": None}))


def pair(path: str, name: str, count: str, report: str) -> None:
    journal = open_journal(path, name, clock=time.time)
    print("ready", flush=True)
    assert sys.stdin.readline().strip() == "go"
    seen: dict[int, tuple[float, float]] = {}  # seq → (its wall time, when poll returned it)
    polls = []

    def look() -> None:
        now = time.time()
        polls.append(now)
        for record in journal.poll():
            seen[record.seq] = (record.at_wall, now)

    look()
    for n in range(int(count)):
        journal.append("note", {"text": f"{name} {n}"})
        look()
    others = int(count)
    deadline = time.monotonic() + 20
    while len(seen) < others and time.monotonic() < deadline:
        time.sleep(0.05)  # the screen's poll timer, faster than its 0.25 s
        look()
    Path(report).write_text(
        json.dumps(
            {
                "seen": {str(seq): list(times) for seq, times in seen.items()},
                "mine": [r.seq for r in journal.records if r.operator == name],
                "polls": polls,
            }
        )
    )


def claim(path: str, name: str, rounds: str) -> None:
    """Two war rooms deciding the same things at once: each round is decided once, by
    whichever claims it first; a round already seen decided is not tried."""
    journal = open_journal(path, name, clock=time.time)
    print("ready", flush=True)
    assert sys.stdin.readline().strip() == "go"
    decided: set[object] = set()
    for n in range(int(rounds)):
        decided.update(r.payload.get("round") for r in journal.poll())
        if n in decided:
            continue
        journal.claim(
            "decided",
            {"round": n},
            lambda unseen, n=n: any(r.payload.get("round") == n for r in unseen),
        )


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    {"crash": crash, "fsize": fsize, "pair": pair, "claim": claim}[mode](*args)
