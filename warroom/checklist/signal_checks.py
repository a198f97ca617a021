"""Checks read from Prometheus: a named signal against a threshold held `for` a duration, and
soaks (every named signal within its SLO for a duration). Durations are judged from the
signal's history, so a restart mid-soak resumes from what Prometheus still has.

A query that failed, returned nothing or has gone stale is unknown, never pass.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from warroom.checklist.verdicts import Evidence, Verdict, countdown
from warroom.checklist.world import Point, SignalFacts
from warroom.layout.checks import SoakCheck, Threshold
from warroom.state.signals import beyond, format_value

Judged = tuple[Verdict, str, Evidence, float | None]


def holds(value: float, threshold: Threshold) -> bool:
    """Whether one value satisfies the threshold; NaN never does."""
    if math.isnan(value):
        return False
    op, v = threshold.op, threshold.value
    if op == "between":
        assert threshold.between is not None
        return threshold.between[0] <= value <= threshold.between[1]
    assert v is not None
    return {
        "<": value < v,
        "<=": value <= v,
        ">": value > v,
        ">=": value >= v,
        "==": value == v,
        "!=": value != v,
    }[op]


def _newest_failing(points: Sequence[Point], failing: Callable[[float], bool]) -> float | None:
    for ts, value in reversed(points):
        if failing(value):
            return ts
    return None


def _after(points: Sequence[Point], ts: float) -> float | None:
    """The time of the first point after `ts`; None when `ts` is the newest."""
    i = bisect_right(points, ts, key=_time)
    return points[i][0] if i < len(points) else None


def _time(point: Point) -> float:
    return point[0]


@dataclass(slots=True)
class _Scanned:
    first: float  # the oldest point's time
    last: Point  # the newest point
    failing: float | None  # the newest failing point's time


@dataclass
class Scans:
    """What earlier evaluations found in each series, so the next scans only the points that
    came since. A series is taken as its earlier self with points appended and the oldest
    dropped (how the poller keeps history); anything else (backfilled history, a series
    replaced) is scanned whole again."""

    _memo: dict[Hashable, _Scanned] = field(default_factory=dict)

    def newest_failing(
        self, key: Hashable, points: Sequence[Point], failing: Callable[[float], bool]
    ) -> float | None:
        """The time of the newest point that is `failing`, or None."""
        if not points:
            self._memo.pop(key, None)
            return None
        seen = self._memo.get(key)
        found: float | None
        if seen is not None and points[0][0] >= seen.first:
            i = bisect_right(points, seen.last[0], key=_time) - 1
            if i >= 0 and points[i] == seen.last:
                found = _newest_failing(points[i + 1 :], failing)
                if found is None and seen.failing is not None and seen.failing >= points[0][0]:
                    found = seen.failing
                self._memo[key] = _Scanned(points[0][0], points[-1], found)
                return found
        found = _newest_failing(points, failing)
        self._memo[key] = _Scanned(points[0][0], points[-1], found)
        return found


def _newest(
    points: Sequence[Point], failing: Callable[[float], bool], scans: Scans | None, key: Hashable
) -> float | None:
    """The newest failing point's time, remembered in `scans` under `key` when given."""
    if scans is None:
        return _newest_failing(points, failing)
    return scans.newest_failing(key, points, failing)


def held_since(
    points: Sequence[Point],
    ok: Callable[[float], bool],
    scans: Scans | None = None,
    key: Hashable = None,
) -> float | None:
    """The time from which every point to the newest satisfies `ok` (the oldest point's time
    when all do); None when the newest does not."""
    if not points:
        return None
    broke = _newest(points, lambda v: not ok(v), scans, ("held", key))
    if broke is None:
        return points[0][0]
    return _after(points, broke)


def last_breach(
    points: Sequence[Point],
    ok: Callable[[float], bool],
    scans: Scans | None = None,
    key: Hashable = None,
) -> float | None:
    """When the timer restarted: the first point after the newest one failing `ok` (the
    newest point's time while it still fails); None without a breach. NaN is no breach."""
    broke = _newest(points, lambda v: not math.isnan(v) and not ok(v), scans, ("breach", key))
    if broke is None:
        return None
    after = _after(points, broke)
    return after if after is not None else broke


def _cluster_time(facts: SignalFacts, prom_time: float, now: float) -> float:
    """A Prometheus timestamp on the cluster's clock (the sim's may run faster)."""
    newest = facts.now if facts.now is not None else prom_time
    return now - (newest - prom_time) * facts.pace


def _latest(facts: SignalFacts) -> list[tuple[str, float]]:
    return [(legend, pts[-1][1]) for legend, pts in facts.series if pts]


def _shown(facts: SignalFacts) -> str:
    latest = _latest(facts)
    if len(latest) == 1:
        return format_value(latest[0][1], facts.unit)
    return ", ".join(f"{legend} {format_value(v, facts.unit)}" for legend, v in latest)


def _unknown(facts: SignalFacts | None, measured: str, threshold: str) -> Judged:
    status = facts.status if facts is not None else "not polled"
    query = facts.query if facts is not None else None
    word = "stale" if "stale" in status or "old" in status else "no data"
    if "fail" in status or "error" in status or "unreachable" in status:
        word = "query failed"
    return (
        "unknown",
        word,
        Evidence(measured, "Prometheus", query, None, threshold, detail=status),
        None,
    )


def wanted(check: Threshold, unit: str) -> str:
    """The threshold in words, in the signal's unit: `> 5.00% for 10m`, `between 0% and 5%`."""
    if check.op == "between" and check.between is not None:
        lo, hi = (format_value(b, unit) for b in check.between)
        want = f"between {lo} and {hi}"
    else:
        want = f"{check.op} {format_value(check.value or 0.0, unit)}"
    if check.for_:
        want += f" for {countdown(check.held.total_seconds())}"
    return want


def threshold(
    check: Threshold,
    facts: SignalFacts | None,
    now: float,
    scans: Scans | None = None,
    key: Hashable = None,
) -> Judged:
    """`signal op value` held for `check.held`; `scans` (under `key`, one per check) remember
    what earlier calls scanned."""
    title = (facts.title or check.signal) if facts is not None else check.signal
    want = wanted(check, facts.unit if facts is not None else "")
    if facts is None or not facts.fresh or not _latest(facts):
        return _unknown(facts, title, want)
    ok = lambda v: holds(v, check)  # noqa: E731
    value = _shown(facts)
    sinces = [held_since(pts, ok, scans, (key, legend)) for legend, pts in facts.series if pts]
    evidence = Evidence(title, "Prometheus", facts.query, value, want, taken=now)
    if any(s is None for s in sinces):
        return "fail", f"{title} {value}", evidence, None
    since = _cluster_time(facts, max(s for s in sinces if s is not None), now)
    evidence = Evidence(title, "Prometheus", facts.query, value, want, since=since, taken=now)
    need = check.held.total_seconds()
    held = now - since
    if held + 1e-6 < need:
        left = need - held
        return "pending", f"holding, {countdown(need)} needed", evidence, left
    return "pass", f"{title} {value}", evidence, None


def soak(
    check: SoakCheck,
    signals: Sequence[SignalFacts],
    now: float,
    scans: Scans | None = None,
    key: Hashable = None,
) -> Judged:
    """Every signal within its SLO for `check.for_`; a breach restarts the timer."""
    need = check.for_.total_seconds()
    names = ", ".join(f.title or f.id for f in signals)
    want = f"all within SLO for {countdown(need)}"
    for facts in signals:
        if not facts.fresh or not _latest(facts):
            verdict, reason, evidence, _ = _unknown(facts, f"soak of {names}", want)
            return verdict, f"{facts.title or facts.id} {reason}", evidence, None
    start = now
    breach: tuple[float, str] | None = None
    breaching: list[str] = []
    for facts in signals:
        inside = _within(facts)
        for legend, pts in facts.series:
            if not pts:
                continue
            oldest = _cluster_time(facts, pts[0][0], now)
            start = min(start, oldest)
            broke = last_breach(pts, inside, scans, (key, facts.id, legend))
            if broke is not None:
                at = _cluster_time(facts, broke, now)
                if breach is None or at > breach[0]:
                    breach = (at, facts.title or facts.id)
                if not inside(pts[-1][1]):
                    breaching.append(facts.title or facts.id)
    values = "; ".join(f"{f.title or f.id} {_shown(f)}" for f in signals)
    since = start if breach is None else breach[0]
    detail = None
    if breach is not None:
        detail = f"timer restarted after {breach[1]} breached its SLO"
    evidence = Evidence(
        f"soak of {names}", "Prometheus", None, values, want, since=since, taken=now, detail=detail
    )
    if breaching:
        return "fail", f"{breaching[0]} breaching", evidence, need
    held = now - since
    if held + 1e-6 < need:
        restarted = " (restarted)" if breach is not None else ""
        return "pending", f"soaking, {countdown(need)} needed{restarted}", evidence, need - held
    return "pass", f"green {countdown(held)}", evidence, None


def _within(facts: SignalFacts) -> Callable[[float], bool]:
    def inside(value: float) -> bool:
        return not beyond(value, facts.slo_min, facts.slo_max)

    return inside
