"""An in-memory time-series store: the sim's stand-in for the Prometheus TSDB head.

Series are identified by their full label set (including `__name__`); each keeps its samples as
two parallel lists (integer milliseconds, float values) so range look-ups are a bisect away.
Timestamps cross the public API as float seconds, as everywhere else in the sim, and are rounded
to milliseconds on the way in because that is Prometheus' resolution.
"""

from __future__ import annotations

import bisect
import math
import struct
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from warroom.sim.label_matchers import MatcherLike, as_matcher

#: Prometheus marks a series stale with this particular NaN (value.StaleNaN in model/value).
STALE_NAN_BITS = 0x7FF0000000000002
_STALE_BYTES = struct.pack("<Q", STALE_NAN_BITS)
STALE_NAN: float = struct.unpack("<d", _STALE_BYTES)[0]

METRIC_NAME = "__name__"

#: A label set in canonical form: (name, value) pairs sorted by name, no empty values.
Labels = tuple[tuple[str, str], ...]


def is_stale_nan(value: float) -> bool:
    """Whether `value` is the staleness marker (and not an ordinary NaN sample)."""
    # NaN payloads survive storage in Python floats, so compare the bit pattern.
    return value != value and struct.pack("<d", value) == _STALE_BYTES


def canonical_labels(labels: Mapping[str, str]) -> Labels:
    """The sorted label tuple; empty values are dropped as Prometheus drops them on ingestion."""
    return tuple(sorted((k, v) for k, v in labels.items() if v != ""))


def seconds_to_ms(seconds: float) -> int:
    """Float seconds to integer milliseconds, rounding like Prometheus' API parseTime()."""
    whole = int(seconds)
    # Go's math.Round rounds halves away from zero; Python's round() would round to even.
    millis = (seconds - whole) * 1000
    fraction = int(math.copysign(math.floor(abs(millis) + 0.5), millis))
    return whole * 1000 + fraction


# --- series and store -----------------------------------------------------------------------


class Series:
    """One series' samples. The engine reads `timestamps`/`values` directly; never mutate them."""

    __slots__ = ("key", "labels", "timestamps", "values")

    def __init__(self, key: Labels) -> None:
        self.key = key
        self.labels: Mapping[str, str] = MappingProxyType(dict(key))
        self.timestamps: list[int] = []
        self.values: list[float] = []


@dataclass(frozen=True)
class SelectedSeries:
    """What `select()` returns: a series' labels and its samples in the asked window."""

    labels: Mapping[str, str]
    samples: list[tuple[float, float]]


class SeriesStore:
    """Series by label set, indexed by metric name, with time-based retention."""

    def __init__(self, retention: float = 3 * 3600) -> None:
        if retention <= 0:
            raise ValueError("retention must be greater than zero")
        self.retention = retention
        self._retention_ms = int(retention * 1000)
        self._by_name: dict[str, dict[Labels, Series]] = {}
        self._newest_ms: int | None = None
        self._swept_at_ms: int | None = None
        # Trimming every series on every new timestamp would cost O(series) per sample time;
        # sweeping in coarser steps is enough because readers also clip at `min_time_ms`.
        self._sweep_every_ms = max(1000, self._retention_ms // 100)
        self._last_scrape: dict[Hashable, set[Labels]] = {}

    # -- writing --

    def append(self, labels: Mapping[str, str], ts: float, value: float) -> None:
        """Add one sample; per series, timestamps must increase (an equal duplicate is a no-op)."""
        self._append_key(canonical_labels(labels), seconds_to_ms(ts), float(value))

    def scrape(
        self,
        samples: Iterable[tuple[Mapping[str, str], float]],
        ts: float,
        *,
        target: Hashable = None,
    ) -> None:
        """Record one scrape of `target` at `ts`.

        Series the target exposed in its previous scrape but not in this one get a staleness
        marker at `ts`, as Prometheus writes one, so instant queries stop returning them at once
        instead of 5 minutes later. Scrapes of different targets are told apart by `target`.
        """
        ts_ms = seconds_to_ms(ts)
        seen: set[Labels] = set()
        for labels, value in samples:
            key = canonical_labels(labels)
            if key in seen:
                continue  # Prometheus ignores a repeated series within one scrape
            seen.add(key)
            self._append_key(key, ts_ms, float(value))
        for key in self._last_scrape.get(target, set()) - seen:
            self._append_key(key, ts_ms, STALE_NAN)
        self._last_scrape[target] = seen

    def _append_key(self, key: Labels, ts_ms: int, value: float) -> None:
        name = dict(key).get(METRIC_NAME, "")
        bucket = self._by_name.setdefault(name, {})
        series = bucket.get(key)
        if series is None:
            series = bucket[key] = Series(key)
        if series.timestamps:
            last = series.timestamps[-1]
            if ts_ms < last:
                raise ValueError(f"out of order sample for {dict(key)} at {ts_ms} ms")
            if ts_ms == last:
                if struct.pack("<d", value) == struct.pack("<d", series.values[-1]):
                    return
                raise ValueError(f"duplicate sample for timestamp {ts_ms} ms for {dict(key)}")
        series.timestamps.append(ts_ms)
        series.values.append(value)
        if self._newest_ms is None or ts_ms > self._newest_ms:
            self._newest_ms = ts_ms
            if self._swept_at_ms is None or ts_ms - self._swept_at_ms >= self._sweep_every_ms:
                self._sweep()

    def _sweep(self) -> None:
        cutoff = self.min_time_ms
        self._swept_at_ms = self._newest_ms
        for name in list(self._by_name):
            bucket = self._by_name[name]
            for key in list(bucket):
                series = bucket[key]
                if series.timestamps[0] >= cutoff:
                    continue
                drop = bisect.bisect_left(series.timestamps, cutoff)
                del series.timestamps[:drop]
                del series.values[:drop]
                if not series.timestamps:
                    del bucket[key]
            if not bucket:
                del self._by_name[name]

    # -- reading --

    @property
    def min_time_ms(self) -> int:
        """Samples before this (ms) are past retention, even if not swept away yet."""
        if self._newest_ms is None:
            return 0
        return self._newest_ms - self._retention_ms

    @property
    def newest(self) -> float | None:
        """The newest sample's timestamp in seconds, or None while empty."""
        return None if self._newest_ms is None else self._newest_ms / 1000

    def select_series(self, matchers: Iterable[MatcherLike]) -> list[Series]:
        """Live series matching every matcher, sorted by label set (as the TSDB returns them)."""
        terms = [as_matcher(m) for m in matchers]
        name_terms = [m for m in terms if m.name == METRIC_NAME]
        if any(m.op == "=" for m in name_terms):
            wanted = next(m.value for m in name_terms if m.op == "=")
            names = [wanted] if wanted in self._by_name else []
        else:
            names = list(self._by_name)
        names = [n for n in names if all(m.matches(n) for m in name_terms)]
        others = [m for m in terms if m.name != METRIC_NAME]
        found = []
        for name in names:
            for series in self._by_name[name].values():
                labels = series.labels
                if all(m.matches(labels.get(m.name, "")) for m in others):
                    found.append(series)
        found.sort(key=lambda s: s.key)
        return found

    def select(
        self, matchers: Iterable[MatcherLike], start: float, end: float
    ) -> list[SelectedSeries]:
        """Matching series with their samples in [start, end] (staleness markers included).

        Series without a sample in the window are left out.
        """
        lo, hi = self._window_ms(start, end)
        out = []
        for series in self.select_series(matchers):
            i = bisect.bisect_left(series.timestamps, lo)
            j = bisect.bisect_right(series.timestamps, hi)
            if i < j:
                samples = [(series.timestamps[k] / 1000, series.values[k]) for k in range(i, j)]
                out.append(SelectedSeries(series.labels, samples))
        return out

    def _window_ms(self, start: float, end: float) -> tuple[int, int]:
        # Unbounded windows stand for "all time"; keep them inside int conversion range.
        start, end = (max(-9.2e15, min(9.2e15, bound)) for bound in (start, end))
        return max(seconds_to_ms(start), self.min_time_ms), seconds_to_ms(end)

    def _series_in(
        self, matcher_sets: Sequence[Sequence[MatcherLike]] | None, start: float, end: float
    ) -> list[Series]:
        lo, hi = self._window_ms(start, end)
        chosen: dict[Labels, Series] = {}
        if matcher_sets:
            candidates = [s for ms in matcher_sets for s in self.select_series(ms)]
        else:
            candidates = [s for bucket in self._by_name.values() for s in bucket.values()]
        for series in candidates:
            i = bisect.bisect_left(series.timestamps, lo)
            if i < len(series.timestamps) and series.timestamps[i] <= hi:
                chosen[series.key] = series
        return list(chosen.values())

    def label_names(
        self,
        matcher_sets: Sequence[Sequence[MatcherLike]] | None = None,
        start: float = float("-inf"),
        end: float = float("inf"),
    ) -> list[str]:
        """Sorted label names of series with samples in [start, end] (any matcher set)."""
        return sorted({n for s in self._series_in(matcher_sets, start, end) for n, _ in s.key})

    def label_values(
        self,
        name: str,
        matcher_sets: Sequence[Sequence[MatcherLike]] | None = None,
        start: float = float("-inf"),
        end: float = float("inf"),
    ) -> list[str]:
        """Sorted values of label `name` over series with samples in [start, end]."""
        series = self._series_in(matcher_sets, start, end)
        return sorted({s.labels[name] for s in series if name in s.labels})

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._by_name.values())
