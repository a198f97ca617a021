"""Prometheus' HTTP API over httpx: instant and range queries and buildinfo.

Every failure becomes a `PromError` whose text is one sentence for the user, e.g.
`Prometheus at http://…: connection refused; is it running?` or
`query p95_latency failed: bad_data: …`.

httpx rather than prometheus-api-client (DESIGN.md's pick): a request in flight is cancelled
when the poller stops (a worker thread cannot be), the status code and Prometheus' JSON error
come through for the sentences above, and it adds no dependencies beyond the probes' client.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

#: What the sim's built-in PromQL subset reports as its version.
BUILTIN_VERSION = "warroom-sim"

Point = tuple[float, float]
#: One series of a query result: its labels and its (timestamp, value) samples, oldest first.
RawSeries = tuple[dict[str, str], list[Point]]


class PromError(Exception):
    """A request to Prometheus failed; str() is one sentence for the user.

    `unreachable` says the server as a whole is down, unreachable or refusing us (rather than
    one query being wrong), so the other queries of a poll need not be tried.
    """

    def __init__(self, sentence: str, *, unreachable: bool) -> None:
        super().__init__(sentence)
        self.unreachable = unreachable


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Which Prometheus answers at `url`: `version` None when it serves no buildinfo."""

    url: str
    version: str | None

    @property
    def builtin(self) -> bool:
        """True for the sim's built-in PromQL subset rather than a real Prometheus."""
        return self.version == BUILTIN_VERSION

    @property
    def label(self) -> str:
        """A short description for the header."""
        if self.builtin:
            return "built-in PromQL subset (warroom sim)"
        if self.version is None:
            return "Prometheus-compatible server (no buildinfo)"
        return f"Prometheus {self.version}"


def check_url(url: str) -> str:
    """The base URL without a trailing slash; ValueError in one sentence if it is not HTTP."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"Prometheus URL {url!r} must start with http:// or https://")
    return url.rstrip("/")


class PromClient:
    """An httpx.AsyncClient bound to one Prometheus; requests are bounded by `timeout`."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = check_url(url)
        self.timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=self.url,
            # A short connect timeout: a dead host should say so quickly, a slow query may not.
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers=dict(headers or {}),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def buildinfo(self) -> ServerInfo:
        """Which server this is; a server without the endpoint (404) has version None."""
        try:
            data = await self._call("GET", "/api/v1/status/buildinfo", None, "buildinfo")
        except _NotFound:
            return ServerInfo(self.url, None)
        version = data.get("version") if isinstance(data, dict) else None
        return ServerInfo(self.url, str(version) if version else None)

    async def instant(self, query: str, *, name: str) -> list[RawSeries]:
        """An instant query at the server's current time; `name` labels errors."""
        params = {"query": query, "timeout": self._server_timeout}
        data = await self._call("POST", "/api/v1/query", params, f"query {name}")
        return _series(data, name)

    async def range(
        self, query: str, start: float, end: float, step: float, *, name: str
    ) -> list[RawSeries]:
        """A range query from `start` to `end` (unix seconds) every `step` seconds."""
        params = {
            "query": query,
            "start": f"{start:.3f}",
            "end": f"{end:.3f}",
            "step": f"{step:g}",
            "timeout": self._server_timeout,
        }
        data = await self._call("POST", "/api/v1/query_range", params, f"range query {name}")
        return _series(data, name)

    @property
    def _server_timeout(self) -> str:
        # A little under ours, so a slow evaluation ends with Prometheus' own error and the
        # server stops working on it, rather than with our client giving up.
        return f"{self.timeout * 0.9:.3g}s"

    async def _call(self, method: str, path: str, params: dict[str, str] | None, what: str) -> Any:
        try:
            # httpx times each read; the outer deadline also bounds a server that trickles.
            async with asyncio.timeout(self.timeout):
                response = await self._http.request(method, path, data=params)
        except httpx.ConnectTimeout:
            raise PromError(
                f"Prometheus at {self.url}: no answer within {min(self.timeout, 5.0):g} s; "
                "check the URL and the network",
                unreachable=True,
            ) from None
        except (TimeoutError, httpx.TimeoutException):
            raise PromError(
                f"Prometheus at {self.url}: {what} took longer than {self.timeout:g} s; "
                "the server may be overloaded",
                unreachable=False,
            ) from None
        except httpx.HTTPError as err:
            raise PromError(_transport_sentence(self.url, err), unreachable=True) from None
        return _data(self.url, path, what, response)


class _NotFound(PromError):
    """The endpoint does not exist on this server (HTTP 404 without an API envelope)."""


def _transport_sentence(url: str, err: httpx.HTTPError) -> str:
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return f"Prometheus at {url}: connection refused; is it running?"
        if isinstance(cause, socket.gaierror):
            host = httpx.URL(url).host
            return f"Prometheus at {url}: cannot resolve {host}; check the URL"
        if isinstance(cause, ssl.SSLError):
            return (
                f"Prometheus at {url}: TLS failed ({cause.reason or cause}); check the "
                "certificate and whether the URL should be http://"
            )
        if isinstance(cause, OSError) and cause.strerror:
            return f"Prometheus at {url}: {cause.strerror.lower()}; check the URL and the network"
        cause = cause.__cause__ or cause.__context__
    detail = str(err) or type(err).__name__
    return f"Prometheus at {url}: the request failed ({detail}); check the URL and the network"


def _data(url: str, path: str, what: str, response: httpx.Response) -> Any:
    status = response.status_code
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict) and body.get("status") == "error":
        kind = str(body.get("errorType") or "error")
        message = str(body.get("error") or "").strip()
        if kind == "unavailable" or (
            status in (502, 503, 504) and kind not in ("timeout", "canceled")
        ):
            detail = f": {message}" if message else ""
            raise PromError(f"Prometheus answered {status} ({kind}){detail}", unreachable=True)
        raise PromError(f"{what} failed: {kind}: {message}", unreachable=False)
    if status in (401, 403):
        raise PromError(
            f"Prometheus at {url} refused access ({status} {response.reason_phrase}); check the "
            "credentials or token",
            unreachable=True,
        )
    if status == 404:
        raise _NotFound(
            f"Prometheus at {url} has no {path} (404); check that the URL is Prometheus' base URL",
            unreachable=True,
        )
    if status >= 400:
        reason = response.reason_phrase or "error"
        hint = "; it may be starting or overloaded" if status >= 500 else ""
        raise PromError(f"Prometheus answered {status} ({reason}){hint}", unreachable=status >= 500)
    if not isinstance(body, dict) or "data" not in body:
        kind = response.headers.get("content-type", "no content type")
        raise PromError(
            f"Prometheus at {url} answered {what} with something that is not Prometheus' API "
            f"({kind}); check the URL",
            unreachable=True,
        )
    return body["data"]


def _series(data: Any, name: str) -> list[RawSeries]:
    """A query's result as (labels, points) per series, whatever its result type."""
    try:
        kind = data["resultType"]
        result = data["result"]
        if kind == "vector":
            return [(dict(s["metric"]), [_point(s["value"])]) for s in result]
        if kind == "matrix":
            return [(dict(s["metric"]), [_point(v) for v in s["values"]]) for s in result]
        if kind == "scalar":
            return [({}, [_point(result)])]
    except (KeyError, TypeError, ValueError, IndexError):
        raise PromError(
            f"query {name}: Prometheus' answer was malformed; is the server a Prometheus?",
            unreachable=False,
        ) from None
    raise PromError(
        f"query {name} gives a {kind}, not numbers; change it to a numeric expression",
        unreachable=False,
    )


def _point(sample: Any) -> Point:
    ts, text = sample
    return float(ts), float(text)  # float() reads Prometheus' "NaN", "+Inf" and "-Inf"
