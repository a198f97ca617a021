"""What a graph or a signal tile needs to know about one signal, whatever polls it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from warroom.layout import Signal as LayoutSignal
from warroom.metrics.freshness import Health
from warroom.metrics.signals import SignalsSnapshot

Point = tuple[float, float]


@dataclass(frozen=True)
class SignalSnapshot:
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

    @property
    def breached(self) -> bool:
        for _, value in self.latest:
            if self.slo_max is not None and value > self.slo_max:
                return True
            if self.slo_min is not None and value < self.slo_min:
                return True
        return False


# The UI asks for the current snapshots and a version that moves when any of them changed.
SignalFeed = Callable[[], tuple[int, Sequence[SignalSnapshot]]]


def no_signals() -> tuple[int, Sequence[SignalSnapshot]]:
    return 0, ()


def _status(health: Health) -> str:
    if health.state == "pending":
        return "waiting for the first answer from Prometheus"
    if health.state == "failed":
        return health.error or "the query failed"
    if health.state == "empty":
        return "no data: the query returned no series (no traffic yet?)"
    if health.stale and health.age is not None:
        return f"stale: newest data is {health.age:.0f} s old"
    return ""


def from_metrics(
    signals: Mapping[str, LayoutSignal],
    snap: SignalsSnapshot,
) -> list[SignalSnapshot]:
    """The UI's view of the poller's snapshot, with the layout's titles, units and SLOs."""
    out = []
    for sid, spec in signals.items():
        polled = snap.signals.get(sid)
        if polled is None:
            continue
        by = spec.by or ""
        many = len(polled.series) > 1
        series, latest = [], []
        for s in polled.series:
            legend = s.labels.get(by, "") if by else (s.title if many else "")
            series.append((legend, tuple(s.graph)))
            if s.live and s.value is not None:
                latest.append((legend, s.value))
        slo = spec.slo
        out.append(
            SignalSnapshot(
                id=sid,
                title=spec.title or sid,
                unit=spec.unit or "",
                series=tuple(series),
                latest=tuple(latest),
                status=_status(polled.health),
                slo_max=slo.max if slo else None,
                slo_min=slo.min if slo else None,
                graph=spec.graph,
                window=polled.graph_range,
                age=polled.health.age,
            )
        )
    return out
