"""Rolling-update arithmetic of kubernetes/pkg/controller/deployment (rolling.go, sync.go and
util/deployment_util.go): surge and unavailability fenceposts, the new ReplicaSet's size and
proportional shares. Pure functions of the objects, so the controller keeps only the writes."""

from __future__ import annotations

import math

from warroom.sim.quantity import scaled_value
from warroom.sim.store import Obj

DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"


def replicas(obj: Obj) -> int:
    """spec.replicas, 0 when unset."""
    return int((obj.get("spec") or {}).get("replicas", 0))


def status_count(obj: Obj, field: str) -> int:
    """An integer status field, 0 when unset."""
    return int((obj.get("status") or {}).get(field, 0) or 0)


def by_creation(obj: Obj) -> tuple[str, str]:
    """ReplicaSetsByCreationTimestamp: by creation time, then by name."""
    return (obj["metadata"].get("creationTimestamp", ""), obj["metadata"]["name"])


def fenceposts(d: Obj) -> tuple[int, int]:
    """resolveFenceposts: maxSurge rounds up, maxUnavailable down; both 0 means 1 unavailable."""
    spec = d["spec"]
    strategy = spec.get("strategy") or {}
    if strategy.get("type") != "RollingUpdate":
        return 0, 0
    rolling = strategy.get("rollingUpdate") or {}
    count = replicas(d)
    surge = scaled_value(rolling.get("maxSurge", "25%"), count, round_up=True)
    unavailable = scaled_value(rolling.get("maxUnavailable", "25%"), count, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def new_rs_replicas(d: Obj, new_rs: Obj, old_rs: list[Obj]) -> int:
    """NewRSNewReplicas: how far the new ReplicaSet may grow within maxSurge."""
    wanted = replicas(d)
    if (d["spec"].get("strategy") or {}).get("type") == "Recreate":
        return wanted
    surge, _ = fenceposts(d)
    current = replicas(new_rs) + sum(replicas(rs) for rs in old_rs)
    max_total = wanted + surge
    if current >= max_total:
        return replicas(new_rs)
    scale_up = min(max_total - current, wanted - replicas(new_rs))
    return replicas(new_rs) + max(scale_up, 0)


def is_scaling_event(d: Obj, new_rs: Obj | None, old_rs: list[Obj]) -> bool:
    """isScalingEvent: an active ReplicaSet was sized for another replica count."""
    for rs in [*old_rs, *([new_rs] if new_rs is not None else [])]:
        if replicas(rs) == 0:
            continue
        try:
            desired = int((rs["metadata"].get("annotations") or {})[DESIRED])
        except (KeyError, ValueError):
            continue
        if desired != replicas(d):
            return True
    return False


def proportional_sizes(d: Obj, active: list[Obj], to_add: int) -> list[tuple[Obj, int]]:
    """scale()'s new size for each active ReplicaSet when ``to_add`` replicas come or go."""
    # Largest first; on a tie the newest first when growing, the oldest when shrinking.
    ordered = sorted(active, key=by_creation, reverse=to_add > 0)
    ordered.sort(key=replicas, reverse=True)
    sizes: list[tuple[Obj, int]] = []
    added = 0
    for rs in ordered:
        share = _proportion(d, rs, to_add, added) if to_add else 0
        sizes.append((rs, replicas(rs) + share))
        added += share
    if sizes and to_add:
        largest, size = sizes[0]
        sizes[0] = (largest, max(0, size + to_add - added))  # the leftover goes to the largest
    return sizes


def _proportion(d: Obj, rs: Obj, to_add: int, added: int) -> int:
    """GetProportion: this set's share of `to_add`, from its size before the scale."""
    if replicas(rs) == 0 or to_add == added:
        return 0
    wanted = replicas(d)
    if wanted == 0:
        fraction = -replicas(rs)
    else:
        surge, _ = fenceposts(d)
        try:
            before = int((rs["metadata"].get("annotations") or {}).get(MAX_REPLICAS, "0"))
        except ValueError:
            before = 0
        before = before or status_count(d, "replicas")
        if before == 0:
            return 0
        # math.Round: halves away from zero.
        scaled = replicas(rs) * (wanted + surge) / before
        fraction = math.floor(scaled + 0.5) - replicas(rs)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)
