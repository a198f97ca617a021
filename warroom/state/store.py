"""The store: raw objects of one resource by uid, indexed by key, namespace, owner and node.

A reflector writes into an `ObjectCache` through its `Sink` protocol (replace, apply,
bookmark). Objects are the dicts the reflector parsed, stored without copying: readers must
treat them as read-only. Each event costs O(1) (plus the object's owner references); `version`
goes up on every change, so a renderer polling at its own rate redraws only when something moved.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from warroom.kinds.objects import Obj

Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped objects


def _meta(obj: Obj) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def key_of(obj: Obj) -> Key:
    meta = _meta(obj)
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def uid_of(obj: Obj) -> str:
    """The uid, or namespace/name for the odd object without one."""
    uid = _meta(obj).get("uid")
    return str(uid) if uid else "/".join(key_of(obj))


def _node_of(obj: Obj) -> str:
    spec = obj.get("spec")
    return str(spec.get("nodeName") or "") if isinstance(spec, Mapping) else ""


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
    """The reflected objects of one resource; a reflector's Sink."""

    def __init__(self) -> None:
        self.version = 0
        self.resource_version = ""
        self._objects: dict[str, Obj] = {}
        self._keys: dict[Key, str] = {}
        self._namespaces: dict[str, set[str]] = {}
        self._owners: dict[str, set[str]] = {}
        self._nodes: dict[str, set[str]] = {}
        self._trackers: list[set[str]] = []

    def track(self) -> set[str]:
        """A set this cache adds the uid of every object it puts or removes to, from now on.

        The reader empties it as it catches up, so following a cache costs O(changes), not
        O(objects). Objects already here are added at once.
        """
        changed = set(self._objects)
        self._trackers.append(changed)
        return changed

    def untrack(self, changed: set[str]) -> None:
        self._trackers = [t for t in self._trackers if t is not changed]

    # ---- Sink ------------------------------------------------------------------------------

    def replace(self, items: Sequence[Obj], resource_version: str) -> None:
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

    def node_counts(self) -> dict[str, int]:
        """How many objects name each node (spec.nodeName), from the index."""
        return {node: len(uids) for node, uids in self._nodes.items()}

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
        for tracker in self._trackers:
            tracker.add(uid)
        _add(self._namespaces, key[0], uid)
        for owner in _owners_of(obj):
            _add(self._owners, owner, uid)
        _add(self._nodes, _node_of(obj), uid)

    def _remove(self, uid: str) -> None:
        old = self._objects.pop(uid, None)
        if old is not None:
            self._unindex(uid, old)
            for tracker in self._trackers:
                tracker.add(uid)

    def _unindex(self, uid: str, obj: Obj) -> None:
        key = key_of(obj)
        if self._keys.get(key) == uid:
            del self._keys[key]
        _discard(self._namespaces, key[0], uid)
        for owner in _owners_of(obj):
            _discard(self._owners, owner, uid)
        _discard(self._nodes, _node_of(obj), uid)


class NewestCache(ObjectCache):
    """An ObjectCache that keeps only the `limit` newest objects by `when(obj)`: a bounded
    history, for events. An evicted object that changes later (an event seen again) comes back
    as new; older ones simply drop out, oldest first.
    """

    def __init__(self, limit: int, when: Callable[[Obj], float]) -> None:
        super().__init__()
        self.limit = limit
        self.when = when
        self._heap: list[tuple[float, int, str]] = []  # (when, sequence, uid); lazily pruned
        self._stamps: dict[str, tuple[float, int]] = {}
        self._sequence = 0

    def _put(self, uid: str, obj: Obj) -> None:
        super()._put(uid, obj)
        self._sequence += 1
        stamp = (self.when(obj), self._sequence)
        self._stamps[uid] = stamp
        heapq.heappush(self._heap, (*stamp, uid))
        while len(self._objects) > self.limit:
            when, sequence, victim = heapq.heappop(self._heap)
            if self._stamps.get(victim) == (when, sequence):
                self._remove(victim)
        if len(self._heap) > 4 * self.limit + 64:
            # Superseded entries pile up as objects change; keep the heap to the live ones.
            self._heap = [(w, s, u) for u, (w, s) in self._stamps.items()]
            heapq.heapify(self._heap)

    def _remove(self, uid: str) -> None:
        super()._remove(uid)
        self._stamps.pop(uid, None)
