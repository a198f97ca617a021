"""What every controller shares: the store, the registry, the recorder, timings and fault state."""

from __future__ import annotations

from dataclasses import dataclass, field

from warroom.sim.catalogue import Catalogue
from warroom.sim.clock import SimClock
from warroom.sim.events import Recorder
from warroom.sim.registry import Registry
from warroom.sim.store import Store

PODS = ("", "pods")
NODES = ("", "nodes")
NAMESPACES = ("", "namespaces")
DEPLOYMENTS = ("apps", "deployments")
REPLICASETS = ("apps", "replicasets")
DAEMONSETS = ("apps", "daemonsets")
HPAS = ("autoscaling", "horizontalpodautoscalers")
PDBS = ("policy", "poddisruptionbudgets")


@dataclass
class Timings:
    """Simulated seconds for the things a real cluster takes time to do."""

    image_pull: float = 3.0
    container_start: float = 1.0
    readiness: float = 4.0  # before Ready when the container has no readinessProbe
    shutdown: float = 2.0  # a container's stop, capped by the pod's grace period
    crash_after: float = 2.0  # a broken image runs this long before it exits
    node_monitor_grace: float = 50.0  # --node-monitor-grace-period, 50 s by default in v1.29+
    hpa_sync: float = 15.0
    hpa_downscale_window: float = 300.0
    scheduler_retry: float = 10.0


@dataclass(frozen=True)
class EndpointFault:
    """A Service's path that answers `status`, or answers only after `delay` wall seconds."""

    status: int | None = None
    delay: float = 0.0


@dataclass
class Faults:
    """Cluster state the scenario and the fault injector set, which no API object holds."""

    broken_images: set[str] = field(default_factory=set)
    failed_nodes: set[str] = field(default_factory=set)
    # Pods (by uid) whose containers fail whatever their image, e.g. after losing their GPU.
    broken_pods: set[str] = field(default_factory=set)
    image_pull_seconds: dict[str, float] = field(default_factory=dict)
    # HPA input until a load model drives it: percent of target, by (namespace, hpa name).
    hpa_utilization: dict[tuple[str, str], float] = field(default_factory=dict)
    # Paths of a Service that fail, by (NAMESPACE/NAME, path as the program sees it).
    endpoints: dict[tuple[str, str], EndpointFault] = field(default_factory=dict)
    # Used share of a bound claim's volume, by NAMESPACE/CLAIM (the kubelet's volume stats).
    volume_use: dict[str, float] = field(default_factory=dict)


@dataclass
class Context:
    store: Store
    registry: Registry
    recorder: Recorder
    catalogue: Catalogue
    timings: Timings = field(default_factory=Timings)
    faults: Faults = field(default_factory=Faults)

    @property
    def clock(self) -> SimClock:
        return self.store.clock


def split_key(key: str) -> tuple[str, str]:
    namespace, _, name = key.partition("/")
    return namespace, name


def key_of(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"
