"""The simulated cluster's storage: objects as raw dicts, one resourceVersion counter, a change log.

Stored dicts are never mutated: a write stores a new dict, so a LIST or a watch event can hold
on to an object without copying it. Each kind keeps a bounded log of changes; a watch from a
resourceVersion older than that window is answered with 410 Expired, as etcd compaction does.
"""

from __future__ import annotations

import builtins
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from warroom.sim.clock import SimClock

TypeKey = tuple[str, str]  # (group, plural)
ObjKey = tuple[str, str]  # (namespace, name)
Obj = dict[str, Any]

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"


def clone(obj: Any) -> Any:
    """A deep copy of a JSON value (faster than copy.deepcopy for parsed JSON)."""
    return orjson.loads(orjson.dumps(obj))


def encode(obj: Any) -> bytes:
    return orjson.dumps(obj)


def obj_key(obj: Obj) -> ObjKey:
    meta = obj["metadata"]
    return (meta.get("namespace") or "", meta["name"])


@dataclass(slots=True)
class Change:
    """One write, as a watch reports it."""

    rv: int
    type: str
    type_key: TypeKey
    obj: Obj
    old: Obj | None
    _raw: bytes | None = field(default=None, repr=False)

    def raw(self) -> bytes:
        if self._raw is None:
            self._raw = encode(self.obj)
        return self._raw


class TooOld(Exception):
    """A resourceVersion older than the retained change window.

    `oldest` is the oldest version a watch may still start from, as the watch cache names it.
    """

    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest})")
        self.requested = requested
        self.oldest = oldest


class Store:
    """All objects of the cluster, indexed by kind, key, owner and node."""

    def __init__(self, clock: SimClock, *, window: int = 50_000) -> None:
        self.clock = clock
        self.window = window
        self.rv = 1
        self._objects: dict[TypeKey, dict[ObjKey, Obj]] = {}
        self._encoded: dict[TypeKey, dict[ObjKey, bytes]] = {}
        self._log: dict[TypeKey, deque[Change]] = {}
        self._compacted: dict[TypeKey, int] = {}
        self._by_owner: dict[str, set[tuple[TypeKey, ObjKey]]] = {}
        self._by_uid: dict[str, tuple[TypeKey, ObjKey]] = {}
        self._pods_by_node: dict[str, set[ObjKey]] = {}
        self._listeners: list[Callable[[Change], None]] = []
        self._type_listeners: dict[TypeKey, set[Callable[[Change], None]]] = {}

    # ---- reads -------------------------------------------------------------------------

    def get(self, tk: TypeKey, namespace: str, name: str) -> Obj | None:
        return self._objects.get(tk, {}).get((namespace, name))

    def by_uid(self, uid: str) -> Obj | None:
        found = self._by_uid.get(uid)
        if found is None:
            return None
        return self._objects.get(found[0], {}).get(found[1])

    def list(self, tk: TypeKey, namespace: str | None = None) -> list[Obj]:
        objs = self._objects.get(tk, {})
        if not namespace:
            return list(objs.values())
        return [o for (ns, _), o in objs.items() if ns == namespace]

    def items(self, tk: TypeKey) -> Iterable[tuple[ObjKey, Obj]]:
        return self._objects.get(tk, {}).items()

    def count(self, tk: TypeKey) -> int:
        return len(self._objects.get(tk, {}))

    def encoded(self, tk: TypeKey, key: ObjKey, obj: Obj) -> bytes:
        cache = self._encoded.setdefault(tk, {})
        raw = cache.get(key)
        if raw is None:
            raw = cache[key] = encode(obj)
        return raw

    def owned_by(self, uid: str, tk: TypeKey | None = None) -> builtins.list[Obj]:
        out = []
        for otk, key in self._by_owner.get(uid, ()):
            if tk is None or otk == tk:
                obj = self._objects.get(otk, {}).get(key)
                if obj is not None:
                    out.append(obj)
        return out

    def pods_on_node(self, node: str) -> builtins.list[Obj]:
        pods = self._objects.get(("", "pods"), {})
        return [pods[k] for k in self._pods_by_node.get(node, ()) if k in pods]

    def type_keys(self) -> builtins.list[TypeKey]:
        return list(self._objects)

    # ---- writes ------------------------------------------------------------------------

    def create(self, tk: TypeKey, obj: Obj) -> Obj:
        """Store a new object; fills uid, creationTimestamp and resourceVersion."""
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", self.clock.timestamp())
        return self._write(tk, obj, ADDED, None)

    def update(self, tk: TypeKey, obj: Obj) -> Obj:
        key = obj_key(obj)
        old = self._objects.get(tk, {}).get(key)
        if old is None:
            raise KeyError(key)
        return self._write(tk, obj, MODIFIED, old)

    def delete(self, tk: TypeKey, namespace: str, name: str) -> Obj:
        old = self._objects.get(tk, {}).get((namespace, name))
        if old is None:
            raise KeyError((namespace, name))
        self.rv += 1
        gone = dict(old)
        gone["metadata"] = dict(old["metadata"], resourceVersion=str(self.rv))
        del self._objects[tk][(namespace, name)]
        self._encoded.get(tk, {}).pop((namespace, name), None)
        self._unindex(tk, (namespace, name), old)
        self._record(Change(self.rv, DELETED, tk, gone, old))
        return gone

    def _write(self, tk: TypeKey, obj: Obj, kind: str, old: Obj | None) -> Obj:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        key = obj_key(obj)
        self._objects.setdefault(tk, {})[key] = obj
        self._encoded.get(tk, {}).pop(key, None)
        if old is not None:
            self._unindex(tk, key, old)
        self._index(tk, key, obj)
        self._record(Change(self.rv, kind, tk, obj, old))
        return obj

    def _record(self, change: Change) -> None:
        log = self._log.get(change.type_key)
        if log is None:
            log = self._log[change.type_key] = deque()
        log.append(change)
        while len(log) > self.window:
            dropped = log.popleft()
            self._compacted[change.type_key] = dropped.rv
        for listener in list(self._type_listeners.get(change.type_key, ())):
            listener(change)
        for listener in list(self._listeners):
            listener(change)

    def _index(self, tk: TypeKey, key: ObjKey, obj: Obj) -> None:
        meta = obj["metadata"]
        self._by_uid[meta["uid"]] = (tk, key)
        for ref in meta.get("ownerReferences") or ():
            self._by_owner.setdefault(ref.get("uid", ""), set()).add((tk, key))
        if tk == ("", "pods"):
            node = (obj.get("spec") or {}).get("nodeName")
            if node:
                self._pods_by_node.setdefault(node, set()).add(key)

    def _unindex(self, tk: TypeKey, key: ObjKey, obj: Obj) -> None:
        meta = obj["metadata"]
        if self._by_uid.get(meta["uid"]) == (tk, key):
            del self._by_uid[meta["uid"]]
        for ref in meta.get("ownerReferences") or ():
            owned = self._by_owner.get(ref.get("uid", ""))
            if owned is not None:
                owned.discard((tk, key))
                if not owned:
                    del self._by_owner[ref.get("uid", "")]
        if tk == ("", "pods"):
            node = (obj.get("spec") or {}).get("nodeName")
            if node and node in self._pods_by_node:
                self._pods_by_node[node].discard(key)

    # ---- change log and subscriptions --------------------------------------------------

    def changes_since(self, tk: TypeKey, rv: int) -> Iterator[Change]:
        """Changes of one kind after `rv`; TooOld when the window no longer reaches back."""
        oldest = self._compacted.get(tk, 0)
        if rv < oldest:
            raise TooOld(rv, oldest)
        for change in self._log.get(tk, ()):
            if change.rv > rv:
                yield change

    def compact(self) -> None:
        """Forget every change so far, as an etcd compaction would (tests use it)."""
        for tk, log in self._log.items():
            if log:
                self._compacted[tk] = log[-1].rv
            log.clear()
        for tk in self._objects:
            self._compacted[tk] = max(self._compacted.get(tk, 0), self.rv)

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def watch_type(self, tk: TypeKey, listener: Callable[[Change], None]) -> None:
        self._type_listeners.setdefault(tk, set()).add(listener)

    def unwatch_type(self, tk: TypeKey, listener: Callable[[Change], None]) -> None:
        self._type_listeners.get(tk, set()).discard(listener)
