"""The resource quota controller: each ResourceQuota's status, hard from its spec and used
counted from the namespace, as pkg/controller/resourcequota and the quota evaluators
(pkg/quota/v1/evaluator/core: pods, services, persistentvolumeclaims, object counts) do.

Admission (refusing a pod past its quota) is not simulated: quotas only report.
"""

from __future__ import annotations

from collections.abc import Iterable

from warroom.sim.controllers.context import PODS, Context, key_of, split_key
from warroom.sim.pods import is_active
from warroom.sim.quantity import format_quantity, parse_quantity
from warroom.sim.store import Change, Obj, TypeKey, clone

QUOTAS = ("", "resourcequotas")
PVCS = ("", "persistentvolumeclaims")
# What `count/<plural>` and the plain object-count names count.
COUNTED: dict[str, TypeKey] = {
    "pods": PODS,
    "services": ("", "services"),
    "secrets": ("", "secrets"),
    "configmaps": ("", "configmaps"),
    "persistentvolumeclaims": PVCS,
    "count/deployments.apps": ("apps", "deployments"),
    "count/replicasets.apps": ("apps", "replicasets"),
}
WATCHED = frozenset({QUOTAS, *COUNTED.values()})
# A pod's compute resources under their quota names; `cpu` and `memory` mean requests.
_POD_RESOURCES = {
    "cpu": ("requests", "cpu"),
    "requests.cpu": ("requests", "cpu"),
    "memory": ("requests", "memory"),
    "requests.memory": ("requests", "memory"),
    "limits.cpu": ("limits", "cpu"),
    "limits.memory": ("limits", "memory"),
    "requests.nvidia.com/gpu": ("requests", "nvidia.com/gpu"),
}


def _pod_usage(pod: Obj, kind: str, resource: str) -> tuple[float, bool]:
    """A pod's summed container requests or limits of one resource, and whether any value was
    written with a binary suffix (the sum then prints in binary units, as Quantity.Add keeps)."""
    total, binary = 0.0, False
    for container in (pod.get("spec") or {}).get("containers") or ():
        value = ((container.get("resources") or {}).get(kind) or {}).get(resource)
        if value is None:
            continue
        try:
            total += parse_quantity(value)
        except ValueError:
            continue
        binary = binary or "i" in str(value)
    return total, binary


class ResourceQuotaController:
    name = "resourcequota"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key not in WATCHED:
            return []
        ns = change.obj["metadata"].get("namespace", "")
        if change.type_key == QUOTAS:
            if change.type == "DELETED":
                return []
            return [key_of(ns, change.obj["metadata"]["name"])]
        return [key_of(ns, q["metadata"]["name"]) for q in self.ctx.store.list(QUOTAS, ns)]

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        quota = self.ctx.store.get(QUOTAS, ns, name)
        if quota is None:
            return None
        hard = dict((quota.get("spec") or {}).get("hard") or {})
        used = {resource: self._used(ns, resource) for resource in hard}
        status = {"hard": hard, "used": used}
        if status != quota.get("status"):
            updated = clone(quota)
            updated["status"] = status
            self.ctx.store.update(QUOTAS, updated)
        return None

    def _used(self, ns: str, resource: str) -> str:
        counted = COUNTED.get(resource)
        if counted == PODS:
            return str(sum(1 for p in self.ctx.store.list(PODS, ns) if is_active(p)))
        if counted is not None:
            return str(len(self.ctx.store.list(counted, ns)))
        if resource == "requests.storage":
            total = 0.0
            for pvc in self.ctx.store.list(PVCS, ns):
                asked = ((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}
                try:
                    total += parse_quantity(asked.get("storage", 0))
                except ValueError:
                    continue
            return format_quantity(total, binary=True)
        where = _POD_RESOURCES.get(resource)
        if where is None:
            return "0"
        total, binary = 0.0, False
        for pod in self.ctx.store.list(PODS, ns):
            if is_active(pod):
                value, written_binary = _pod_usage(pod, *where)
                total += value
                binary = binary or written_binary
        return format_quantity(total, binary=binary)
