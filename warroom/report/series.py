"""Per-signal series from the journal's `samples` records, measured against their SLO."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from warroom.report import fields

# records.md: samples are written about every 30 s of cluster time. Used when a series has
# too few points to measure its own pace.
SAMPLE_STEP = 30.0

Point = tuple[float, float | None]


@dataclass(frozen=True)
class Series:
    """One signal over the session; a None value is a gap (the signal was unknown then)."""

    id: str
    title: str
    unit: str
    slo_min: float | None
    slo_max: float | None
    points: tuple[Point, ...]

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.points if v is not None]

    @property
    def min(self) -> float | None:
        return min(self.values, default=None)

    @property
    def max(self) -> float | None:
        return max(self.values, default=None)

    @property
    def last(self) -> float | None:
        return next((v for _, v in reversed(self.points) if v is not None), None)

    def outside(self, value: float) -> bool:
        return (self.slo_min is not None and value < self.slo_min) or (
            self.slo_max is not None and value > self.slo_max
        )

    @property
    def step(self) -> float:
        """The series' usual pace: the median time between two samples."""
        times = [t for t, _ in self.points]
        steps = [b - a for a, b in pairwise(times) if b > a]
        return statistics.median(steps) if steps else SAMPLE_STEP

    @property
    def seconds_outside(self) -> float:
        """How long the signal was outside its SLO: each sample stands for the time until the
        next, but never more than two steps, so a journal left closed for an hour does not
        count that hour as a breach; the last sample stands for one step."""
        step = self.step
        total = 0.0
        for i, (t, v) in enumerate(self.points):
            if v is None or not self.outside(v):
                continue
            following = self.points[i + 1][0] - t if i + 1 < len(self.points) else step
            total += max(0.0, min(following, 2 * step))
        return total


def build_series(
    declared: Mapping[str, Mapping[str, Any]], samples: list[tuple[float, Mapping[str, Any]]]
) -> tuple[Series, ...]:
    """The declared signals in their declared order, then any signal only the samples name."""
    order = list(declared)
    for _, values in samples:
        order.extend(k for k in values if k not in order)
    series = []
    for sid in order:
        spec = declared.get(sid, {})
        points: list[Point] = []
        for at, values in samples:
            if sid not in values:
                continue
            points.append((at, fields.number(values, sid)))  # NaN and non-numbers: a gap
        series.append(Series(
            id=sid,
            title=fields.text(spec, "title") or sid,
            unit=fields.text(spec, "unit") or "",
            slo_min=fields.number(spec, "slo_min"),
            slo_max=fields.number(spec, "slo_max"),
            points=tuple(points),
        ))
    return tuple(series)
