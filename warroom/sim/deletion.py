"""Deletion as the real registry applies it, apart from HTTP: DeleteOptions preconditions,
graceful pod deletion, and orphaning dependents."""

from __future__ import annotations

from typing import Any

from warroom.sim.catalogue import Catalogue
from warroom.sim.clock import rfc3339
from warroom.sim.errors import ApiError
from warroom.sim.store import Obj, Store, clone

PODS = ("", "pods")


def check_preconditions(meta: dict[str, Any], options: dict[str, Any]) -> None:
    """DeleteOptions.preconditions: the uid and resourceVersion must be the object's (409)."""
    pre = options.get("preconditions") or {}
    for field, shown in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
        if pre.get(field) and pre[field] != meta[field]:
            raise ApiError(
                409,
                f"Precondition failed: {shown} in precondition: {pre[field]}, {shown} in object "
                f"meta: {meta[field]}",
                reason="Conflict",
            )


def delete_pod(store: Store, pod: Obj, options: dict[str, Any]) -> Obj:
    """Graceful pod deletion: a pod on a node gets a deletionTimestamp ``grace`` seconds ahead
    and goes when its kubelet has stopped it; one with nowhere to run goes at once."""
    meta = pod["metadata"]
    spec = pod.get("spec") or {}
    grace = options.get("gracePeriodSeconds")
    if grace is None:
        grace = meta.get(
            "deletionGracePeriodSeconds", spec.get("terminationGracePeriodSeconds", 30)
        )
    grace = max(0, int(grace))
    phase = (pod.get("status") or {}).get("phase")
    # Unscheduled or finished pods have no kubelet to wait for: they go at once.
    if grace == 0 or not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
        if meta.get("finalizers"):
            grace = 0
        else:
            return store.delete(PODS, *object_key(pod))
    current = meta.get("deletionGracePeriodSeconds")
    if meta.get("deletionTimestamp") and current is not None and current <= grace:
        return pod
    new = clone(pod)
    new["metadata"]["deletionTimestamp"] = rfc3339(store.clock.now() + grace)
    new["metadata"]["deletionGracePeriodSeconds"] = grace
    return store.update(PODS, new)


def orphan_dependents(store: Store, catalogue: Catalogue, uid: str) -> None:
    """propagationPolicy Orphan: dependents lose their owner reference and stay."""
    for dependent in store.owned_by(uid):
        rt = catalogue.by_kind(_group_of(dependent), dependent.get("kind", ""))
        if rt is None:
            continue
        new = clone(dependent)
        refs = [r for r in new["metadata"].get("ownerReferences", []) if r.get("uid") != uid]
        if refs:
            new["metadata"]["ownerReferences"] = refs
        else:
            new["metadata"].pop("ownerReferences", None)  # omitempty: no empty list
        store.update(rt.storage_key, new)


def object_key(obj: Obj) -> tuple[str, str]:
    """(namespace, name), as the store keys objects."""
    meta = obj["metadata"]
    return (meta.get("namespace") or "", meta["name"])


def _group_of(obj: Obj) -> str:
    api_version = str(obj.get("apiVersion", ""))
    return api_version.split("/", 1)[0] if "/" in api_version else ""
