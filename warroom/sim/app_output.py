"""What a container prints, made from the kubelet's record of its life (a ContainerRun).

Lines say what happened to that container: it started, an inference server's model loaded in
the time its readiness took, the kubelet's probe requests reached its access log, it crashed
with a traceback, or it shut down on SIGTERM. The words depend on the image (app_flavours).
Lines are made for a window of time on demand, so a container that ran for days costs nothing
until read, and only the newest `last` lines of a window are ever made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from warroom.sim.app_flavours import Flavour, flavour_of
from warroom.sim.container_logs import LINES, ContainerRun, Line, Probe

# Offsets that keep the lines of different probes from sharing a timestamp.
_PROBE_OFFSETS = (0.000311, 0.000733)


@dataclass(frozen=True, slots=True)
class _Series:
    """A probe's requests: one access-log line per period from `first`, before `stop`."""

    probe: Probe
    first: float
    stop: float
    index: int

    def ticks(self, lo: float, hi: float) -> range:
        """The request numbers k whose time first + k·period lies in (lo, hi] and before stop."""
        period = self.probe.period
        end = min(hi, math.nextafter(self.stop, -math.inf))
        if end < self.first or period <= 0:
            return range(0)
        k_lo = 0 if lo < self.first else math.floor((lo - self.first) / period) + 1
        k_hi = math.floor((end - self.first) / period)
        return range(k_lo, k_hi + 1)

    def at(self, k: int) -> float:
        return self.first + k * self.probe.period


def _series(run: ContainerRun, flavour: Flavour) -> list[_Series]:
    up = flavour.serving_since(run)
    if up is None:
        return []
    stop = min(t for t in (run.stopping, run.finished, math.inf) if t is not None)
    found = []
    for index, probe in enumerate(run.probes[: len(_PROBE_OFFSETS)]):
        offset = _PROBE_OFFSETS[index]
        start = run.started + probe.initial + offset
        if probe.period > 0 and start < up:
            # The requests before the server listened were refused and are not logged.
            start += math.ceil((up - start) / probe.period) * probe.period
        found.append(_Series(probe, start, stop, index))
    return found


def lines(run: ContainerRun, lo: float, hi: float, *, last: int = LINES) -> list[Line]:
    """The newest `last` lines the container wrote with lo < timestamp <= hi, oldest first."""
    flavour = flavour_of(run.image)
    found = [line for line in flavour.fixed(run) if lo < line[0] <= hi]
    for series in _series(run, flavour):
        ticks = series.ticks(lo, hi)
        for k in ticks[-last:]:
            found.append((series.at(k), flavour.access(run, series.probe, series.index, k)))
    found.sort(key=lambda line: line[0])  # stable: a burst keeps its order
    return found[-last:] if last else []


def next_line(run: ContainerRun, after: float, horizon: float = 3600.0) -> float | None:
    """When the container writes its next line after `after` (within `horizon`), if it does."""
    flavour = flavour_of(run.image)
    upcoming = [t for t, _ in flavour.fixed(run) if after < t <= after + horizon]
    for series in _series(run, flavour):
        ticks = series.ticks(after, after + horizon)
        if ticks:
            upcoming.append(series.at(ticks[0]))
    return min(upcoming, default=None)
