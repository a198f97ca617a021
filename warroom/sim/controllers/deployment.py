"""The Deployment controller: ReplicaSets per template, rolling updates, revisions, status.

Follows kubernetes/pkg/controller/deployment (sync.go, rolling.go, progress.go) so that
`kubectl rollout status/undo/pause/resume` read the same annotations and conditions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import orjson

from warroom.sim.clock import parse_rfc3339
from warroom.sim.controllers.context import (
    DEPLOYMENTS,
    PODS,
    REPLICASETS,
    Context,
    key_of,
    split_key,
)
from warroom.sim.pods import controller_ref, owner_reference
from warroom.sim.quantity import scaled_value
from warroom.sim.store import Change, Obj, clone

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
HASH_LABEL = "pod-template-hash"
COMPONENT = "deployment-controller"
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: Any, collision_count: int = 0) -> str:
    """A stable pod-template-hash, encoded like rand.SafeEncodeString of an FNV-32a sum."""
    data = orjson.dumps(_comparable(template), option=orjson.OPT_SORT_KEYS)
    value = 0x811C9DC5
    for byte in data + str(collision_count).encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_ALPHANUMS[ord(c) % len(_ALPHANUMS)] for c in str(value))


def _comparable(template: Any) -> Any:
    """A template without what EqualIgnoreHash ignores (the hash label, a null timestamp)."""
    t = clone(template or {})
    meta = t.setdefault("metadata", {})
    (meta.get("labels") or {}).pop(HASH_LABEL, None)
    if meta.get("creationTimestamp") is None:
        meta.pop("creationTimestamp", None)
    if not meta.get("labels"):
        meta.pop("labels", None)
    return t


def revision(obj: Obj) -> int:
    try:
        return int((obj["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def _replicas(obj: Obj) -> int:
    return int((obj.get("spec") or {}).get("replicas", 0))


def _created(obj: Obj) -> tuple[str, str]:
    """ReplicaSetsByCreationTimestamp: by creation time, then by name."""
    return (obj["metadata"].get("creationTimestamp", ""), obj["metadata"]["name"])


def _status(obj: Obj, field: str) -> int:
    return int((obj.get("status") or {}).get(field, 0) or 0)


def fenceposts(d: Obj) -> tuple[int, int]:
    """resolveFenceposts: maxSurge rounds up, maxUnavailable down; both 0 means 1 unavailable."""
    spec = d["spec"]
    strategy = spec.get("strategy") or {}
    if strategy.get("type") != "RollingUpdate":
        return 0, 0
    rolling = strategy.get("rollingUpdate") or {}
    replicas = _replicas(d)
    surge = scaled_value(rolling.get("maxSurge", "25%"), replicas, round_up=True)
    unavailable = scaled_value(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _set_condition(
    holder: Obj,
    kind: str,
    state: str,
    reason: str,
    message: str,
    now: str,
    *,
    refresh: bool = False,
) -> None:
    """SetDeploymentCondition: a new status or reason replaces the condition, stamping
    lastUpdateTime; lastTransitionTime moves only with the status. `refresh` rewrites it even
    when both are unchanged (how syncRolloutStatus records progress)."""
    conditions = holder["status"].setdefault("conditions", [])
    current = next((c for c in conditions if c.get("type") == kind), None)
    transition = now
    if current is not None and current.get("status") == state:
        if current.get("reason") == reason and not refresh:
            return
        transition = current.get("lastTransitionTime", now)
    conditions[:] = [c for c in conditions if c.get("type") != kind]
    conditions.append(
        {
            "type": kind,
            "status": state,
            "lastUpdateTime": now,
            "lastTransitionTime": transition,
            "reason": reason,
            "message": message,
        }
    )


class DeploymentController:
    name = "deployment"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key == DEPLOYMENTS:
            meta = change.obj["metadata"]
            return [key_of(meta["namespace"], meta["name"])]
        if change.type_key == REPLICASETS:
            ref = controller_ref(change.obj) or (controller_ref(change.old) if change.old else None)
            if ref and ref.get("kind") == "Deployment":
                return [key_of(change.obj["metadata"]["namespace"], ref["name"])]
        if change.type_key == PODS and change.type == "DELETED":
            # deletePod: a Recreate rollout waits for the last old pod to be gone.
            ref = controller_ref(change.obj)
            rs = self.ctx.store.by_uid(ref.get("uid", "")) if ref else None
            owner = controller_ref(rs) if rs is not None else None
            if owner and owner.get("kind") == "Deployment":
                return [key_of(change.obj["metadata"]["namespace"], owner["name"])]
        return []

    # ---- sync ----------------------------------------------------------------------------

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        d = self.ctx.store.get(DEPLOYMENTS, ns, name)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return None
        all_rs = [
            rs
            for rs in self.ctx.store.owned_by(d["metadata"]["uid"], REPLICASETS)
            if (controller_ref(rs) or {}).get("uid") == d["metadata"]["uid"]
        ]
        new_rs, old_rs = self._split(d, all_rs)
        paused = bool(d["spec"].get("paused"))
        if paused or self._scaling_event(d, new_rs, old_rs):
            # sync(): a paused deployment, or a new replica count, scales the ReplicaSets that
            # exist (proportionally mid-rollout) without rolling anything forward.
            if new_rs is not None:
                new_rs = self._sync_revision(d, new_rs, old_rs)
            self._scale_proportionally(d, new_rs, old_rs)
            fresh_new = self._fresh([new_rs])[0] if new_rs is not None else None
            return self._sync_status(
                d, fresh_new, self._fresh(old_rs), paused=paused, progress=paused
            )
        created = False
        recreate = (d["spec"].get("strategy") or {}).get("type") == "Recreate"
        if (
            new_rs is None
            and recreate
            and (self._scale_down_old(d, old_rs) or self._old_pods_running(old_rs))
        ):
            # rolloutRecreate creates the new ReplicaSet only once every old pod is gone, so
            # the two versions never run side by side.
            return self._sync_status(d, None, self._fresh(old_rs))
        if new_rs is None:
            new_rs = self._create_new_rs(d, old_rs)
            created = True
        else:
            new_rs = self._sync_revision(d, new_rs, old_rs)
        all_rs = [new_rs, *old_rs]
        if recreate:
            self._recreate(d, new_rs, old_rs)
        elif not self._reconcile_new(d, new_rs, all_rs):
            self._reconcile_old(d, new_rs, old_rs)
        new_rs = self.ctx.store.get(REPLICASETS, ns, new_rs["metadata"]["name"]) or new_rs
        old_rs = self._fresh(old_rs)
        if self._complete(d, new_rs, old_rs):
            self._cleanup(d, old_rs)
        return self._sync_status(d, new_rs, old_rs, created=created)

    def _split(self, d: Obj, all_rs: list[Obj]) -> tuple[Obj | None, list[Obj]]:
        want = _comparable(d["spec"].get("template"))
        matching = [rs for rs in all_rs if _comparable(rs["spec"].get("template")) == want]
        matching.sort(
            key=lambda rs: (rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"])
        )
        new_rs = matching[0] if matching else None
        old = [rs for rs in all_rs if rs is not new_rs]
        return new_rs, old

    def _create_new_rs(self, d: Obj, old_rs: list[Obj]) -> Obj:
        meta = d["metadata"]
        collisions = int((d.get("status") or {}).get("collisionCount", 0))
        template = clone(d["spec"]["template"])
        pod_hash = template_hash(template, collisions)
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
        selector = clone(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
        next_revision = max((revision(rs) for rs in old_rs), default=0) + 1
        surge, _ = fenceposts(d)
        annotations = {
            k: v
            for k, v in (meta.get("annotations") or {}).items()
            if k not in (REVISION, "kubectl.kubernetes.io/last-applied-configuration")
        }
        annotations.update(
            {
                REVISION: str(next_revision),
                DESIRED: str(_replicas(d)),
                MAX_REPLICAS: str(_replicas(d) + surge),
            }
        )
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{meta['name']}-{pod_hash}",
                "namespace": meta["namespace"],
                "labels": dict(template["metadata"]["labels"]),
                "annotations": annotations,
                "ownerReferences": [owner_reference(d)],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": int(d["spec"].get("minReadySeconds", 0)),
                "selector": selector,
                "template": template,
            },
        }
        rs["spec"]["replicas"] = self._new_rs_replicas(d, rs, old_rs)
        rt = self.ctx.catalogue.get("apps", "v1", "replicasets")
        assert rt is not None
        created = self.ctx.registry.create(rt, meta["namespace"], rs, dry_run=False)
        if created["spec"]["replicas"] > 0:
            self.ctx.recorder.normal(
                d,
                "ScalingReplicaSet",
                f"Scaled up replica set {created['metadata']['name']} from 0 to "
                f"{created['spec']['replicas']}",
                COMPONENT,
            )
        self._set_revision(d, next_revision)
        return created

    def _sync_revision(self, d: Obj, new_rs: Obj, old_rs: list[Obj]) -> Obj:
        max_old = max((revision(rs) for rs in old_rs), default=0)
        current = revision(new_rs)
        wanted = max_old + 1 if current <= max_old else current
        rs_min_ready = int(new_rs["spec"].get("minReadySeconds", 0))
        if wanted != current or rs_min_ready != int(d["spec"].get("minReadySeconds", 0)):
            updated = clone(new_rs)
            annotations = updated["metadata"].setdefault("annotations", {})
            if wanted != current:
                history = [h for h in annotations.get(REVISION_HISTORY, "").split(",") if h]
                if current:
                    history.append(str(current))
                    annotations[REVISION_HISTORY] = ",".join(history)
                annotations[REVISION] = str(wanted)
            updated["spec"]["minReadySeconds"] = int(d["spec"].get("minReadySeconds", 0))
            new_rs = self.ctx.store.update(REPLICASETS, updated)
        self._set_revision(d, wanted)
        return new_rs

    def _set_revision(self, d: Obj, rev: int) -> None:
        current = self.ctx.store.get(DEPLOYMENTS, d["metadata"]["namespace"], d["metadata"]["name"])
        if current is None or revision(current) == rev:
            return
        updated = clone(current)
        updated["metadata"].setdefault("annotations", {})[REVISION] = str(rev)
        self.ctx.store.update(DEPLOYMENTS, updated)

    def _new_rs_replicas(self, d: Obj, new_rs: Obj, old_rs: list[Obj]) -> int:
        replicas = _replicas(d)
        if (d["spec"].get("strategy") or {}).get("type") == "Recreate":
            return replicas
        surge, _ = fenceposts(d)
        current = _replicas(new_rs) + sum(_replicas(rs) for rs in old_rs)
        max_total = replicas + surge
        if current >= max_total:
            return _replicas(new_rs)
        scale_up = min(max_total - current, replicas - _replicas(new_rs))
        return _replicas(new_rs) + max(scale_up, 0)

    def _scale(self, d: Obj, rs: Obj, replicas: int) -> None:
        current = self.ctx.store.get(
            REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"]
        )
        if current is None:
            return
        surge, _ = fenceposts(d)
        annotations = current["metadata"].get("annotations") or {}
        want_desired, want_max = str(_replicas(d)), str(_replicas(d) + surge)
        before = _replicas(current)
        if (
            before == replicas
            and annotations.get(DESIRED) == want_desired
            and annotations.get(MAX_REPLICAS) == want_max
        ):
            return
        updated = clone(current)
        updated["spec"]["replicas"] = replicas
        ann = updated["metadata"].setdefault("annotations", {})
        ann[DESIRED], ann[MAX_REPLICAS] = want_desired, want_max
        self.ctx.store.update(REPLICASETS, updated)
        if before != replicas:
            direction = "up" if replicas > before else "down"
            self.ctx.recorder.normal(
                d,
                "ScalingReplicaSet",
                f"Scaled {direction} replica set {rs['metadata']['name']} from {before} to "
                f"{replicas}",
                COMPONENT,
            )

    def _scaling_event(self, d: Obj, new_rs: Obj | None, old_rs: list[Obj]) -> bool:
        """isScalingEvent: an active ReplicaSet was sized for another replica count."""
        for rs in [*old_rs, *([new_rs] if new_rs is not None else [])]:
            if _replicas(rs) == 0:
                continue
            try:
                desired = int((rs["metadata"].get("annotations") or {})[DESIRED])
            except (KeyError, ValueError):
                continue
            if desired != _replicas(d):
                return True
        return False

    def _scale_proportionally(self, d: Obj, new_rs: Obj | None, old_rs: list[Obj]) -> None:
        """scale(): one active ReplicaSet takes the whole count; several share what is added or
        removed in proportion to their size, so a rollout keeps its old/new mix."""
        replicas = _replicas(d)
        every = [*old_rs, *([new_rs] if new_rs is not None else [])]
        active = [rs for rs in every if _replicas(rs) > 0]
        if len(active) <= 1:
            newest = sorted(old_rs, key=_created)[-1:] if old_rs else []
            target = active[0] if active else new_rs or (newest[0] if newest else None)
            if target is not None:
                self._scale(d, target, replicas)
            return
        if (
            new_rs is not None
            and _replicas(new_rs) == replicas
            and (new_rs["metadata"].get("annotations") or {}).get(DESIRED) == str(replicas)
            and _status(new_rs, "availableReplicas") == replicas
        ):
            # IsSaturated: the new ReplicaSet is complete; the old ones go.
            for rs in active:
                if rs is not new_rs:
                    self._scale(d, rs, 0)
            return
        if (d["spec"].get("strategy") or {}).get("type") != "RollingUpdate":
            return
        surge, _ = fenceposts(d)
        allowed = replicas + surge if replicas > 0 else 0
        to_add = allowed - sum(_replicas(rs) for rs in active)
        # Largest first; on a tie the newest first when growing, the oldest when shrinking.
        active.sort(key=_created, reverse=to_add > 0)
        active.sort(key=_replicas, reverse=True)
        sizes: dict[str, int] = {}
        added = 0
        for rs in active:
            share = self._proportion(d, rs, to_add, added) if to_add else 0
            sizes[rs["metadata"]["name"]] = _replicas(rs) + share
            added += share
        for i, rs in enumerate(active):
            size = sizes[rs["metadata"]["name"]]
            if i == 0 and to_add:
                size = max(0, size + to_add - added)  # the leftover goes to the largest
            self._scale(d, rs, size)

    def _proportion(self, d: Obj, rs: Obj, to_add: int, added: int) -> int:
        """GetProportion: this set's share of `to_add`, from its size before the scale."""
        if _replicas(rs) == 0 or to_add == added:
            return 0
        replicas = _replicas(d)
        if replicas == 0:
            fraction = -_replicas(rs)
        else:
            surge, _ = fenceposts(d)
            try:
                before = int((rs["metadata"].get("annotations") or {}).get(MAX_REPLICAS, "0"))
            except ValueError:
                before = 0
            before = before or _status(d, "replicas")
            if before == 0:
                return 0
            # math.Round: halves away from zero.
            scaled = _replicas(rs) * (replicas + surge) / before
            fraction = math.floor(scaled + 0.5) - _replicas(rs)
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    def _reconcile_new(self, d: Obj, new_rs: Obj, all_rs: list[Obj]) -> bool:
        replicas = _replicas(d)
        if _replicas(new_rs) == replicas:
            return False
        if _replicas(new_rs) > replicas:
            self._scale(d, new_rs, replicas)
            return True
        wanted = self._new_rs_replicas(d, new_rs, all_rs[1:])
        if wanted == _replicas(new_rs):
            return False
        self._scale(d, new_rs, wanted)
        return True

    def _reconcile_old(self, d: Obj, new_rs: Obj, old_rs: list[Obj]) -> bool:
        old_count = sum(_replicas(rs) for rs in old_rs)
        if old_count == 0:
            return False
        _, max_unavailable = fenceposts(d)
        all_count = old_count + _replicas(new_rs)
        min_available = _replicas(d) - max_unavailable
        new_unavailable = _replicas(new_rs) - _status(new_rs, "availableReplicas")
        max_scaled_down = all_count - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        scaled = 0
        # First drop old pods that are not available anyway (cleanupUnhealthyReplicas).
        for rs in sorted(old_rs, key=lambda r: r["metadata"].get("creationTimestamp", "")):
            if scaled >= max_scaled_down:
                break
            unhealthy = _replicas(rs) - _status(rs, "availableReplicas")
            if _replicas(rs) == 0 or unhealthy <= 0:
                continue
            down = min(max_scaled_down - scaled, unhealthy)
            self._scale(d, rs, _replicas(rs) - down)
            scaled += down
        old_rs = [
            self.ctx.store.get(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])
            or rs
            for rs in old_rs
        ]
        available = sum(_status(rs, "availableReplicas") for rs in [new_rs, *old_rs])
        if available > min_available:
            budget = min(available - min_available, max_scaled_down - scaled)
            for rs in sorted(old_rs, key=lambda r: r["metadata"].get("creationTimestamp", "")):
                if budget <= 0:
                    break
                if _replicas(rs) == 0:
                    continue
                down = min(_replicas(rs), budget)
                self._scale(d, rs, _replicas(rs) - down)
                budget -= down
                scaled += down
        return scaled > 0

    def _fresh(self, sets: list[Obj]) -> list[Obj]:
        return [
            self.ctx.store.get(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])
            or rs
            for rs in sets
        ]

    def _scale_down_old(self, d: Obj, old_rs: list[Obj]) -> bool:
        scaled = False
        for rs in old_rs:
            if _replicas(rs) > 0:
                self._scale(d, rs, 0)
                scaled = True
        return scaled

    def _old_pods_running(self, old_rs: list[Obj]) -> bool:
        """oldPodsRunning: any old pod not Succeeded/Failed, terminating ones included."""
        return any(
            (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            for rs in old_rs
            for pod in self.ctx.store.owned_by(rs["metadata"]["uid"], PODS)
        )

    def _recreate(self, d: Obj, new_rs: Obj, old_rs: list[Obj]) -> None:
        if self._scale_down_old(d, old_rs) or self._old_pods_running(old_rs):
            return
        self._scale(d, new_rs, _replicas(d))

    def _complete(self, d: Obj, new_rs: Obj, old_rs: list[Obj]) -> bool:
        replicas = _replicas(d)
        total = _status(new_rs, "replicas") + sum(_status(rs, "replicas") for rs in old_rs)
        return (
            _status(new_rs, "replicas") == replicas
            and _status(new_rs, "availableReplicas") == replicas
            and total == replicas
        )

    def _cleanup(self, d: Obj, old_rs: list[Obj]) -> None:
        # cleanupDeployment: the oldest revisions beyond the limit go, unless still scaled up.
        limit = int(d["spec"].get("revisionHistoryLimit", 10))
        alive = sorted(
            (rs for rs in old_rs if not rs["metadata"].get("deletionTimestamp")), key=revision
        )
        for rs in alive[: max(0, len(alive) - limit)]:
            if _replicas(rs) != 0 or _status(rs, "replicas") != 0:
                continue
            meta = rs["metadata"]
            if self.ctx.store.get(REPLICASETS, meta["namespace"], meta["name"]) is not None:
                self.ctx.store.delete(REPLICASETS, meta["namespace"], meta["name"])

    # ---- status --------------------------------------------------------------------------

    def _sync_status(
        self,
        d: Obj,
        new_rs: Obj | None,
        old_rs: list[Obj],
        *,
        paused: bool = False,
        created: bool = False,
        progress: bool = True,
    ) -> float | None:
        current = self.ctx.store.get(DEPLOYMENTS, d["metadata"]["namespace"], d["metadata"]["name"])
        if current is None:
            return None
        all_rs = ([new_rs] if new_rs else []) + old_rs
        replicas = _replicas(current)
        _, max_unavailable = fenceposts(current)
        status: dict[str, Any] = clone(current.get("status") or {})
        old_status = dict(status)
        status["observedGeneration"] = int(current["metadata"].get("generation", 1))
        status["replicas"] = sum(_status(rs, "replicas") for rs in all_rs)
        status["updatedReplicas"] = _status(new_rs, "replicas") if new_rs else 0
        status["readyReplicas"] = sum(_status(rs, "readyReplicas") for rs in all_rs)
        status["availableReplicas"] = sum(_status(rs, "availableReplicas") for rs in all_rs)
        total_spec = sum(_replicas(rs) for rs in all_rs)
        status["unavailableReplicas"] = max(0, total_spec - status["availableReplicas"])
        for field in (
            "readyReplicas",
            "availableReplicas",
            "updatedReplicas",
            "unavailableReplicas",
        ):
            if not status[field]:
                status.pop(field)
        now = self.ctx.clock.timestamp()
        holder: Obj = {"status": status}
        if status.get("availableReplicas", 0) >= replicas - max_unavailable:
            _set_condition(
                holder,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                now,
            )
        else:
            _set_condition(
                holder,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                now,
            )
        # syncDeploymentStatus (a scaling event) leaves the Progressing condition as it is.
        requeue = (
            self._progress(current, holder, old_status, new_rs, now, paused, created)
            if progress
            else None
        )
        for cond in status.get("conditions") or ():
            cond.setdefault("lastUpdateTime", cond.get("lastTransitionTime", now))
        if status != current.get("status"):
            updated = clone(current)
            updated["status"] = status
            self.ctx.store.update(DEPLOYMENTS, updated)
        return requeue

    def _progress(
        self,
        d: Obj,
        holder: Obj,
        old: dict[str, Any],
        new_rs: Obj | None,
        now: str,
        paused: bool,
        created: bool,
    ) -> float | None:
        status = holder["status"]
        prior = next(
            (c for c in status.get("conditions") or () if c.get("type") == "Progressing"), None
        )
        # Messages name the new ReplicaSet, or the deployment while it has none (Recreate).
        subject = (
            f'ReplicaSet "{new_rs["metadata"]["name"]}"'
            if new_rs
            else f'Deployment "{d["metadata"]["name"]}"'
        )

        def progressing(state: str, reason: str, message: str) -> None:
            # ReplicaSetUpdated is rewritten on every progress, to move lastUpdateTime on.
            _set_condition(
                holder,
                "Progressing",
                state,
                reason,
                message,
                now,
                refresh=reason == "ReplicaSetUpdated",
            )

        if paused:
            if prior is None or prior.get("reason") != "DeploymentPaused":
                progressing("Unknown", "DeploymentPaused", "Deployment is paused")
            return None
        if prior is not None and prior.get("reason") == "DeploymentPaused":
            progressing("Unknown", "DeploymentResumed", "Deployment is resumed")
            prior = next(c for c in status["conditions"] if c["type"] == "Progressing")
        replicas = _replicas(d)
        complete = (
            status.get("updatedReplicas", 0) == replicas
            and status.get("replicas", 0) == replicas
            and status.get("availableReplicas", 0) == replicas
            and status["observedGeneration"] >= int(d["metadata"].get("generation", 1))
        )
        if complete:
            if prior is None or prior.get("reason") != "NewReplicaSetAvailable":
                progressing(
                    "True",
                    "NewReplicaSetAvailable",
                    f"{subject} has successfully progressed.",
                )
            return None
        # DeploymentProgressing: more updated, ready or available pods, or fewer old ones.
        old_pods = old.get("replicas", 0) - old.get("updatedReplicas", 0)
        moved = (
            status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
            or status.get("replicas", 0) - status.get("updatedReplicas", 0) < old_pods
            or status.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or status.get("availableReplicas", 0) > old.get("availableReplicas", 0)
        )
        if new_rs is not None and (created or prior is None):
            name = new_rs["metadata"]["name"]
            progressing("True", "NewReplicaSetCreated", f'Created new replica set "{name}"')
        elif moved or prior is None:
            # Progress restarts the deadline.
            progressing("True", "ReplicaSetUpdated", f"{subject} is progressing.")
        deadline = d["spec"].get("progressDeadlineSeconds")
        if deadline is None:
            return None
        cond = next(c for c in status["conditions"] if c["type"] == "Progressing")
        # DeploymentTimedOut: a finished rollout, or one already timed out, has no deadline.
        if cond.get("reason") in ("ProgressDeadlineExceeded", "NewReplicaSetAvailable"):
            return None
        since = parse_rfc3339(cond.get("lastUpdateTime", now))
        remaining = since + int(deadline) - self.ctx.clock.now()
        if remaining <= 0:
            progressing(
                "False",
                "ProgressDeadlineExceeded",
                f"{subject} has timed out progressing.",
            )
            return None
        return remaining + 0.5
