"""`warroom import` on the five seed checklists: reading, building and checking the layout.

    python benchmarks/importing.py [--repeat 5]

Target (issue 11): the import of the largest seed takes < 1 s. Times are in-process (read the
file, parse the Markdown, build the layout, render YAML, load it back as validate would),
medians of --repeat runs after one warm-up; the command adds Python's start-up.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from warroom.importing.layout import build_layout, render
from warroom.importing.reading import read_file
from warroom.layout import parse_layout

SEEDS = Path(__file__).resolve().parents[1] / "tests" / "importing" / "seeds"


def once(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    layout, summary = build_layout(read_file(path))
    parse_layout(render(layout, path.name), path.name)
    return time.perf_counter() - start, summary.items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for path in sorted(SEEDS.glob("*.txt")):
        once(path)
        runs = [once(path) for _ in range(args.repeat)]
        rows.append(
            (path.name, f"{path.stat().st_size / 1024:.0f} KB", runs[0][1],
             statistics.median(r[0] for r in runs))
        )  # fmt: skip
    print(f"{'seed':28} {'size':>6} {'items':>6} {'import (median)':>16}  target")
    for name, size, items, seconds in rows:
        print(f"{name:28} {size:>6} {items:>6} {seconds * 1000:>13.0f} ms  < 1 s")


if __name__ == "__main__":
    main()
