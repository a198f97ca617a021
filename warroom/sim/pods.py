"""Reading and writing pod state the way the controllers and kubelet agree on it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warroom.sim.clock import parse_rfc3339
from warroom.sim.quantity import parse_quantity
from warroom.sim.store import Obj

RESOURCES = ("cpu", "memory", "nvidia.com/gpu")


def condition(obj: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or ():
        if cond.get("type") == kind:
            return dict(cond)
    return None


def set_condition(
    obj: Obj,
    kind: str,
    status: str,
    now: str,
    *,
    reason: str = "",
    message: str = "",
    probe_time: bool = False,
) -> bool:
    """Set a status condition; lastTransitionTime moves only when `status` changes."""
    conditions = obj.setdefault("status", {}).setdefault("conditions", [])
    for cond in conditions:
        if cond.get("type") == kind:
            changed = cond.get("status") != status
            if changed:
                cond["lastTransitionTime"] = now
            if cond.get("reason", "") != reason or cond.get("message", "") != message:
                changed = True
            cond["status"] = status
            _set_reason(cond, reason, message)
            return changed
    cond = {"type": kind, "status": status, "lastTransitionTime": now}
    if probe_time:
        cond["lastProbeTime"] = None
    _set_reason(cond, reason, message)
    conditions.append(cond)
    return True


def _set_reason(cond: dict[str, Any], reason: str, message: str) -> None:
    for field, value in (("reason", reason), ("message", message)):
        if value:
            cond[field] = value
        else:
            cond.pop(field, None)


def is_ready(pod: Mapping[str, Any]) -> bool:
    cond = condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def is_available(pod: Mapping[str, Any], min_ready_seconds: int, now: float) -> bool:
    cond = condition(pod, "Ready")
    if cond is None or cond.get("status") != "True":
        return False
    if min_ready_seconds <= 0:
        return True
    since = cond.get("lastTransitionTime")
    return since is not None and parse_rfc3339(since) + min_ready_seconds <= now


def is_terminating(pod: Mapping[str, Any]) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def is_active(pod: Mapping[str, Any]) -> bool:
    """controller.IsPodActive: not finished and not being deleted."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not is_terminating(pod)


def controller_ref(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return dict(ref)
    return None


def requests(pod: Mapping[str, Any]) -> dict[str, float]:
    """Summed container requests (limits stand in where requests are absent, as defaulting does)."""
    total = dict.fromkeys(RESOURCES, 0.0)
    for container in (pod.get("spec") or {}).get("containers") or ():
        resources = container.get("resources") or {}
        asked = dict(resources.get("limits") or {})
        asked.update(resources.get("requests") or {})
        for name in RESOURCES:
            if name in asked:
                try:
                    total[name] += parse_quantity(asked[name])
                except ValueError:
                    continue
    return total


def gpus(pod: Mapping[str, Any]) -> int:
    return int(requests(pod)["nvidia.com/gpu"])


def owner_reference(owner: Mapping[str, Any], *, block: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": block,
    }
