"""client-go's reflector in asyncio: paged LIST, then WATCH from the list's resourceVersion.

A clean end of the stream re-watches from the last resourceVersion seen, without relisting.
410 Gone (an HTTP answer or an ERROR event) relists; a continue token that expires between
pages falls back, as client-go's pager does, to one full list without paging. Throttling,
server errors and network failures back off, then re-watch (or list again if the list failed).
Objects stay the raw dicts orjson parsed; the sink (`warroom.state.store`) owns them from then on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import aiohttp
import orjson

from warroom.background import Background
from warroom.kinds.objects import Obj
from warroom.kube.backoff import Backoff
from warroom.kube.connection import Connection, network_reason
from warroom.kube.errors import ApiError, from_status, phrase
from warroom.kube.resource import Resource
from warroom.state.freshness import Freshness

log = logging.getLogger(__name__)

OBJECT_EVENTS = frozenset({"ADDED", "MODIFIED", "DELETED"})
Phase = Literal["starting", "listing", "watching", "waiting", "stopped"]


class Sink(Protocol):
    """Where a reflector puts what it learns. Called from the event loop, one call at a time."""

    def replace(self, items: Sequence[Obj], resource_version: str) -> None: ...

    def apply(self, event_type: str, obj: Obj) -> None: ...

    def bookmark(self, resource_version: str) -> None: ...


def _cause(exc: Exception) -> str:
    """A failure in a few words, the same for every reflector it hits: what the banner says
    once for all the watches it broke."""
    if isinstance(exc, ApiError):
        if exc.expired:
            return "history expired (410); listing again"
        return phrase(exc.code)
    if isinstance(exc, _ShortWatch):
        return "watches closed at once"
    if isinstance(exc, _BadStream):
        return "malformed JSON"
    if isinstance(exc, aiohttp.ClientError | OSError | TimeoutError):
        return network_reason(exc)
    return "internal error"


class _StreamError(ApiError):
    """An ERROR event inside a watch: the stream may have skipped events, so relist."""


class _ShortWatch(Exception):
    """The server ended a watch at once with nothing in it (client-go's VeryShortWatchError)."""


class _Quiet(Exception):
    """Nothing arrived for the read timeout: the connection may be dead, so watch anew."""


class _BadStream(Exception):
    """A line that is not a watch event: the stream cannot be trusted, so relist."""


class Reflector(Background):
    """Keeps a sink in step with one resource on one cluster until stopped."""

    def __init__(
        self,
        connection: Connection,
        resource: Resource,
        sink: Sink,
        *,
        page_size: int = 500,
        min_watch_timeout: float = 300.0,
        bookmark_interval: float = 60.0,
        read_timeout: float | None = None,
        connect_timeout: float = 10.0,
        short_watch: float = 1.0,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        self.connection = connection
        self.resource = resource
        self.sink = sink
        self.page_size = page_size
        self.min_watch_timeout = min_watch_timeout
        # Longer than the gap between bookmarks, so a quiet but live watch is not cut.
        self.read_timeout = read_timeout or max(2 * bookmark_interval, bookmark_interval + 30)
        self.connect_timeout = connect_timeout
        self.short_watch = short_watch
        self.backoff = backoff or Backoff()
        self._rng = rng or random.Random()
        self._synced_event = asyncio.Event()
        self.phase: Phase = "starting"
        self.healthy = False  # a watch is open and nothing has failed since it opened
        self.last_error: str | None = None  # one sentence, cleared when a watch is live again
        self.last_cause = ""  # the same in a few words: "503 Service Unavailable"
        self.current_at: float | None = None  # time.monotonic() the data was last known current
        self.last_heard: float | None = None  # time.monotonic() of the last byte from the server
        self.resource_version = ""
        self.retry_at: float | None = None  # time.monotonic() of the next attempt while waiting

    # ---- lifecycle -------------------------------------------------------------------------

    @property
    def task_name(self) -> str:
        return f"reflector {self.what}"

    async def stop(self) -> None:
        """Cancel the task and wait for it, so no request or connection outlives the call."""
        await super().stop()
        self.phase, self.healthy, self.retry_at = "stopped", False, None

    def crashed(self, sentence: str) -> None:
        self._fail(sentence, self.restart_delay, "internal error")

    async def wait_synced(self, timeout: float | None = None) -> None:
        """Return once the first list has reached the sink; TimeoutError after `timeout`."""
        async with asyncio.timeout(timeout):
            await self._synced_event.wait()

    @property
    def what(self) -> str:
        return self.resource.describe()

    @property
    def synced(self) -> bool:
        """The first full list has reached the sink (it stays true after)."""
        return self._synced_event.is_set()

    def freshness(self, now: float | None = None) -> Freshness:
        """How current the sink is at `now` (time.monotonic()): stale unless listed and
        watching, and heard from within the read timeout (a live watch hears at least a
        bookmark in that time)."""
        now = time.monotonic() if now is None else now
        current = max(self.last_heard or 0.0, self.current_at or 0.0)
        age = max(0.0, now - current) if self.synced else None
        stale = not (self.synced and self.healthy) or age is None or age > self.read_timeout
        if self.last_error is not None:
            state: Literal["pending", "ok", "failed"] = "failed"
        else:
            state = "ok" if self.synced else "pending"
        return Freshness(
            self.what,
            state,
            age,
            stale,
            self.last_error,
            group="API server",
            summary=self.last_cause if self.last_error else "",
        )

    # ---- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        relist = True
        while True:
            try:
                if relist:
                    await self._list()
                    relist = False
                await self._watch()
                continue  # a clean end: watch again from the last resourceVersion
            except _Quiet:
                delay = 0.0  # quietly re-open; a failure to re-open is reported as usual
            except Exception as exc:
                relist, delay, sentence = self._judge(exc, listing=relist)
                self._fail(sentence, delay, self._credential_cause(exc) or _cause(exc))
            if delay > 0:
                self.phase, self.retry_at = "waiting", time.monotonic() + delay
                await asyncio.sleep(delay)
                self.retry_at = None

    def _credential_cause(self, exc: Exception) -> str:
        """For a failure of the context's credentials (a 401, a TLS failure of trust), the
        whole sentence of what to do: the banner says it, the same for every watch it broke."""
        if isinstance(exc, ApiError) and exc.code == 401:
            return str(self.connection.refusal(exc, "authenticate"))
        if isinstance(exc, aiohttp.ClientError | OSError):
            return self.connection.untrusted(exc) or ""
        return ""

    def _judge(self, exc: Exception, *, listing: bool) -> tuple[bool, float, str]:
        """(relist?, delay, one sentence) for a failure while listing or watching."""
        server, what = self.connection.server, self.what
        verb = "list" if listing else "watch"
        if isinstance(exc, ApiError) and exc.expired:
            delay = self.backoff.first_free()
            if listing:
                sentence = f"the list of {what} expired on the server; listing again"
            else:
                sentence = f"the watch of {what} fell behind the server's history; listing again"
            return True, delay, sentence
        if isinstance(exc, ApiError):
            delay = self.backoff.next()
            if exc.retry_after is not None:
                delay = max(delay, exc.retry_after)  # never sooner than the server asked
            relist = listing or (isinstance(exc, _StreamError) and not exc.throttled)
            return relist, delay, self._api_sentence(exc, verb, delay)
        delay = self.backoff.next()
        wait = f"retrying in {delay:.1f} s"
        if isinstance(exc, _ShortWatch):
            return listing, delay, f"{server} closed the watch of {what} at once; {wait}"
        if isinstance(exc, _BadStream):
            return True, delay, f"{server} sent malformed JSON for {what} ({exc}); {wait}"
        if isinstance(exc, aiohttp.ClientError | OSError | TimeoutError):
            trust = self.connection.untrusted(exc)
            if trust is not None:
                return listing, delay, f"{trust} ({wait})"
            lost = f"cannot {verb} {what} on {server}" if listing else f"lost the watch of {what}"
            return listing, delay, f"{lost} ({network_reason(exc)}); {wait}"
        # A bug (ours or the sink's) must not end the reflector in silence.
        log.exception("reflector for %s failed", what)
        return True, delay, f"internal error while keeping {what} ({exc!r}); {wait}"

    def _api_sentence(self, exc: ApiError, verb: str, delay: float) -> str:
        server, what = self.connection.server, self.what
        wait = f"retrying in {delay:.1f} s"
        if exc.code in (401, 403):
            return f"{self.connection.refusal(exc, f'{verb} {what}')} ({wait})"
        if exc.code == 429:
            return f"{server} is throttling requests for {what} (429 Too Many Requests); {wait}"
        if exc.code == 404:
            return f"{server} does not serve {what} (404 Not Found), check its API version; {wait}"
        answer = f"{phrase(exc.code)}: {exc.message}"
        return f"{server} answered the {verb} of {what} with {answer}; {wait}"

    def _fail(self, sentence: str, delay: float, cause: str = "") -> None:
        if self.healthy:
            # The data was current until this moment: its age counts from here, not from
            # the last byte of a quiet but healthy watch.
            self.current_at = time.monotonic()
        self.healthy = False
        self.last_error = sentence
        self.last_cause = cause or sentence
        log.info("%s (after %.1f s)", sentence, delay)

    def _hear(self) -> None:
        self.last_heard = time.monotonic()

    def _timeout(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(
            total=None, sock_connect=self.connect_timeout, sock_read=self.read_timeout
        )

    # ---- LIST ------------------------------------------------------------------------------

    async def _list(self) -> None:
        """Every page of a consistent list (no resourceVersion: the newest state), then replace.

        A continue token that expired between pages (410) falls back to one full list without
        paging, as client-go's pager does (FullListIfExpired): a list that cannot finish in
        pages on a busy cluster still finishes.
        """
        self.phase = "listing"
        items: list[dict[str, Any]] = []
        token, unpaged = "", False
        while True:
            query = [*self.resource.selectors(), ("limit", str(self.page_size))]
            if token:
                query.append(("continue", token))
            try:
                page = await self._page(query)
            except ApiError as err:
                if not (token and err.expired):
                    raise
                log.info("the continue token for %s expired; listing in full", self.what)
                items, unpaged = [], True
                page = await self._page(self.resource.selectors())
            meta = page.get("metadata") or {}
            kind = str(page.get("kind") or "").removesuffix("List")
            for item in page.get("items") or ():
                # List items come without kind/apiVersion; watch objects carry them.
                item.setdefault("kind", kind)
                item.setdefault("apiVersion", self.resource.api_version)
                items.append(item)
            token = "" if unpaged else str(meta.get("continue") or "")
            if not token:
                break
        rv = str(meta.get("resourceVersion") or "")
        self.sink.replace(items, rv)
        self.resource_version = rv
        self._synced_event.set()

    async def _page(self, query: list[tuple[str, str]]) -> dict[str, Any]:
        response = await self.connection.open(self.resource.path, query, timeout=self._timeout())
        try:
            body = await response.read()
        finally:
            response.release()
        self._hear()
        try:
            page = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise _BadStream(f"{body[:80]!r}") from exc
        if not isinstance(page, dict):
            raise _BadStream(f"{body[:80]!r}")
        return page

    # ---- WATCH -----------------------------------------------------------------------------

    async def _watch(self) -> None:
        """One watch request, read until the server ends it; returns on a clean end."""
        # client-go's spread, so many clients do not all re-watch at the same moment.
        seconds = int(self.min_watch_timeout * (1.0 + self._rng.random()))
        query = [
            *self.resource.selectors(),
            ("watch", "true"),
            ("resourceVersion", self.resource_version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(max(1, seconds))),
        ]
        started = time.monotonic()
        response = await self.connection.open(self.resource.path, query, timeout=self._timeout())
        self._hear()
        self.phase, self.healthy, self.last_error = "watching", True, None
        events = 0
        clean = False
        try:
            events = await self._read(response)
            clean = True
        except aiohttp.ServerTimeoutError as exc:
            raise _Quiet from exc
        finally:
            if clean:
                response.release()
            else:
                response.close()  # mid-stream: drop the connection rather than drain it
        if events == 0 and time.monotonic() - started < self.short_watch:
            raise _ShortWatch

    async def _read(self, response: aiohttp.ClientResponse) -> int:
        """Apply every event of the stream; the number of events."""
        events = 0
        pending = bytearray()
        async for chunk in response.content.iter_any():
            self._hear()
            pending += chunk
            end = pending.rfind(b"\n")
            if end < 0:
                continue
            lines = bytes(pending[:end]).split(b"\n")
            del pending[: end + 1]
            for line in lines:
                if line.strip():
                    self._event(line)
                    events += 1
        if pending.strip():
            self._event(bytes(pending))
            events += 1
        return events

    def _event(self, line: bytes) -> None:
        try:
            data = orjson.loads(line)
            kind, obj = data["type"], data["object"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise _BadStream(f"{line[:80]!r}") from exc
        if kind in OBJECT_EVENTS:
            self.sink.apply(kind, obj)
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if rv:
                self.resource_version = str(rv)
        elif kind == "BOOKMARK":
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if rv:
                self.resource_version = str(rv)
                self.sink.bookmark(self.resource_version)
        elif kind == "ERROR":
            error = from_status(obj if isinstance(obj, dict) else {})
            raise _StreamError(
                error.code, error.message, reason=error.reason, retry_after=error.retry_after
            )
        else:
            raise _BadStream(f"unknown event type {kind!r}")
