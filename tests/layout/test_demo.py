"""layouts/bizra-inference-10k.yaml: it loads, and its signals run on the sim's PromQL, healthy."""

from __future__ import annotations

import math
import time
from pathlib import Path

import promql_parser
import pytest

from warroom.layout import Layout, load_layout
from warroom.sim.cluster import SimCluster
from warroom.sim.promql.engine import Engine
from warroom.sim.tsdb import SeriesStore

DEMO = Path(__file__).resolve().parents[2] / "layouts" / "bizra-inference-10k.yaml"
SCRAPE_EVERY = 15.0


@pytest.fixture(scope="module")
def demo() -> Layout:
    return load_layout(DEMO)


def test_demo_layout_watches_the_gpu_inference_scenario(demo: Layout) -> None:
    assert demo.cluster.namespaces[0] == "bizra-prod"
    assert demo.prometheus.url is None  # `warroom demo` fills it in
    [target] = demo.targets
    assert (target.kind, target.name, target.namespace) == (
        "Deployment", "bizra-inference", "bizra-prod"
    )
    assert (target.container, target.hpa, target.pdb, target.service) == (
        "inference-server", "bizra-inference-hpa", "bizra-inference-pdb", "bizra-inference"
    )


def test_demo_signals_carry_the_seed_gates(demo: Layout) -> None:
    signals = demo.signals
    assert {"p95_latency", "p95_by_version", "error_rate", "throughput", "tokens_per_second",
            "gpu_util", "queue_depth"} <= set(signals)
    assert (signals["p95_latency"].unit, signals["p95_latency"].slo.max) == ("s", 1.0)
    assert signals["p95_latency"].graph
    assert signals["p95_by_version"].by == "version"
    assert (signals["error_rate"].unit, signals["error_rate"].slo.max) == ("ratio", 0.01)
    assert signals["throughput"].unit == "rps"
    assert signals["tokens_per_second"].slo.min == 30
    assert signals["gpu_util"].unit == "percent"


def test_every_demo_query_parses_and_runs_on_the_builtin_engine(demo: Layout) -> None:
    engine = Engine(SeriesStore())
    for signal in demo.signals.values():
        promql_parser.parse(signal.query)
        result = engine.instant(signal.query, time.time())
        assert result["resultType"] in ("vector", "scalar"), signal.query


def _value(engine: Engine, query: str, at: float) -> dict[str, float]:
    result = engine.instant(query, at)["result"]
    return {row["metric"].get("version", ""): float(row["value"][1]) for row in result}


async def test_demo_signals_read_within_their_slos_on_a_healthy_sim(demo: Layout) -> None:
    start = 1.7e9
    store = SeriesStore()
    # A manual clock and our own scrape timestamps keep this deterministic: the sim's
    # counters move by simulated seconds, and we record them at matching times.
    async with SimCluster("bizra-inference-10k", manual_clock=True, start_time=start) as sim:
        for i in range(6):
            await sim.advance(SCRAPE_EVERY)
            sim.load.tick()
            store.scrape(sim.telemetry.samples(), start + SCRAPE_EVERY * (i + 1))
    engine = Engine(store)
    at = start + SCRAPE_EVERY * 6
    for signal_id, signal in demo.signals.items():
        values = _value(engine, signal.query, at)
        assert values, f"{signal_id} returned no data"
        for value in values.values():
            assert not math.isnan(value), signal_id
            if signal.slo is not None:
                assert not signal.slo.breached(value), (signal_id, value)
    assert set(_value(engine, demo.signals["p95_by_version"].query, at)) != {""}
