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


def _changes_usage(change: Change) -> bool:
    """Whether a pod change moves requests on or off a node (status churn does not)."""
    old = change.old
    if change.type == "DELETED" or old is None:
        return True
    finished = ("Succeeded", "Failed")
    return (old.get("spec") or {}).get("nodeName") != (change.obj.get("spec") or {}).get(
        "nodeName"
    ) or (
        ((old.get("status") or {}).get("phase") in finished)
        != ((change.obj.get("status") or {}).get("phase") in finished)
    )


def feasible_nodes_to_find(total: int) -> int:
    """numFeasibleNodesToFind with the default adaptive percentage of nodes to score."""
    if total < 100:
        return total
    percentage = max(5, 50 - total // 125)
    return max(100, total * percentage // 100)


# The requests LeastAllocated scoring counts (cpu, memory), under their own keys in usage.
NONZERO = {"cpu": "nonzero:cpu", "memory": "nonzero:memory"}
DEFAULT_CPU_REQUEST = 0.1  # schedutil.DefaultMilliCPURequest
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024.0  # schedutil.DefaultMemoryRequest


def nonzero_requests(pod: Obj) -> dict[str, float]:
    """GetNonzeroRequests: a container without a cpu or memory request counts 100m / 200Mi."""
    total = dict.fromkeys(NONZERO, 0.0)
    for c in (pod.get("spec") or {}).get("containers") or ():
        resources = c.get("resources") or {}
        asked = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
        for name, default in (("cpu", DEFAULT_CPU_REQUEST), ("memory", DEFAULT_MEMORY_REQUEST)):
            try:
                total[name] += parse_quantity(asked[name]) if name in asked else default
            except ValueError:
                total[name] += default
    return total


def _preemption_verdict(reasons: list[str]) -> str:
    """Preemption tries nodes short of resources (no lower-priority pods here, so none help);
    nodes rejected for taints, affinity or cordons it skips."""
    if reasons[0] == "Too many pods" or reasons[0].startswith("Insufficient "):
        return "No preemption victims found for incoming pod"
    return "Preemption is not helpful for scheduling"


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
        # Parsed allocatable and readiness per node, keyed by the node's resourceVersion.
        self._alloc: dict[str, tuple[str, dict[str, float], bool]] = {}
        self._next_start = 0

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key == PODS:
            obj = change.obj
            if _changes_usage(change):
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
        scored = nonzero_requests(pod)
        reasons: Counter[str] = Counter()
        # What preemption would say of each rejected node (it preempts nothing here).
        preemption: Counter[str] = Counter()
        best: tuple[float, str] | None = None
        # Like kube-scheduler, stop once enough feasible nodes were found, and start the next
        # search where this one stopped, so large clusters cost no more than ~100 nodes a pod.
        wanted, feasible, start = feasible_nodes_to_find(len(nodes)), 0, self._next_start
        for i in range(len(nodes)):
            node = nodes[(start + i) % len(nodes)]
            why = self._unfit(pod, node, want)
            if why:
                reasons.update(why)
                preemption[_preemption_verdict(why)] += 1
                continue
            score = self._free_fraction(node, scored)
            if best is None or score > best[0]:
                best = (score, node["metadata"]["name"])
            feasible += 1
            if feasible >= wanted:
                self._next_start = (start + i + 1) % len(nodes)
                break
        if best is None:
            return self._unschedulable(pod, key, len(nodes), reasons, preemption)
        self._bind(pod, best[1])
        self._last_message.pop(key, None)
        return None

    def _used(self, node_name: str) -> dict[str, float]:
        cached = self._usage.get(node_name)
        if cached is not None:
            return cached
        used = dict.fromkeys((*RESOURCES, "pods", *NONZERO.values()), 0.0)
        for other in self.ctx.store.pods_on_node(node_name):
            phase = (other.get("status") or {}).get("phase")
            if phase in ("Succeeded", "Failed"):
                continue
            for name, value in requests(other).items():
                used[name] += value
            for name, value in nonzero_requests(other).items():
                used[NONZERO[name]] += value
            used["pods"] += 1
        self._usage[node_name] = used
        return used

    def _node_info(self, node: Obj) -> tuple[dict[str, float], bool]:
        name, rv = node["metadata"]["name"], node["metadata"].get("resourceVersion", "")
        cached = self._alloc.get(name)
        if cached is None or cached[0] != rv:
            cached = self._alloc[name] = (rv, allocatable(node), node_ready(node))
        return cached[1], cached[2]

    def _unfit(self, pod: Obj, node: Obj, want: dict[str, float]) -> list[str]:
        """The first failing filter's reasons (NodeResourcesFit lists every short resource)."""
        if (node.get("spec") or {}).get("unschedulable") and not tolerates(
            pod, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
        ):
            return ["node(s) were unschedulable"]
        for taint in (node.get("spec") or {}).get("taints") or ():
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(pod, taint):
                key, value = taint.get("key"), taint.get("value", "")
                return [f"node(s) had untolerated taint {{{key}: {value}}}"]
        alloc, ready = self._node_info(node)
        if not ready and not tolerates(
            pod, {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}
        ):
            return ["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"]
        if not affinity_matches(pod, node):
            return ["node(s) didn't match Pod's node affinity/selector"]
        used = self._used(node["metadata"]["name"])
        short = []
        if used["pods"] + 1 > alloc["pods"] > 0:
            short.append("Too many pods")
        for name in RESOURCES:
            if want[name] > 0 and used[name] + want[name] > alloc[name] + 1e-9:
                short.append(f"Insufficient {name}")
        return short

    def _free_fraction(self, node: Obj, want: dict[str, float]) -> float:
        # LeastAllocated scores with non-zero requests, so pods without requests spread too.
        alloc, _ = self._node_info(node)
        used = self._used(node["metadata"]["name"])
        scores = [
            (alloc[name] - used[NONZERO[name]] - want[name]) / alloc[name]
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

    def _unschedulable(
        self,
        pod: Obj,
        key: str,
        total: int,
        reasons: Counter[str],
        preemption: Counter[str],
    ) -> float:
        # FitError.Error(): the "count reason" strings are sorted as strings.
        detail = ", ".join(sorted(f"{count} {why}" for why, count in reasons.items()))
        message = (
            f"0/{total} nodes are available: {detail}."
            if detail
            else ("0/0 nodes are available: no nodes available to schedule pods.")
        )
        if total:
            verdicts = ", ".join(sorted(f"{n} {why}" for why, n in preemption.items()))
            message += f" preemption: 0/{total} nodes are available: {verdicts}."
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
