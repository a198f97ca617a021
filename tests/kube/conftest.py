"""Fixtures for kube/: an empty simulated cluster, a traced connection to it, and helpers.

`Traffic` records every request the client sends (through aiohttp tracing, so it sees what
went on the wire) and lets a test act at the moment an answer arrives; `World` writes
ConfigMaps straight into the sim (also while its API refuses requests); `until`
(tests/waiting.py) waits for a condition with a deadline, so no test sleeps in place of
synchronising.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from warroom.kube import Backoff, Connection, Reflector, Resource, connect
from warroom.sim.cluster import CONTEXT, SimCluster
from warroom.sim.store import clone
from warroom.state.store import ObjectCache

NS = "team"
CONFIGMAPS = f"/api/v1/namespaces/{NS}/configmaps"
# Timers may fire a hair early; lower bounds on waits allow for it.
SLACK = 0.9


def fast_backoff(initial: float = 0.05, cap: float = 0.4) -> Backoff:
    """client-go's shape (×2, capped) at test speed, without jitter so gaps have lower bounds."""
    return Backoff(initial=initial, factor=2.0, cap=cap, jitter=0.0, reset_after=60.0)


@dataclass
class Sent:
    """One request as the client sent it, and how it ended."""

    method: str
    path: str
    query: dict[str, str]
    at: float
    status: int | None = None
    error: BaseException | None = None
    content_type: str = ""
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def verb(self) -> str:
        return "watch" if self.query.get("watch") == "true" else "list"


@dataclass
class Traffic:
    """Every request through the connection, in order; `on_answer` hooks run as answers arrive."""

    sent: list[Sent] = field(default_factory=list)
    on_answer: list[Callable[[Sent], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._start)
        self.config.on_request_end.append(self._end)
        self.config.on_request_exception.append(self._exception)
        self.config.on_request_chunk_sent.append(self._chunk)

    async def _start(self, _: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        ctx.sent = Sent(
            params.method,
            params.url.path,
            dict(params.url.query),
            time.monotonic(),
            content_type=params.headers.get("Content-Type", ""),
        )
        self.sent.append(ctx.sent)

    async def _chunk(self, _: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        ctx.sent.body += params.chunk

    async def _end(self, _: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        ctx.sent.status = params.response.status
        for hook in list(self.on_answer):
            hook(ctx.sent)

    async def _exception(self, _: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        ctx.sent.error = params.exception

    def of(self, verb: str, path: str = CONFIGMAPS) -> list[Sent]:
        return [s for s in self.sent if s.path == path and s.verb == verb]

    def lists(self, path: str = CONFIGMAPS) -> list[Sent]:
        return self.of("list", path)

    def watches(self, path: str = CONFIGMAPS) -> list[Sent]:
        return self.of("watch", path)


class World:
    """Writes ConfigMaps into the sim directly, and reads back what it holds."""

    def __init__(self, sim: SimCluster) -> None:
        self.sim = sim
        rt = sim.catalogue.get("", "v1", "configmaps")
        assert rt is not None
        self.rt = rt
        self.namespace(NS)

    def namespace(self, name: str) -> None:
        rt = self.sim.catalogue.get("", "v1", "namespaces")
        assert rt is not None
        if self.sim.store.get(("", "namespaces"), "", name) is None:
            self.sim.registry.create(rt, "", {"metadata": {"name": name}}, dry_run=False)

    def create(
        self, name: str, labels: dict[str, str] | None = None, ns: str = NS
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": name, "labels": labels or {}}
        return self.sim.registry.create(self.rt, ns, {"metadata": meta}, dry_run=False)

    def update(self, name: str, value: str, ns: str = NS) -> dict[str, Any]:
        body = clone(self.sim.registry.get(self.rt, ns, name))
        body.setdefault("data", {})["v"] = value
        return self.sim.registry.update(self.rt, ns, name, body, dry_run=False)

    def delete(self, name: str, ns: str = NS) -> dict[str, Any]:
        return self.sim.registry.delete(self.rt, ns, name, {}, dry_run=False)

    def state(self, ns: str = NS) -> dict[tuple[str, str], tuple[str, str]]:
        """(namespace, name) -> (uid, resourceVersion) of every ConfigMap in `ns`."""
        return {
            (o["metadata"]["namespace"], o["metadata"]["name"]): (
                o["metadata"]["uid"],
                o["metadata"]["resourceVersion"],
            )
            for o in self.sim.store.list(("", "configmaps"), ns)
        }


def cache_state(cache: ObjectCache) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (o["metadata"]["namespace"], o["metadata"]["name"]): (
            o["metadata"]["uid"],
            o["metadata"]["resourceVersion"],
        )
        for o in cache
    }


class RecordingSink(ObjectCache):
    """An ObjectCache that also remembers each call the reflector made, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, str]] = []

    def replace(self, items: list[dict[str, Any]], resource_version: str) -> None:
        self.calls.append(("replace", str(len(items)), resource_version))
        super().replace(items, resource_version)

    def apply(self, event_type: str, obj: dict[str, Any]) -> None:
        self.calls.append((event_type, obj["metadata"]["name"], obj["metadata"]["resourceVersion"]))
        super().apply(event_type, obj)

    def bookmark(self, resource_version: str) -> None:
        self.calls.append(("BOOKMARK", "", resource_version))
        super().bookmark(resource_version)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.calls if c[0] == kind)


def configmaps(ns: str = NS, **selectors: str) -> Resource:
    return Resource("", "v1", "configmaps", namespace=ns, **selectors)


def reflector(conn: Connection, sink: ObjectCache, **options: Any) -> Reflector:
    """A reflector of the test namespace's ConfigMaps, with fast back-off unless given.

    Tests drop watches the moment they open; unless a test is about that, such a watch is not
    held against the server as a very short one (which would shift the back-off series).
    """
    resource = options.pop("resource", configmaps())
    options.setdefault("backoff", fast_backoff())
    options.setdefault("short_watch", 0.0)
    return Reflector(conn, resource, sink, **options)


async def traced(sim: SimCluster, traffic: Traffic) -> Connection:
    return await connect(sim.kubeconfig, CONTEXT, trace_configs=[traffic.config])


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    """No scenario, stopped clock: only the test writes anything."""
    async with SimCluster(None, manual_clock=True) as cluster:
        yield cluster


@pytest.fixture
def world(sim: SimCluster) -> World:
    return World(sim)


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
async def conn(sim: SimCluster, traffic: Traffic) -> AsyncIterator[Connection]:
    async with await traced(sim, traffic) as connection:
        yield connection
