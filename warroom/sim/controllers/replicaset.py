"""The ReplicaSet controller: keeps the number of pods, ranks which to delete, reports status."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from warroom.sim.clock import parse_rfc3339
from warroom.sim.controllers.context import PODS, REPLICASETS, Context, key_of, split_key
from warroom.sim.errors import ApiError
from warroom.sim.pods import (
    condition,
    controller_ref,
    is_active,
    is_available,
    is_ready,
    owner_reference,
)
from warroom.sim.store import Change, Obj, clone

COMPONENT = "replicaset-controller"
BURST = 500  # pods created or deleted per sync, as --concurrent burst limits them
# The work queue's per-item back-off after a failed sync (DefaultControllerRateLimiter's
# ItemExponentialFailureRateLimiter): 5 ms doubling to 1000 s, forgotten after a good sync.
RETRY_BASE = 0.005
RETRY_CAP = 1000.0


def pod_from_template(owner: Obj, template: dict[str, Any], generate_name: str) -> Obj:
    meta = template.get("metadata") or {}
    pod: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": generate_name,
            "namespace": owner["metadata"]["namespace"],
            "labels": dict(meta.get("labels") or {}),
            "ownerReferences": [owner_reference(owner)],
        },
        "spec": clone(template.get("spec") or {}),
    }
    if meta.get("annotations"):
        pod["metadata"]["annotations"] = dict(meta["annotations"])
    return pod


DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


def deletion_rank(pod: Obj, colocated: int = 0, now: float = 0.0) -> tuple[Any, ...]:
    """ActivePodsWithRanks order, first to delete first: unscheduled, pending, not ready, lower
    pod-deletion-cost, more related pods on its node, ready for less time, more restarts,
    newer. Times compare in log2 buckets (LogarithmicScaleDown); within one, newer first."""
    status = pod.get("status") or {}
    phase_order = {"Pending": 0, "Unknown": 1, "Running": 2}
    restarts = max(
        (int(c.get("restartCount", 0)) for c in status.get("containerStatuses") or ()), default=0
    )
    ready = is_ready(pod)
    cond = condition(pod, "Ready")
    ready_for = now - parse_rfc3339(cond["lastTransitionTime"]) if ready and cond else 0.0
    created = pod["metadata"].get("creationTimestamp", "")
    age = now - parse_rfc3339(created) if created else 0.0
    try:
        cost = int((pod["metadata"].get("annotations") or {}).get(DELETION_COST, 0))
    except ValueError:
        cost = 0
    return (
        1 if (pod.get("spec") or {}).get("nodeName") else 0,
        phase_order.get(status.get("phase", "Pending"), 0),
        1 if ready else 0,
        cost,
        -colocated,
        _log_bucket(ready_for),
        -restarts,
        _log_bucket(age),
        _neg(created),
    )


def _neg(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)


def _log_bucket(seconds: float) -> int:
    """logarithmicRankDiff's rank: floor(log2) of a duration in nanoseconds, -1 for none."""
    return int(math.log2(seconds * 1e9)) if seconds > 0 else -1


class ReplicaSetController:
    name = "replicaset"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._failures: dict[str, int] = {}

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key == REPLICASETS:
            meta = change.obj["metadata"]
            return [key_of(meta["namespace"], meta["name"])]
        if change.type_key == PODS:
            keys = []
            for obj in (change.obj, change.old):
                ref = controller_ref(obj) if obj is not None else None
                if ref and ref.get("kind") == "ReplicaSet":
                    keys.append(key_of(obj["metadata"]["namespace"], ref["name"]))  # type: ignore[index]
            return keys
        return []

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        rs = self.ctx.store.get(REPLICASETS, ns, name)
        if rs is None or rs["metadata"].get("deletionTimestamp"):
            return None
        uid = rs["metadata"]["uid"]
        pods = [
            p
            for p in self.ctx.store.owned_by(uid, PODS)
            if (controller_ref(p) or {}).get("uid") == uid
        ]
        active = [p for p in pods if is_active(p)]
        wanted = int(rs["spec"].get("replicas", 0))
        diff = len(active) - wanted
        rt = self.ctx.catalogue.get("", "v1", "pods")
        assert rt is not None
        failure: ApiError | None = None
        if diff < 0:
            for _ in range(min(-diff, BURST)):
                pod = pod_from_template(rs, rs["spec"].get("template") or {}, f"{name}-")
                try:
                    created = self.ctx.registry.create(rt, ns, pod, dry_run=False)
                except ApiError as err:
                    # slowStartBatch stops at the first failure; the pods not made are made
                    # on a later sync, after the queue's back-off.
                    self.ctx.recorder.warning(
                        rs, "FailedCreate", f"Error creating: {err.message}", COMPONENT
                    )
                    failure = err
                    break
                self.ctx.recorder.normal(
                    rs, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}", COMPONENT
                )
        elif diff > 0:
            colocated = self._related_per_node(rs)
            now = self.ctx.clock.now()
            ranked = sorted(
                active,
                key=lambda p: deletion_rank(
                    p, colocated.get((p.get("spec") or {}).get("nodeName", ""), 0), now
                ),
            )
            for pod in ranked[: min(diff, BURST)]:
                self.ctx.registry.delete_pod(pod, {})
                self.ctx.recorder.normal(
                    rs, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", COMPONENT
                )
        again = self._update_status(rs, uid, failure)
        if failure is None:
            self._failures.pop(key, None)
            return again
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        retry = min(RETRY_CAP, RETRY_BASE * 2**failures)
        return retry if again is None else min(again, retry)

    def _related_per_node(self, rs: Obj) -> dict[str, int]:
        """Active pods per node of every ReplicaSet sharing this one's owner (its Deployment's
        other revisions included): scale-down thins out doubled-up nodes first."""
        owner = controller_ref(rs)
        sets = [rs]
        if owner is not None:
            sets = [
                other
                for other in self.ctx.store.owned_by(owner.get("uid", ""), REPLICASETS)
                if (controller_ref(other) or {}).get("uid") == owner.get("uid")
            ]
        per_node: dict[str, int] = {}
        for other in sets:
            for pod in self.ctx.store.owned_by(other["metadata"]["uid"], PODS):
                if is_active(pod):
                    node = (pod.get("spec") or {}).get("nodeName", "")
                    per_node[node] = per_node.get(node, 0) + 1
        return per_node

    def _update_status(self, rs: Obj, uid: str, failure: ApiError | None) -> float | None:
        pods = [
            p
            for p in self.ctx.store.owned_by(uid, PODS)
            if (controller_ref(p) or {}).get("uid") == uid and is_active(p)
        ]
        min_ready = int(rs["spec"].get("minReadySeconds", 0))
        now = self.ctx.clock.now()
        template_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get(
            "labels"
        ) or {}
        ready = [p for p in pods if is_ready(p)]
        available = [p for p in ready if is_available(p, min_ready, now)]
        status: dict[str, Any] = {
            "replicas": len(pods),
            "fullyLabeledReplicas": sum(
                1
                for p in pods
                if all(
                    (p["metadata"].get("labels") or {}).get(k) == v
                    for k, v in template_labels.items()
                )
            ),
            "readyReplicas": len(ready),
            "availableReplicas": len(available),
            "observedGeneration": int(rs["metadata"].get("generation", 1)),
        }
        for field in ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
            if not status[field]:
                status.pop(field)
        conditions = _replica_failure(rs, failure, len(pods), self.ctx.clock.timestamp())
        if conditions:
            status["conditions"] = conditions
        if status != rs.get("status"):
            updated = clone(rs)
            updated["status"] = status
            self.ctx.store.update(REPLICASETS, updated)
        if min_ready > 0 and len(available) < len(ready):
            return float(min_ready)
        return None


def _replica_failure(
    rs: Obj, failure: ApiError | None, pods: int, stamp: str
) -> list[dict[str, Any]]:
    """calculateStatus's ReplicaFailure condition: set (once) when creating or deleting pods
    failed, removed after a sync that did not fail; other conditions are kept."""
    conditions = [dict(c) for c in (rs.get("status") or {}).get("conditions") or ()]
    present = any(c.get("type") == "ReplicaFailure" for c in conditions)
    if failure is None:
        return [c for c in conditions if c.get("type") != "ReplicaFailure"]
    if not present:
        wanted = int(rs["spec"].get("replicas", 0))
        reason = "FailedCreate" if pods < wanted else "FailedDelete" if pods > wanted else ""
        cond = {"type": "ReplicaFailure", "status": "True", "lastTransitionTime": stamp}
        if reason:
            cond["reason"] = reason
        cond["message"] = failure.message
        conditions.append(cond)
    return conditions
