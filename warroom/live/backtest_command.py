"""`warroom check --backtest DURATION LAYOUT`: the replay of each trigger printed (a table per
trigger, or JSON), with its exit code: 0 it ran, 2 a trigger's query failed, 3 Prometheus
could not be reached."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from warroom.checklist.verdicts import countdown
from warroom.layout import Layout
from warroom.live.backtest import Backtest, BacktestError, TriggerReplay, backtest
from warroom.state.signals import format_value

RAN, QUERY_FAILED, UNREACHABLE = 0, 2, 3
#: Gaps listed per trigger; the rest are counted.
SHOWN_GAPS = 5


async def run_backtest(
    layout: Layout,
    window: float,
    *,
    step: float | None,
    as_json: bool,
    echo: Callable[[str], Any],
    now: float | None = None,
    timeout: float = 60.0,
) -> int:
    """Replay `layout`'s triggers over the last `window` seconds, print, return the exit code."""
    try:
        result = await backtest(layout, window, step=step, now=now, timeout=timeout)
    except BacktestError as err:
        if as_json:
            echo(json.dumps({"code": UNREACHABLE, "error": str(err)}))
        else:
            echo(f"warroom check --backtest: {err}")
        return UNREACHABLE
    code = QUERY_FAILED if any(r.error for r in result.replays) else RAN
    echo(_json(result, code) if as_json else _text(result, window))
    return code


def utc(ts: float) -> str:
    """A Prometheus timestamp as a UTC time to the second: `2024-05-02 12:10:00`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def span(seconds: float) -> str:
    """A duration, short, in days past a day: `45m`, `6h00m`, `7d`, `1d6h30m`."""
    days, rest = divmod(max(0, int(seconds)), 86400)
    if not days:
        return countdown(rest)
    return f"{days}d" + (countdown(rest) if rest else "")


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _trigger_text(r: TriggerReplay, result: Backtest) -> list[str]:
    lines = [f"{r.title} [{r.id}]: {r.signal} {r.threshold}"]
    if r.error is not None:
        return [*lines, f"  not replayed: {r.error}"]
    if r.covered == 0:
        return [
            *lines,
            f"  no data in the window: its signal's query returned nothing ({r.query})",
        ]
    raised = r.raised_seconds(result.start, result.end)
    gaps = len(r.gaps)
    data = f"data for {r.coverage:.1%} of the window" + (
        f", {gaps} gap{'s' if gaps != 1 else ''}" if gaps else ""
    )
    if not r.episodes:
        lines.append(f"  never fired; {data}")
    else:
        fired = _times(len(r.episodes))
        lines.append(f"  fired {fired}, raised {span(raised)} in all; {data}")
        rows = [("#", "RAISED (UTC)", "CLEARED (UTC)", "FOR", "BREACHING SINCE", "WORST")]
        for i, e in enumerate(r.episodes, 1):
            until = e.cleared if e.cleared is not None else result.end
            worst = format_value(e.worst, r.unit)
            rows.append(
                (
                    str(i),
                    utc(e.raised),
                    utc(e.cleared) if e.cleared is not None else "still raised",
                    span(until - e.raised),
                    utc(e.breaching_since) if e.breaching_since is not None else "",
                    f"{worst} ({e.worst_series})" if e.worst_series else worst,
                )
            )
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        lines += [
            "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
    for gap in r.gaps[:SHOWN_GAPS]:
        lines.append(f"  no data {utc(gap.start)} → {utc(gap.end)} ({span(gap.end - gap.start)})")
    if gaps > SHOWN_GAPS:
        lines.append(f"  and {gaps - SHOWN_GAPS} more gaps")
    return lines


def _text(result: Backtest, window: float) -> str:
    lines = [
        f"{result.layout}: backtest of {len(result.replays)} trigger(s) over "
        f"{span(window)}, {utc(result.start)} → {utc(result.end)} UTC, judged every "
        f"{countdown(result.step)} from {result.prometheus}",
    ]
    for r in result.replays:
        lines += ["", *_trigger_text(r, result)]
    fired = sum(1 for r in result.replays if r.episodes)
    failed = sum(1 for r in result.replays if r.error is not None)
    summary = f"{fired} of {len(result.replays)} trigger(s) would have fired"
    if failed:
        summary += f"; {failed} could not be replayed (exit {QUERY_FAILED})"
    return "\n".join([*lines, "", summary])


def _json(result: Backtest, code: int) -> str:
    def one(r: TriggerReplay) -> dict[str, Any]:
        return {
            "trigger": r.id,
            "title": r.title,
            "signal": r.signal,
            "query": r.query,
            "threshold": r.threshold,
            "error": r.error,
            "fired": len(r.episodes),
            "raised_seconds": r.raised_seconds(result.start, result.end),
            "coverage": round(r.coverage, 6),
            "episodes": [
                {
                    "raised": _iso(e.raised),
                    "cleared": _iso(e.cleared),
                    "seconds": (e.cleared if e.cleared is not None else result.end) - e.raised,
                    "breaching_since": _iso(e.breaching_since),
                    "worst": None if math.isnan(e.worst) else e.worst,
                    "worst_series": e.worst_series or None,
                }
                for e in r.episodes
            ],
            "gaps": [{"start": _iso(g.start), "end": _iso(g.end)} for g in r.gaps],
        }

    return json.dumps(
        {
            "layout": result.layout,
            "code": code,
            "prometheus": result.prometheus,
            "start": _iso(result.start),
            "end": _iso(result.end),
            "step": result.step,
            "triggers": [one(r) for r in result.replays],
        },
        indent=2,
        ensure_ascii=False,
    )
