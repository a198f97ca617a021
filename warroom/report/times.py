"""How the report writes a moment: the cluster's clock in UTC, and T±offsets from go-live."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def stamp(at: float | None) -> str:
    """`2026-12-02 21:04:05Z`, or "—" when the record carried no usable time."""
    if at is None or not math.isfinite(at):
        return "—"
    try:
        moment = datetime.fromtimestamp(at, UTC)
    except (OverflowError, OSError, ValueError):
        return "—"
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def offset(at: float | None, go_live: float | None) -> str | None:
    """`T+1h05m` / `T-6h00m` / `T+12m` from go-live, None without one of the two times.

    Whole minutes, truncated toward go-live: a check at 20:59:40 before a 21:00 go-live reads
    T-0m rather than T-1m, which is how people count down.
    """
    if at is None or go_live is None or not (math.isfinite(at) and math.isfinite(go_live)):
        return None
    delta = at - go_live
    sign = "-" if delta < 0 else "+"
    minutes = int(abs(delta) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"T{sign}{hours}h{minutes:02d}m"
    return f"T{sign}{minutes}m"


def when(at: float | None, go_live: float | None) -> str:
    """The stamp followed by the offset from go-live when there is one."""
    rel = offset(at, go_live)
    return stamp(at) if rel is None else f"{stamp(at)} ({rel})"


def minutes(seconds: float) -> str:
    """A length of time in minutes, one decimal under ten minutes (`2.5`, `14`)."""
    value = seconds / 60
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"
