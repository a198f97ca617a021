"""A stand-in Prometheus on loopback that answers slowly and records what it was asked.

It serves the three endpoints the poller uses, with a configurable delay, version and
failures, and keeps each request's arrival and departure so tests can check overlap.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from types import TracebackType

import orjson
from aiohttp import web


@dataclass
class Request:
    path: str
    params: dict[str, str]
    started: float
    ended: float = 0.0


@dataclass
class FakePrometheus:
    delay: float = 0.0
    version: str | None = "2.53.0"  # None: no buildinfo endpoint (404), as some stores
    status: int = 200  # answer every query with this status when not 200
    requests: list[Request] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0
    url: str = ""
    _runner: web.AppRunner | None = None

    async def __aenter__(self) -> FakePrometheus:
        app = web.Application()
        app.router.add_route("*", "/api/v1/query", self._query)
        app.router.add_route("*", "/api/v1/query_range", self._range)
        app.router.add_get("/api/v1/status/buildinfo", self._buildinfo)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def of(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    async def _record(self, request: web.Request) -> Request:
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        entry = Request(request.path, params, time.monotonic())
        self.requests.append(entry)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
            entry.ended = time.monotonic()
        return entry

    @staticmethod
    def _json(data: object, status: int = 200) -> web.Response:
        return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")

    async def _query(self, request: web.Request) -> web.Response:
        entry = await self._record(request)
        if self.status != 200:
            return web.Response(status=self.status, text="nope\n")
        value = [time.time(), "1"]
        return self._json(
            {
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [{"metric": {"query": entry.params["query"]}, "value": value}],
                },
            }
        )

    async def _range(self, request: web.Request) -> web.Response:
        entry = await self._record(request)
        start, end = float(entry.params["start"]), float(entry.params["end"])
        step = float(entry.params["step"])
        values = []
        n = 0
        while start + n * step <= end + 1e-6:
            values.append([round(start + n * step, 3), "1"])
            n += 1
        return self._json(
            {
                "status": "success",
                "data": {
                    "resultType": "matrix",
                    "result": [{"metric": {"query": entry.params["query"]}, "values": values}],
                },
            }
        )

    async def _buildinfo(self, request: web.Request) -> web.Response:
        await self._record(request)
        if self.version is None:
            return web.Response(status=404, text="404 page not found\n")
        return self._json({"status": "success", "data": {"version": self.version}})
