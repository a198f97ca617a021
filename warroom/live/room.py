"""A live war room on a layout: connect, start the sources, offer snapshots, stop cleanly."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from warroom.heap import HeapFreezer
from warroom.journal.redact import register_secret
from warroom.kube.connection import Connection, connect
from warroom.kube.resource import Resource
from warroom.layout import Layout, SshHost
from warroom.live.holds import HoldSources
from warroom.live.identity import identify
from warroom.live.readings import gpu_cells, signal_views, unmeasured
from warroom.live.sources import ClusterSources, custom_kind
from warroom.metrics.gpus import PrometheusGpus
from warroom.metrics.signals import SignalPoller
from warroom.metrics.smi import SshGpus
from warroom.probes.ssh import SshTarget
from warroom.state.freshness import Freshness
from warroom.state.identity import Identity
from warroom.state.nodes import GpuReadings
from warroom.state.picture import ClusterPicture
from warroom.state.room import RoomSnapshot, Targets
from warroom.state.signals import SignalsView

# The graphs' windows, zoomed through step by step: each step in retraces a step out.
ZOOM_LADDER = (60.0, 300.0, 900.0, 1800.0, 3600.0, 3 * 3600.0, 6 * 3600.0)


@dataclass
class Room:
    """Everything a live war room runs on, started and stopped together."""

    layout: Layout
    connection: Connection
    picture: ClusterPicture
    sources: ClusterSources
    signals: SignalPoller | None
    gpus: PrometheusGpus | None
    ssh: list[SshGpus] = field(default_factory=list)
    heap: HeapFreezer = field(default_factory=HeapFreezer)
    holds: HoldSources | None = None  # the war room's Leases: other warrooms' holds
    identity: Identity | None = None  # who the context is, asked once at the start
    _gpu_readings: tuple[int, GpuReadings] = (-1, GpuReadings())

    @property
    def targets(self) -> Targets:
        layout = self.layout
        primary = layout.cluster.namespaces[0]
        return Targets(
            tuple((t.namespace or primary, t.name) for t in layout.targets),
            tuple((t.namespace or primary, t.hpa) for t in layout.targets if t.hpa),
            {(t.namespace or primary, t.name): t.service for t in layout.targets if t.service},
        )

    def snapshot(self) -> RoomSnapshot:
        """Everything the room knows now."""
        sources: list[Freshness] = self.picture.sources()
        if self.holds is not None:
            sources += self.holds.freshness()
        if self.signals is not None:
            sources.append(self.signals.freshness())
            sources.append(self.signals.targets.reading().freshness)
        gpus = [self.gpus.snapshot().freshness] if self.gpus is not None else []
        gpus += [poller.snapshot().freshness for poller in self.ssh]
        return RoomSnapshot(
            self.picture,
            self._signals_view(),
            self._gpus_view(),
            tuple(sources + gpus),
            prometheus=self.signals is not None,
            gpu_sources=tuple(gpus),
            leases=tuple(self.holds.caches.values()) if self.holds is not None else (),
            identity=self.identity,
        )

    def _signals_view(self) -> SignalsView:
        if self.signals is None:
            return SignalsView(signals=unmeasured(self.layout.signals), configured=False)
        readings = self.signals.snapshot()
        server = readings.server.label if readings.server is not None else ""
        return SignalsView(readings.version, signal_views(self.layout.signals, readings), server)

    def _gpus_view(self) -> GpuReadings:
        version, cells, hosts = 0, {}, {}
        snapshots = [self.gpus.snapshot()] if self.gpus is not None else []
        for snap in snapshots:
            version, cells = snap.version, gpu_cells(snap)
        for poller in self.ssh:
            snap = poller.snapshot()
            version += snap.version
            cells.update(gpu_cells(snap))
            failed = snap.freshness.state == "failed"
            hosts[poller.connection.target.label] = (snap.freshness.error or "") if failed else ""
        if self._gpu_readings[0] != version:
            self._gpu_readings = (version, GpuReadings(version, cells, hosts))
        return self._gpu_readings[1]

    def zoom(self, steps: int) -> float:
        """Move the graphs' window `steps` along ZOOM_LADDER (negative: in, to a shorter
        window); the new window in seconds, 0 without Prometheus."""
        if self.signals is None:
            return 0.0
        wanted = zoomed(self.signals.spec.range, steps)
        if wanted != self.signals.spec.range:
            self.signals.set_range(wanted)
        return wanted


def zoomed(current: float, steps: int) -> float:
    """The window `steps` along the ladder from `current` (from the nearest rung when the
    layout's range is between two), stopping at either end."""
    nearest = min(range(len(ZOOM_LADDER)), key=lambda i: abs(ZOOM_LADDER[i] - current))
    return ZOOM_LADDER[max(0, min(len(ZOOM_LADDER) - 1, nearest + steps))]


def held_history(layout: Layout) -> dict[str, float]:
    """Seconds of history each signal's checks judge from (the longest `for` or soak that
    reads it, triggers included): fetched once at start, so a restart resumes mid-soak."""
    wanted: dict[str, float] = {}

    def want(signal: str, seconds: float) -> None:
        if seconds > 0:
            wanted[signal] = max(wanted.get(signal, 0.0), seconds)

    with_slo = [sid for sid, s in layout.signals.items() if s.slo is not None]
    for _, item in layout.items():
        if item.promql is not None:
            want(item.promql.signal, item.promql.held.total_seconds())
        if item.soak is not None:
            for sid in item.soak.signals or with_slo:
                want(sid, item.soak.for_.total_seconds())
    for trigger in layout.triggers.values():
        want(trigger.signal, trigger.held.total_seconds())
    return wanted


def ssh_target(host: SshHost) -> SshTarget:
    """The layout's bare-metal host as an SSH target (known_hosts is always checked)."""
    identity = (os.path.expanduser(host.identity),) if host.identity else ()
    return SshTarget(
        host.host,
        host.port,
        username=host.user,
        known_hosts=os.path.expanduser(host.known_hosts),
        client_keys=identity,
        # Hosts on the standard port are named by host alone, others by host:port.
        name=host.host if host.port == 22 else f"{host.host}:{host.port}",
    )


@contextlib.asynccontextmanager
async def open_room(
    layout: Layout,
    *,
    kubeconfig: str | Path | None = None,
    bookmark_interval: float = 60.0,
    clock: Callable[[], float] | None = None,
) -> AsyncIterator[Room]:
    """Connect with the layout's context, start reflectors and pollers; stop them on exit.

    `clock` is the cluster's wall clock; by default it is estimated from the API server's
    answers (`warroom.kube.clock`), so ages read as kubectl's do whatever ours says."""
    # The credentials' values are redacted from the journal, the screen and the log lines.
    connection = await connect(kubeconfig, layout.cluster.context, on_secret=register_secret)
    clock = clock or connection.clock.now
    custom = {}
    scopes = []
    for cr in layout.custom_resources:
        resource = Resource(cr.group, cr.version, cr.plural)
        custom[custom_kind(resource)] = resource
        scopes.append(
            (custom_kind(resource), [cr.namespace] if cr.namespace else layout.cluster.namespaces)
        )
    picture = ClusterPicture(layout.cluster.namespaces, scopes, clock)
    sources = ClusterSources(
        connection, picture, custom=custom, bookmark_interval=bookmark_interval
    )
    url = layout.prometheus.url
    interval = layout.prometheus.interval.total_seconds()
    ssh = [SshGpus(ssh_target(h), interval=interval) for h in layout.gpus.ssh]
    signals = gpus = None
    if url:
        step = layout.prometheus.step.total_seconds() if layout.prometheus.step else None
        signals = SignalPoller(
            url,
            {sid: s.query for sid, s in layout.signals.items()},
            interval=interval,
            graph_range=layout.prometheus.range.total_seconds(),
            graph_step=step,
            backfill=held_history(layout),
        )
        if layout.gpus.prometheus:
            gpus = PrometheusGpus(url, interval=interval)
    heap = HeapFreezer()
    holds = HoldSources(
        connection, layout.cluster.namespaces, bookmark_interval=bookmark_interval
    )
    loops = [heap, *([signals] if signals else []), *([gpus] if gpus else []), *ssh]
    try:
        sources.start()
        holds.start()
        for loop in loops:
            loop.start()
        identity = await identify(connection, layout)
        yield Room(
            layout,
            connection,
            picture,
            sources,
            signals,
            gpus,
            ssh,
            heap,
            holds=holds,
            identity=identity,
        )
    finally:
        for loop in reversed(loops):
            await loop.stop()
        await holds.stop()
        await sources.stop()
        await connection.close()
