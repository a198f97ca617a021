"""The faults and load a drill or test turns on in a running SimCluster: failed nodes, broken
images and GPUs, more users, slower or failing pods, failing API requests, a Prometheus
outage, an API server restart. SimCluster inherits them, so that they stay its methods."""

from __future__ import annotations

import asyncio
from typing import Any

from warroom.sim.apiserver import ApiServer, InjectedFailure
from warroom.sim.clock import SimClock
from warroom.sim.controllers.context import NODES, EndpointFault, Faults
from warroom.sim.controllers.kubelet import Kubelet
from warroom.sim.controllers.manager import ControllerManager
from warroom.sim.controllers.nodelifecycle import NodeLifecycleController
from warroom.sim.gpus import GpuTelemetry, gpu_count
from warroom.sim.load import ErrorBurst, LoadModel, Regression
from warroom.sim.metric_specs import parse_metric_regressions
from warroom.sim.promapi import PrometheusApi
from warroom.sim.store import Store, clone


class ClusterFaults:
    """Fault and load knobs over the parts SimCluster builds (declared here, set there)."""

    api: ApiServer
    clock: SimClock
    faults: Faults
    gpus: GpuTelemetry
    kubelet: Kubelet
    load: LoadModel
    manager: ControllerManager
    metrics_down: bool
    node_lifecycle: NodeLifecycleController
    prometheus: PrometheusApi
    store: Store

    def fail_node(self, name: str) -> None:
        self.faults.failed_nodes.add(name)
        self.manager.enqueue(self.node_lifecycle, name)

    def recover_node(self, name: str) -> None:
        self.faults.failed_nodes.discard(name)
        self.manager.enqueue(self.node_lifecycle, name)

    def set_image_broken(self, image: str, broken: bool = True) -> None:
        if broken:
            self.faults.broken_images.add(image)
        else:
            self.faults.broken_images.discard(image)

    def set_users(self, service: str, users: float | None) -> None:
        """Hold a service's concurrent users at `users` (None: follow the scenario's stages)."""
        if service not in self.load.services:
            raise ValueError(
                f"no load is modelled for service {service!r}; the scenario models "
                f"{', '.join(self.load.services) or 'none'}"
            )
        self.load.tick()
        self.load.set_users(service, users)

    def regress_image(
        self,
        image: str,
        latency: float = 3.0,
        errors: float = 0.05,
        ihsan: float = 0.0,
        metrics: dict[str, Any] | None = None,
    ) -> None:
        """Pods running `image` get `latency`× slower, `errors` more error ratio, an `ihsan`
        lower pass rate of the احسان check (where the service runs it) and their declared
        families bent as `metrics` says ({NAME: {"scale": 2, "passRate": 0.1}});
        ValueError naming a mistake in `metrics`."""
        declared = {m.name: m for s in self.load.services.values() for m in s.metrics}
        bends = parse_metric_regressions(metrics or {}, declared, f"regression of {image}")
        self.load.tick()
        self.load.regressions[image] = Regression(latency, errors, ihsan, bends)

    def clear_regression(self, image: str) -> None:
        self.load.tick()
        self.load.regressions.pop(image, None)

    def error_burst(self, ratio: float, seconds: float, service: str = "") -> None:
        """Add `ratio` to the error ratio of `service` (or every service) for `seconds`."""
        self.load.tick()
        self.load.bursts.append(ErrorBurst(service, ratio, self.clock.now() + seconds))

    def clear_error_bursts(self) -> None:
        self.load.tick()
        self.load.bursts.clear()

    def gpu_xid(self, node: str, index: int, code: int = 79) -> None:
        self.gpus.faults.xid[(node, index)] = code

    def lose_gpu(self, node: str, index: int) -> None:
        """The GPU falls off the bus: gone from allocatable, and the pod using it fails."""
        self._node(node)
        self.gpus.readings()  # settle device allocation first
        self.gpus.faults.lost.add((node, index))
        self.gpus.faults.xid[(node, index)] = 79
        self._refresh_gpu_faults(node)

    def restore_gpu(self, node: str, index: int) -> None:
        self._node(node)
        self.gpus.faults.lost.discard((node, index))
        self.gpus.faults.xid.pop((node, index), None)
        self._refresh_gpu_faults(node)

    def _node(self, name: str) -> dict[str, Any]:
        node = self.store.get(NODES, "", name)
        if node is None:
            raise ValueError(f"no node named {name!r}")
        return node

    def _refresh_gpu_faults(self, node_name: str) -> None:
        node = self._node(node_name)
        lost = sum(1 for n, _ in self.gpus.faults.lost if n == node_name)
        status = node.get("status") or {}
        healthy = max(0, gpu_count(node) - lost)
        if str((status.get("allocatable") or {}).get("nvidia.com/gpu")) != str(healthy):
            updated = clone(node)
            updated["status"]["allocatable"]["nvidia.com/gpu"] = str(healthy)
            self.store.update(NODES, updated)
        failing = self.gpus.pods_on_lost_gpus()
        for uid in failing ^ self.faults.broken_pods:
            pod = self.store.by_uid(uid)
            if pod is not None:
                meta = pod["metadata"]
                self.manager.enqueue(self.kubelet, f"{meta['namespace']}/{meta['name']}")
        self.faults.broken_pods = failing

    def fail_endpoint(
        self, service: str, path: str, status: int | None = None, delay: float = 0.0
    ) -> None:
        """The program behind `service` (NAMESPACE/NAME) answers `path` with its error of
        `status`, or only after `delay` wall-clock seconds; ValueError naming a mistake."""
        namespace, _, name = service.partition("/")
        if self.store.get(("", "services"), namespace, name) is None:
            raise ValueError(f"no Service {service!r}; give it as NAMESPACE/NAME")
        if not path.startswith("/"):
            raise ValueError(f"the path {path!r} must start with /, as the program sees it")
        if (status is None) == (delay <= 0):
            raise ValueError("give either a status (400–599) or a delay in seconds, not both")
        if status is not None and not 400 <= status <= 599:
            raise ValueError(f"status {status} is not an error status (400–599)")
        self.faults.endpoints[(service, path)] = EndpointFault(status, delay)

    def clear_endpoint_fault(self, service: str = "", path: str = "") -> None:
        """End the fault of `service` at `path`; without a path, all of the Service's; without
        a service, every one."""
        for key in list(self.faults.endpoints):
            if service in ("", key[0]) and path in ("", key[1]):
                del self.faults.endpoints[key]

    def fill_volume(self, claim: str, used: float) -> None:
        """The volume of `claim` (NAMESPACE/NAME) is `used` full (0–1) in the kubelet's volume
        stats; ValueError naming a mistake."""
        namespace, _, name = claim.partition("/")
        if self.store.get(("", "persistentvolumeclaims"), namespace, name) is None:
            raise ValueError(f"no PersistentVolumeClaim {claim!r}; give it as NAMESPACE/NAME")
        if not 0.0 <= used <= 1.0:
            raise ValueError(f"used share {used} must be between 0 and 1")
        self.faults.volume_use[claim] = used

    def fail_requests(self, code: int, count: int = 1, path: str = "", verb: str = "") -> None:
        """Answer the next `count` API requests matching path prefix and verb with `code`."""
        self.api.injected.append(InjectedFailure(code, count, path, verb))

    def prometheus_outage(self, down: bool = True) -> None:
        """Metrics go dark: the scrape target and the built-in Prometheus API answer 503."""
        self.metrics_down = down
        self.prometheus.available = not down

    def restart_apiserver(self, seconds: float = 3.0) -> None:
        """Drop every watch and refuse requests with 503 for `seconds` (wall clock)."""
        self.drop_watches()
        self.api.refuse_requests = True
        loop = asyncio.get_running_loop()
        loop.call_later(seconds, self._apiserver_back)

    def _apiserver_back(self) -> None:
        self.api.refuse_requests = False

    def drop_watches(self) -> None:
        self.api.hub.drop_all()
