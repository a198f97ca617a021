"""Differential test: the built-in PromQL subset and a real Prometheus agree on the same sim run.

The queries are every signal of every layout in layouts/ (the demo now, the seeds' layouts as
they land), plus a list that exercises the rest of the subset the war room relies on: latency
quantiles, error ratios, throughput, tokens, GPU use, queue depth, by version and overall.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import require_tool
from tests.sim.seed_metrics import seed_scenario
from tests.waiting import until_value
from warroom.layout import load_layout
from warroom.sim.cluster import SimCluster
from warroom.sim.prometheus import PrometheusProcess

NS = 'namespace="bizra-prod"'
W = "[20s]"
BUCKETS = f"http_request_duration_seconds_bucket{{{NS}}}"
QUERIES = [
    f"histogram_quantile(0.95, sum by (le) (rate({BUCKETS}{W})))",
    f"histogram_quantile(0.99, sum by (le) (rate({BUCKETS}{W})))",
    f"histogram_quantile(0.95, sum by (le, version) (rate({BUCKETS}{W})))",
    f'sum(rate(http_requests_total{{{NS},code=~"5.."}}{W})) / '
    f"sum(rate(http_requests_total{{{NS}}}{W}))",
    f"sum by (version) (rate(http_requests_total{{{NS}}}{W}))",
    f"sum(rate(http_requests_total{{{NS}}}{W}))",
    f"sum(irate(http_requests_total{{{NS}}}{W}))",
    f'sum(increase(http_requests_total{{{NS},code="200"}}[30s]))',
    f"sum(rate(inference_tokens_generated_total{{{NS}}}{W}))",
    f"avg(rate(inference_tokens_generated_total{{{NS}}}{W}))",
    f"sum(rate(http_request_duration_seconds_sum{{{NS}}}{W})) / "
    f"sum(rate(http_request_duration_seconds_count{{{NS}}}{W}))",
    f"avg(DCGM_FI_DEV_GPU_UTIL{{{NS}}})",
    "max by (Hostname) (DCGM_FI_DEV_GPU_UTIL)",
    "count(DCGM_FI_DEV_GPU_UTIL > 50)",
    "sum(DCGM_FI_DEV_FB_USED) / (sum(DCGM_FI_DEV_FB_USED) + sum(DCGM_FI_DEV_FB_FREE))",
    "max(avg_over_time(DCGM_FI_DEV_GPU_TEMP[30s]))",
    "max(max_over_time(DCGM_FI_DEV_POWER_USAGE[30s]))",
    "sum(DCGM_FI_DEV_XID_ERRORS)",
    f"sum(inference_queue_depth{{{NS}}})",
    f'count(rate(http_requests_total{{{NS},code="200"}}{W}) > 0)',
    f"sum(rate(http_requests_total{{{NS}}}{W})) > 100",
    f'sum(rate(http_requests_total{{{NS},code=~"5.."}}{W})) / '
    f"sum(rate(http_requests_total{{{NS}}}{W})) > 0.05",
    'min(up{job="warroom-sim"})',
    # The families the seeds gate on, as the scenario declares them (tests/sim/seed_metrics.py).
    f"sum(rate(sap_llm_model_inference_failures_total{{{NS}}}{W}))",
    f"sum(rate(sap_llm_documents_processed_total{{{NS}}}{W})) * 3600",
    f"sum by (version) (rate(bizra_inference_requests_total{{{NS}}}{W}))",
    "histogram_quantile(0.99, sum by (le) (rate(circuit_breaker_latency_seconds_bucket"
    f"{{{NS}}}{W})))",
    "histogram_quantile(0.95, sum by (le, version) (rate(prediction_latency_seconds_bucket"
    f"{{{NS}}}{W})))",
    f'sum(rate(cache_l1_requests_total{{{NS},result="hit"}}{W})) / '
    f"sum(rate(cache_l1_requests_total{{{NS}}}{W}))",
    f'sum(rate(planner_json_total{{valid="true"}}{W})) / sum(rate(planner_json_total{W}))',
    f"sum(websocket_active_connections{{{NS}}})",
    "avg(circuit_breaker_requests_per_second)",
    "max(sap_llm_memory_usage_bytes) / 1e9",
    f"max(queue_depth{{{NS}}})",
    "sum(sap_llm_documents_per_hour)",
]
LAYOUT_QUERIES = sorted(
    {
        signal.query
        for path in sorted(Path(__file__).resolve().parents[2].joinpath("layouts").glob("*.yaml"))
        for signal in load_layout(path).signals.values()
    }
)
# The layouts' windows are 1m: both servers need scrapes from before that.
HISTORY = 70.0


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster(seed_scenario(), speed=10, scrape_interval=0.5) as cluster:
        cluster.set_hpa_metric("bizra-prod", "bizra-inference-hpa", 70)
        cluster.set_users("bizra-prod/bizra-inference", 1500)
        yield cluster


async def instant(session: aiohttp.ClientSession, url: str, expr: str, at: float) -> list[Any]:
    async with session.get(f"{url}/api/v1/query", params={"query": expr, "time": f"{at:.3f}"}) as r:
        body = await r.json()
    assert body["status"] == "success", (url, expr, body)
    data = body["data"]
    if data["resultType"] == "scalar":
        return [({}, float(data["result"][1]))]
    return [(r["metric"], float(r["value"][1])) for r in data["result"]]


async def window_filled(session: aiohttp.ClientSession, url: str, history: float) -> float:
    """A moment (epoch seconds) by which the real Prometheus at `url` has scraped, every
    0.5 s, for `history` seconds before it."""
    moments: list[float] = []

    async def window() -> list[Any]:
        moments.append(time.time() - 1)
        return await instant(session, url, f"count_over_time(up[{history:.0f}s])", moments[-1])

    await until_value(
        window,
        lambda probe: bool(probe) and probe[0][1] >= history * 2 - 2,  # scraped every 0.5 s
        timeout=history + 60,
        every=1.0,
        what=f"real Prometheus at {url} filling {history:.0f}s of history",
    )
    return moments[-1]


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 0.05 * max(abs(a), abs(b)) or abs(a - b) < 1e-6


async def test_builtin_engine_agrees_with_real_prometheus(sim: SimCluster) -> None:
    binary = require_tool("prometheus")
    async with (
        PrometheusProcess(sim.metrics_target, scrape_interval=0.5, binary=binary) as prom,
        aiohttp.ClientSession() as session,
    ):
        # Both need scrapes from before the widest window behind the evaluation time, or
        # Prometheus extrapolates from a partial window and the two rightly differ.
        at = await window_filled(session, prom.url, HISTORY)
        mismatches = []
        assert len(LAYOUT_QUERIES) >= 8  # the demo layout's signals at least
        for expr in QUERIES + LAYOUT_QUERIES:
            real = {
                tuple(sorted(m.items())): v for m, v in await instant(session, prom.url, expr, at)
            }
            ours = {
                tuple(sorted(m.items())): v
                for m, v in await instant(session, sim.prometheus_url, expr, at)
            }
            if real.keys() != ours.keys():
                mismatches.append(
                    f"{expr}: series differ: real {sorted(real)} vs sim {sorted(ours)}"
                )
                continue
            for key, value in real.items():
                if not close(value, ours[key]):
                    mismatches.append(f"{expr} {dict(key)}: real {value} vs sim {ours[key]}")
        assert not mismatches, "\n".join(mismatches)
        nonempty = [e for e in QUERIES if await instant(session, prom.url, e, at)]
        assert len(nonempty) >= len(QUERIES) - 1  # only the error-ratio alert is empty


async def test_builtin_engine_tells_itself_apart_and_refuses_what_it_lacks(sim: SimCluster) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{sim.prometheus_url}/api/v1/status/buildinfo") as resp:
            info = await resp.json()
        assert info["data"]["version"] == "warroom-sim"
        async with session.get(
            f"{sim.prometheus_url}/api/v1/query", params={"query": "predict_linear(up[5m], 60)"}
        ) as resp:
            body = await resp.json()
            assert resp.status in (400, 422)
        assert body["status"] == "error"
        assert body["errorType"] in ("bad_data", "execution")
        assert "predict_linear" in body["error"]
        async with session.get(
            f"{sim.prometheus_url}/api/v1/query", params={"query": "sum(rate(x[5m]) by"}
        ) as resp:
            body = await resp.json()
            assert resp.status == 400
        assert body["errorType"] == "bad_data"
        sim.prometheus_outage(True)
        async with session.get(
            f"{sim.prometheus_url}/api/v1/query", params={"query": "up"}
        ) as resp:
            assert resp.status == 503
            assert (await resp.json())["errorType"] == "unavailable"
        sim.prometheus_outage(False)
        sim.scrape_now()
        async with session.get(
            f"{sim.prometheus_url}/api/v1/query", params={"query": "up"}
        ) as resp:
            body = await resp.json()
        assert body["data"]["result"][0]["value"][1] == "1"
