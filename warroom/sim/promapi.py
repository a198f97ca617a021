"""The Prometheus HTTP API, answered by the sim's built-in PromQL engine.

Used when no real `prometheus` binary is available. Endpoints, parameters, envelopes, error
types, status codes and messages follow web/api/v1/api.go of Prometheus 2.42, so a client
written for Prometheus works unchanged; `/api/v1/status/buildinfo` reports the version
"warroom-sim" so a client can still tell the fallback from the real thing. Setting `available`
to False injects a Prometheus outage: every endpoint answers 503.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiohttp import web

from warroom.sim.label_matchers import LabelMatcher
from warroom.sim.promql import Engine, QueryError, QueryParseError
from warroom.sim.promql.parse import parse_selector
from warroom.sim.promql.values import LABEL_NAME_RE, go_parse_float
from warroom.sim.tsdb import seconds_to_ms

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

BUILD_INFO = {
    "version": "warroom-sim",
    "revision": "",
    "branch": "",
    "buildUser": "warroom",
    "buildDate": "",
    "goVersion": "",
}
_STATUS = {
    "bad_data": 400,
    "execution": 422,
    "canceled": 503,
    "timeout": 503,
    "unavailable": 503,
    "not_found": 404,
    "internal": 500,
}
_MAX_POINTS = 11_000
_NS = 1_000_000_000
_INT64_MAX = 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RFC3339_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})")
_DURATION_RE = re.compile(
    r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"
)
_DURATION_NS = (
    365 * 86400 * _NS,
    7 * 86400 * _NS,
    86400 * _NS,
    3600 * _NS,
    60 * _NS,
    _NS,
    1_000_000,
)
# Prometheus' stand-ins for "no bound" in label queries (web/api/v1 minTime/maxTime).
_MIN_TIME_TEXT = "-292273086-05-16T16:47:06Z"
_MAX_TIME_TEXT = "292277025-08-18T07:12:54.999999999Z"
_MIN_TIME_MS = -9223309901257974
_MAX_TIME_MS = 9223309901257974


class ApiError(Exception):
    """An error envelope to send: errorType and message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def _quote(text: str) -> str:
    """Go's %q, near enough for echoing parameters back."""
    return json.dumps(text, ensure_ascii=False)


def _invalid_param(name: str, message: str) -> ApiError:
    return ApiError("bad_data", f'invalid parameter "{name}": {message}')


def parse_time_ms(text: str) -> int:
    """parseTime(): unix seconds (fraction rounded to ms) or RFC3339, as milliseconds."""
    seconds = go_parse_float(text)
    if seconds is not None:
        if not math.isfinite(seconds) or abs(seconds) > 9.2e15:
            raise ValueError(f"cannot parse {_quote(text)} to a valid timestamp")
        return seconds_to_ms(seconds)
    if text == _MIN_TIME_TEXT:
        return _MIN_TIME_MS
    if text == _MAX_TIME_TEXT:
        return _MAX_TIME_MS
    if _RFC3339_RE.fullmatch(text):
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return (parsed - _EPOCH) // timedelta(milliseconds=1)
    raise ValueError(f"cannot parse {_quote(text)} to a valid timestamp")


def parse_duration_ns(text: str) -> int:
    """parseDuration(): float seconds or a Prometheus duration such as `15s`, in ns."""
    seconds = go_parse_float(text)
    if seconds is not None:
        ns = seconds * _NS
        if ns != ns:
            raise ValueError(f"cannot parse {_quote(text)} to a valid duration")
        if ns > _INT64_MAX or ns < -_INT64_MAX - 1:
            raise ValueError(f"cannot parse {_quote(text)} to a valid duration. It overflows int64")
        return int(ns)
    m = _DURATION_RE.fullmatch(text)
    if text and m is not None:
        total = sum(int(g) * unit for g, unit in zip(m.groups(), _DURATION_NS, strict=True) if g)
        if total <= _INT64_MAX:
            return total
    raise ValueError(f"cannot parse {_quote(text)} to a valid duration")


class PrometheusApi:
    """aiohttp handlers for the query, metadata, status and health endpoints."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock
        #: False injects an outage: every endpoint answers 503 "unavailable".
        self.available = True
        self.outage_message = "Prometheus is unavailable (warroom sim fault injection)"

    def routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path, handler) for each endpoint, for `app.router.add_route`."""
        return [
            ("GET", "/api/v1/query", self.query),
            ("POST", "/api/v1/query", self.query),
            ("GET", "/api/v1/query_range", self.query_range),
            ("POST", "/api/v1/query_range", self.query_range),
            ("GET", "/api/v1/labels", self.labels),
            ("POST", "/api/v1/labels", self.labels),
            ("GET", "/api/v1/label/{name}/values", self.label_values),
            ("GET", "/api/v1/status/buildinfo", self.buildinfo),
            ("GET", "/-/healthy", self.healthy),
            ("HEAD", "/-/healthy", self.healthy),
            ("GET", "/-/ready", self.ready),
            ("HEAD", "/-/ready", self.ready),
        ]

    def application(self) -> web.Application:
        """A stand-alone aiohttp application serving just this API."""
        app = web.Application()
        for method, path, handler in self.routes():
            app.router.add_route(method, path, handler)
        return app

    # -- envelopes --

    @staticmethod
    def _success(data: Any) -> web.Response:
        body = orjson.dumps({"status": "success", "data": data})
        return web.Response(body=body, content_type="application/json")

    @staticmethod
    def _error(error_type: str, message: str) -> web.Response:
        body = orjson.dumps({"status": "error", "errorType": error_type, "error": message})
        return web.Response(
            body=body, status=_STATUS.get(error_type, 500), content_type="application/json"
        )

    async def _serve(
        self, request: web.Request, answer: Callable[[Mapping[str, list[str]]], Any]
    ) -> web.Response:
        if not self.available:
            return self._error("unavailable", self.outage_message)
        form = await _form(request)
        try:
            return self._success(answer(form))
        except ApiError as err:
            return self._error(err.error_type, err.message)
        except QueryError as err:
            return self._error(err.error_type, err.message)

    # -- endpoints --

    async def query(self, request: web.Request) -> web.Response:
        """GET/POST /api/v1/query: `query`, optional `time` (default now) and `timeout`."""

        def answer(form: Mapping[str, list[str]]) -> Any:
            text = _first(form, "time")
            if text:
                try:
                    ts = parse_time_ms(text) / 1000
                except ValueError as err:
                    raise _invalid_param("time", f"Invalid time value for 'time': {err}") from None
            else:
                ts = self.clock()
            _check_timeout(form)
            try:
                return self.engine.instant(_first(form, "query"), ts)
            except QueryParseError as err:
                raise _invalid_param("query", err.message) from None

        return await self._serve(request, answer)

    async def query_range(self, request: web.Request) -> web.Response:
        """GET/POST /api/v1/query_range: `query`, `start`, `end`, `step`, optional `timeout`."""

        def answer(form: Mapping[str, list[str]]) -> Any:
            bounds = []
            for name in ("start", "end"):
                try:
                    bounds.append(parse_time_ms(_first(form, name)))
                except ValueError as err:
                    raise _invalid_param(name, str(err)) from None
            start, end = bounds
            if end < start:
                raise _invalid_param("end", "end timestamp must not be before start time")
            try:
                step = parse_duration_ns(_first(form, "step"))
            except ValueError as err:
                raise _invalid_param("step", str(err)) from None
            if step <= 0:
                raise _invalid_param(
                    "step",
                    "zero or negative query resolution step widths are not accepted. "
                    "Try a positive integer",
                )
            if (end - start) * 1_000_000 // step > _MAX_POINTS:
                raise ApiError(
                    "bad_data",
                    "exceeded maximum resolution of 11,000 points per timeseries. "
                    "Try decreasing the query resolution (?step=XX)",
                )
            _check_timeout(form)
            # A range query's parse error is not prefixed with the parameter (api.go does so).
            return self.engine.range(_first(form, "query"), start / 1000, end / 1000, step / _NS)

        return await self._serve(request, answer)

    async def labels(self, request: web.Request) -> web.Response:
        """GET/POST /api/v1/labels: label names, optionally limited by `match[]`, start, end."""

        def answer(form: Mapping[str, list[str]]) -> Any:
            start, end, matchers = _series_params(form)
            return self.engine.store.label_names(matchers, start, end)

        return await self._serve(request, answer)

    async def label_values(self, request: web.Request) -> web.Response:
        """GET /api/v1/label/{name}/values."""
        name = request.match_info["name"]

        def answer(form: Mapping[str, list[str]]) -> Any:
            if not LABEL_NAME_RE.match(name):
                raise ApiError("bad_data", f"invalid label name: {_quote(name)}")
            start, end, matchers = _series_params(form)
            return self.engine.store.label_values(name, matchers, start, end)

        return await self._serve(request, answer)

    async def buildinfo(self, request: web.Request) -> web.Response:
        """GET /api/v1/status/buildinfo: version "warroom-sim" marks the built-in fallback."""
        return await self._serve(request, lambda form: dict(BUILD_INFO))

    async def healthy(self, request: web.Request) -> web.Response:
        if not self.available:
            return web.Response(status=503, text="Service Unavailable")
        return web.Response(text="Prometheus Server is Healthy.\n")

    async def ready(self, request: web.Request) -> web.Response:
        if not self.available:
            return web.Response(status=503, text="Service Unavailable")
        return web.Response(text="Prometheus Server is Ready.\n")


async def _form(request: web.Request) -> dict[str, list[str]]:
    """r.Form: POSTed form values first, then the URL's query string."""
    form: dict[str, list[str]] = {}
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        posted = await request.post()
        for key, value in posted.items():
            form.setdefault(key, []).append(str(value))
    for key, value in request.query.items():
        form.setdefault(key, []).append(value)
    return form


def _first(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name)
    return values[0] if values else ""


def _check_timeout(form: Mapping[str, list[str]]) -> None:
    # Evaluation is synchronous and quick, so a timeout is only validated, as Prometheus does.
    text = _first(form, "timeout")
    if text:
        try:
            parse_duration_ns(text)
        except ValueError as err:
            raise _invalid_param("timeout", str(err)) from None


def _series_params(
    form: Mapping[str, list[str]],
) -> tuple[float, float, list[list[LabelMatcher]]]:
    bounds = []
    for name, default in (("start", _MIN_TIME_MS), ("end", _MAX_TIME_MS)):
        text = _first(form, name)
        try:
            bounds.append(parse_time_ms(text) if text else default)
        except ValueError as err:
            raise _invalid_param(name, f"Invalid time value for '{name}': {err}") from None
    matcher_sets = []
    no_matcher = ApiError("bad_data", "match[] must contain at least one non-empty matcher")
    for text in form.get("match[]", []):
        try:
            matchers = list(parse_selector(text))
        except QueryParseError as err:
            # Prometheus' selector parser leaves this check to the API; ours makes it first.
            if err.message.endswith("must contain at least one non-empty matcher"):
                raise no_matcher from None
            raise
        if all(m.matches("") for m in matchers):
            raise no_matcher
        matcher_sets.append(matchers)
    return bounds[0] / 1000, bounds[1] / 1000, matcher_sets
