"""GPU telemetry per node and GPU, as dcgm-exporter reports it, driven by the pods placed there.

Each GPU pod gets device indices on its node (as the device plugin allocates them); a GPU's
utilisation, framebuffer, temperature and power follow the load of the pod using it.
Faults: an XID error on a GPU, or a GPU lost (it disappears from the node's allocatable and
the pod using it fails, as with XID 79 "fallen off the bus").
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from warroom.sim.load import LoadModel
from warroom.sim.pods import gpus, is_active
from warroom.sim.quantity import parse_quantity
from warroom.sim.store import Obj, Store

NODES = ("", "nodes")
DRIVER_VERSION = "550.54.15"
IDLE_FB_MIB = 280.0  # driver and context on an idle GPU


@dataclass
class GpuReading:
    node: str
    index: int
    uuid: str
    model: str
    util: float  # percent
    fb_used: float  # MiB
    fb_free: float  # MiB
    temp: float  # Celsius
    power: float  # Watts
    xid: int  # last XID error code, 0 when none
    pod: str = ""
    namespace: str = ""
    container: str = ""


@dataclass
class GpuFaults:
    xid: dict[tuple[str, int], int] = field(default_factory=dict)
    lost: set[tuple[str, int]] = field(default_factory=set)


def gpu_uuid(node: str, index: int) -> str:
    digest = hashlib.sha256(f"{node}/{index}".encode()).digest()
    return f"GPU-{uuid.UUID(bytes=digest[:16])}"


def gpu_count(node: Obj) -> int:
    capacity = (node.get("status") or {}).get("capacity") or {}
    try:
        return int(parse_quantity(capacity.get("nvidia.com/gpu", 0)))
    except ValueError:
        return 0


class GpuTelemetry:
    """Allocates devices to pods and reads every GPU of every node."""

    def __init__(self, store: Store, load: LoadModel) -> None:
        self.store = store
        self.load = load
        self.faults = GpuFaults()
        # Nodes whose kubelet (and so dcgm-exporter) is down report nothing.
        self.unreachable: set[str] = set()
        self._allocated: dict[str, dict[int, str]] = {}  # node -> device index -> pod uid

    def _allocate(self, node: Obj) -> dict[int, Obj]:
        name = node["metadata"]["name"]
        devices = self._allocated.setdefault(name, {})
        pods = {
            p["metadata"]["uid"]: p
            for p in self.store.pods_on_node(name)
            if is_active(p) and gpus(p) > 0
        }
        for index in [i for i, uid in devices.items() if uid not in pods]:
            del devices[index]
        healthy = [i for i in range(gpu_count(node)) if (name, i) not in self.faults.lost]
        for uid, pod in sorted(pods.items(), key=lambda kv: kv[1]["metadata"]["name"]):
            have = sum(1 for v in devices.values() if v == uid)
            for index in healthy:
                if have >= gpus(pod):
                    break
                if index not in devices:
                    devices[index] = uid
                    have += 1
        return {i: pods[uid] for i, uid in devices.items()}

    def pods_on_lost_gpus(self) -> set[str]:
        """Uids of pods whose GPU was lost: their containers fail."""
        out = set()
        for node, index in self.faults.lost:
            uid = self._allocated.get(node, {}).get(index)
            if uid:
                out.add(uid)
        return out

    def readings(self) -> list[GpuReading]:
        out = []
        for _, node in sorted(self.store.items(NODES)):
            count = gpu_count(node)
            name = node["metadata"]["name"]
            if not count or name in self.unreachable:
                continue
            labels = node["metadata"].get("labels") or {}
            model = str(labels.get("nvidia.com/gpu.product", "NVIDIA-GPU")).replace("-", " ")
            try:
                total = float(labels.get("nvidia.com/gpu.memory", 24564))
            except ValueError:
                total = 24564.0
            by_index = self._allocate(node)
            for index in range(count):
                if (name, index) in self.faults.lost:
                    continue  # a GPU off the bus reports nothing
                out.append(self._read(name, index, model, total, by_index.get(index)))
        return out

    def _read(self, node: str, index: int, model: str, total: float, pod: Obj | None) -> GpuReading:
        util, fb_used = 0.0, IDLE_FB_MIB
        pod_name = namespace = container = ""
        if pod is not None:
            stats = self.load.pods.get(pod["metadata"]["uid"])
            service = (
                self.load.services.get(f"{pod['metadata']['namespace']}/{stats.service}")
                if stats
                else None
            )
            load = stats.utilisation if stats else 0.0
            # A loaded model keeps a few percent busy even without traffic.
            util = min(100.0, 3.0 + 97.0 * min(load, 1.0)) if stats else 2.0
            weights = service.model_memory_mib if service else 0.6 * total
            kv_cache = (total - weights - IDLE_FB_MIB) * 0.7 * min(load, 1.0)
            fb_used = min(total, IDLE_FB_MIB + weights + max(kv_cache, 0.0))
            pod_name, namespace = pod["metadata"]["name"], pod["metadata"]["namespace"]
            container = ((pod.get("spec") or {}).get("containers") or [{}])[0].get("name", "")
        # A small fixed offset per device, so identical GPUs do not draw identical lines.
        jitter = (int(hashlib.sha256(f"{node}{index}".encode()).hexdigest()[:4], 16) % 100) / 100
        return GpuReading(
            node=node,
            index=index,
            uuid=gpu_uuid(node, index),
            model=model,
            util=round(util, 1),
            fb_used=round(fb_used),
            fb_free=round(total - fb_used),
            temp=round(32 + 0.48 * util + 2 * jitter, 1),
            power=round(22 + 4.1 * util + 5 * jitter, 1),
            xid=self.faults.xid.get((node, index), 0),
            pod=pod_name,
            namespace=namespace,
            container=container,
        )
