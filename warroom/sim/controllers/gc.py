"""Garbage collection by ownerReferences, foreground deletion, and namespace termination."""

from __future__ import annotations

from collections.abc import Iterable

from warroom.sim.controllers.context import NAMESPACES, PODS, Context
from warroom.sim.store import Change, Obj, TypeKey, clone

FOREGROUND = "foregroundDeletion"


class GarbageCollector:
    """Deletes dependents whose owners are gone; finishes foreground and namespace deletions.

    Keys: `uid:<uid>` for an owner to look after, `ns:<name>` for a terminating namespace.
    """

    name = "garbagecollector"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def keys_for(self, change: Change) -> Iterable[str]:
        meta = change.obj["metadata"]
        if (
            change.type_key == NAMESPACES
            and meta.get("deletionTimestamp")
            and change.type != "DELETED"
        ):
            return [f"ns:{meta['name']}"]
        keys = []
        if change.type == "DELETED" or meta.get("deletionTimestamp"):
            keys.append(f"uid:{meta['uid']}")
        if change.type == "DELETED" and meta.get("namespace"):
            ns = self.ctx.store.get(NAMESPACES, "", meta["namespace"])
            if ns is not None and ns["metadata"].get("deletionTimestamp"):
                keys.append(f"ns:{meta['namespace']}")
        return keys

    def sync(self, key: str) -> float | None:
        kind, _, value = key.partition(":")
        if kind == "ns":
            return self._namespace(value)
        return self._owner(value)

    def _type_key(self, obj: Obj) -> TypeKey | None:
        api_version = str(obj.get("apiVersion", ""))
        group = api_version.split("/", 1)[0] if "/" in api_version else ""
        rt = self.ctx.catalogue.by_kind(group, str(obj.get("kind", "")))
        return rt.storage_key if rt else None

    def _delete(self, obj: Obj) -> None:
        tk = self._type_key(obj)
        if tk is None:
            return
        meta = obj["metadata"]
        if self.ctx.store.get(tk, meta.get("namespace", ""), meta["name"]) is None:
            return
        if tk == PODS:
            self.ctx.registry.delete_pod(obj, {})
        elif meta.get("finalizers"):
            if not meta.get("deletionTimestamp"):
                marked = clone(obj)
                marked["metadata"]["deletionTimestamp"] = self.ctx.clock.timestamp()
                self.ctx.store.update(tk, marked)
        else:
            self.ctx.store.delete(tk, meta.get("namespace", ""), meta["name"])

    def _owner(self, uid: str) -> float | None:
        owner = self.ctx.store.by_uid(uid)
        dependents = self.ctx.store.owned_by(uid)
        if owner is None:
            for dep in dependents:
                live = [
                    r
                    for r in dep["metadata"].get("ownerReferences") or ()
                    if self.ctx.store.by_uid(r.get("uid", "")) is not None
                ]
                if not live:
                    self._delete(dep)
            return None
        finalizers = owner["metadata"].get("finalizers") or []
        if owner["metadata"].get("deletionTimestamp") and FOREGROUND in finalizers:
            for dep in dependents:
                self._delete(dep)
            if any(self.ctx.store.by_uid(d["metadata"]["uid"]) is not None for d in dependents):
                return 1.0
            tk = self._type_key(owner)
            if tk is None:
                return None
            rest = [f for f in finalizers if f != FOREGROUND]
            if rest:
                updated = clone(owner)
                updated["metadata"]["finalizers"] = rest
                self.ctx.store.update(tk, updated)
            else:
                meta = owner["metadata"]
                self.ctx.store.delete(tk, meta.get("namespace", ""), meta["name"])
        return None

    def _namespace(self, name: str) -> float | None:
        ns = self.ctx.store.get(NAMESPACES, "", name)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return None
        remaining = 0
        for rt in self.ctx.catalogue.types():
            if not rt.namespaced:
                continue
            for obj in self.ctx.store.list(rt.storage_key, name):
                remaining += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    self._delete(obj)
        if remaining:
            return 1.0
        self.ctx.store.delete(NAMESPACES, "", name)
        return None
