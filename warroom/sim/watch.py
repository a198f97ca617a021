"""WATCH: one JSON event per line over a chunked response, as the real server streams it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from warroom.sim.catalogue import ResourceType
from warroom.sim.errors import failure_status
from warroom.sim.field_selectors import FieldSelector
from warroom.sim.selectors import LabelSelector
from warroom.sim.store import ADDED, DELETED, MODIFIED, Change, Obj, Store, TooOld, encode

# A watcher that falls this far behind is closed; its client re-watches, as with the real server.
MAX_PENDING = 200_000

Render = Callable[[str, Obj], bytes]


@dataclass
class WatchSpec:
    rt: ResourceType
    namespace: str
    labels: LabelSelector | None
    fields: FieldSelector | None
    since: int | None  # None: start with the current state as ADDED events
    timeout: float
    bookmarks: bool
    render: Render  # (event type, object) -> one line


@dataclass(eq=False)
class Watcher:
    spec: WatchSpec
    pending: list[Change] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    def offer(self, change: Change) -> None:
        if self.closed:
            return
        self.pending.append(change)
        if len(self.pending) > MAX_PENDING:
            self.closed = True
        self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()


def _selected(spec: WatchSpec, obj: Obj | None) -> bool:
    if obj is None:
        return False
    meta = obj["metadata"]
    if spec.namespace and meta.get("namespace") != spec.namespace:
        return False
    if spec.labels is not None and not spec.labels.matches(meta.get("labels") or {}):
        return False
    return spec.fields is None or spec.fields.matches(obj)


def event_line(spec: WatchSpec, change: Change) -> bytes | None:
    """The line a watcher with `spec` sees for `change`, or None when it sees nothing.

    An object that moves into or out of the selection is reported as ADDED or DELETED,
    as the real watch cache does; such a DELETED carries the state the watcher last matched,
    at the change's resourceVersion.
    """
    now_in = _selected(spec, change.obj)
    if change.type == DELETED:
        return spec.render(DELETED, change.obj) if _selected(spec, change.old) else None
    was_in = change.type == MODIFIED and _selected(spec, change.old)
    if now_in and was_in:
        return spec.render(MODIFIED, change.obj)
    if now_in:
        return spec.render(ADDED, change.obj)
    if was_in and change.old is not None:
        meta = dict(change.old["metadata"], resourceVersion=str(change.rv))
        return spec.render(DELETED, dict(change.old, metadata=meta))
    return None


class WatchHub:
    """All open watches; the fault injector can drop them all at once."""

    def __init__(self, store: Store, *, bookmark_interval: float = 60.0) -> None:
        self.store = store
        self.bookmark_interval = bookmark_interval
        self.watchers: set[Watcher] = set()

    def drop_all(self) -> None:
        for watcher in list(self.watchers):
            watcher.close()

    async def stream(self, request: web.Request, spec: WatchSpec) -> web.StreamResponse:
        tk = spec.rt.storage_key
        watcher = Watcher(spec)
        self.store.watch_type(tk, watcher.offer)
        self.watchers.add(watcher)
        try:
            first: list[bytes] = []
            if spec.since is None:
                for _, obj in sorted(self.store.items(tk), key=lambda kv: kv[0]):
                    if _selected(spec, obj):
                        first.append(spec.render(ADDED, obj))
            else:
                try:
                    replay = list(self.store.changes_since(tk, spec.since))
                except TooOld as exc:
                    return await self._expired(request, exc)
                watcher.pending[:0] = replay
            response = web.StreamResponse(
                status=200,
                headers={"Content-Type": "application/json", "Cache-Control": "no-cache"},
            )
            response.enable_chunked_encoding()
            await response.prepare(request)
            await self._pump(response, watcher, first)
            return response
        finally:
            self.store.unwatch_type(tk, watcher.offer)
            self.watchers.discard(watcher)

    async def _pump(
        self, response: web.StreamResponse, watcher: Watcher, first: list[bytes]
    ) -> None:
        spec = watcher.spec
        deadline = time.monotonic() + spec.timeout
        next_bookmark = time.monotonic() + self.bookmark_interval
        last_rv = spec.since or self.store.rv
        if first:
            await response.write(b"".join(first))
        with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
            while not watcher.closed:
                lines: list[bytes] = []
                batch, watcher.pending = watcher.pending, []
                for change in batch:
                    if change.rv <= last_rv and spec.since is not None:
                        continue
                    last_rv = max(last_rv, change.rv)
                    line = event_line(spec, change)
                    if line is not None:
                        lines.append(line)
                now = time.monotonic()
                if spec.bookmarks and now >= next_bookmark:
                    lines.append(self._bookmark(spec, max(last_rv, self.store.rv)))
                    next_bookmark = now + self.bookmark_interval
                if lines:
                    await response.write(b"".join(lines))
                if now >= deadline:
                    break
                if watcher.pending:
                    continue
                watcher.wake.clear()
                wait = min(deadline, next_bookmark if spec.bookmarks else deadline) - now
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(watcher.wake.wait(), timeout=max(wait, 0.0))
            await response.write_eof()

    def _bookmark(self, spec: WatchSpec, rv: int) -> bytes:
        obj = {
            "kind": spec.rt.kind,
            "apiVersion": spec.rt.api_version,
            "metadata": {"resourceVersion": str(rv), "creationTimestamp": None},
        }
        return b'{"type":"BOOKMARK","object":' + encode(obj) + b"}\n"

    async def _expired(self, request: web.Request, exc: TooOld) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        status = failure_status(410, str(exc), "Expired")
        await response.write(b'{"type":"ERROR","object":' + encode(status) + b"}\n")
        await response.write_eof()
        return response
