"""The DaemonSet controller: one pod per eligible node, rolling template updates, status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from warroom.sim.controllers.context import DAEMONSETS, NODES, PODS, Context, key_of, split_key
from warroom.sim.controllers.replicaset import pod_from_template
from warroom.sim.controllers.revisions import template_hash
from warroom.sim.controllers.scheduler import affinity_matches, tolerates
from warroom.sim.pods import controller_ref, is_available, is_ready
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

    def _should_run(self, ds: Obj, node: Obj) -> tuple[bool, bool]:
        """NodeShouldRunDaemonPod: (a pod should be placed here, a pod here may keep running).
        A node tainted NoSchedule gets no new pod but keeps one that tolerates its NoExecute
        taints, as on an unreachable node."""
        probe = self._pod(ds, node["metadata"]["name"], "")
        if not affinity_matches(probe, node):
            return False, False
        taints = (node.get("spec") or {}).get("taints") or ()
        if all(
            tolerates(probe, t) for t in taints if t.get("effect") in ("NoSchedule", "NoExecute")
        ):
            return True, True
        return False, all(tolerates(probe, t) for t in taints if t.get("effect") == "NoExecute")

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
        revision = template_hash(ds["spec"].get("template"))
        nodes = [n for _, n in sorted(self.ctx.store.items(NODES))]
        verdicts = {n["metadata"]["name"]: self._should_run(ds, n) for n in nodes}
        by_node = self._pods_by_node(ds)
        rt = self.ctx.catalogue.get("", "v1", "pods")
        assert rt is not None
        to_delete: list[Obj] = []
        changed = False
        for node, (should_run, keep) in sorted(verdicts.items()):
            # A terminating pod still holds its node: the new one waits until it is gone.
            present = by_node.get(node, [])
            live = [p for p in present if not p["metadata"].get("deletionTimestamp")]
            if should_run and not present:
                created = self.ctx.registry.create(
                    rt, ns, self._pod(ds, node, revision), dry_run=False
                )
                self._event(ds, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")
                changed = True
            elif keep:
                # Without surge, only the oldest pod on a node stays.
                to_delete += sorted(live, key=_age)[1:]
            else:
                to_delete += live
        for node, present in by_node.items():
            if node not in verdicts:
                to_delete += [p for p in present if not p["metadata"].get("deletionTimestamp")]
        for pod in to_delete:
            self._delete(ds, pod)
        if not changed and not to_delete:
            # The update runs once the pods this sync wanted are seen (expectations).
            self._roll(ds, revision, by_node, verdicts)
        return self._status(ds, revision, verdicts)

    def _pods_by_node(self, ds: Obj) -> dict[str, list[Obj]]:
        """getNodesToDaemonPods: the set's pods not yet finished, terminating ones included."""
        uid = ds["metadata"]["uid"]
        by_node: dict[str, list[Obj]] = {}
        for pod in self.ctx.store.owned_by(uid, PODS):
            if (controller_ref(pod) or {}).get("uid") != uid:
                continue
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            by_node.setdefault(self._target_node(pod), []).append(pod)
        return by_node

    def _event(self, ds: Obj, reason: str, message: str) -> None:
        self.ctx.recorder.normal(ds, reason, message, COMPONENT)

    def _delete(self, ds: Obj, pod: Obj) -> None:
        self.ctx.registry.delete_pod(pod, {})
        self._event(ds, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}")

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

    def _roll(
        self,
        ds: Obj,
        revision: str,
        by_node: dict[str, list[Obj]],
        verdicts: dict[str, tuple[bool, bool]],
    ) -> None:
        """rollingUpdate without surge: replace out-of-date pods while no more than
        maxUnavailable nodes lack an available pod (a node with no pod counts as one)."""
        strategy = ds["spec"].get("updateStrategy") or {}
        if strategy.get("type") != "RollingUpdate":
            return
        desired = sum(1 for should_run, _ in verdicts.values() if should_run)
        budget = scaled_value(
            (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1), desired, round_up=True
        )
        if desired and budget == 0:
            budget = 1
        min_ready = int(ds["spec"].get("minReadySeconds", 0))
        now = self.ctx.clock.now()
        nodes = {n for n, (should_run, _) in verdicts.items() if should_run} | set(by_node)
        unavailable = 0
        broken: list[Obj] = []
        candidates: list[Obj] = []
        for node in sorted(nodes):
            live = [p for p in by_node.get(node, []) if not p["metadata"].get("deletionTimestamp")]
            new = [p for p in live if _revision(p) == revision]
            old = [p for p in live if _revision(p) != revision]
            if len(new) > 1 or len(old) > 1 or (bool(new) == bool(old)):
                unavailable += 1  # nothing, or two pods: the manage loop sorts this node out
            elif new:
                if not is_available(new[0], min_ready, now):
                    unavailable += 1
            elif not is_available(old[0], min_ready, now):
                broken.append(old[0])  # not serving anyway: replace it at once
            elif unavailable < budget:
                candidates.append(old[0])
        room = max(0, budget - unavailable)
        for pod in broken + candidates[:room]:
            self._delete(ds, pod)

    def _status(
        self, ds: Obj, revision: str, verdicts: dict[str, tuple[bool, bool]]
    ) -> float | None:
        """updateDaemonSetStatus: counted over nodes, from the oldest pod on each."""
        by_node = self._pods_by_node(ds)
        min_ready = int(ds["spec"].get("minReadySeconds", 0))
        now = self.ctx.clock.now()
        desired = current = misscheduled = ready = available = updated = 0
        for node, (should_run, _) in sorted(verdicts.items()):
            present = sorted(by_node.get(node, []), key=_age)
            if not should_run:
                misscheduled += 1 if present else 0
                continue
            desired += 1
            if not present:
                continue
            current += 1
            pod = present[0]
            if is_ready(pod):
                ready += 1
                available += 1 if is_available(pod, min_ready, now) else 0
            updated += 1 if _revision(pod) == revision else 0
        status: dict[str, Any] = {
            "currentNumberScheduled": current,
            "numberMisscheduled": misscheduled,
            "desiredNumberScheduled": desired,
            "numberReady": ready,
            "observedGeneration": int(ds["metadata"].get("generation", 1)),
            "updatedNumberScheduled": updated,
            "numberAvailable": available,
            "numberUnavailable": desired - available,
        }
        for field in ("updatedNumberScheduled", "numberAvailable", "numberUnavailable"):
            if not status[field]:
                del status[field]
        if status != ds.get("status"):
            updated_ds = clone(ds)
            updated_ds["status"] = status
            self.ctx.store.update(DAEMONSETS, updated_ds)
        if min_ready > 0 and ready != available:
            return float(min_ready)
        return None


def _revision(pod: Obj) -> str:
    return str((pod["metadata"].get("labels") or {}).get(HASH_LABEL, ""))


def _age(pod: Obj) -> tuple[int, str, str]:
    """podByCreationTimestampAndPhase: not-terminating first, then oldest (by name on a tie)."""
    meta = pod["metadata"]
    return (
        1 if meta.get("deletionTimestamp") else 0,
        meta.get("creationTimestamp", ""),
        meta["name"],
    )
