"""What a drain does to a node's GPUs: the `nvidia.com/gpu` it takes out of service, the GPU
pods it evicts, and whether they have anywhere to go: free allocatable GPUs on the other
nodes that are schedulable, Ready, and carry no taint the pods do not tolerate (a toleration
matches a taint as the API's ToleratesTaint says)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warroom.actions.drain_filters import finished, pod_name

Obj = dict[str, Any]
GPU = "nvidia.com/gpu"
BLOCKING = ("NoSchedule", "NoExecute")


def _count(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def allocatable_gpus(node: Obj) -> int:
    return _count(((node.get("status") or {}).get("allocatable") or {}).get(GPU, 0))


def pod_gpus(pod: Obj) -> int:
    """The GPUs a pod holds: its containers' requests (an extended resource's request defaults
    to its limit)."""
    total = 0
    for container in (pod.get("spec") or {}).get("containers") or ():
        resources = container.get("resources") or {}
        asked = (resources.get("requests") or {}).get(GPU)
        if asked is None:
            asked = (resources.get("limits") or {}).get(GPU, 0)
        total += _count(asked)
    return total


def used_gpus(pods: Iterable[Obj]) -> int:
    return sum(pod_gpus(p) for p in pods if not finished(p))


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """k8s.io/api/core/v1 Toleration.ToleratesTaint."""
    if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
        return False
    if toleration.get("key") and toleration.get("key") != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and toleration.get("value", "") == taint.get("value", "")


def fits_taints(pod: Obj, node: Obj) -> bool:
    tolerations = (pod.get("spec") or {}).get("tolerations") or ()
    return all(
        any(tolerates(t, taint) for t in tolerations)
        for taint in (node.get("spec") or {}).get("taints") or ()
        if taint.get("effect") in BLOCKING
    )


def ready(node: Obj) -> bool:
    conditions = (node.get("status") or {}).get("conditions") or ()
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def node_name(node: Obj) -> str:
    return str((node.get("metadata") or {}).get("name", ""))


@dataclass(frozen=True, slots=True)
class GpuPicture:
    """The drained node's GPUs, the GPU pods evicted, and the room elsewhere."""

    node: str
    gpus: int
    evicted: tuple[Obj, ...]
    free: tuple[tuple[str, int], ...]  # (node, free GPUs) of the nodes the pods may go to

    @property
    def needed(self) -> int:
        return sum(pod_gpus(p) for p in self.evicted)

    @property
    def free_total(self) -> int:
        return sum(n for _, n in self.free)

    def lines(self) -> list[str]:
        """The preview's words; none for a node without GPUs and no GPU pod."""
        if not self.gpus and not self.evicted:
            return []
        pods = len(self.evicted)
        used = f": {', '.join(pod_name(p) for p in self.evicted)}" if pods else ""
        lines = [
            f"{self.gpus} GPU{'s' * (self.gpus != 1)} ({GPU}) on {self.node} go out of "
            f"service; {pods} GPU pod{'s' * (pods != 1)} evicted{used}"
        ]
        if not pods:
            return lines
        places = ", ".join(f"{name}: {n}" for name, n in self.free if n)
        where = f" ({places})" if places else ""
        need = self.needed
        said = (
            f"{pods} GPU pod{'s' * (pods != 1)} need{'s' * (pods == 1)} {need} "
            f"GPU{'s' * (need != 1)}, {self.free_total} free on schedulable nodes{where}"
        )
        if self.free_total < need:
            lines.append(f"no room: {said}; the rest stay Pending until GPUs come free")
        else:
            lines.append(f"room: {said}")
        return lines


def gpu_picture(
    node: Obj,
    evicted: Sequence[Obj],
    others: Sequence[tuple[Obj, Sequence[Obj]]],
) -> GpuPicture:
    """`others` are the other nodes with the pods on each. A node counts as room when it is
    schedulable, Ready, and every evicted GPU pod tolerates its taints."""
    gpu_pods = tuple(p for p in evicted if pod_gpus(p) and not finished(p))
    free = []
    for other, pods in others:
        if node_name(other) == node_name(node) or not allocatable_gpus(other):
            continue
        if (other.get("spec") or {}).get("unschedulable") or not ready(other):
            continue
        if not all(fits_taints(p, other) for p in gpu_pods):
            continue
        free.append((node_name(other), max(0, allocatable_gpus(other) - used_gpus(pods))))
    return GpuPicture(node_name(node), allocatable_gpus(node), gpu_pods, tuple(free))
