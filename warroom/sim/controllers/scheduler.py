"""The scheduler: binds pending pods to Ready, schedulable nodes with room for their requests.

Filters as the default plugins do (NodeUnschedulable, TaintToleration, NodeAffinity,
NodeResourcesFit on cpu, memory, nvidia.com/gpu and pod count) and prefers the least
allocated node. A pod that fits nowhere stays Pending with a FailedScheduling event whose
message counts the reasons, as the real scheduler words it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from warroom.sim.controllers.context import NODES, PODS, Context, key_of, split_key
from warroom.sim.pods import RESOURCES, condition, is_active, requests, set_condition
from warroom.sim.quantity import parse_quantity
from warroom.sim.store import Change, Obj, clone

COMPONENT = "default-scheduler"


def tolerates(pod: Obj, taint: dict[str, Any]) -> bool:
    for tol in (pod.get("spec") or {}).get("tolerations") or ():
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        if tol.get("operator") == "Exists":
            if not tol.get("key") or tol.get("key") == taint.get("key"):
                return True
        elif tol.get("key") == taint.get("key") and tol.get("value", "") == taint.get("value", ""):
            return True
    return False


def _expression_matches(expr: dict[str, Any], value: str | None) -> bool:
    op, values = expr.get("operator"), expr.get("values") or []
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and values:
        try:
            return int(value) > int(values[0]) if op == "Gt" else int(value) < int(values[0])
        except ValueError:
            return False
    return False


def affinity_matches(pod: Obj, node: Obj) -> bool:
    spec = pod.get("spec") or {}
    labels = node["metadata"].get("labels") or {}
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        return True
    fields = {"metadata.name": node["metadata"]["name"]}
    for term in terms:
        exprs = term.get("matchExpressions") or []
        field_exprs = term.get("matchFields") or []
        if not exprs and not field_exprs:
            continue
        if all(_expression_matches(e, labels.get(e.get("key", ""))) for e in exprs) and all(
            _expression_matches(e, fields.get(e.get("key", ""))) for e in field_exprs
        ):
            return True
    return False


def allocatable(node: Obj) -> dict[str, float]:
    alloc = (node.get("status") or {}).get("allocatable") or {}
    out = {}
    for name in (*RESOURCES, "pods"):
        try:
            out[name] = parse_quantity(alloc.get(name, 0))
        except ValueError:
            out[name] = 0.0
    return out


def node_ready(node: Obj) -> bool:
    cond = condition(node, "Ready")
    return cond is not None and cond.get("status") == "True"


class Scheduler:
    name = "scheduler"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._last_message: dict[str, str] = {}
        # Requests placed on each node, recomputed only after a pod on that node changes.
        self._usage: dict[str, dict[str, float]] = {}

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key == PODS:
            obj = change.obj
            for seen in (obj, change.old):
                node = ((seen or {}).get("spec") or {}).get("nodeName")
                if node:
                    self._usage.pop(node, None)
            spec = obj.get("spec") or {}
            if change.type != "DELETED" and not spec.get("nodeName") and is_active(obj):
                return [key_of(obj["metadata"]["namespace"], obj["metadata"]["name"])]
            if change.type == "DELETED" or (
                change.old is not None and is_active(change.old) and not is_active(obj)
            ):
                return self._pending_keys()  # room was freed
            return []
        if change.type_key == NODES:
            return self._pending_keys()
        return []

    def _pending_keys(self) -> list[str]:
        return list(self._last_message)

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        pod = self.ctx.store.get(PODS, ns, name)
        if pod is None or (pod.get("spec") or {}).get("nodeName") or not is_active(pod):
            self._last_message.pop(key, None)
            return None
        if (pod.get("spec") or {}).get("schedulerName", "default-scheduler") != "default-scheduler":
            return None
        nodes = [n for _, n in sorted(self.ctx.store.items(NODES))]
        want = requests(pod)
        reasons: Counter[str] = Counter()
        best: tuple[float, str] | None = None
        for node in nodes:
            why = self._unfit(pod, node, want)
            if why:
                reasons[why] += 1
                continue
            score = self._free_fraction(node, want)
            if best is None or score > best[0]:
                best = (score, node["metadata"]["name"])
        if best is None:
            return self._unschedulable(pod, key, len(nodes), reasons)
        self._bind(pod, best[1])
        self._last_message.pop(key, None)
        return None

    def _used(self, node_name: str) -> dict[str, float]:
        cached = self._usage.get(node_name)
        if cached is not None:
            return cached
        used = dict.fromkeys((*RESOURCES, "pods"), 0.0)
        for other in self.ctx.store.pods_on_node(node_name):
            phase = (other.get("status") or {}).get("phase")
            if phase in ("Succeeded", "Failed"):
                continue
            for name, value in requests(other).items():
                used[name] += value
            used["pods"] += 1
        self._usage[node_name] = used
        return used

    def _unfit(self, pod: Obj, node: Obj, want: dict[str, float]) -> str:
        if (node.get("spec") or {}).get("unschedulable") and not tolerates(
            pod, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
        ):
            return "node(s) were unschedulable"
        for taint in (node.get("spec") or {}).get("taints") or ():
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(pod, taint):
                key, value = taint.get("key"), taint.get("value", "")
                return f"node(s) had untolerated taint {{{key}: {value}}}"
        if not node_ready(node) and not tolerates(
            pod, {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}
        ):
            return "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"
        if not affinity_matches(pod, node):
            return "node(s) didn't match Pod's node affinity/selector"
        alloc = allocatable(node)
        used = self._used(node["metadata"]["name"])
        if used["pods"] + 1 > alloc["pods"] > 0:
            return "Too many pods"
        for name in RESOURCES:
            if want[name] > 0 and used[name] + want[name] > alloc[name] + 1e-9:
                return f"Insufficient {name}"
        return ""

    def _free_fraction(self, node: Obj, want: dict[str, float]) -> float:
        alloc = allocatable(node)
        used = self._used(node["metadata"]["name"])
        scores = [
            (alloc[name] - used[name] - want[name]) / alloc[name]
            for name in ("cpu", "memory")
            if alloc[name] > 0
        ]
        return sum(scores) / len(scores) if scores else 0.0

    def _bind(self, pod: Obj, node_name: str) -> None:
        bound = clone(pod)
        bound["spec"]["nodeName"] = node_name
        now = self.ctx.clock.timestamp()
        set_condition(bound, "PodScheduled", "True", now, probe_time=True)
        written = self.ctx.store.update(PODS, bound)
        meta = written["metadata"]
        self.ctx.recorder.normal(
            written,
            "Scheduled",
            f"Successfully assigned {meta['namespace']}/{meta['name']} to {node_name}",
            COMPONENT,
        )

    def _unschedulable(self, pod: Obj, key: str, total: int, reasons: Counter[str]) -> float:
        detail = ", ".join(f"{count} {why}" for why, count in sorted(reasons.items()))
        message = (
            f"0/{total} nodes are available: {detail}."
            if detail
            else ("0/0 nodes are available: no nodes available to schedule pods.")
        )
        if total:
            message += (
                f" preemption: 0/{total} nodes are available: {total} Preemption is not "
                "helpful for scheduling."
            )
        updated = clone(pod)
        changed = set_condition(
            updated,
            "PodScheduled",
            "False",
            self.ctx.clock.timestamp(),
            reason="Unschedulable",
            message=message,
            probe_time=True,
        )
        if changed:
            self.ctx.store.update(PODS, updated)
        if self._last_message.get(key) != message:
            self.ctx.recorder.warning(pod, "FailedScheduling", message, COMPONENT)
        self._last_message[key] = message
        return self.ctx.timings.scheduler_retry
