"""GPU readings per node and GPU, from dcgm-exporter's series in Prometheus.

One record per GPU with the same freshness story as signals. One instant query fetches all
the DCGM gauges at once, so a GPU's numbers come from one evaluation. `smi.py` fills the
same records from `nvidia-smi` over SSH for bare-metal hosts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from warroom.background import Periodic
from warroom.metrics.client import PromClient, PromError, RawSeries
from warroom.metrics.freshness import FreshnessRecorder
from warroom.state.freshness import Freshness

#: The dcgm-exporter gauges read, by field name (FB_RESERVED exists from DCGM 3.x on).
DCGM_FIELDS = {
    "DCGM_FI_DEV_GPU_UTIL": "util",
    "DCGM_FI_DEV_FB_USED": "memory_used",
    "DCGM_FI_DEV_FB_FREE": "memory_free",
    "DCGM_FI_DEV_FB_RESERVED": "memory_reserved",
    "DCGM_FI_DEV_GPU_TEMP": "temp",
    "DCGM_FI_DEV_POWER_USAGE": "power",
    "DCGM_FI_DEV_XID_ERRORS": "xid",
}
DCGM_QUERY = '{__name__=~"' + "|".join(DCGM_FIELDS) + '"}'
# Where dcgm-exporter's node name may be: its own Hostname label, else what relabelling set.
NODE_LABELS = ("Hostname", "kubernetes_node", "node", "instance")


@dataclass(frozen=True, slots=True)
class GpuRecord:
    """One GPU as last read; a value is None when the source does not report it."""

    node: str
    index: int
    uuid: str
    model: str
    util: float | None  # percent
    memory_used: float | None  # MiB
    memory_total: float | None  # MiB
    temp: float | None  # °C
    power: float | None  # W
    xid: int | None  # the last XID error, 0 for none; None when unknown (nvidia-smi)
    pod: str = ""
    namespace: str = ""

    @property
    def memory_percent(self) -> float | None:
        if self.memory_used is None or not self.memory_total:
            return None
        return 100.0 * self.memory_used / self.memory_total


@dataclass(frozen=True, slots=True)
class GpuSnapshot:
    """The GPUs one source reports, sorted by node and index, with its freshness."""

    source: str
    gpus: tuple[GpuRecord, ...]
    freshness: Freshness
    version: int

    def on_node(self, node: str) -> tuple[GpuRecord, ...]:
        return tuple(g for g in self.gpus if g.node == node)


def records_from_dcgm(result: list[RawSeries]) -> list[GpuRecord]:
    """GPU records from the DCGM series of one instant query, grouped by node, index, UUID."""
    fields: dict[tuple[str, int, str], dict[str, float]] = {}
    labels_of: dict[tuple[str, int, str], Mapping[str, str]] = {}
    for labels, points in result:
        field = DCGM_FIELDS.get(labels.get("__name__", ""))
        if field is None or not points:
            continue
        node = next((labels[n] for n in NODE_LABELS if labels.get(n)), "")
        try:
            index = int(labels.get("gpu", ""))
        except ValueError:
            index = -1
        key = (node, index, labels.get("UUID", ""))
        fields.setdefault(key, {})[field] = points[-1][1]
        labels_of.setdefault(key, labels)
    records = []
    for key, values in fields.items():
        node, index, uuid = key
        first = labels_of[key]
        used, free = values.get("memory_used"), values.get("memory_free")
        total = None
        if used is not None and free is not None:
            total = used + free + values.get("memory_reserved", 0.0)
        xid = values.get("xid")
        records.append(
            GpuRecord(
                node=node,
                index=index,
                uuid=uuid,
                model=first.get("modelName", ""),
                util=values.get("util"),
                memory_used=used,
                memory_total=total,
                temp=values.get("temp"),
                power=values.get("power"),
                xid=int(xid) if xid is not None and math.isfinite(xid) else None,
                pod=first.get("pod", ""),
                namespace=first.get("namespace", ""),
            )
        )
    return sorted(records, key=lambda r: (r.node, r.index, r.uuid))


class GpuSource:
    """The records and freshness of one GPU source; pollers fill it, the UI snapshots it."""

    def __init__(
        self,
        source: str,
        interval: float,
        clock: Callable[[], float],
        group: str = "",
        named: str = "",
    ) -> None:
        self.source = source
        self.clock = clock
        self.freshness = FreshnessRecorder(source, interval, group or source, named)
        self.gpus: tuple[GpuRecord, ...] = ()

    def record(self, gpus: list[GpuRecord]) -> None:
        records = tuple(gpus)
        if records != self.gpus:
            self.gpus = records
            self.freshness.touch()
        self.freshness.succeeded(self.clock(), empty=not records)

    def failed(self, sentence: str) -> None:
        self.freshness.failed(self.clock(), sentence)

    def snapshot(self) -> GpuSnapshot:
        return GpuSnapshot(
            self.source, self.gpus, self.freshness.reading(self.clock()), self.freshness.version
        )


class PrometheusGpus(Periodic):
    """Polls the DCGM series from Prometheus every `interval` seconds."""

    def __init__(
        self,
        source: str | PromClient,
        *,
        interval: float = 5.0,
        timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(interval)
        self._owns_client = not isinstance(source, PromClient)
        self.client = (
            source
            if isinstance(source, PromClient)
            else PromClient(source, timeout=timeout, headers=headers)
        )
        named = f"Prometheus at {self.client.url}"
        self.gpus = GpuSource(f"GPUs from {named}", interval, clock, "Prometheus", named)

    async def step(self) -> None:
        try:
            result = await self.client.instant(DCGM_QUERY, name="gpus")
        except PromError as err:
            self.gpus.failed(str(err))
            return
        self.gpus.record(records_from_dcgm(result))

    def crashed(self, sentence: str) -> None:
        self.gpus.failed(sentence)

    def snapshot(self) -> GpuSnapshot:
        return self.gpus.snapshot()

    async def close(self) -> None:
        if self._owns_client:
            await self.client.aclose()
