"""The Deployment controller: ReplicaSets per template, rolling and Recreate updates, scaling.

Follows kubernetes/pkg/controller/deployment (sync.go, rolling.go, recreate.go) so that
`kubectl rollout status/undo/pause/resume` see what they see on a real cluster. The sums are in
rolling.py, revisions in revisions.py and status in deployment_status.py; this module writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from warroom.sim.controllers.context import (
    DEPLOYMENTS,
    PODS,
    REPLICASETS,
    Context,
    key_of,
    split_key,
)
from warroom.sim.controllers.deployment_status import rollout_status
from warroom.sim.controllers.revisions import (
    REVISION,
    history_to_prune,
    new_replica_set,
    renumber,
    revision,
    split_by_template,
    wanted_revision,
)
from warroom.sim.controllers.rolling import (
    DESIRED,
    MAX_REPLICAS,
    by_creation,
    fenceposts,
    is_scaling_event,
    new_rs_replicas,
    proportional_sizes,
    replicas,
    status_count,
)
from warroom.sim.pods import controller_ref
from warroom.sim.store import Change, Obj, clone

COMPONENT = "deployment-controller"


class DeploymentController:
    """Reconciles each Deployment's ReplicaSets toward its template and replica count."""

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
        new_rs, old_rs = split_by_template(d, all_rs)
        paused = bool(d["spec"].get("paused"))
        if paused or is_scaling_event(d, new_rs, old_rs):
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

    def _create_new_rs(self, d: Obj, old_rs: list[Obj]) -> Obj:
        meta = d["metadata"]
        rs, next_revision = new_replica_set(d, old_rs)
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
        current = revision(new_rs)
        wanted = wanted_revision(new_rs, old_rs)
        rs_min_ready = int(new_rs["spec"].get("minReadySeconds", 0))
        if wanted != current or rs_min_ready != int(d["spec"].get("minReadySeconds", 0)):
            updated = clone(new_rs)
            annotations = updated["metadata"].setdefault("annotations", {})
            if wanted != current:
                renumber(annotations, current, wanted)
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

    def _scale(self, d: Obj, rs: Obj, size: int) -> None:
        current = self.ctx.store.get(
            REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"]
        )
        if current is None:
            return
        surge, _ = fenceposts(d)
        annotations = current["metadata"].get("annotations") or {}
        want_desired, want_max = str(replicas(d)), str(replicas(d) + surge)
        before = replicas(current)
        if (
            before == size
            and annotations.get(DESIRED) == want_desired
            and annotations.get(MAX_REPLICAS) == want_max
        ):
            return
        updated = clone(current)
        updated["spec"]["replicas"] = size
        ann = updated["metadata"].setdefault("annotations", {})
        ann[DESIRED], ann[MAX_REPLICAS] = want_desired, want_max
        self.ctx.store.update(REPLICASETS, updated)
        if before != size:
            direction = "up" if size > before else "down"
            self.ctx.recorder.normal(
                d,
                "ScalingReplicaSet",
                f"Scaled {direction} replica set {rs['metadata']['name']} from {before} to {size}",
                COMPONENT,
            )

    def _scale_proportionally(self, d: Obj, new_rs: Obj | None, old_rs: list[Obj]) -> None:
        """scale(): one active ReplicaSet takes the whole count; several share what is added or
        removed in proportion to their size, so a rollout keeps its old/new mix."""
        count = replicas(d)
        every = [*old_rs, *([new_rs] if new_rs is not None else [])]
        active = [rs for rs in every if replicas(rs) > 0]
        if len(active) <= 1:
            newest = sorted(old_rs, key=by_creation)[-1:] if old_rs else []
            target = active[0] if active else new_rs or (newest[0] if newest else None)
            if target is not None:
                self._scale(d, target, count)
            return
        if (
            new_rs is not None
            and replicas(new_rs) == count
            and (new_rs["metadata"].get("annotations") or {}).get(DESIRED) == str(count)
            and status_count(new_rs, "availableReplicas") == count
        ):
            # IsSaturated: the new ReplicaSet is complete; the old ones go.
            for rs in active:
                if rs is not new_rs:
                    self._scale(d, rs, 0)
            return
        if (d["spec"].get("strategy") or {}).get("type") != "RollingUpdate":
            return
        surge, _ = fenceposts(d)
        allowed = count + surge if count > 0 else 0
        to_add = allowed - sum(replicas(rs) for rs in active)
        for rs, size in proportional_sizes(d, active, to_add):
            self._scale(d, rs, size)

    def _reconcile_new(self, d: Obj, new_rs: Obj, all_rs: list[Obj]) -> bool:
        count = replicas(d)
        if replicas(new_rs) == count:
            return False
        if replicas(new_rs) > count:
            self._scale(d, new_rs, count)
            return True
        wanted = new_rs_replicas(d, new_rs, all_rs[1:])
        if wanted == replicas(new_rs):
            return False
        self._scale(d, new_rs, wanted)
        return True

    def _reconcile_old(self, d: Obj, new_rs: Obj, old_rs: list[Obj]) -> bool:
        old_count = sum(replicas(rs) for rs in old_rs)
        if old_count == 0:
            return False
        _, max_unavailable = fenceposts(d)
        all_count = old_count + replicas(new_rs)
        min_available = replicas(d) - max_unavailable
        new_unavailable = replicas(new_rs) - status_count(new_rs, "availableReplicas")
        max_scaled_down = all_count - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        scaled = 0
        # First drop old pods that are not available anyway (cleanupUnhealthyReplicas).
        for rs in sorted(old_rs, key=lambda r: r["metadata"].get("creationTimestamp", "")):
            if scaled >= max_scaled_down:
                break
            unhealthy = replicas(rs) - status_count(rs, "availableReplicas")
            if replicas(rs) == 0 or unhealthy <= 0:
                continue
            down = min(max_scaled_down - scaled, unhealthy)
            self._scale(d, rs, replicas(rs) - down)
            scaled += down
        old_rs = [
            self.ctx.store.get(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])
            or rs
            for rs in old_rs
        ]
        available = sum(status_count(rs, "availableReplicas") for rs in [new_rs, *old_rs])
        if available > min_available:
            budget = min(available - min_available, max_scaled_down - scaled)
            for rs in sorted(old_rs, key=lambda r: r["metadata"].get("creationTimestamp", "")):
                if budget <= 0:
                    break
                if replicas(rs) == 0:
                    continue
                down = min(replicas(rs), budget)
                self._scale(d, rs, replicas(rs) - down)
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
            if replicas(rs) > 0:
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
        self._scale(d, new_rs, replicas(d))

    def _complete(self, d: Obj, new_rs: Obj, old_rs: list[Obj]) -> bool:
        count = replicas(d)
        total = status_count(new_rs, "replicas") + sum(
            status_count(rs, "replicas") for rs in old_rs
        )
        return (
            status_count(new_rs, "replicas") == count
            and status_count(new_rs, "availableReplicas") == count
            and total == count
        )

    def _cleanup(self, d: Obj, old_rs: list[Obj]) -> None:
        for rs in history_to_prune(d, old_rs):
            meta = rs["metadata"]
            if self.ctx.store.get(REPLICASETS, meta["namespace"], meta["name"]) is not None:
                self.ctx.store.delete(REPLICASETS, meta["namespace"], meta["name"])

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
        status, requeue = rollout_status(
            current,
            new_rs,
            old_rs,
            self.ctx.clock,
            paused=paused,
            created=created,
            progress=progress,
        )
        if status != current.get("status"):
            updated = clone(current)
            updated["status"] = status
            self.ctx.store.update(DEPLOYMENTS, updated)
        return requeue
