"""The disruption controller: keeps each PodDisruptionBudget's status (healthy, allowed) current."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from warroom.sim.clock import parse_rfc3339
from warroom.sim.controllers.context import PDBS, PODS, Context, key_of, split_key
from warroom.sim.pods import controller_ref, is_ready, is_terminating, set_condition
from warroom.sim.quantity import scaled_value
from warroom.sim.selectors import SelectorError, label_selector_from_spec
from warroom.sim.store import Change, Obj, clone

# An eviction not seen through within this long no longer counts against the budget.
DELETION_TIMEOUT = 120.0


class DisruptionController:
    name = "disruption"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key == PDBS and change.type != "DELETED":
            meta = change.obj["metadata"]
            old_spec = (change.old or {}).get("spec")
            if change.old is None or old_spec != change.obj.get("spec"):
                return [key_of(meta["namespace"], meta["name"])]
            return []
        if change.type_key == PODS:
            ns = change.obj["metadata"].get("namespace", "")
            labels = [(o["metadata"].get("labels") or {}) for o in (change.obj, change.old) if o]
            keys = []
            for pdb in self.ctx.store.list(PDBS, ns):
                try:
                    selector = label_selector_from_spec((pdb.get("spec") or {}).get("selector"))
                except SelectorError:
                    continue
                if any(selector.matches(lbl) for lbl in labels):
                    keys.append(key_of(ns, pdb["metadata"]["name"]))
            return keys
        return []

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        pdb = self.ctx.store.get(PDBS, ns, name)
        if pdb is None:
            return None
        spec = pdb.get("spec") or {}
        try:
            selector = label_selector_from_spec(spec.get("selector"))
        except SelectorError:
            return None
        pods = [
            p
            for p in self.ctx.store.list(PODS, ns)
            if not selector.empty and selector.matches(p["metadata"].get("labels") or {})
        ]
        expected, desired = self._expected_and_desired(spec, pods)
        now = self.ctx.clock.now()
        status: dict[str, Any] = clone(pdb.get("status") or {})
        disrupted = {}
        names = {p["metadata"]["name"]: p for p in pods}
        next_expiry: float | None = None
        for pod_name, when in (status.get("disruptedPods") or {}).items():
            pod = names.get(pod_name)
            if pod is None or is_terminating(pod):
                continue
            expires = parse_rfc3339(when) + DELETION_TIMEOUT
            if expires <= now:
                self.ctx.recorder.warning(
                    pod,
                    "NotDeleted",
                    f"Pod was expected by PDB {ns}/{name} to be deleted but it wasn't",
                    "controllermanager",
                )
                continue
            disrupted[pod_name] = when
            next_expiry = expires if next_expiry is None else min(next_expiry, expires)
        # countHealthyPods: a pod an eviction was granted for no longer counts as healthy.
        healthy = sum(
            1
            for p in pods
            if is_ready(p) and not is_terminating(p) and p["metadata"]["name"] not in disrupted
        )
        # With no pods expected yet, nothing may be disrupted (updatePdbStatus).
        allowed = max(0, healthy - desired) if expected > 0 else 0
        status.update(
            {
                "observedGeneration": int(pdb["metadata"].get("generation", 1)),
                "currentHealthy": healthy,
                "desiredHealthy": desired,
                "expectedPods": expected,
                "disruptionsAllowed": allowed,
            }
        )
        if disrupted:
            status["disruptedPods"] = disrupted
        else:
            status.pop("disruptedPods", None)
        holder = {"status": status}
        stamp = self.ctx.clock.timestamp()
        if allowed > 0:
            set_condition(holder, "DisruptionAllowed", "True", stamp, reason="SufficientPods")
        else:
            set_condition(holder, "DisruptionAllowed", "False", stamp, reason="InsufficientPods")
        for cond in status["conditions"]:
            cond["observedGeneration"] = status["observedGeneration"]
            cond.setdefault("message", "")
        if status != pdb.get("status"):
            updated = clone(pdb)
            updated["status"] = status
            self.ctx.store.update(PDBS, updated)
        return None if next_expiry is None else next_expiry - now + 0.001

    def _expected_and_desired(self, spec: dict[str, Any], pods: list[Obj]) -> tuple[int, int]:
        """getExpectedPodCount: an integer minAvailable counts pods; anything else the scale."""
        min_available = spec.get("minAvailable")
        if isinstance(min_available, int) and not isinstance(min_available, bool):
            return len(pods), min_available
        expected = self._expected_scale(pods)
        if min_available is not None:
            return expected, scaled_value(min_available, expected, round_up=True)
        max_unavailable = spec.get("maxUnavailable", 0)
        unavailable = scaled_value(max_unavailable, expected, round_up=True)
        return expected, max(0, expected - unavailable)

    def _expected_scale(self, pods: list[Obj]) -> int:
        """Sum of the desired replicas of the controllers owning the pods (each counted once)."""
        seen: dict[str, int] = {}
        for pod in pods:
            ref = controller_ref(pod)
            if ref is None:
                continue
            owner = self.ctx.store.by_uid(ref.get("uid", ""))
            if owner is None:
                continue
            top = owner
            top_ref = controller_ref(owner)
            if (
                owner.get("kind") == "ReplicaSet"
                and top_ref
                and top_ref.get("kind") == "Deployment"
            ):
                top = self.ctx.store.by_uid(top_ref.get("uid", "")) or owner
            uid = top["metadata"]["uid"]
            if uid in seen:
                continue
            if top.get("kind") == "DaemonSet":
                seen[uid] = int((top.get("status") or {}).get("desiredNumberScheduled", 0))
            else:
                seen[uid] = int((top.get("spec") or {}).get("replicas", 0))
        return sum(seen.values())
