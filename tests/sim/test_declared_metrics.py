"""Families a scenario declares under the seeds' names, scraped and queried as they move.

The scenario is seed 000's with the other seeds' families declared (tests/sim/seed_metrics.py);
each is read from the sim's /metrics as Prometheus scrapes it and, where a query is what a
layout would run, from the built-in PromQL subset (the real Prometheus is compared with it in
test_promql_differential.py).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import aiohttp
import pytest
import yaml

from tests.sim.seed_metrics import GIB, REGRESSED, seed_scenario, seed_scenario_data
from tests.sim.test_load import scrape, total
from tests.waiting import until_value
from warroom.sim.cluster import SimCluster
from warroom.sim.scenario import ScenarioError

NS = "bizra-prod"
SERVICE = f"{NS}/bizra-inference"
STABLE = "ghcr.io/bizra/inference:2.0.0-production"
Samples = list[tuple[str, dict[str, str], float]]


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return total(after, name, **labels) - total(before, name, **labels)


def quantile(q: float, before: Samples, after: Samples, family: str) -> float:
    """histogram_quantile(q, ...) over the increase between two scrapes, as Prometheus does."""
    bounds: dict[float, float] = {}
    for sign, samples in ((1, after), (-1, before)):
        for name, labels, value in samples:
            if name == f"{family}_bucket":
                le = float(labels["le"])
                bounds[le] = bounds.get(le, 0.0) + sign * value
    ordered = sorted(bounds.items())
    rank = q * ordered[-1][1]
    lower, below = 0.0, 0.0
    for bound, count in ordered:
        if count >= rank:
            if math.isinf(bound):
                return lower
            return lower + (bound - lower) * (rank - below) / (count - below)
        lower, below = bound, count
    return lower


def per_pod(samples: Samples, name: str) -> list[float]:
    return [v for n, _, v in samples if n == name]


async def loaded(sim: SimCluster, users: float, seconds: float) -> tuple[Samples, Samples]:
    """Scrapes before and after `seconds` of `users`, once the load settled for 10 s."""
    sim.set_users(SERVICE, users)
    await sim.advance(10)
    before = await scrape(sim)
    await sim.advance(seconds)
    return before, await scrape(sim)


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster(seed_scenario(), manual_clock=True) as cluster:
        cluster.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # hold 3 replicas
        yield cluster


async def test_declared_counters_count_requests_failures_and_documents(sim: SimCluster) -> None:
    for users in (500, 1500):
        before, after = await loaded(sim, users, 60)
        served = delta(before, after, "http_requests_total")
        assert served == pytest.approx(users * 0.08 * 60, rel=0.02)
        assert delta(before, after, "bizra_inference_requests_total") == pytest.approx(served)
        failed = delta(before, after, "http_requests_total", code="500") + delta(
            before, after, "http_requests_total", code="503"
        )
        failures = delta(before, after, "sap_llm_model_inference_failures_total")
        assert failures == pytest.approx(failed, rel=1e-6) and failures > 0
        answered = delta(before, after, "http_requests_total", code="200")
        documents = delta(before, after, "sap_llm_documents_processed_total")
        assert documents == pytest.approx(2 * answered, rel=1e-6)


async def test_declared_gauges_follow_users_rate_memory_and_queue(sim: SimCluster) -> None:
    sim.set_users(SERVICE, 1200)
    await sim.advance(30)
    samples = await scrape(sim)
    assert sum(per_pod(samples, "websocket_active_connections")) == pytest.approx(1200)
    # 96 requests/s over 3 pods: each pod's circuit breaker passes 32 × 10,000 a second.
    assert per_pod(samples, "circuit_breaker_requests_per_second") == pytest.approx([320_000] * 3)
    hourly = sum(per_pod(samples, "sap_llm_documents_per_hour"))
    assert hourly == pytest.approx(96 * 0.998 * 7200, rel=0.01)  # > 5K docs/hour
    # 32 rps of 32 capacity: GPUs full, memory 34 GiB + 20 GiB, under seed 002's 64 GB.
    for memory in per_pod(samples, "sap_llm_memory_usage_bytes"):
        assert memory == pytest.approx(54 * GIB, rel=0.01)
    assert per_pod(samples, "queue_depth") == per_pod(samples, "inference_queue_depth")
    assert max(per_pod(samples, "queue_depth")) > 0  # saturated: requests wait
    sim.set_users(SERVICE, 0)
    await sim.advance(5)
    idle = await scrape(sim)
    assert sum(per_pod(idle, "websocket_active_connections")) == 0
    assert per_pod(idle, "sap_llm_memory_usage_bytes") == pytest.approx([34 * GIB] * 3)


async def test_declared_histograms_are_the_request_latency_scaled(sim: SimCluster) -> None:
    before, after = await loaded(sim, 150, 120)
    p95 = quantile(0.95, before, after, "bizra_inference_request_latency_seconds")
    assert 0.4 < p95 < 0.75
    assert quantile(0.95, before, after, "prediction_latency_seconds") == pytest.approx(
        0.3 * p95, rel=0.15
    )
    # Seed 003's SLO: the circuit breaker's p99 at most 1.5 ms, nominally.
    assert quantile(0.99, before, after, "circuit_breaker_latency_seconds") <= 0.0015
    count = delta(before, after, "prediction_latency_seconds_count")
    assert count == pytest.approx(delta(before, after, "http_requests_total"))


async def test_outcomes_pass_at_their_rate_and_a_regression_lowers_it(sim: SimCluster) -> None:
    before, after = await loaded(sim, 300, 60)
    hits = delta(before, after, "cache_l1_requests_total", result="hit")
    lookups = delta(before, after, "cache_l1_requests_total")
    assert lookups == pytest.approx(3 * delta(before, after, "http_requests_total"))
    assert hits / lookups == pytest.approx(0.93)
    valid = delta(before, after, "planner_json_total", valid="true")
    assert valid / delta(before, after, "planner_json_total") == pytest.approx(0.985)
    cb_p99 = quantile(0.99, before, after, "circuit_breaker_latency_seconds")
    # Over the control API, as a drill would: the cache misses and the breaker slows.
    async with sim.session() as session:
        body = {
            "image": STABLE,
            "latency": 1.0,
            "errors": 0.0,
            "metrics": {
                "cache_l1_requests_total": {"passRate": 0.3},
                "circuit_breaker_latency_seconds": {"scale": 2},
            },
        }
        async with session.post(f"{sim.url}/_sim/faults/regression", json=body) as resp:
            assert resp.status == 200, await resp.text()
            shown = (await resp.json())["regressions"][STABLE]["metrics"]
        assert shown["cache_l1_requests_total"] == {"scale": 1.0, "pass_rate": 0.3}
        await sim.advance(1)
        before = await scrape(sim)
        await sim.advance(60)
        after = await scrape(sim)
        hits = delta(before, after, "cache_l1_requests_total", result="hit")
        assert hits / delta(before, after, "cache_l1_requests_total") == pytest.approx(0.63)
        slowed = quantile(0.99, before, after, "circuit_breaker_latency_seconds")
        assert slowed > 1.5 * cb_p99 and slowed > 0.0015  # the SLO breaks
        bad = {"image": STABLE, "metrics": {"cache_l1_requests_total": {"scale": 0}}}
        async with session.post(f"{sim.url}/_sim/faults/regression", json=bad) as resp:
            assert resp.status == 400
            assert (await resp.json())["error"] == (
                f"regression of {STABLE}.metrics[cache_l1_requests_total]: scale must be "
                "more than 0 and passRate between 0 and 1"
            )


async def test_the_shipped_regression_bends_a_canary_of_its_image(sim: SimCluster) -> None:
    sim.set_users(SERVICE, 300)
    await sim.advance(10)
    regression = sim.load.regressions[REGRESSED]
    assert regression.metrics["cache_l1_requests_total"].pass_rate == 0.2
    assert regression.metrics["circuit_breaker_latency_seconds"].scale == 2


async def test_builtin_prometheus_answers_rates_quantiles_and_ratios() -> None:
    async with SimCluster(seed_scenario(), speed=10, scrape_interval=0.5) as sim:
        sim.set_hpa_metric(NS, "bizra-inference-hpa", 70)
        sim.set_users(SERVICE, 600)
        queries = {
            "failures": "sum(rate(sap_llm_model_inference_failures_total[10s]))",
            "docs": "sum(rate(sap_llm_documents_processed_total[10s])) * 3600",
            "p99": "histogram_quantile(0.99, sum by (le) "
            "(rate(circuit_breaker_latency_seconds_bucket[10s])))",
            "hit": 'sum(rate(cache_l1_requests_total{result="hit"}[10s])) / '
            "sum(rate(cache_l1_requests_total[10s]))",
            "users": "sum(websocket_active_connections)",
        }

        async def read() -> dict[str, float]:
            out = {}
            async with aiohttp.ClientSession() as session:
                for key, expr in queries.items():
                    async with session.get(
                        f"{sim.prometheus_url}/api/v1/query", params={"query": expr}
                    ) as resp:
                        result = (await resp.json())["data"]["result"]
                    out[key] = float(result[0]["value"][1]) if result else math.nan
            return out

        values = await until_value(
            read,
            lambda v: abs(v["docs"] / (2 * 600 * 0.08 * 0.998 * 3600) - 1) < 0.05,
            timeout=60,
            what="the built-in Prometheus reading the declared families",
        )
        assert values["failures"] == pytest.approx(600 * 0.08 * 0.002, rel=0.2)
        assert values["docs"] == pytest.approx(2 * 600 * 0.08 * 0.998 * 3600, rel=0.1)
        assert 0 < values["p99"] <= 0.0015


@pytest.mark.parametrize(
    ("entry", "sentence"),
    [
        ("{name: 9lives, type: gauge, of: users}", "needs name: a Prometheus metric name"),
        ("{name: q, type: summary, of: users}", "(q): type must be one of counter, gauge"),
        ("{name: q, type: gauge, of: moon}", "(q): of must be one of requests, failures"),
        ("{name: q, type: counter, of: requests}", "(q): a counter name must end in _total"),
        ("{name: q_total, type: gauge, of: users}", "(q_total): a gauge name must not end in"),
        ("{name: up, type: gauge, of: users}", "(up): up is a family the sim already exposes"),
        ("{name: q_total, type: counter, of: users}", "of must be one of requests, failures"),
        ("{name: q, type: histogram, buckets: [2, 1]}", "buckets must be a list of increasing"),
        ("{name: q, type: histogram, of: tokens}", "spreads requests or answered over latency"),
        ("{name: q_total, type: outcome}", "an outcome needs passRate between 0 and 1"),
        ("{name: q_total, type: outcome, passRate: 2}", "an outcome needs passRate between 0"),
        ("{name: q_total, type: outcome, passRate: 1, label: pod}", "label must be its own"),
        ("{name: q, type: gauge, of: users, passRate: 1}", "belong to an outcome"),
        ("{name: q, type: gauge, of: users, per: many}", "(q): per must be a number"),
        ("{name: q_total, type: counter, offset: 3}", "only a gauge takes an offset"),
        ("{name: q, type: gauge, of: users, colour: red}", "unknown keys colour"),
        (
            "{name: queue_depth, type: gauge, of: users}",
            "metrics declares queue_depth more than once",
        ),
    ],
)
def test_a_mistaken_metric_is_one_sentence(entry: str, sentence: str) -> None:
    data = seed_scenario_data()
    data["load"]["services"][0]["metrics"].append(yaml.safe_load(entry))
    with pytest.raises(ScenarioError) as caught:
        seed_scenario(data)
    message = str(caught.value)
    assert sentence in message, message
    assert message.startswith("seed-metrics.yaml: load.services[0].metrics")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("bend", "sentence"),
    [
        ("{nope_total: {scale: 2}}", "nope_total is not a metric any service declares"),
        (
            "{queue_depth: {passRate: 0.1}}",
            "passRate lowers an outcome, and queue_depth is a gauge",
        ),
        ("{queue_depth: {scale: -1}}", "scale must be more than 0"),
        ("{queue_depth: {size: 2}}", "takes scale and, for an outcome, passRate"),
        ("[queue_depth]", "metrics must map declared metric names"),
    ],
)
def test_a_mistaken_regression_of_a_metric_is_one_sentence(bend: str, sentence: str) -> None:
    data = seed_scenario_data()
    data["load"]["regressions"][REGRESSED]["metrics"] = yaml.safe_load(bend)
    with pytest.raises(ScenarioError) as caught:
        seed_scenario(data)
    message = str(caught.value)
    assert sentence in message, message
    assert message.startswith(f"seed-metrics.yaml: load.regressions[{REGRESSED}]")


def test_one_name_declared_by_two_services_is_one_family() -> None:
    data = seed_scenario_data()
    twin = dict(data["load"]["services"][0], service="bizra-prod/twin")
    twin["metrics"] = [{"name": "queue_depth", "type": "gauge", "of": "users"}]
    data["load"]["services"].append(twin)
    seed_scenario(data)  # same type: one family over both services' pods
    twin["metrics"] = [{"name": "queue_depth_total", "type": "counter"}]
    seed_scenario(data)
    twin["metrics"] = [{"name": "prediction_latency_seconds", "type": "gauge", "of": "p95"}]
    with pytest.raises(ScenarioError, match="declared again with another type"):
        seed_scenario(data)
