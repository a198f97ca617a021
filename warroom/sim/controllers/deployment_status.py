"""A Deployment's status and its Available and Progressing conditions, as syncRolloutStatus and
progress.go compute them, so that `kubectl rollout status` waits and gives up as against a real
cluster. Computed here from the objects; the controller writes the result."""

from __future__ import annotations

from typing import Any

from warroom.sim.clock import SimClock, parse_rfc3339
from warroom.sim.controllers.rolling import fenceposts, replicas, status_count
from warroom.sim.store import Obj, clone


def rollout_status(
    d: Obj,
    new_rs: Obj | None,
    old_rs: list[Obj],
    clock: SimClock,
    *,
    paused: bool,
    created: bool,
    progress: bool,
) -> tuple[dict[str, Any], float | None]:
    """The status ``d`` should have, and when to look again for its progress deadline."""
    all_rs = ([new_rs] if new_rs else []) + old_rs
    wanted = replicas(d)
    _, max_unavailable = fenceposts(d)
    status: dict[str, Any] = clone(d.get("status") or {})
    old_status = dict(status)
    status["observedGeneration"] = int(d["metadata"].get("generation", 1))
    status["replicas"] = sum(status_count(rs, "replicas") for rs in all_rs)
    status["updatedReplicas"] = status_count(new_rs, "replicas") if new_rs else 0
    status["readyReplicas"] = sum(status_count(rs, "readyReplicas") for rs in all_rs)
    status["availableReplicas"] = sum(status_count(rs, "availableReplicas") for rs in all_rs)
    total_spec = sum(replicas(rs) for rs in all_rs)
    status["unavailableReplicas"] = max(0, total_spec - status["availableReplicas"])
    for field in (
        "readyReplicas",
        "availableReplicas",
        "updatedReplicas",
        "unavailableReplicas",
    ):
        if not status[field]:
            status.pop(field)
    now = clock.timestamp()
    holder: Obj = {"status": status}
    if status.get("availableReplicas", 0) >= wanted - max_unavailable:
        set_condition(
            holder,
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            now,
        )
    else:
        set_condition(
            holder,
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            now,
        )
    # syncDeploymentStatus (a scaling event) leaves the Progressing condition as it is.
    requeue = (
        _progress(d, holder, old_status, new_rs, now, clock, paused, created) if progress else None
    )
    for cond in status.get("conditions") or ():
        cond.setdefault("lastUpdateTime", cond.get("lastTransitionTime", now))
    return status, requeue


def set_condition(
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


def _progress(
    d: Obj,
    holder: Obj,
    old: dict[str, Any],
    new_rs: Obj | None,
    now: str,
    clock: SimClock,
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
        set_condition(
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
    wanted = replicas(d)
    complete = (
        status.get("updatedReplicas", 0) == wanted
        and status.get("replicas", 0) == wanted
        and status.get("availableReplicas", 0) == wanted
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
    remaining = since + int(deadline) - clock.now()
    if remaining <= 0:
        progressing(
            "False",
            "ProgressDeadlineExceeded",
            f"{subject} has timed out progressing.",
        )
        return None
    return remaining + 0.5
