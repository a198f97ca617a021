"""GET pods/{name}/log: a container's output as text/plain, as the API server streams it from
the kubelet (LogREST, LocationStreamer) and the kubelet reads it (kuberuntime/logs ReadLogs).

The kubelet takes the last tailLines lines, drops those before sinceSeconds/sinceTime, prefixes
each with its RFC 3339 timestamp (nine fixed digits) when asked, and stops at limitBytes, in
the middle of a line if need be. follow=true keeps the chunked answer open and sends each line
as the container writes it, until the container exits or the pod goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from datetime import UTC, datetime
from urllib.parse import urlencode

from aiohttp import web

from warroom.sim.app_output import lines, next_line
from warroom.sim.container_logs import ContainerLogs, ContainerRun, Line
from warroom.sim.controllers.context import NODES, PODS, Faults
from warroom.sim.errors import not_found, unknown_failure
from warroom.sim.pod_log_options import (
    LogOptions,
    container_instance,
    parse_options,
    pick_container,
)
from warroom.sim.store import Obj, Store, encode

TEXT = {"Content-Type": "text/plain"}
# logForceCheckPeriod: a following reader looks again at least this often (wall seconds).
FORCE_CHECK = 1.0


def log_timestamp(ts: float) -> str:
    """types.RFC3339NanoFixed: 2006-01-02T15:04:05.000000000Z (microseconds are what a
    float holds of the sim clock)."""
    micros = round(ts * 1_000_000)
    seconds, fraction = divmod(micros, 1_000_000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{fraction:06d}000Z"


class _Writer:
    """logWriter: the since filter, the timestamp prefix and the byte limit."""

    def __init__(self, opts: LogOptions, now: float) -> None:
        self.timestamps = opts.timestamps
        self.since = -math.inf
        if opts.since_seconds is not None:
            self.since = now - opts.since_seconds
        if opts.since_time is not None and opts.since_time > self.since:
            self.since = opts.since_time
        self.remain = math.inf if opts.limit_bytes is None else opts.limit_bytes

    @property
    def full(self) -> bool:
        return self.remain <= 0

    def render(self, found: list[Line]) -> bytes:
        out = bytearray()
        for ts, text in found:
            if ts < self.since or self.full:
                continue
            line = (f"{log_timestamp(ts)} {text}\n" if self.timestamps else f"{text}\n").encode()
            if len(line) > self.remain:
                line = line[: int(self.remain)]
            out += line
            self.remain -= len(line)
        return bytes(out)


class PodLogs:
    """Serves pods/log from the kubelets' container records."""

    def __init__(self, store: Store, logs: ContainerLogs, faults: Faults) -> None:
        self.store = store
        self.logs = logs
        self.faults = faults

    async def serve(self, request: web.Request, namespace: str, name: str) -> web.StreamResponse:
        opts = parse_options(request.query, name)
        pod = self.store.get(PODS, namespace, name)
        if pod is None:
            raise not_found("pods", "", name)
        container = pick_container(pod, opts.container)
        node = (pod.get("spec") or {}).get("nodeName")
        if not node:
            return web.Response(status=204)  # LogLocation gives no location: no content
        if node in self.faults.failed_nodes:
            return self._kubelet_unreachable(pod, node, container, _kubelet_query(opts))
        run = self.logs.get(container_instance(pod, container, opts.previous))
        now = self.store.clock.now()
        retained = [] if run is None else lines(run, -math.inf, _written_until(run, now))
        if opts.tail_lines is not None:
            keep = opts.tail_lines
            retained = retained[max(0, len(retained) - keep) :] if keep else []
        writer = _Writer(opts, now)
        first = writer.render(retained)
        if not opts.follow or run is None:
            return web.Response(body=first, headers=TEXT)
        return await self._follow(request, pod, run, writer, first, now)

    async def _follow(
        self,
        request: web.Request,
        pod: Obj,
        run: ContainerRun,
        writer: _Writer,
        first: bytes,
        cursor: float,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers=TEXT)
        response.enable_chunked_encoding()
        await response.prepare(request)
        if first:
            await response.write(first)
        meta = pod["metadata"]
        event = self.logs.waiter()
        clock = self.store.clock
        try:
            while not writer.full:
                current = self.store.get(PODS, meta["namespace"], meta["name"])
                gone = (
                    self.logs.closed or current is None or current["metadata"]["uid"] != meta["uid"]
                )
                now = clock.now()
                until = _written_until(run, now)
                fresh = lines(run, cursor, until)
                if fresh:
                    cursor = fresh[-1][0]
                    chunk = writer.render(fresh)
                    if chunk:
                        await response.write(chunk)
                if gone or run.finished is not None:
                    break
                due = next_line(run, now)
                delay = None if due is None else clock.real_delay(due)
                event.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        event.wait(), FORCE_CHECK if delay is None else min(delay, FORCE_CHECK)
                    )
        finally:
            self.logs.release(event)
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
        return response

    def _kubelet_unreachable(self, pod: Obj, node: str, container: str, query: str) -> web.Response:
        """The API server cannot reach a lost node's kubelet: the dial error, as a Status
        whose reason is unknown (ErrorToAPIStatus of an error that is not a Status)."""
        address = "10.0.0.1"
        status = (self.store.get(NODES, "", node) or {}).get("status") or {}
        for addr in status.get("addresses") or ():
            if addr.get("type") == "InternalIP":
                address = str(addr.get("address"))
        meta = pod["metadata"]
        path = f"containerLogs/{meta['namespace']}/{meta['name']}/{container}"
        url = f"https://{address}:10250/{path}"
        if query:
            url += f"?{query}"
        body = unknown_failure(500, f'Get "{url}": dial tcp {address}:10250: i/o timeout')
        return web.Response(status=500, body=encode(body), content_type="application/json")


def _written_until(run: ContainerRun, now: float) -> float:
    """All a finished container wrote is on disk; a running one has written up to now."""
    return math.inf if run.finished is not None else now


def _kubelet_query(opts: LogOptions) -> str:
    """The query LogLocation sends the kubelet (url.Values.Encode: keys sorted)."""
    params: dict[str, str] = {}
    if opts.follow:
        params["follow"] = "true"
    if opts.limit_bytes is not None:
        params["limitBytes"] = str(opts.limit_bytes)
    if opts.previous:
        params["previous"] = "true"
    if opts.since_seconds is not None:
        params["sinceSeconds"] = str(opts.since_seconds)
    if opts.since_time is not None:
        stamp = datetime.fromtimestamp(opts.since_time, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params["sinceTime"] = stamp
    if opts.tail_lines is not None:
        params["tailLines"] = str(opts.tail_lines)
    if opts.timestamps:
        params["timestamps"] = "true"
    return urlencode(sorted(params.items()))
