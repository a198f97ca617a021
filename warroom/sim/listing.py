"""LIST with selectors and paging (`limit`/`continue`) over a consistent snapshot."""

from __future__ import annotations

import base64
import itertools
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson

from warroom.sim.catalogue import ResourceType
from warroom.sim.errors import ApiError, expired
from warroom.sim.field_selectors import FieldSelector
from warroom.sim.selectors import LabelSelector
from warroom.sim.store import Obj, ObjKey, Store, TooOld

# Paged lists read from the snapshot taken by their first page, as etcd reads at one revision.
MAX_SNAPSHOTS = 32


@dataclass(frozen=True)
class ListQuery:
    labels: LabelSelector | None
    fields: FieldSelector | None
    limit: int
    continue_token: str


@dataclass
class Page:
    objects: list[Obj]
    keys: list[ObjKey]
    meta: dict[str, Any]


@dataclass
class _Snapshot:
    rv: int
    entries: list[tuple[ObjKey, Obj]]


class Lister:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._snapshots: OrderedDict[int, _Snapshot] = OrderedDict()
        self._ids = itertools.count(1)

    def _matching(self, rt: ResourceType, ns: str, q: ListQuery) -> list[tuple[ObjKey, Obj]]:
        labels, fields = q.labels, q.fields
        out = []
        for key, obj in self.store.items(rt.storage_key):
            if ns and key[0] != ns:
                continue
            if labels is not None and not labels.matches(obj["metadata"].get("labels") or {}):
                continue
            if fields is not None and not fields.matches(obj):
                continue
            out.append((key, obj))
        out.sort(key=lambda kv: kv[0])
        return out

    def page(self, rt: ResourceType, ns: str, q: ListQuery) -> Page:
        if q.limit < 0:
            raise ApiError(400, "limit must not be negative")
        if q.continue_token:
            snap_id, offset, last_key, rv = self._decode(q.continue_token)
            snapshot = self._snapshots.get(snap_id)
            if snapshot is None:
                # The snapshot is gone (evicted or the server restarted): go on from the last
                # key over the current state, unless changes since then are no longer known.
                if self._compacted_since(rt, rv):
                    raise expired(
                        "The provided continue parameter is too old to display a consistent list "
                        "result. You can start a new list without the continue parameter."
                    )
                remaining = [kv for kv in self._matching(rt, ns, q) if kv[0] > last_key]
                snapshot = _Snapshot(rv, remaining)
                snap_id, offset = 0, 0
            entries = snapshot.entries
        else:
            snapshot = _Snapshot(self.store.rv, self._matching(rt, ns, q))
            entries, offset, snap_id = snapshot.entries, 0, 0
        end = len(entries) if q.limit == 0 else min(len(entries), offset + q.limit)
        chunk = entries[offset:end]
        meta: dict[str, Any] = {"resourceVersion": str(snapshot.rv)}
        if end < len(entries):
            if not snap_id:
                snap_id = next(self._ids)
                self._snapshots[snap_id] = snapshot
                while len(self._snapshots) > MAX_SNAPSHOTS:
                    self._snapshots.popitem(last=False)
            meta["continue"] = self._encode(snap_id, end, entries[end - 1][0], snapshot.rv)
            # As etcd's count covers unmatched objects too, a filtered list gives no count.
            if q.labels is None and q.fields is None:
                meta["remainingItemCount"] = len(entries) - end
        elif snap_id:
            self._snapshots.pop(snap_id, None)
        return Page([obj for _, obj in chunk], [key for key, _ in chunk], meta)

    def _compacted_since(self, rt: ResourceType, rv: int) -> bool:
        try:
            next(iter(self.store.changes_since(rt.storage_key, rv)), None)
        except TooOld:
            return True
        return False

    def encode(self, rt: ResourceType, page: Page) -> bytes:
        items = b",".join(
            self.store.encoded(rt.storage_key, key, obj)
            for key, obj in zip(page.keys, page.objects, strict=True)
        )
        head = orjson.dumps(
            {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": page.meta}
        )
        return head[:-1] + b',"items":[' + items + b"]}"

    @staticmethod
    def _encode(snap_id: int, offset: int, last_key: ObjKey, rv: int) -> str:
        token = {
            "v": "meta.k8s.io/v1",
            "rv": rv,
            "start": "/".join(last_key),
            "snapshot": snap_id,
            "offset": offset,
            "key": list(last_key),
        }
        return base64.urlsafe_b64encode(orjson.dumps(token)).decode().rstrip("=")

    @staticmethod
    def _decode(token: str) -> tuple[int, int, ObjKey, int]:
        try:
            data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            ns, name = data["key"]
            return int(data["snapshot"]), int(data["offset"]), (str(ns), str(name)), int(data["rv"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ApiError(400, f"continue key is not valid: {token!r}") from exc
