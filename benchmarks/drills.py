"""Drills: how closely faults come to their time, and what the scorecard's fold costs.

1. Each shipped scenario named (default: canary-latency-regression and error-burst) runs
   unattended as `warroom drill --headless` runs it, at ×30. For every fault given `at`, the
   gap from its time on the drill's clock to its `drill_fault` record (sim seconds), and the
   whole run's real time.
2. The scorecard folded from a drill's journal of N records (a long drill: samples every 30 s,
   verdict changes, SLO changes), as the screen's timers fold it four times a second.

    python benchmarks/drills.py [--scenario NAME ...] [--records 20000] [--repeat 20]

Targets: a timed fault within 1 s of sim time of its `at` at ×30 (the drill steps every
0.25 s of ours, 7.5 s of the sim's, and sooner when a timed fault is due before then); the
fold well under the 250 ms between steps.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from typing import Any

from war_room import pct, print_table, spread

from warroom.drills.library import find_scenario
from warroom.drills.loading import parse_scenario, read_scenario_file
from warroom.drills.scorecard import card_of, drills_in
from warroom.journal import readable_records, session_path
from warroom.layout import load_layout
from warroom.layouts import find_layout
from warroom.rehearse import Rehearsal, rehearse_headless


async def run_one(name: str) -> tuple[list[float], float, bool]:
    path = find_scenario(name)
    assert path is not None, name
    scenario = parse_scenario(read_scenario_file(path), str(path))
    layout_path = find_layout(scenario.layout)
    assert layout_path is not None
    session = f"bench-drill-{name}-{time.time_ns()}"
    asked = Rehearsal(scenario, load_layout(layout_path), layout_path, session=session,
                      operator="bench", headless=True)  # fmt: skip

    async def yes(question: str) -> bool:
        return True

    began = time.monotonic()
    code = await rehearse_headless(asked, as_json=True, echo=lambda line: None, confirm=yes)
    took = time.monotonic() - began
    records = list(readable_records(session_path(session)))
    start = next(r for r in records if r["kind"] == "drill_started")["at"]["cluster"]
    fault_gaps = []
    for r in records:
        if r["kind"] == "drill_fault":
            fault = scenario.faults[int(r["payload"]["index"])]
            if fault.at is not None:
                fault_gaps.append(r["at"]["cluster"] - start - fault.at.total_seconds())
                print(f"  {name} {fault.kind} at {fault.at}: {fault_gaps[-1]:.2f} sim s")
    return fault_gaps, took, code == 0


def synthetic(n: int) -> list[dict[str, Any]]:
    """A long drill's records: a sample every 30 s, a verdict and an SLO change now and then."""
    at = 1_800_000_000.0

    def line(what: str, /, **payload: Any) -> dict[str, Any]:
        return {"kind": what, "at": {"cluster": at}, "operator": "b", "payload": payload}

    out = [line("drill_started", scenario="s", responses=[
        {"id": "a", "title": "A", "kind": "acknowledged", "trigger": "t", "within": 600.0,
         "after": "first_breach", "points": 1}], targets={"detect": 300.0},
        error_budget={"signal": "e", "objective": 99.9, "window": 2592000.0})]  # fmt: skip
    out.append(line("drill_fault", id="f", kind="regress", impact=True))
    for i in range(n):
        at += 30.0
        if i % 10 == 0:
            out.append(line("verdict", item=f"i{i % 50}", verdict="pass" if i % 20 else "fail"))
        elif i % 37 == 0:
            out.append(line("drill_slo", breached=["p95"] if i % 74 else []))
        else:
            out.append(line("samples", values={"e": 0.01, "p95": 0.4}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", action="append")
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    names = args.scenario or ["canary-latency-regression", "error-burst"]
    with tempfile.TemporaryDirectory() as data:
        import os

        os.environ["WARROOM_DATA_DIR"] = data
        faults: list[float] = []
        runs_rows = []
        for name in names:
            f, took, met = asyncio.run(run_one(name))
            faults += f
            runs_rows.append(
                (
                    f"{name}: real time at ×30",
                    f"{took:.1f} s, {'all met' if met else 'missed'}",
                    "—",
                )
            )
    records = synthetic(args.records)
    runs = drills_in(records)
    folds = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        card_of(runs[-1])
        folds.append(time.perf_counter() - began)
    rows = [
        ("timed fault: its `at` → drill_fault (sim s)", spread(faults, 1, "{:.2f}"), "≤ 1 s"),
        *runs_rows,
        (f"scorecard fold of {len(records)} records", spread(folds), "≪ 250 ms"),
    ]
    print_table(rows)
    if faults:
        print(
            f"\nfaults: {len(faults)}, worst {max(faults):.2f} sim s, p95 {pct(faults, 0.95):.2f}"
        )


if __name__ == "__main__":
    main()
