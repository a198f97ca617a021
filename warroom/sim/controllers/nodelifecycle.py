"""Node lifecycle: a node whose kubelet stops goes NotReady, is tainted, and its pods are evicted.

After the node-monitor grace period the node's conditions turn Unknown and it gets the
`node.kubernetes.io/unreachable` taints; pods are marked not ready (MarkPodsNotReady, here and
for a pod bound to the node later), and each is deleted when its toleration of the NoExecute
taint runs out (300 s by default), so its ReplicaSet places a replacement elsewhere. When the
kubelet comes back the node is Ready again, and the kubelet reports its pods Ready again.
"""

from __future__ import annotations

from collections.abc import Iterable

from warroom.sim.clock import parse_rfc3339
from warroom.sim.controllers.context import NODES, PODS, Context, key_of, split_key
from warroom.sim.pods import condition, is_terminating, set_condition
from warroom.sim.store import Change, Obj, clone

COMPONENT = "node-controller"
UNREACHABLE = "node.kubernetes.io/unreachable"
CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
# Keys of pods to look at (processPod), beside the node names: a node name has no ":".
POD_KEY = "pod:"


def toleration_seconds(pod: Obj, key: str) -> float | None:
    """How long the pod tolerates a NoExecute taint `key`: 0 (not at all) … None (forever)."""
    for tol in (pod.get("spec") or {}).get("tolerations") or ():
        if tol.get("effect") not in (None, "", "NoExecute"):
            continue
        if (tol.get("operator") == "Exists" and tol.get("key") in (None, "", key)) or tol.get(
            "key"
        ) == key:
            seconds = tol.get("tolerationSeconds")
            return None if seconds is None else float(seconds)
    return 0.0


class NodeLifecycleController:
    name = "nodelifecycle"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._failed_since: dict[str, float] = {}

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key == NODES and change.type != "DELETED":
            return [change.obj["metadata"]["name"]]
        if change.type_key == PODS and change.type != "DELETED":
            # podUpdated: a pod just bound to a node (added with one, or its node changed).
            node = (change.obj.get("spec") or {}).get("nodeName")
            before = ((change.old or {}).get("spec") or {}).get("nodeName")
            if node and node != before:
                meta = change.obj["metadata"]
                return [f"{POD_KEY}{key_of(meta['namespace'], meta['name'])}"]
        return []

    def sync(self, key: str) -> float | None:
        if key.startswith(POD_KEY):
            self._process_pod(key.removeprefix(POD_KEY))
            return None
        node = self.ctx.store.get(NODES, "", key)
        if node is None:
            self._failed_since.pop(key, None)
            return None
        now = self.ctx.clock.now()
        if key not in self.ctx.faults.failed_nodes:
            self._failed_since.pop(key, None)
            cond = condition(node, "Ready")
            if cond is not None and cond.get("status") != "True":
                self._recover(node)
            return None
        since = self._failed_since.setdefault(key, now)
        lost_at = since + self.ctx.timings.node_monitor_grace
        if now < lost_at:
            return lost_at - now
        cond = condition(node, "Ready")
        if cond is None or cond.get("status") != "Unknown":
            node = self._mark_lost(node)
        return self._evict(node, now)

    def _mark_lost(self, node: Obj) -> Obj:
        updated = clone(node)
        stamp = self.ctx.clock.timestamp()
        for kind in CONDITIONS:
            set_condition(
                updated,
                kind,
                "Unknown",
                stamp,
                reason="NodeStatusUnknown",
                message="Kubelet stopped posting node status.",
            )
        taints = [t for t in updated["spec"].get("taints") or () if t.get("key") != UNREACHABLE]
        taints += [
            {"key": UNREACHABLE, "effect": "NoSchedule", "timeAdded": stamp},
            {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": stamp},
        ]
        updated["spec"]["taints"] = taints
        written = self.ctx.store.update(NODES, updated)
        name = node["metadata"]["name"]
        self.ctx.recorder.normal(
            written, "NodeNotReady", f"Node {name} status is now: NodeNotReady", COMPONENT
        )
        self._mark_pods_not_ready(self.ctx.store.pods_on_node(name), name)
        return written

    def _mark_pods_not_ready(self, pods: Iterable[Obj], node_name: str) -> None:
        """MarkPodsNotReady (pkg/controller/util/node): each pod's Ready condition turns
        False through UpdatePodCondition, which moves lastTransitionTime only when the status
        changes and keeps reason, message and lastProbeTime; a pod already not ready is left
        alone. ContainersReady and the container statuses are the kubelet's and stay as they
        are, so kubectl still counts the containers ready (READY 1/1, STATUS Running)."""
        stamp = self.ctx.clock.timestamp()
        for pod in pods:
            if (pod.get("spec") or {}).get("nodeName") != node_name:
                continue
            marked = clone(pod)
            ready = next(
                (
                    c
                    for c in (marked.get("status") or {}).get("conditions") or ()
                    if c.get("type") == "Ready"
                ),
                None,
            )
            if ready is None or ready.get("status") == "False":
                continue
            ready["status"] = "False"
            ready["lastTransitionTime"] = stamp
            written = self.ctx.store.update(PODS, marked)
            self.ctx.recorder.warning(written, "NodeNotReady", "Node is not ready", COMPONENT)

    def _process_pod(self, key: str) -> None:
        """processPod: a pod bound to a node whose Ready condition is not True is marked not
        ready at once, without waiting for the node's next transition."""
        ns, name = split_key(key)
        pod = self.ctx.store.get(PODS, ns, name)
        if pod is None:
            return
        node_name = (pod.get("spec") or {}).get("nodeName") or ""
        node = self.ctx.store.get(NODES, "", node_name)
        ready = condition(node, "Ready") if node is not None else None
        if ready is not None and ready.get("status") != "True":
            self._mark_pods_not_ready([pod], node_name)

    def _evict(self, node: Obj, now: float) -> float | None:
        added = next(
            (
                t.get("timeAdded")
                for t in (node.get("spec") or {}).get("taints") or ()
                if t.get("key") == UNREACHABLE and t.get("effect") == "NoExecute"
            ),
            None,
        )
        tainted_at = parse_rfc3339(added) if added else now
        next_due: float | None = None
        for pod in self.ctx.store.pods_on_node(node["metadata"]["name"]):
            if is_terminating(pod):
                continue
            seconds = toleration_seconds(pod, UNREACHABLE)
            if seconds is None:
                continue
            due = tainted_at + seconds
            if due > now:
                next_due = due if next_due is None else min(next_due, due)
                continue
            meta = pod["metadata"]
            self.ctx.recorder.normal(
                pod,
                "TaintManagerEviction",
                f"Marking for deletion Pod {meta['namespace']}/{meta['name']}",
                "taint-eviction-controller",
            )
            self.ctx.registry.delete_pod(pod, {})
        return None if next_due is None else next_due - now

    def _recover(self, node: Obj) -> None:
        updated = clone(node)
        stamp = self.ctx.clock.timestamp()
        set_condition(
            updated,
            "Ready",
            "True",
            stamp,
            reason="KubeletReady",
            message="kubelet is posting ready status",
        )
        for kind, reason, message in (
            (
                "MemoryPressure",
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
            ),
            ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ):
            set_condition(updated, kind, "False", stamp, reason=reason, message=message)
        updated["spec"]["taints"] = [
            t for t in updated["spec"].get("taints") or () if t.get("key") != UNREACHABLE
        ]
        if not updated["spec"]["taints"]:
            del updated["spec"]["taints"]
        written = self.ctx.store.update(NODES, updated)
        name = node["metadata"]["name"]
        self.ctx.recorder.normal(
            written, "NodeReady", f"Node {name} status is now: NodeReady", "kubelet", host=name
        )
