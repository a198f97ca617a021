"""What a signal has said: per series, bounded deques of (timestamp, value), and readings.

Two kinds of points per series: `points` from the instant polls (what gates read: the latest
value and how long a threshold has held) and `graph` from range queries on a fixed step grid
(what graphs draw). Readings are immutable and rebuilt only when something changed.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from warroom.metrics.client import Point, RawSeries
from warroom.metrics.freshness import FreshnessRecorder
from warroom.state.freshness import Freshness

LabelKey = tuple[tuple[str, str], ...]

#: The most points a range query may return per series (Prometheus' own limit).
MAX_POINTS = 11_000
#: Graphs aim for this many points: enough detail at 250 columns, cheap to fetch and draw.
TARGET_POINTS = 250


def label_key(labels: Mapping[str, str]) -> LabelKey:
    return tuple(sorted(labels.items()))


@dataclass(frozen=True, slots=True)
class GraphSpec:
    """A graph's window: the last `range` seconds every `step` seconds."""

    range: float
    step: float

    @property
    def points(self) -> int:
        """Points per series: enough steps to cover the whole range."""
        return math.ceil(self.range / self.step - 1e-9) + 1

    @property
    def span(self) -> float:
        """Seconds from the first point to the last: the range, rounded up to a step."""
        return (self.points - 1) * self.step

    def window(self, now: float) -> tuple[float, float]:
        """(start, end) on the step grid, so successive fetches share their points' times."""
        end = math.floor(now / self.step) * self.step
        return end - self.span, end


def graph_spec(range_seconds: float, step: float | None = None) -> GraphSpec:
    """A window of `range_seconds`; without `step`, one giving about TARGET_POINTS points."""
    if not range_seconds > 0:
        raise ValueError(f"a graph range must be positive, not {range_seconds:g} s")
    if step is None:
        # Two significant digits keep the step a readable number (3.6 s, 14 s, 350 s) while
        # the point count stays within a few percent of the target.
        step = float(f"{range_seconds / TARGET_POINTS:.2g}")
    if not step > 0:
        raise ValueError(f"a graph step must be positive, not {step:g} s")
    if range_seconds / step + 1 > MAX_POINTS:
        raise ValueError(
            f"a {range_seconds:g} s graph every {step:g} s has more than {MAX_POINTS:,} points; "
            "choose a larger step"
        )
    return GraphSpec(float(range_seconds), float(step))


@dataclass(frozen=True, slots=True)
class SeriesReading:
    """One series of a signal: its labels, polled points, graph points, oldest first."""

    key: LabelKey
    labels: Mapping[str, str]
    points: tuple[Point, ...]
    graph: tuple[Point, ...]
    live: bool  # present in the latest successful poll

    @property
    def value(self) -> float | None:
        """The latest polled value while the series is live."""
        return self.points[-1][1] if self.live and self.points else None

    @property
    def title(self) -> str:
        """Prometheus' notation: name{label="value", …}, without the name when there is none."""
        inner = ", ".join(f'{k}="{v}"' for k, v in self.key if k != "__name__")
        name = self.labels.get("__name__", "")
        return f"{name}{{{inner}}}" if inner else name


@dataclass(frozen=True, slots=True)
class SignalReading:
    """A signal at one moment: freshness, series, and the graph window they were fetched for.

    `version` changes when anything a renderer shows changed; `graph_version` only when the
    graph points (or their error) did, so a graph need not redraw on every poll.
    """

    id: str
    query: str
    freshness: Freshness
    series: tuple[SeriesReading, ...]
    graph_range: float
    graph_step: float
    graph_error: str | None
    version: int
    graph_version: int

    @property
    def live(self) -> tuple[SeriesReading, ...]:
        """The series in the latest successful poll."""
        return tuple(s for s in self.series if s.live)

    @property
    def value(self) -> float | None:
        """The value when the signal is a single live series (an aggregate), else None."""
        live = self.live
        return live[0].value if len(live) == 1 else None


class SeriesHistory:
    """One series' bounded deques."""

    __slots__ = ("graph", "key", "labels", "live", "points")

    def __init__(self, key: LabelKey, maxlen: int, graph_maxlen: int) -> None:
        self.key = key
        self.labels: Mapping[str, str] = MappingProxyType(dict(key))
        self.points: deque[Point] = deque(maxlen=maxlen)
        self.graph: deque[Point] = deque(maxlen=graph_maxlen)
        self.live = False

    def add(self, points: Iterable[Point]) -> bool:
        """Append the points newer than the last one; True if any was."""
        added = False
        for ts, value in points:
            if not self.points or ts > self.points[-1][0]:
                self.points.append((ts, value))
                added = True
        return added

    def backfill(self, points: Iterable[Point]) -> bool:
        """Put older points (from a range query) before those polled; True if any was."""
        first = self.points[0][0] if self.points else math.inf
        older = [p for p in points if p[0] < first]
        room = self.points.maxlen - len(self.points) if self.points.maxlen else len(older)
        if not older or room <= 0:
            return False
        self.points.extendleft(reversed(older[-room:]))
        return True

    def snapshot(self) -> SeriesReading:
        return SeriesReading(
            self.key, self.labels, tuple(self.points), tuple(self.graph), self.live
        )


class SignalHistory:
    """Everything recorded for one signal: series, freshness, the graph's window and state."""

    def __init__(
        self, signal_id: str, query: str, *, interval: float, keep: float, spec: GraphSpec
    ) -> None:
        self.id = signal_id
        self.query = query
        self.keep = keep
        self.maxlen = max(2, math.ceil(keep / interval) + 1)
        self.freshness = FreshnessRecorder(f"signal {signal_id}", interval)
        self.series: dict[LabelKey, SeriesHistory] = {}
        self.spec = spec
        self.graph_end: float | None = None  # end of the last range fetched, on the step grid
        self.graph_error: str | None = None
        self.graph_version = 0
        self._cache: SignalReading | None = None

    def record(self, result: list[RawSeries], now: float) -> None:
        """A successful instant poll."""
        changed = False
        seen = set()
        for labels, points in result:
            key = label_key(labels)
            seen.add(key)
            changed |= self._series(key).add(points)
        for key, series in self.series.items():
            live = key in seen
            changed |= live != series.live
            series.live = live
        changed |= self._forget(now)
        self.freshness.succeeded(now, empty=not result)
        if changed:
            self.freshness.touch()

    def failed(self, sentence: str, now: float) -> None:
        self.freshness.failed(now, sentence)

    def record_backfill(self, result: list[RawSeries]) -> None:
        """History from a range query over the time before the first poll: what a `for` or a
        soak judges from when the war room starts (or restarts) in the middle of one."""
        changed = False
        for labels, points in result:
            changed |= self._series(label_key(labels)).backfill(points)
        if changed:
            self.freshness.touch()

    def graph_keys(self) -> set[LabelKey]:
        return {key for key, series in self.series.items() if series.graph}

    def record_graph(
        self, result: list[RawSeries], start: float, end: float, *, full: bool
    ) -> None:
        """A range query's answer: all of the window (`full`) or its tail from `start`."""
        spec = self.spec
        half = spec.step / 2
        for series in self.series.values():
            if full:
                series.graph = deque(maxlen=spec.points + 2)
            else:
                while series.graph and series.graph[-1][0] >= start - half:
                    series.graph.pop()
        for labels, points in result:
            self._series(label_key(labels)).graph.extend(points)
        cutoff = end - spec.span - half
        for series in self.series.values():
            while series.graph and series.graph[0][0] < cutoff:
                series.graph.popleft()
        self.graph_end = end
        self.graph_error = None
        self.graph_version += 1

    def graph_failed(self, sentence: str) -> None:
        if sentence != self.graph_error:
            self.graph_error = sentence
            self.graph_version += 1

    def rescale(self, spec: GraphSpec) -> None:
        """A new window: the next graph fetch is a full one."""
        self.spec = spec
        self.graph_end = None
        self.graph_version += 1

    def snapshot(self, now: float) -> SignalReading:
        cached = self._cache
        version, graph_version = self.freshness.version, self.graph_version
        if cached is None or (cached.version, cached.graph_version) != (version, graph_version):
            cached = SignalReading(
                id=self.id,
                query=self.query,
                freshness=self.freshness.reading(now),
                series=tuple(self.series[key].snapshot() for key in sorted(self.series)),
                graph_range=self.spec.range,
                graph_step=self.spec.step,
                graph_error=self.graph_error,
                version=version,
                graph_version=graph_version,
            )
            self._cache = cached
            return cached
        # Unchanged data: only the age moves, so reuse the series tuples.
        return replace(cached, freshness=self.freshness.reading(now))

    def _series(self, key: LabelKey) -> SeriesHistory:
        series = self.series.get(key)
        if series is None:
            series = SeriesHistory(key, self.maxlen, self.spec.points + 2)
            self.series[key] = series
        return series

    def _forget(self, now: float) -> bool:
        """Drop series gone for longer than `keep` (pods come and go: bound the label sets)."""
        cutoff = now - self.keep
        gone = [
            key
            for key, s in self.series.items()
            if not s.live and not s.graph and (not s.points or s.points[-1][0] < cutoff)
        ]
        for key in gone:
            del self.series[key]
        return bool(gone)
