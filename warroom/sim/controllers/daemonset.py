"""The DaemonSet controller: one pod per eligible node, rolling template updates, status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from warroom.sim.controllers.context import DAEMONSETS, NODES, PODS, Context, key_of, split_key
from warroom.sim.controllers.deployment import template_hash
from warroom.sim.controllers.replicaset import pod_from_template
from warroom.sim.controllers.scheduler import affinity_matches, tolerates
from warroom.sim.pods import controller_ref, is_active, is_available, is_ready
from warroom.sim.quantity import scaled_value
from warroom.sim.store import Change, Obj, clone

COMPONENT = "daemonset-controller"
HASH_LABEL = "controller-revision-hash"

# The daemon set controller adds these so its pods ride out node trouble.
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


class DaemonSetController:
    name = "daemonset"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key == DAEMONSETS:
            meta = change.obj["metadata"]
            return [key_of(meta["namespace"], meta["name"])]
        if change.type_key == NODES:
            return [
                key_of(m["metadata"]["namespace"], m["metadata"]["name"])
                for m in self.ctx.store.list(DAEMONSETS)
            ]
        if change.type_key == PODS:
            ref = controller_ref(change.obj)
            if ref and ref.get("kind") == "DaemonSet":
                return [key_of(change.obj["metadata"]["namespace"], ref["name"])]
        return []

    def _eligible(self, ds: Obj, node: Obj) -> bool:
        probe = self._pod(ds, node["metadata"]["name"], "")
        if not affinity_matches(probe, node):
            return False
        return all(
            tolerates(probe, taint)
            for taint in (node.get("spec") or {}).get("taints") or ()
            if taint.get("effect") in ("NoSchedule", "NoExecute")
        )

    def _pod(self, ds: Obj, node: str, revision: str) -> Obj:
        template = clone(ds["spec"].get("template") or {})
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        if revision:
            labels[HASH_LABEL] = revision
        labels["pod-template-generation"] = str(ds["metadata"].get("generation", 1))
        pod = pod_from_template(ds, template, f"{ds['metadata']['name']}-")
        spec = pod["spec"]
        present = {(t.get("key"), t.get("effect")) for t in spec.get("tolerations") or ()}
        spec.setdefault("tolerations", []).extend(
            t for t in DAEMON_TOLERATIONS if (t["key"], t["effect"]) not in present
        )
        spec["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchFields": [
                                {"key": "metadata.name", "operator": "In", "values": [node]}
                            ]
                        }
                    ]
                }
            }
        }
        return pod

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        ds = self.ctx.store.get(DAEMONSETS, ns, name)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return None
        uid = ds["metadata"]["uid"]
        revision = template_hash(ds["spec"].get("template"))
        pods = [
            p
            for p in self.ctx.store.owned_by(uid, PODS)
            if (controller_ref(p) or {}).get("uid") == uid and is_active(p)
        ]
        by_node: dict[str, list[Obj]] = {}
        for pod in pods:
            target = self._target_node(pod)
            by_node.setdefault(target, []).append(pod)
        nodes = [n for _, n in sorted(self.ctx.store.items(NODES))]
        eligible = {n["metadata"]["name"] for n in nodes if self._eligible(ds, n)}
        rt = self.ctx.catalogue.get("", "v1", "pods")
        assert rt is not None
        for node in sorted(eligible):
            if not by_node.get(node):
                self.ctx.registry.create(rt, ns, self._pod(ds, node, revision), dry_run=False)
        for node, node_pods in by_node.items():
            extra = node_pods if node not in eligible else node_pods[1:]
            for pod in extra:
                self.ctx.registry.delete_pod(pod, {})
        self._roll(ds, revision, [p for n, ps in by_node.items() if n in eligible for p in ps[:1]])
        return self._status(ds, uid, revision, eligible)

    @staticmethod
    def _target_node(pod: Obj) -> str:
        if (pod.get("spec") or {}).get("nodeName"):
            return str(pod["spec"]["nodeName"])
        terms = (
            ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}).get(
                "requiredDuringSchedulingIgnoredDuringExecution"
            )
            or {}
        ).get("nodeSelectorTerms")
        for term in terms or ():
            for field in term.get("matchFields") or ():
                if field.get("key") == "metadata.name" and field.get("values"):
                    return str(field["values"][0])
        return ""

    def _roll(self, ds: Obj, revision: str, current: list[Obj]) -> None:
        strategy = ds["spec"].get("updateStrategy") or {}
        if strategy.get("type") != "RollingUpdate":
            return
        old = [
            p for p in current if (p["metadata"].get("labels") or {}).get(HASH_LABEL) != revision
        ]
        if not old:
            return
        budget = (
            scaled_value(
                (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1),
                len(current),
                round_up=True,
            )
            or 1
        )
        unavailable = sum(1 for p in current if not is_ready(p))
        for pod in sorted(old, key=is_ready):
            if unavailable >= budget and is_ready(pod):
                break
            self.ctx.registry.delete_pod(pod, {})
            if is_ready(pod):
                unavailable += 1

    def _status(self, ds: Obj, uid: str, revision: str, eligible: set[str]) -> float | None:
        pods = [
            p
            for p in self.ctx.store.owned_by(uid, PODS)
            if (controller_ref(p) or {}).get("uid") == uid and is_active(p)
        ]
        scheduled = {p["spec"].get("nodeName") for p in pods if p["spec"].get("nodeName")}
        min_ready = int(ds["spec"].get("minReadySeconds", 0))
        now = self.ctx.clock.now()
        status: dict[str, Any] = {
            "currentNumberScheduled": len(scheduled & eligible),
            "numberMisscheduled": len(scheduled - eligible),
            "desiredNumberScheduled": len(eligible),
            "numberReady": sum(1 for p in pods if is_ready(p)),
            "observedGeneration": int(ds["metadata"].get("generation", 1)),
            "updatedNumberScheduled": sum(
                1
                for p in pods
                if (p["metadata"].get("labels") or {}).get(HASH_LABEL) == revision
                and p["spec"].get("nodeName")
            ),
            "numberAvailable": sum(1 for p in pods if is_available(p, min_ready, now)),
        }
        unavailable = status["desiredNumberScheduled"] - status["numberAvailable"]
        if unavailable > 0:
            status["numberUnavailable"] = unavailable
        if not status["numberAvailable"]:
            del status["numberAvailable"]
        if status != ds.get("status"):
            updated = clone(ds)
            updated["status"] = status
            self.ctx.store.update(DAEMONSETS, updated)
        return None
