"""The sim's Prometheus metrics: request, token and queue series per pod, DCGM series per GPU.

One set of metric families feeds both the `/metrics` exposition (scraped by a real
Prometheus) and the built-in fallback's own series store, so the two see the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from warroom.sim.declared_metrics import families
from warroom.sim.gpus import DRIVER_VERSION, GpuTelemetry
from warroom.sim.load import BUCKETS, LoadModel, PodStats

POD_LABELS = ["namespace", "pod", "version", "service"]
DCGM_LABELS = [
    "gpu",
    "UUID",
    "device",
    "modelName",
    "Hostname",
    "DCGM_FI_DRIVER_VERSION",
    "container",
    "namespace",
    "pod",
]
DCGM = (
    ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", "util"),
    ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", "fb_used"),
    ("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", "fb_free"),
    ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", "temp"),
    ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", "power"),
    ("DCGM_FI_DEV_XID_ERRORS", "Value of the last XID error encountered.", "xid"),
)


def _le(bound: float) -> str:
    return f"{bound}" if bound != int(bound) else f"{bound:.1f}"


class SimMetrics:
    """Builds the metric families from the load model and GPU telemetry at scrape time."""

    def __init__(
        self, load: LoadModel, gpus: GpuTelemetry, node_side: Collector | None = None
    ) -> None:
        self.load = load
        self.gpus = gpus
        self.node_side = node_side  # cAdvisor, kube-state-metrics and kubelet series
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def collect(self) -> Iterator[Metric]:
        yield from self.pod_families(self.load.pods.values())
        yield from self.gpu_families()
        if self.node_side is not None:
            yield from self.node_side.collect()

    def pod_families(self, pods: Iterable[PodStats]) -> Iterator[Metric]:
        """The request, token, queue and ihsan families, then the scenario's declared ones."""
        requests = CounterMetricFamily(
            "http_requests", "HTTP requests served, by status code.", labels=[*POD_LABELS, "code"]
        )
        duration = HistogramMetricFamily(
            "http_request_duration_seconds", "Request latency in seconds.", labels=POD_LABELS
        )
        tokens = CounterMetricFamily(
            "inference_tokens_generated", "Tokens generated.", labels=POD_LABELS
        )
        queue = GaugeMetricFamily(
            "inference_queue_depth", "Requests waiting for a GPU batch slot.", labels=POD_LABELS
        )
        ihsan = CounterMetricFamily(
            "ihsan_checks",
            "احسان (ihsan) quality checks of answered requests, by result.",
            labels=[*POD_LABELS, "result"],
        )
        ordered = sorted(pods, key=lambda s: (s.namespace, s.pod))
        for stats in ordered:
            labels = [stats.namespace, stats.pod, stats.version, stats.service]
            for code, count in stats.requests.items():
                requests.add_metric([*labels, code], count)
            buckets = [(_le(b), stats.buckets[i]) for i, b in enumerate(BUCKETS)]
            buckets.append(("+Inf", stats.buckets[-1]))
            duration.add_metric(labels, buckets, stats.duration_sum)
            tokens.add_metric(labels, stats.tokens)
            queue.add_metric(labels, stats.queue_depth)
            for result, count in (stats.ihsan or {}).items():
                ihsan.add_metric([*labels, result], count)
        yield from (requests, duration, tokens, queue, ihsan)
        yield from families(
            ([s.namespace, s.pod, s.version, s.service], s.declared, self.load.declared(s))
            for s in ordered
        )

    def gpu_families(self) -> Iterator[Metric]:
        gauges = {name: GaugeMetricFamily(name, doc, labels=DCGM_LABELS) for name, doc, _ in DCGM}
        for reading in self.gpus.readings():
            labels = [
                str(reading.index),
                reading.uuid,
                f"nvidia{reading.index}",
                reading.model,
                reading.node,
                DRIVER_VERSION,
                reading.container,
                reading.namespace,
                reading.pod,
            ]
            for name, _, attribute in DCGM:
                gauges[name].add_metric(labels, float(getattr(reading, attribute)))
        yield from gauges.values()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def pod_exposition(self, uid: str) -> bytes:
        """What the pod's own /metrics shows: its request and declared families only."""
        stats = self.load.pods.get(uid)
        return generate_latest(_Families(list(self.pod_families([stats] if stats else []))))

    def samples(self) -> list[tuple[dict[str, str], float]]:
        """Every sample as (labels with __name__, value), as a scrape would store them."""
        out: list[tuple[dict[str, str], float]] = []
        for family in self.collect():
            for sample in family.samples:
                out.append(({"__name__": sample.name, **sample.labels}, float(sample.value)))
        return out


class _Families(Collector):
    """A fixed set of families, for one exposition."""

    def __init__(self, made: list[Metric]) -> None:
        self.made = made

    def collect(self) -> Iterable[Metric]:
        return self.made
