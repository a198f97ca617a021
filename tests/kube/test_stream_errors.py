"""Watch streams the sim cannot produce: ERROR events other than 410, and malformed lines.

A few lines of aiohttp answer LIST and WATCH from a script, as client-go's fake
ListerWatcher does; everything else is tested against the sim.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from tests.kube.conftest import SLACK, RecordingSink, reflector
from tests.waiting import until
from warroom.kube import Connection, Resource, connect
from warroom.sim.cluster import CONTEXT, kubeconfig_text

PODS = Resource("", "v1", "pods", namespace="ns")
Line = dict[str, Any] | bytes


def pod(name: str, rv: int) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"uid-{name}",
            "resourceVersion": str(rv),
        },
    }


def pod_list(rv: int, *names: str) -> dict[str, Any]:
    items = [pod(n, i + 1) for i, n in enumerate(names)]
    return {
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": str(rv)},
        "items": items,
    }


def status(code: int, reason: str, message: str, **details: Any) -> dict[str, Any]:
    out = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code}
    out.update(reason=reason, message=message, metadata={})
    if details:
        out["details"] = details
    return out


class Script:
    """Answers the n-th LIST and the n-th WATCH from lists; later watches stay open and quiet."""

    def __init__(self, lists: list[dict[str, Any]], watches: list[list[Line]]) -> None:
        self.lists = lists
        self.watches = watches
        self.listed: list[float] = []
        self.watched: list[tuple[float, str]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        if request.query.get("watch") != "true":
            self.listed.append(loop.time())
            body = self.lists[min(len(self.listed), len(self.lists)) - 1]
            return web.json_response(body)
        self.watched.append((loop.time(), request.query.get("resourceVersion", "")))
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        if len(self.watched) > len(self.watches):
            await asyncio.Event().wait()  # open until the client goes away
        for line in self.watches[len(self.watched) - 1]:
            await response.write(line if isinstance(line, bytes) else orjson.dumps(line) + b"\n")
        await response.write_eof()
        return response


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Any]:
    runners: list[web.AppRunner] = []
    connections: list[Connection] = []

    async def start(script: Script) -> Connection:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", script.handle)
        runner = web.AppRunner(app, handler_cancellation=True)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(kubeconfig_text(f"http://127.0.0.1:{port}"), encoding="utf-8")
        connection = await connect(kubeconfig, CONTEXT, check=False)
        connections.append(connection)
        return connection

    yield start
    for connection in connections:
        await connection.close()
    for runner in runners:
        await runner.cleanup()


async def test_error_event_after_an_unsafe_delete_relists_and_drops_the_corrupt_object(
    serve: Any,
) -> None:
    """TestReflectorReplacesStoreOnUnsafeDelete: an ERROR 500 mid-stream means a relist."""
    script = Script(
        lists=[pod_list(3, "foo-1", "foo-2", "foo-3"), pod_list(5, "foo-1", "foo-2", "foo-3")],
        watches=[
            [
                {"type": "ADDED", "object": pod("foo", 4)},
                {
                    "type": "ERROR",
                    "object": status(
                        500,
                        "StoreReadError",
                        "failed to prepare current and previous objects: corrupt object has "
                        "been deleted",
                    ),
                },
            ]
        ],
    )
    sink = RecordingSink()
    async with reflector(await serve(script), sink, resource=PODS) as r:
        await until(lambda: r.healthy and r.resource_version == "5")
    assert [c for c in sink.calls if c[0] == "replace"] == [
        ("replace", "3", "3"),
        ("replace", "3", "5"),
    ]
    assert sink.get("ns", "foo") is None and len(sink) == 3
    assert len(script.listed) == 2


async def test_throttling_error_event_backs_off_for_retry_after_without_relist(serve: Any) -> None:
    """TestBackoffOnTooManyRequests: a 429 Status inside the stream, with retryAfterSeconds."""
    throttled = status(429, "TooManyRequests", "slow down", retryAfterSeconds=1)
    script = Script(
        lists=[pod_list(3, "a")],
        watches=[
            [{"type": "MODIFIED", "object": pod("a", 4)}, {"type": "ERROR", "object": throttled}]
        ],
    )
    sink = RecordingSink()
    async with reflector(await serve(script), sink, resource=PODS) as r:
        await until(lambda: "429 Too Many Requests" in (r.last_error or ""))
        await until(lambda: len(script.watched) == 2 and r.healthy)
    (first, _), (second, rv) = script.watched
    assert second - first >= 1.0 * SLACK
    assert rv == "4"  # resumes after the last event it applied
    assert len(script.listed) == 1


async def test_malformed_line_relists(serve: Any) -> None:
    script = Script(
        lists=[pod_list(3, "a"), pod_list(6, "a", "b")],
        watches=[[{"type": "ADDED", "object": pod("b", 4)}, b'{"type": "MODIFIED", "obj\n']],
    )
    sink = RecordingSink()
    async with reflector(await serve(script), sink, resource=PODS) as r:
        await until(lambda: "malformed JSON" in (r.last_error or ""))
        await until(lambda: r.healthy and len(script.listed) == 2)
    assert sink.keys() == {("ns", "a"), ("ns", "b")}
