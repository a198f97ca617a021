"""Speed of the session journal: append with fsync, replay + verify, an idle poll.

    python benchmarks/journal.py [--appends 2000] [--records 100000]

Targets: append p95 ≤ 5 ms (the tick shows done after it returns); replaying and verifying
a 100,000-record journal ≤ 2 s (every open does it); an idle poll (4×/s) costs nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from warroom.journal import GENESIS, Record, encode, line_hash, open_journal, verify_file


def tick(n: int) -> dict[str, object]:
    return {"phase": "canary", "item": f"item-{n % 40}", "note": "pods ready 12/12, p99 212 ms"}


def appends(folder: Path, count: int) -> list[float]:
    journal = open_journal(folder / "append.jsonl", "bench", clock=time.time)
    took = []
    for n in range(count):
        start = time.perf_counter()
        journal.append("tick", tick(n))
        took.append(time.perf_counter() - start)
    journal.close()
    return took


def big_journal(path: Path, count: int) -> None:
    """`count` records with the chain a writer makes, written in one go (no fsync each)."""
    prev = GENESIS
    lines = []
    for n in range(count):
        kind, payload = (
            ("samples", {"values": {"p99": 0.21, "rps": 812.5, "gpu": 0.77}})
            if n % 3
            else ("tick", tick(n))
        )
        line = encode(
            Record(1, n + 1, 1.7e9 + n, 1.7e9 + n, "bench", "bench@host:1", kind, payload, prev)
        )
        prev = line_hash(line)
        lines.append(line)
    path.write_bytes(b"\n".join(lines) + b"\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        took = sorted(appends(folder, args.appends))
        p50 = statistics.median(took)
        p95 = took[int(len(took) * 0.95) - 1]

        path = folder / "big.jsonl"
        big_journal(path, args.records)
        size = os.path.getsize(path)
        start = time.perf_counter()
        checked = verify_file(path)
        verify_s = time.perf_counter() - start
        assert checked.ok and checked.records == args.records
        start = time.perf_counter()
        journal = open_journal(path, "bench", clock=time.time)
        open_s = time.perf_counter() - start

        polls = 10_000
        start = time.perf_counter()
        for _ in range(polls):
            journal.poll()
        poll_us = (time.perf_counter() - start) / polls * 1e6
        journal.close()

    rows = [
        (f"append + fsync, p50 of {args.appends}", f"{p50 * 1000:.2f} ms", "—"),
        (f"append + fsync, p95 of {args.appends}", f"{p95 * 1000:.2f} ms", "≤ 5 ms"),
        (f"append + fsync, max of {args.appends}", f"{took[-1] * 1000:.2f} ms", "—"),
        (
            f"verify_file, {args.records:,} records ({size / 1e6:.0f} MB)",
            f"{verify_s:.2f} s",
            "≤ 2 s",
        ),
        (f"open_journal (replay + verify), {args.records:,}", f"{open_s:.2f} s", "≤ 2 s"),
        ("poll with nothing new", f"{poll_us:.1f} µs", "—"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>10}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>10}  {target}")


if __name__ == "__main__":
    main()
