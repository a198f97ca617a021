"""A live war room on a layout: connect, start the sources, open the screen, stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from warroom.heap import HeapFreezer
from warroom.kube.connection import Connection, connect
from warroom.kube.resource import Resource
from warroom.layout import Layout, SshHost
from warroom.metrics.gpus import GpuSnapshot, PrometheusGpus
from warroom.metrics.signals import SignalPoller
from warroom.metrics.smi import SshGpus
from warroom.probes.ssh import SshTarget
from warroom.state.live import ClusterSources
from warroom.state.picture import ClusterPicture
from warroom.state.signals import SignalSnapshot, from_metrics
from warroom.ui.app import Targets, WarRoomApp
from warroom.ui.widgets.nodes import GpuCell
from warroom.ui.widgets.panels import HeaderInfo


class RoomError(Exception):
    """The war room cannot open; the message is one sentence saying what to do."""


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

    def signal_feed(self) -> tuple[int, list[SignalSnapshot]]:
        if self.signals is None:
            return 0, []
        snap = self.signals.snapshot()
        return snap.version, from_metrics(self.layout.signals, snap)

    def gpu_feed(self) -> tuple[int, dict[str, list[GpuCell]], dict[str, str]]:
        """GPU cells by node, and the bare-metal hosts with their error ("" when fine)."""
        version, cells, hosts = 0, {}, {}
        if self.gpus is not None:
            snap = self.gpus.snapshot()
            version, cells = snap.version, gpu_cells(snap)
        for poller in self.ssh:
            snap = poller.snapshot()
            version += snap.version
            cells.update(gpu_cells(snap))
            failed = snap.health.state == "failed"
            hosts[poller.connection.target.label] = (snap.health.error or "") if failed else ""
        return version, cells, hosts

    def zoom(self, factor: float) -> float:
        """Multiply the graphs' window by `factor` (1 min … 6 h); returns the new window."""
        if self.signals is None:
            return 0.0
        current = self.signals.snapshot()
        now_range = next(iter(current.signals.values())).graph_range if current.signals else 900
        wanted = min(6 * 3600.0, max(60.0, now_range * factor))
        self.signals.set_range(wanted)
        return wanted

    def prometheus_label(self) -> str:
        server = self.signals.server if self.signals is not None else None
        return server.label if server is not None else ""


def gpu_cells(snapshot: GpuSnapshot) -> dict[str, list[GpuCell]]:
    cells: dict[str, list[GpuCell]] = {}
    for gpu in snapshot.gpus:
        memory = (gpu.memory_percent or 0.0) / 100
        cells.setdefault(gpu.node, []).append(
            GpuCell(
                gpu.index,
                gpu.util or 0.0,
                memory,
                gpu.temp or 0.0,
                gpu.xid or 0,
                gpu.pod,
            )
        )
    return cells


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
    clock: Callable[[], float] = time.time,
) -> AsyncIterator[Room]:
    """Connect with the layout's context, start reflectors and pollers; stop them on exit.

    `clock` is the cluster's wall clock (the simulated cluster's runs ahead of ours)."""
    connection = await connect(kubeconfig, layout.cluster.context)
    picture = ClusterPicture(
        list(layout.cluster.namespaces),
        [
            (
                Resource(cr.group, cr.version, cr.plural),
                [cr.namespace] if cr.namespace else list(layout.cluster.namespaces),
            )
            for cr in layout.custom_resources
        ],
        clock,
    )
    sources = ClusterSources(connection, picture, bookmark_interval=bookmark_interval)
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
        )
        if layout.gpus.prometheus:
            gpus = PrometheusGpus(url, interval=interval)
    heap = HeapFreezer()
    try:
        sources.start()
        heap.start()
        if signals is not None:
            signals.start()
        if gpus is not None:
            gpus.start()
        for poller in ssh:
            poller.start()
        yield Room(layout, connection, picture, sources, signals, gpus, ssh, heap)
    finally:
        for poller in ssh:
            await poller.stop()
        if gpus is not None:
            await gpus.stop()
        if signals is not None:
            await signals.stop()
        await sources.stop()
        await heap.stop()
        await connection.close()


def room_app(
    room: Room,
    *,
    session: str,
    drill: bool = False,
    read_only: bool = False,
    clock: Callable[[], float] | None = None,
) -> WarRoomApp:
    layout = room.layout
    primary = layout.cluster.namespaces[0]
    targets = Targets(
        [(t.namespace or primary, t.name) for t in layout.targets],
        [(t.namespace or primary, t.hpa) for t in layout.targets if t.hpa],
        {(t.namespace or primary, t.name): t.service for t in layout.targets if t.service},
    )
    header = HeaderInfo(
        room.connection.context,
        tuple(layout.cluster.namespaces),
        session,
        drill=drill,
        read_only=read_only,
        prometheus=room.prometheus_label(),
    )
    return WarRoomApp(
        room.picture,
        header,
        targets,
        signals=room.signal_feed,
        gpus=room.gpu_feed,
        clock=clock or time.time,
        server_label=room.prometheus_label,
        zoom=room.zoom if room.signals is not None else None,
    )


async def run_app(app: WarRoomApp, room: Room | None = None) -> None:
    """Run the screen until `q`, or until the terminal goes away (a closed tmux pane sends
    SIGHUP) or the process is asked to stop: then it closes like `q`, so everything the room
    started (reflectors, pollers, the demo's Prometheus) is stopped rather than orphaned."""
    loop = asyncio.get_running_loop()
    installed = []
    for name in ("SIGHUP", "SIGTERM"):
        sig = getattr(signal, name, None)
        # Windows has no SIGHUP and its event loops no signal handlers; closing the window
        # ends the process there anyway.
        with contextlib.suppress(NotImplementedError, ValueError):
            if sig is not None:
                loop.add_signal_handler(sig, app.exit)
                installed.append(sig)
    if room is not None:
        # The heap's full pass waits while keys come (see warroom.heap).
        room.heap.busy = lambda: app.seconds_since_key() < 3.0
    try:
        await app.run_async()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
