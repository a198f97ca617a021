"""The Prometheus HTTP API over real HTTP on 127.0.0.1: envelopes, errors, outage, metadata."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from warroom.sim.promapi import PrometheusApi
from warroom.sim.promql import Engine
from warroom.sim.tsdb import SeriesStore

NOW = 1_700_000_000.0


@dataclass
class Served:
    api: PrometheusApi
    session: aiohttp.ClientSession

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        async with self.session.get(path, params=params) as resp:
            assert resp.content_type == "application/json"
            return resp.status, await resp.json()

    async def post(self, path: str, **form: str) -> tuple[int, Any]:
        async with self.session.post(path, data=form) as resp:
            return resp.status, await resp.json()


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    store = SeriesStore()
    for t in range(int(NOW) - 600, int(NOW) + 1, 15):
        for pod in ("a", "b"):
            labels = {"__name__": "requests_total", "job": "vllm", "pod": pod}
            store.append(labels, t, (t - NOW + 600) * (1 if pod == "a" else 2))
        store.append({"__name__": "up", "job": "vllm"}, t, 1)
    api = PrometheusApi(Engine(store), clock=lambda: NOW)
    runner = web.AppRunner(api.application())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    async with aiohttp.ClientSession(base_url=f"http://{host}:{port}") as session:
        yield Served(api, session)
    await runner.cleanup()


async def test_instant_query_envelope_and_string_values(served: Served) -> None:
    status, body = await served.get("/api/v1/query", query="up")
    assert status == 200
    assert body == {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": {"__name__": "up", "job": "vllm"}, "value": [NOW, "1"]}],
        },
    }


async def test_post_form_and_explicit_times(served: Served) -> None:
    _, by_get = await served.get("/api/v1/query", query="sum(requests_total)", time=str(NOW - 60))
    _, by_post = await served.post("/api/v1/query", query="sum(requests_total)",
                                   time="2023-11-14T22:12:20Z")  # NOW - 60 in RFC3339
    assert by_get == by_post
    assert by_get["data"]["result"][0]["value"] == [NOW - 60, "1620"]


async def test_special_values_are_strings(served: Served) -> None:
    for query, text in (("1/0", "+Inf"), ("-1/0", "-Inf"), ("0/0", "NaN"), ("0.1+0.2",
                        "0.30000000000000004")):
        status, body = await served.get("/api/v1/query", query=query, time="100.5")
        assert status == 200
        assert body["data"] == {"resultType": "scalar", "result": [100.5, text]}


async def test_range_query_steps_are_aligned_to_start(served: Served) -> None:
    status, body = await served.get(
        "/api/v1/query_range", query='rate(requests_total{pod="b"}[1m])',
        start=str(NOW - 100), end=str(NOW - 10), step="30s",
    )
    assert status == 200
    (series,) = body["data"]["result"]
    assert body["data"]["resultType"] == "matrix"
    assert series["metric"] == {"job": "vllm", "pod": "b"}
    assert [ts for ts, _ in series["values"]] == [NOW - 100, NOW - 70, NOW - 40, NOW - 10]
    assert all(float(value) == pytest.approx(2) for _, value in series["values"])


async def test_range_query_accepts_float_step_and_rfc3339(served: Served) -> None:
    status, body = await served.post(
        "/api/v1/query_range", query="up", start="2023-11-14T22:13:00Z",
        end="2023-11-14T22:13:20.5Z", step="7.5",
    )
    assert status == 200
    assert [ts for ts, _ in body["data"]["result"][0]["values"]] == [NOW - 20, NOW - 12.5,
                                                                     NOW - 5]


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/api/v1/query", {}, 'invalid parameter "query": 1:1: parse error: no expression '
         "found in input"),
        ("/api/v1/query", {"query": "sum("}, 'invalid parameter "query": parse error: '
         "unclosed left parenthesis"),
        ("/api/v1/query", {"query": "up", "time": "yesterday"}, 'invalid parameter "time": '
         "Invalid time value for 'time': cannot parse \"yesterday\" to a valid timestamp"),
        ("/api/v1/query_range", {"query": "up", "end": "10", "step": "1"},
         'invalid parameter "start": cannot parse "" to a valid timestamp'),
        ("/api/v1/query_range", {"query": "up", "start": "10", "end": "5", "step": "1"},
         'invalid parameter "end": end timestamp must not be before start time'),
        ("/api/v1/query_range", {"query": "up", "start": "0", "end": "5"},
         'invalid parameter "step": cannot parse "" to a valid duration'),
        ("/api/v1/query_range", {"query": "up", "start": "0", "end": "5", "step": "-1"},
         'invalid parameter "step": zero or negative query resolution step widths are not '
         "accepted. Try a positive integer"),
        ("/api/v1/query_range", {"query": "up", "start": "0", "end": "11001", "step": "1"},
         "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
         "query resolution (?step=XX)"),
        ("/api/v1/query_range", {"query": "sum(", "start": "0", "end": "5", "step": "1"},
         "parse error: unclosed left parenthesis"),
        ("/api/v1/query_range", {"query": "up[5m]", "start": "0", "end": "5", "step": "1"},
         'invalid expression type "range vector" for range query, must be Scalar or instant '
         "Vector"),
        ("/api/v1/label/not-a-name/values", {}, 'invalid label name: "not-a-name"'),
        ("/api/v1/labels", {"match[]": '{job=~".*"}'},
         "match[] must contain at least one non-empty matcher"),
    ],
)
async def test_bad_data_is_400(served: Served, path: str, params: dict[str, str],
                               message: str) -> None:
    status, body = await served.get(path, **params)
    assert status == 400
    assert body == {"status": "error", "errorType": "bad_data", "error": message}


async def test_range_query_at_the_point_limit_is_accepted(served: Served) -> None:
    status, _ = await served.get("/api/v1/query_range", query="1", start="0", end="11000",
                                 step="1")
    assert status == 200


async def test_unsupported_and_runtime_errors_are_422(served: Served) -> None:
    status, body = await served.get("/api/v1/query", query="predict_linear(up[5m], 60)")
    assert status == 422
    assert body == {
        "status": "error",
        "errorType": "execution",
        "error": 'function "predict_linear" is not supported by the warroom sim\'s built-in '
                 "PromQL engine; run a real Prometheus (apt install prometheus) for it",
    }
    status, body = await served.get("/api/v1/query", query="up + on(job) requests_total")
    assert status == 422
    assert body["errorType"] == "execution"
    assert "many-to-many matching not allowed" in body["error"]


async def test_outage_answers_503_everywhere(served: Served) -> None:
    served.api.available = False
    for path, params in (("/api/v1/query", {"query": "up"}),
                         ("/api/v1/query_range", {"query": "up", "start": "0", "end": "1",
                                                  "step": "1"}),
                         ("/api/v1/labels", {}), ("/api/v1/label/job/values", {}),
                         ("/api/v1/status/buildinfo", {})):
        status, body = await served.get(path, **params)
        assert status == 503
        assert body["status"] == "error" and body["errorType"] == "unavailable"
        assert body["error"]
    async with served.session.get("/-/ready") as resp:
        assert resp.status == 503
    served.api.available = True
    status, _ = await served.get("/api/v1/query", query="up")
    assert status == 200


async def test_buildinfo_identifies_the_fallback(served: Served) -> None:
    status, body = await served.get("/api/v1/status/buildinfo")
    assert status == 200
    assert body["status"] == "success"
    assert body["data"]["version"] == "warroom-sim"


async def test_labels_and_label_values(served: Served) -> None:
    _, body = await served.get("/api/v1/labels")
    assert body == {"status": "success", "data": ["__name__", "job", "pod"]}
    _, body = await served.get("/api/v1/labels", **{"match[]": "up"})
    assert body["data"] == ["__name__", "job"]
    _, body = await served.get("/api/v1/label/pod/values")
    assert body["data"] == ["a", "b"]
    _, body = await served.get("/api/v1/label/__name__/values", start=str(NOW - 1),
                               end=str(NOW))
    assert body["data"] == ["requests_total", "up"]
    _, body = await served.post("/api/v1/labels", **{"match[]": 'requests_total{pod="a"}'})
    assert body["data"] == ["__name__", "job", "pod"]


async def test_health_endpoints(served: Served) -> None:
    async with served.session.get("/-/healthy") as resp:
        assert resp.status == 200
        assert await resp.text() == "Prometheus Server is Healthy.\n"
    async with served.session.get("/-/ready") as resp:
        assert resp.status == 200
        assert await resp.text() == "Prometheus Server is Ready.\n"


async def test_routes_cover_get_and_post() -> None:
    api = PrometheusApi(Engine(SeriesStore()))
    routes = {(method, path) for method, path, _ in api.routes()}
    for path in ("/api/v1/query", "/api/v1/query_range", "/api/v1/labels"):
        assert {("GET", path), ("POST", path)} <= routes
    assert ("GET", "/api/v1/label/{name}/values") in routes
    assert ("GET", "/api/v1/status/buildinfo") in routes
