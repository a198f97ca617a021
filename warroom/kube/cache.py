"""An in-memory sink for a reflector: raw objects by uid, indexed by key, namespace, owner, node.

Objects are the dicts the reflector parsed, stored without copying: readers must treat them as
read-only. Each event costs O(1) (plus the object's owner references); `version` goes up on
every change, so a renderer polling at its own rate redraws only when something moved.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped objects


def _meta(obj: Obj) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def key_of(obj: Obj) -> Key:
    meta = _meta(obj)
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def uid_of(obj: Obj) -> str:
    """The uid, or namespace/name for the odd object without one."""
    uid = _meta(obj).get("uid")
    return str(uid) if uid else "/".join(key_of(obj))


def _node_of(obj: Obj) -> str:
    spec = obj.get("spec")
    return str(spec.get("nodeName") or "") if isinstance(spec, dict) else ""


def _owners_of(obj: Obj) -> list[str]:
    return [str(r["uid"]) for r in _meta(obj).get("ownerReferences") or () if r.get("uid")]


def _add(index: dict[str, set[str]], name: str, uid: str) -> None:
    if name:
        index.setdefault(name, set()).add(uid)


def _discard(index: dict[str, set[str]], name: str, uid: str) -> None:
    members = index.get(name)
    if members is not None:
        members.discard(uid)
        if not members:
            del index[name]


class ObjectCache:
    """The reflected objects of one resource; implements the reflector's Sink."""

    def __init__(self) -> None:
        self.version = 0
        self.resource_version = ""
        self._objects: dict[str, Obj] = {}
        self._keys: dict[Key, str] = {}
        self._namespaces: dict[str, set[str]] = {}
        self._owners: dict[str, set[str]] = {}
        self._nodes: dict[str, set[str]] = {}

    # ---- Sink ------------------------------------------------------------------------------

    def replace(self, items: list[Obj], resource_version: str) -> None:
        """The full state after a list: drops what is gone, keeps unchanged objects as they are."""
        fresh = {uid_of(obj): obj for obj in items}
        changed = False
        for uid in [u for u in self._objects if u not in fresh]:
            self._remove(uid)
            changed = True
        for uid, obj in fresh.items():
            old = self._objects.get(uid)
            if old is not None and _meta(old).get("resourceVersion") == _meta(obj).get(
                "resourceVersion"
            ):
                continue
            self._put(uid, obj)
            changed = True
        self.resource_version = resource_version
        if changed:
            self.version += 1

    def apply(self, event_type: str, obj: Obj) -> None:
        uid = uid_of(obj)
        if event_type == "DELETED":
            if uid not in self._objects:
                uid = self._keys.get(key_of(obj), "")
            if uid:
                self._remove(uid)
        else:
            self._put(uid, obj)
        rv = _meta(obj).get("resourceVersion")
        if rv:
            self.resource_version = str(rv)
        self.version += 1

    def bookmark(self, resource_version: str) -> None:
        # Progress without a change: nothing to redraw, so the version stays.
        self.resource_version = resource_version

    # ---- reads -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, uid: object) -> bool:
        return uid in self._objects

    def __iter__(self) -> Iterator[Obj]:
        return iter(self._objects.values())

    def by_uid(self, uid: str) -> Obj | None:
        return self._objects.get(uid)

    def get(self, namespace: str, name: str) -> Obj | None:
        uid = self._keys.get((namespace, name))
        return None if uid is None else self._objects[uid]

    def in_namespace(self, namespace: str) -> list[Obj]:
        return [self._objects[u] for u in self._namespaces.get(namespace, ())]

    def owned_by(self, owner_uid: str) -> list[Obj]:
        return [self._objects[u] for u in self._owners.get(owner_uid, ())]

    def on_node(self, node: str) -> list[Obj]:
        return [self._objects[u] for u in self._nodes.get(node, ())]

    def keys(self) -> set[Key]:
        return set(self._keys)

    # ---- indexes ---------------------------------------------------------------------------

    def _put(self, uid: str, obj: Obj) -> None:
        old = self._objects.get(uid)
        if old is not None:
            self._unindex(uid, old)
        key = key_of(obj)
        other = self._keys.get(key)
        if other is not None and other != uid:
            # Same name, new uid: the old object was deleted and recreated in between.
            self._remove(other)
        self._objects[uid] = obj
        self._keys[key] = uid
        _add(self._namespaces, key[0], uid)
        for owner in _owners_of(obj):
            _add(self._owners, owner, uid)
        _add(self._nodes, _node_of(obj), uid)

    def _remove(self, uid: str) -> None:
        old = self._objects.pop(uid, None)
        if old is not None:
            self._unindex(uid, old)

    def _unindex(self, uid: str, obj: Obj) -> None:
        key = key_of(obj)
        if self._keys.get(key) == uid:
            del self._keys[key]
        _discard(self._namespaces, key[0], uid)
        for owner in _owners_of(obj):
            _discard(self._owners, owner, uid)
        _discard(self._nodes, _node_of(obj), uid)
