"""`warroom check --backtest 7d LAYOUT` against a real Prometheus holding a known week.

The week is written as OpenMetrics, turned into TSDB blocks by `promtool tsdb
create-blocks-from openmetrics` before Prometheus starts on that data folder, and ends a few
minutes before the real now, so the backtest's window ("the last 7d") holds all of it. Each
signal breaches its trigger at known times: once for less than its `for` (must not fire),
and for longer (must fire at the breach's start + `for`, and clear when it ends). The CLI
runs as a subprocess, as a user runs it, and the test reads what it prints.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.backfilled import prometheus_serving
from tests.test_check import Ran

ROOT = Path(__file__).resolve().parents[1]
MIN, HOUR, DAY = 60, 3600, 86400
#: The minute the history ends before (a little before the test's real now).
END = math.floor(time.time() / MIN) * MIN - 10 * MIN
BASE = END - 6 * DAY  # where the history begins

# error_ratio (a gauge, > 5% for 10m): 5 minutes high (too short), 30 minutes, an hour.
ERR_SHORT = BASE + 1 * DAY
ERR_ONE = BASE + 2 * DAY
ERR_TWO = BASE + 4 * DAY
ERR_GAP = BASE + 5 * DAY  # three hours without samples
# p95 latency per pod (a histogram, > 1s for 5m): pod a slow 40 min, pod b slow inside it for
# 20 min (both breach: fires); later pod a alone slow 20 min (one series is not all: silent).
LAT_BOTH = BASE + 3 * DAY
LAT_ONE = BASE + 3 * DAY + 6 * HOUR
# GPU utilisation (between 0% and 5% for 15m: idle): 10 minutes idle (too short), one hour.
IDLE_SHORT = BASE + 1 * DAY + 12 * HOUR
IDLE_LONG = BASE + 5 * DAY + 12 * HOUR

LAYOUT = """
name: backtest e2e
cluster: {namespaces: [shop]}
signals:
  error_ratio: {query: 'errors_ratio{job="api"}', unit: ratio}
  p95_latency:
    query: >-
      histogram_quantile(0.95, sum by (le, pod) (rate(latency_seconds_bucket{job="api"}[90s])))
    unit: s
    by: pod
  gpu_util: {query: 'avg(gpu_util{job="api"})', unit: percent}
  ghost: {query: 'never_exported_total{job="api"}'}
  queue_depth: {query: 'max(queue_depth{job="api"})'}
triggers:
  errors_high: {title: Error ratio above 5%, signal: error_ratio, op: ">", value: 0.05,
                for: 10m}
  latency_high: {title: p95 latency above 1s, signal: p95_latency, op: ">", value: 1.0,
                 for: 5m}
  gpus_idle: {title: GPUs idle, signal: gpu_util, between: [0, 5], for: 15m}
  ghost_rate: {signal: ghost, op: ">", value: 1}
  queue_backlog: {signal: queue_depth, op: ">", value: 100, for: 10m}
"""

BUCKETS = ("0.25", "0.5", "1", "2.5", "+Inf")
#: Requests per minute ending in each bucket (cumulative): p95 is 0.245 s, or 2.3125 s slow.
FAST = (97, 100, 100, 100, 100)
SLOW = (10, 30, 60, 100, 100)


def _error_ratio(ts: int) -> float | None:
    if ERR_GAP <= ts < ERR_GAP + 3 * HOUR:
        return None
    if ERR_SHORT <= ts < ERR_SHORT + 5 * MIN:
        return 0.09
    if ERR_ONE <= ts < ERR_ONE + 30 * MIN:
        return 0.15 if ts == ERR_ONE + 12 * MIN else 0.08
    if ERR_TWO <= ts < ERR_TWO + HOUR:
        return 0.2 if ts == ERR_TWO + 40 * MIN else 0.12
    return 0.01


def _slow(pod: str, ts: int) -> bool:
    if pod == "a":
        return LAT_BOTH <= ts < LAT_BOTH + 40 * MIN or LAT_ONE <= ts < LAT_ONE + 20 * MIN
    return LAT_BOTH + 10 * MIN <= ts < LAT_BOTH + 30 * MIN


def _gpu(ts: int) -> float:
    if IDLE_SHORT <= ts < IDLE_SHORT + 10 * MIN or IDLE_LONG <= ts < IDLE_LONG + HOUR:
        return 1.0
    return 70.0


def _openmetrics() -> str:
    """The week, one sample a minute; OpenMetrics wants each metric family's lines together."""
    times = range(BASE, END + 1, MIN)
    lines = ["# TYPE errors_ratio gauge"]
    lines += [
        f'errors_ratio{{job="api"}} {v!r} {ts}'
        for ts in times
        if (v := _error_ratio(ts)) is not None
    ]
    lines.append("# TYPE gpu_util gauge")
    lines += [f'gpu_util{{job="api",gpu="{g}"}} {_gpu(ts)!r} {ts}' for g in "01" for ts in times]
    # The queue backs up for the history's last half hour: raised when the samples stop.
    lines.append("# TYPE queue_depth gauge")
    lines += [f'queue_depth{{job="api"}} {500 if ts >= END - 30 * MIN else 3} {ts}' for ts in times]
    lines.append("# TYPE latency_seconds histogram")
    for pod in "ab":
        for i, le in enumerate(BUCKETS):
            total = 0
            for ts in times:
                total += (SLOW if _slow(pod, ts) else FAST)[i]
                lines.append(
                    f'latency_seconds_bucket{{job="api",pod="{pod}",le="{le}"}} {total} {ts}'
                )
    return "\n".join(lines) + "\n# EOF\n"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus serving the week from blocks made before it started."""
    with prometheus_serving(_openmetrics(), tmp_path_factory.mktemp("backtest")) as url:
        yield url


def warroom_check(*args: str) -> Ran:
    """`python -m warroom check ARGS` from this checkout, its output as pipes."""
    env = dict(os.environ, COLUMNS="200")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "warroom", "check", *args],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def section(out: str, trigger: str) -> list[str]:
    """The lines printed for one trigger: its heading to the blank line after it."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if f"[{trigger}]" in line)
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def rows(out: str, trigger: str) -> list[list[str]]:
    """Each episode row of a trigger's table, split on its columns' double spaces."""
    return [
        [cell.strip() for cell in line.strip().split("  ") if cell.strip()]
        for line in section(out, trigger)
        if line.strip()[:1].isdigit()
    ]


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("layout") / "backtest.yaml"
    path.write_text(LAYOUT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def backtest(prometheus: str, layout: Path) -> Ran:
    return warroom_check("--backtest", "7d", str(layout), "--prometheus", prometheus)


def test_a_breach_longer_than_for_fires_at_its_start_plus_for_and_clears_at_its_end(
    backtest: Ran,
) -> None:
    assert backtest.code == 0, backtest
    assert "Traceback" not in backtest.err
    head = section(backtest.out, "errors_high")
    assert head[0] == "Error ratio above 5% [errors_high]: error_ratio > 5.00% for 10m"
    assert head[1].startswith("  fired 2 times, raised 1h10m in all; data for ")
    assert rows(backtest.out, "errors_high") == [
        ["1", utc(ERR_ONE + 10 * MIN), utc(ERR_ONE + 30 * MIN), "20m", utc(ERR_ONE), "15.00%"],
        ["2", utc(ERR_TWO + 10 * MIN), utc(ERR_TWO + HOUR), "50m", utc(ERR_TWO), "20.00%"],
    ]


def test_a_gap_in_the_data_is_listed_with_the_coverage(backtest: Ran) -> None:
    window = backtest.out.splitlines()[0].split(" over 7d, ")[1].split(" UTC")[0]
    start, end = (
        datetime.strptime(t, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
        for t in window.split(" → ")
    )
    assert end - start == 7 * DAY and END < end <= time.time()
    # Prometheus answers with a series' last sample for its 5-minute lookback: a gap in the
    # samples shows from the sixth minute after the last one.
    gaps = [
        (start, BASE),
        (ERR_GAP + 5 * MIN, ERR_GAP + 3 * HOUR),
        (END + 6 * MIN, end),
    ]
    lines = section(backtest.out, "errors_high")
    listed = [line for line in lines if line.startswith("  no data ")]
    assert [line.rsplit(" (", 1)[0] for line in listed] == [
        f"  no data {utc(a)} → {utc(b)}" for a, b in gaps
    ]
    assert listed[1].endswith(" (2h55m)")
    steps = (end - start) / MIN + 1
    share = (steps - sum((b - a) / MIN for a, b in gaps)) / steps
    assert f"data for {share:.1%} of the window, 3 gaps" in lines[1]


def test_every_series_of_a_signal_must_breach_for_the_trigger_to_fire(backtest: Ran) -> None:
    assert section(backtest.out, "latency_high")[1].startswith("  fired once, raised 15m in all")
    assert rows(backtest.out, "latency_high") == [
        [
            "1",
            utc(LAT_BOTH + 15 * MIN),
            utc(LAT_BOTH + 30 * MIN),
            "15m",
            utc(LAT_BOTH + 10 * MIN),
            "2.31s (a)",
        ]
    ]


def test_a_between_threshold_fires_inside_its_band(backtest: Ran) -> None:
    head = section(backtest.out, "gpus_idle")
    assert head[0] == "GPUs idle [gpus_idle]: gpu_util between 0% and 5% for 15m"
    assert rows(backtest.out, "gpus_idle") == [
        ["1", utc(IDLE_LONG + 15 * MIN), utc(IDLE_LONG + HOUR), "45m", utc(IDLE_LONG), "1%"]
    ]


def test_a_signal_without_data_says_so_and_the_run_still_exits_0(backtest: Ran) -> None:
    assert section(backtest.out, "ghost_rate")[1:] == [
        "  no data in the window: its signal's query returned nothing "
        '(never_exported_total{job="api"})'
    ]
    assert backtest.out.rstrip().endswith("4 of 5 trigger(s) would have fired")
    assert "judged every 1m from http://127.0.0.1:" in backtest.out.splitlines()[0]


def test_no_data_after_a_raise_leaves_it_raised_to_the_end(backtest: Ran) -> None:
    """As the war room: a poll without data proves neither way."""
    [row] = rows(backtest.out, "queue_backlog")
    assert row[:3] == ["1", utc(END - 20 * MIN), "still raised"]
    assert row[4:] == [utc(END - 30 * MIN), "500"]


def test_json_carries_the_same_episodes(prometheus: str, layout: Path) -> None:
    ran = warroom_check("--backtest", "7d", str(layout), "--prometheus", prometheus, "--json")
    assert ran.code == 0, ran
    found = {t["trigger"]: t for t in ran.json()["triggers"]}
    iso = "%Y-%m-%dT%H:%M:%SZ"
    assert [(e["raised"], e["cleared"], e["worst"]) for e in found["errors_high"]["episodes"]] == [
        (
            datetime.fromtimestamp(ERR_ONE + 10 * MIN, UTC).strftime(iso),
            datetime.fromtimestamp(ERR_ONE + 30 * MIN, UTC).strftime(iso),
            0.15,
        ),
        (
            datetime.fromtimestamp(ERR_TWO + 10 * MIN, UTC).strftime(iso),
            datetime.fromtimestamp(ERR_TWO + HOUR, UTC).strftime(iso),
            0.2,
        ),
    ]
    assert found["latency_high"]["episodes"][0]["worst_series"] == "a"
    assert found["ghost_rate"]["fired"] == 0 and found["ghost_rate"]["coverage"] == 0
    assert ran.json()["step"] == 60


def test_a_finer_step_splits_the_window_into_queries_prometheus_accepts(
    prometheus: str, layout: Path
) -> None:
    """7d every 15 s is 40,321 points a series: more than one range query may ask."""
    ran = warroom_check(
        "--backtest", "7d", "--step", "15s", str(layout), "--prometheus", prometheus
    )
    assert ran.code == 0, ran
    assert rows(ran.out, "errors_high")[0][1:3] == [
        utc(ERR_ONE + 10 * MIN),
        utc(ERR_ONE + 30 * MIN),
    ]


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("--backtest", "7x"), 4, "--backtest '7x' is not a duration; write it like 30m, 6h or 7d"),
        (("--backtest", "7d", "--step", "soon"), 4, "--step 'soon' is not a duration"),
        (("--step", "1m"), 4, "--step is for --backtest; give --backtest DURATION too"),
        (
            ("--backtest", "1h", "--prometheus", "http://127.0.0.1:1"),
            3,
            "warroom check --backtest: Prometheus at http://127.0.0.1:1: connection refused; "
            "is it running?",
        ),
    ],
)
def test_what_it_cannot_use_is_one_sentence_and_a_non_zero_exit(
    layout: Path, args: tuple[str, ...], code: int, said: str
) -> None:
    ran = warroom_check(*args, str(layout))
    assert ran.code == code, ran
    assert said in ran.out + ran.err
    assert "Traceback" not in ran.err


def test_a_layout_without_triggers_or_prometheus_says_so(tmp_path: Path) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text(LAYOUT.split("triggers:")[0], encoding="utf-8")
    ran = warroom_check("--backtest", "7d", str(bare), "--prometheus", "http://127.0.0.1:1")
    assert ran.code == 4, ran
    assert f"{bare} has no triggers to backtest; add a triggers: section" in ran.err
    nowhere = tmp_path / "nowhere.yaml"
    nowhere.write_text(LAYOUT, encoding="utf-8")
    ran = warroom_check("--backtest", "7d", str(nowhere))
    assert ran.code == 4, ran
    assert f"{nowhere} names no Prometheus (prometheus.url); give --prometheus URL" in ran.err


def test_a_query_prometheus_refuses_is_that_triggers_sentence_and_exit_2(
    prometheus: str, tmp_path: Path
) -> None:
    """Valid PromQL that fails when evaluated: two GPU series match the one error ratio."""
    path = tmp_path / "refused.yaml"
    path.write_text(
        LAYOUT.replace("'errors_ratio{job=\"api\"}'", "'errors_ratio + on() gpu_util'"),
        encoding="utf-8",
    )
    ran = warroom_check("--backtest", "1d", str(path), "--prometheus", prometheus)
    assert ran.code == 2, ran
    lines = section(ran.out, "errors_high")
    assert lines[1].startswith("  not replayed: range query error_ratio failed: execution: ")
    assert section(ran.out, "gpus_idle")[1].startswith("  fired once, raised 45m in all; ")
    assert ran.out.rstrip().endswith("; 1 could not be replayed (exit 2)")
