"""What a graph or a signal tile needs to know about one signal, whatever polls it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
