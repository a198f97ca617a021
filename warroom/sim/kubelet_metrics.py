"""The node-side series a cluster's Prometheus scrapes beside the applications' own: cAdvisor's
container memory, kube-state-metrics' container limits and the kubelet's volume stats.

Memory follows `kubectl top` (ResourceMetrics), so the two never disagree; it is kept to the
pods the load model serves, as a real Prometheus keeps the dashboards' namespaces, so that a
10,000-pod scenario's scrape does not grow by its idle pods. A bound claim's volume is 30 %
used unless a drill fills it (`SimCluster.fill_volume`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client.core import GaugeMetricFamily, Metric

from warroom.sim.load import LoadModel
from warroom.sim.quantity import parse_quantity
from warroom.sim.resource_metrics import ResourceMetrics
from warroom.sim.store import Obj, Store

PODS = ("", "pods")
CLAIMS = ("", "persistentvolumeclaims")
USED_SHARE = 0.3  # of a bound claim's capacity, unless filled by a fault
CONTAINER_LABELS = ["namespace", "pod", "container"]
VOLUME_LABELS = ["namespace", "persistentvolumeclaim"]


class KubeletMetrics:
    """Builds cAdvisor, kube-state-metrics and kubelet volume families at scrape time."""

    def __init__(
        self,
        store: Store,
        load: LoadModel,
        usage: ResourceMetrics,
        volume_use: Callable[[], Mapping[str, float]],
    ) -> None:
        self.store = store
        self.load = load
        self.usage = usage
        self.volume_use = volume_use  # "NAMESPACE/CLAIM" → used share of its capacity

    def collect(self) -> Iterator[Metric]:
        yield from self._containers()
        yield from self._volumes()

    def _served_pods(self) -> Iterator[Obj]:
        served = {(s.namespace, s.pod) for s in self.load.pods.values()}
        for namespace in sorted({ns for ns, _ in served}):
            for pod in self.store.list(PODS, namespace):
                meta = pod["metadata"]
                running = (pod.get("status") or {}).get("phase") == "Running"
                if running and (meta["namespace"], meta["name"]) in served:
                    yield pod

    def _containers(self) -> Iterator[Metric]:
        memory = GaugeMetricFamily(
            "container_memory_working_set_bytes",
            "Current working set of the container in bytes.",
            labels=CONTAINER_LABELS,
        )
        limits = GaugeMetricFamily(
            "kube_pod_container_resource_limits",
            "The number of requested limit resource by a container.",
            labels=[*CONTAINER_LABELS, "node", "resource", "unit"],
        )
        for pod in self._served_pods():
            meta, spec = pod["metadata"], pod.get("spec") or {}
            where = [meta["namespace"], meta["name"]]
            for name, _, used in self.usage.container_usage(pod):
                memory.add_metric([*where, name], used)
            for container in spec.get("containers") or ():
                limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
                if limit is not None:
                    labels = [*where, str(container.get("name", "")), spec.get("nodeName", "")]
                    limits.add_metric([*labels, "memory", "byte"], parse_quantity(limit))
        yield from (memory, limits)

    def _volumes(self) -> Iterator[Metric]:
        capacity = GaugeMetricFamily(
            "kubelet_volume_stats_capacity_bytes",
            "Capacity in bytes of the volume",
            labels=VOLUME_LABELS,
        )
        available = GaugeMetricFamily(
            "kubelet_volume_stats_available_bytes",
            "Number of available bytes in the volume",
            labels=VOLUME_LABELS,
        )
        used = GaugeMetricFamily(
            "kubelet_volume_stats_used_bytes",
            "Number of used bytes in the volume",
            labels=VOLUME_LABELS,
        )
        filled = self.volume_use()
        for claim in self.store.list(CLAIMS, None):
            status = claim.get("status") or {}
            size = (status.get("capacity") or {}).get("storage")
            if status.get("phase") != "Bound" or size is None:
                continue
            meta = claim["metadata"]
            labels = [meta["namespace"], meta["name"]]
            total = parse_quantity(size)
            share = min(
                max(filled.get(f"{meta['namespace']}/{meta['name']}", USED_SHARE), 0.0), 1.0
            )
            capacity.add_metric(labels, total)
            used.add_metric(labels, total * share)
            available.add_metric(labels, total * (1 - share))
        yield from (capacity, available, used)
