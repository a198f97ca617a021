"""A real Prometheus scraping the sim: the numbers it computes match the load model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.conftest import require_tool
from tests.waiting import until_value
from warroom.sim.cluster import SimCluster
from warroom.sim.prometheus import PrometheusProcess

NS = "bizra-prod"
SERVICE = f"{NS}/bizra-inference"
REGRESSED = "ghcr.io/bizra/inference:2.0.1-rc2"
WINDOW = "20s"


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("bizra-inference-10k", speed=10) as cluster:
        cluster.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # hold 3 replicas
        yield cluster


@pytest.fixture
async def prometheus(sim: SimCluster) -> AsyncIterator[PrometheusProcess]:
    binary = require_tool("prometheus")
    async with PrometheusProcess(sim.metrics_target, scrape_interval=0.5,
                                 binary=binary) as prom:
        yield prom


async def query(prom: PrometheusProcess, expr: str) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(
        f"{prom.url}/api/v1/query", params={"query": expr}
    ) as resp:
        body = await resp.json()
    assert body["status"] == "success", body
    return list(body["data"]["result"])


async def settled(prom: PrometheusProcess, expr: str, check: Any, timeout: float = 60) -> list:
    """Query until the result passes `check` (Prometheus needs a few scrapes for rate())."""
    return await until_value(
        lambda: query(prom, expr),
        lambda result: bool(result) and check(result),
        timeout=timeout,
        what=f"{expr} satisfying the check",
    )


def scalar(result: list[dict[str, Any]]) -> float:
    return float(result[0]["value"][1])


async def test_prometheus_sees_rate_latency_errors_and_gpu_use(
    sim: SimCluster, prometheus: PrometheusProcess
) -> None:
    sim.set_users(SERVICE, 1000)  # 80 rps over 3 pods
    rps = await settled(
        prometheus, f'sum(rate(http_requests_total{{namespace="{NS}"}}[{WINDOW}]))',
        lambda r: abs(scalar(r) - 80) < 4, timeout=90,
    )
    assert scalar(rps) == pytest.approx(80, rel=0.05)
    p95 = await query(prometheus, "histogram_quantile(0.95, sum by (le) (rate("
                      f'http_request_duration_seconds_bucket{{namespace="{NS}"}}[{WINDOW}])))')
    # 80 rps on 3 pods of 32 rps capacity is above nominal: latency is stretched but under 2 s.
    assert 0.8 < scalar(p95) < 2.0
    errors = await query(
        prometheus,
        f'sum(rate(http_requests_total{{namespace="{NS}",code=~"5.."}}[{WINDOW}])) / '
        f'sum(rate(http_requests_total{{namespace="{NS}"}}[{WINDOW}]))',
    )
    assert scalar(errors) == pytest.approx(0.002, abs=0.002)
    util = await query(prometheus, f'avg(DCGM_FI_DEV_GPU_UTIL{{namespace="{NS}"}})')
    expected = 3 + 97 * min(80 / 3 / 32, 1)
    assert scalar(util) == pytest.approx(expected, abs=2)
    idle = await query(prometheus, 'avg(DCGM_FI_DEV_GPU_UTIL{pod=""})')
    assert scalar(idle) == 0
    tokens = await query(
        prometheus, f'sum(rate(inference_tokens_generated_total{{namespace="{NS}"}}[{WINDOW}]))'
    )
    assert scalar(tokens) == pytest.approx(80 * 0.998 * 96, rel=0.06)


async def test_regressed_canary_is_worse_than_stable_in_one_query(
    sim: SimCluster, prometheus: PrometheusProcess
) -> None:
    stable = sim.store.get(("apps", "deployments"), NS, "bizra-inference")
    assert stable is not None
    spec = stable["spec"]["template"]["spec"]
    rt = sim.catalogue.get("apps", "v1", "deployments")
    sim.registry.create(rt, NS, {
        "metadata": {"name": "bizra-inference-canary", "namespace": NS},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "bizra-inference", "track": "canary"}},
            "template": {
                "metadata": {"labels": {"app": "bizra-inference", "track": "canary"}},
                "spec": {**spec, "containers": [{**spec["containers"][0], "image": REGRESSED}]},
            },
        },
    }, dry_run=False)
    await sim.until(lambda: any(
        p["metadata"]["name"].startswith("bizra-inference-canary")
        and p["status"].get("containerStatuses", [{}])[0].get("ready")
        for p in sim.store.list(("", "pods"), NS)), timeout=30)
    sim.set_users(SERVICE, 600)
    by_version = (
        "histogram_quantile(0.95, sum by (le, version) (rate("
        f'http_request_duration_seconds_bucket{{namespace="{NS}"}}[{WINDOW}])))'
    )
    result = await settled(prometheus, by_version, lambda r: len(r) == 2, timeout=90)
    p95 = {r["metric"]["version"]: float(r["value"][1]) for r in result}
    assert p95["2.0.1-rc2"] > 2 * p95["2.0.0-production"]
    errors = await query(
        prometheus,
        f'sum by (version) (rate(http_requests_total{{namespace="{NS}",code=~"5.."}}[{WINDOW}]))'
        f' / sum by (version) (rate(http_requests_total{{namespace="{NS}"}}[{WINDOW}]))',
    )
    ratio = {r["metric"]["version"]: float(r["value"][1]) for r in errors}
    assert ratio["2.0.1-rc2"] > 0.05
    assert ratio["2.0.0-production"] < 0.01


async def test_outage_of_the_scrape_target_marks_it_down_and_recovers(
    sim: SimCluster, prometheus: PrometheusProcess
) -> None:
    await settled(prometheus, 'up{job="warroom-sim"}', lambda r: scalar(r) == 1)
    sim.prometheus_outage(True)
    await settled(prometheus, 'up{job="warroom-sim"}', lambda r: scalar(r) == 0)
    sim.prometheus_outage(False)
    await settled(prometheus, 'up{job="warroom-sim"}', lambda r: scalar(r) == 1)
