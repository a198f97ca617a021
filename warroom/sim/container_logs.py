"""What each container wrote, kept by container ID as the kubelet's log files are.

The kubelet records every container instance's life (started, ready, stopping, exited); its
output is read back from that record by app_output, so a container costs one small record
rather than its lines. Of each container the newest LINES lines are kept, as a ring would keep
them; of each container only the running instance and the one before it (what `--previous`
reads) are kept, as the kubelet's container GC keeps them, and a pod's records go with it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from warroom.sim.clock import SimClock, parse_rfc3339

LINES = 1000
# Instances kept per container: the current one and the previous, for --previous.
KEPT_INSTANCES = 2

Line = tuple[float, str]


@dataclass(frozen=True, slots=True)
class Probe:
    """An httpGet probe: the kubelet's requests show in the container's access log."""

    path: str
    port: int | str
    initial: float
    period: float


@dataclass(slots=True)
class ContainerRun:
    """One container instance (one container ID) as the kubelet saw it live."""

    container_id: str
    pod: str
    container: str
    image: str
    started: float
    host_ip: str = ""
    port: int | None = None
    gpus: int = 0
    probes: tuple[Probe, ...] = ()
    ready: float | None = None
    stopping: float | None = None  # SIGTERM: the pod is being deleted
    finished: float | None = None
    exit_code: int | None = None

    @property
    def crashed(self) -> bool:
        return self.finished is not None and self.stopping is None and bool(self.exit_code)


def _probes(container: dict[str, Any]) -> tuple[Probe, ...]:
    found = []
    for kind in ("readinessProbe", "livenessProbe"):
        get = (container.get(kind) or {}).get("httpGet")
        if isinstance(get, dict):
            probe = container[kind]
            found.append(
                Probe(
                    str(get.get("path") or "/"),
                    get.get("port", 80),
                    float(probe.get("initialDelaySeconds", 0)),
                    float(probe.get("periodSeconds", 10)),
                )
            )
    return tuple(found)


def _gpus(container: dict[str, Any]) -> int:
    resources = container.get("resources") or {}
    asked = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    try:
        return int(asked.get("nvidia.com/gpu", 0))
    except (TypeError, ValueError):
        return 0


@dataclass
class ContainerLogs:
    """The container runs of every node, by container ID; followers wait on `changed()`."""

    clock: SimClock
    _runs: dict[str, ContainerRun] = field(default_factory=dict)
    # Pod uid -> container name -> container IDs, oldest first.
    _instances: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _waiters: set[asyncio.Event] = field(default_factory=set)
    closed: bool = False

    def __post_init__(self) -> None:
        self.clock.on_change(self._wake)

    # ---- what the kubelet records --------------------------------------------------------

    def started(self, pod: dict[str, Any], container: dict[str, Any], cid: str, now: float) -> None:
        ports = [p.get("containerPort") for p in container.get("ports") or () if p]
        self._runs[cid] = ContainerRun(
            cid,
            pod["metadata"]["name"],
            container["name"],
            str(container.get("image", "")),
            now,
            host_ip=str((pod.get("status") or {}).get("hostIP", "")),
            port=ports[0] if ports and isinstance(ports[0], int) else None,
            gpus=_gpus(container),
            probes=_probes(container),
        )
        ids = self._instances.setdefault(pod["metadata"]["uid"], {}).setdefault(
            container["name"], []
        )
        ids.append(cid)
        while len(ids) > KEPT_INSTANCES:
            self._runs.pop(ids.pop(0), None)
        self._wake()

    def ready(self, cid: str, now: float) -> None:
        run = self._runs.get(cid)
        if run is not None and run.ready is None:
            run.ready = now
            self._wake()

    def stopping(self, cid: str, now: float) -> None:
        run = self._runs.get(cid)
        if run is not None and run.stopping is None and run.finished is None:
            run.stopping = now
            self._wake()

    def exited(self, cid: str, now: float, exit_code: int) -> None:
        run = self._runs.get(cid)
        if run is not None and run.finished is None:
            run.finished = now
            run.exit_code = exit_code
            self._wake()

    # ---- the same, for every running container of a pod ----------------------------------

    def _running(self, pod: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        specs = {c.get("name"): c for c in (pod.get("spec") or {}).get("containers") or ()}
        return [
            (cs, specs[cs["name"]])
            for cs in (pod.get("status") or {}).get("containerStatuses") or ()
            if "running" in (cs.get("state") or {})
            and cs.get("containerID")
            and cs.get("name") in specs
        ]

    def pod_started(self, pod: dict[str, Any], now: float) -> None:
        for cs, spec in self._running(pod):
            self.started(pod, spec, cs["containerID"], now)

    def pod_ready(self, pod: dict[str, Any], now: float) -> None:
        for cs, _ in self._running(pod):
            self.ready(cs["containerID"], now)

    def pod_stopping(self, pod: dict[str, Any], now: float) -> None:
        for cs, _ in self._running(pod):
            self.stopping(cs["containerID"], now)

    def pod_exited(self, pod: dict[str, Any], now: float, exit_code: int) -> None:
        for cs, _ in self._running(pod):
            self.exited(cs["containerID"], now, exit_code)

    def pod_resumed(self, pod: dict[str, Any], ready_since: float | None) -> None:
        """A pod the kubelet finds already running (seeded, or after a restart): its
        containers' records start from their startedAt."""
        for cs, spec in self._running(pod):
            if cs["containerID"] in self._runs:
                continue
            started = cs["state"]["running"].get("startedAt")
            self.started(pod, spec, cs["containerID"], parse_rfc3339(started) if started else 0.0)
            if cs.get("ready") and ready_since is not None:
                self.ready(cs["containerID"], ready_since)

    def forget_pod(self, uid: str) -> None:
        for ids in self._instances.pop(uid, {}).values():
            for cid in ids:
                self._runs.pop(cid, None)
        self._wake()

    # ---- what a reader sees --------------------------------------------------------------

    def get(self, cid: str) -> ContainerRun | None:
        return self._runs.get(cid)

    def __len__(self) -> int:
        return len(self._runs)

    def waiter(self) -> asyncio.Event:
        """An event set on every record change and clock step; `release()` it when done."""
        event = asyncio.Event()
        self._waiters.add(event)
        return event

    def release(self, event: asyncio.Event) -> None:
        self._waiters.discard(event)

    def close(self) -> None:
        """The server is stopping: every follower ends."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        for event in self._waiters:
            event.set()
