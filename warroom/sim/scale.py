"""The `scale` subresource: an autoscaling/v1 Scale view of a workload's replicas."""

from __future__ import annotations

from typing import Any

from warroom.sim.catalogue import ResourceType
from warroom.sim.defaults import type_problem
from warroom.sim.errors import ApiError, conflict, invalid
from warroom.sim.patch.errors import PatchError
from warroom.sim.patch.json_patch import apply_json_patch
from warroom.sim.patch.merge_patch import apply_merge_patch
from warroom.sim.registry import JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, Registry
from warroom.sim.selectors import SelectorError, label_selector_from_spec
from warroom.sim.store import Obj, encode

# The Scale fields the sim reads, with the JSON types the real decoder demands of them.
SCALE_FIELDS = (
    ("metadata", "object"),
    ("metadata.resourceVersion", "string"),
    ("spec", "object"),
    ("spec.replicas", "int32"),
)


def _selector_string(obj: Obj) -> str:
    try:
        return str(label_selector_from_spec((obj.get("spec") or {}).get("selector")))
    except SelectorError:
        return ""


def to_scale(obj: Obj) -> dict[str, Any]:
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta.get("namespace", ""),
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta.get("creationTimestamp"),
        },
        "spec": {"replicas": int((obj.get("spec") or {}).get("replicas", 0))},
        "status": {
            "replicas": int((obj.get("status") or {}).get("replicas", 0)),
            "selector": _selector_string(obj),
        },
    }


def scale_get(registry: Registry, rt: ResourceType, ns: str, name: str) -> dict[str, Any]:
    return to_scale(registry.get(rt, ns, name))


def _apply(
    registry: Registry, rt: ResourceType, ns: str, name: str, scale: Any, *, dry_run: bool
) -> dict[str, Any]:
    if not isinstance(scale, dict) or not isinstance(scale.get("spec", {}), dict):
        raise ApiError(400, "the body of the request must be an autoscaling/v1 Scale object")
    current = registry.get(rt, ns, name)
    rv = (scale.get("metadata") or {}).get("resourceVersion")
    if rv and rv != current["metadata"]["resourceVersion"]:
        raise conflict(rt.plural, rt.group, name)
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise invalid(
            "Scale",
            name,
            "autoscaling",
            "spec.replicas",
            f"Invalid value: {replicas!r}: must be greater than or equal to 0",
        )
    patch = {"spec": {"replicas": replicas}}
    updated = registry.patch(rt, ns, name, MERGE_PATCH, patch, dry_run=dry_run)
    return to_scale(updated)


def scale_update(
    registry: Registry, rt: ResourceType, ns: str, name: str, body: Any, *, dry_run: bool
) -> dict[str, Any]:
    problem = type_problem(body, SCALE_FIELDS)
    if problem is not None:
        raise ApiError(400, f'Scale in version "v1" cannot be handled as a Scale: {problem}')
    return _apply(registry, rt, ns, name, body, dry_run=dry_run)


def scale_patch(
    registry: Registry,
    rt: ResourceType,
    ns: str,
    name: str,
    content_type: str,
    body: Any,
    *,
    dry_run: bool,
) -> dict[str, Any]:
    current = to_scale(registry.get(rt, ns, name))
    try:
        if content_type == JSON_PATCH:
            patched = apply_json_patch(current, body)
        elif content_type in (MERGE_PATCH, STRATEGIC_PATCH):
            # A Scale has no lists, so a strategic merge patch is a merge patch here.
            patched = apply_merge_patch(current, body)
        else:
            raise ApiError(415, f"unsupported patch type {content_type}")
    except PatchError as exc:
        raise ApiError(exc.code, str(exc)) from exc
    problem = type_problem(patched, SCALE_FIELDS)
    if problem is not None:
        value = encode(patched).decode()
        raise invalid("", "", "", "patch", f'Invalid value: "{value}": {problem}')
    return _apply(registry, rt, ns, name, patched, dry_run=dry_run)
