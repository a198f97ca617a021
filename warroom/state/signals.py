"""What the signals panel and the graphs show about each signal, whatever polled it."""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]


def beyond(value: float, slo_min: float | None, slo_max: float | None) -> bool:
    """Whether `value` breaches an SLO of at least `slo_min` and at most `slo_max`."""
    return (slo_max is not None and value > slo_max) or (slo_min is not None and value < slo_min)


@dataclass(frozen=True, slots=True)
class SignalView:
    """One named signal at one moment, with the layout's title, unit and SLO."""

    id: str
    title: str
    unit: str
    series: tuple[tuple[str, tuple[Point, ...]], ...]  # (legend, points) over the graph window
    latest: tuple[tuple[str, float], ...]  # (legend, newest value)
    status: str = ""  # "" when fresh; else one sentence: no data yet, failed…, stale…
    slo_max: float | None = None
    slo_min: float | None = None
    graph: bool = True
    window: float = 900.0
    age: float | None = None  # seconds since the newest successful poll
    stale: bool = False  # the value cannot be trusted as current

    @property
    def breached(self) -> bool:
        return any(beyond(value, self.slo_min, self.slo_max) for _, value in self.latest)


NO_PROMETHEUS = (
    "No Prometheus is configured, so no signal is measured: give one with --prometheus URL "
    "or prometheus.url in the layout."
)


@dataclass(frozen=True)
class SignalsView:
    """Every signal of the layout, and which server answers; `version` moves on any change.
    Without a Prometheus (`configured` false) the signals are listed, each not measured."""

    version: int = 0
    signals: tuple[SignalView, ...] = ()
    server: str = ""  # e.g. "Prometheus 2.45.0" or "built-in PromQL subset (sim)"
    configured: bool = True


@dataclass(frozen=True, slots=True)
class GraphView:
    """What one graph draws; a new instance replaces the old."""

    id: str
    title: str
    unit: str
    series: tuple[tuple[str, tuple[Point, ...]], ...]  # (legend, points)
    window: float  # seconds of history shown, ending at `now`
    slo_max: float | None = None
    slo_min: float | None = None
    status: str = ""  # "", or why there is nothing current to draw (failed, empty, stale)
    now: float = 0.0  # the wall clock's time at the right edge (Prometheus stamps samples so)
    latest: tuple[tuple[str, float], ...] = ()
    stale: bool = False


def graph_view(signal: SignalView, now: float) -> GraphView:
    return GraphView(
        signal.id,
        signal.title,
        signal.unit,
        signal.series,
        signal.window,
        signal.slo_max,
        signal.slo_min,
        signal.status,
        now,
        signal.latest,
        signal.stale,
    )


def format_value(value: float, unit: str) -> str:
    """A signal's value in its unit, short: `240ms`, `1.5ms`, `800µs`, `1.25s`, `0.42%`, `73%`,
    `12k`, `3`, `13.9`. Under 10 ms a tenth of a millisecond shows: a 1.5 ms SLO must not
    read 2ms."""
    if math.isnan(value):
        return "–"
    if unit == "s":
        if abs(value) >= 1:
            return f"{value:.2f}s"
        if abs(value) >= 0.01 or value == 0:
            return f"{value * 1000:.0f}ms"
        if abs(value) >= 0.001:
            return f"{value * 1000:.1f}".removesuffix(".0") + "ms"
        return f"{value * 1_000_000:.0f}µs"
    if unit == "ratio":
        return f"{value * 100:.2f}%"
    if unit == "percent":
        return f"{value:.0f}%"
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 100 or value.is_integer():
        return f"{value:.0f}"  # a count of GPUs or of queued requests is whole: 0, not 0.0
    return f"{value:.1f}"
