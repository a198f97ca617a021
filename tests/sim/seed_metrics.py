"""The seed-000 scenario with the families the other seeds gate on declared, for tests.

Names, ratios and thresholds are the seeds': seed 001's queue depth (> 1,000 alert), seed
002's inference failures, documents (> 5K/hour) and memory (< 64 GB a pod), seed 003's
circuit breaker (~350000/400000 req/s, p99 ≤ 1.5 ms), cache L1 hit (≥ 90 %) and planner JSON
valid (≥ 98 %), seed 004's prediction latency and websocket connections.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from warroom.sim.scenario import Scenario, parse

GIB = 1 << 30
SEED_METRICS = [
    {"name": "queue_depth", "type": "gauge", "of": "queue"},
    {"name": "sap_llm_model_inference_failures_total", "type": "counter", "of": "failures"},
    # Two documents a request: the pipeline batches a page pair per call.
    {"name": "sap_llm_documents_processed_total", "type": "counter", "of": "answered", "per": 2},
    {"name": "sap_llm_documents_per_hour", "type": "gauge", "of": "answered", "per": 7200},
    {
        "name": "sap_llm_memory_usage_bytes",
        "type": "gauge",
        "of": "utilisation",
        "offset": 34 * GIB,
        "per": 20 * GIB,
    },
    {"name": "websocket_active_connections", "type": "gauge", "of": "users"},
    {
        "name": "circuit_breaker_requests_per_second",
        "type": "gauge",
        "of": "requests",
        "per": 10_000,
    },
    {
        "name": "circuit_breaker_latency_seconds",
        "type": "histogram",
        "scale": 0.002,
        "buckets": [0.0005, 0.00075, 0.001, 0.00125, 0.0015, 0.002, 0.003, 0.005],
    },
    {"name": "prediction_latency_seconds", "type": "histogram", "scale": 0.3},
    {
        "name": "cache_l1_requests_total",
        "type": "outcome",
        "of": "requests",
        "per": 3,
        "label": "result",
        "pass": "hit",
        "fail": "miss",
        "passRate": 0.93,
    },
    {
        "name": "planner_json_total",
        "type": "outcome",
        "of": "answered",
        "label": "valid",
        "pass": "true",
        "fail": "false",
        "passRate": 0.985,
    },
]
REGRESSED = "ghcr.io/bizra/inference:2.0.1-rc2"
REGRESSED_METRICS = {
    "cache_l1_requests_total": {"passRate": 0.2},
    "circuit_breaker_latency_seconds": {"scale": 2},
}


def seed_scenario_data() -> dict[str, Any]:
    """The packaged bizra-inference-10k scenario with SEED_METRICS added to its service."""
    text = resources.files("warroom.sim.scenarios").joinpath("bizra-inference-10k.yaml")
    data: dict[str, Any] = yaml.safe_load(text.read_text("utf-8"))
    data["load"]["services"][0]["metrics"] += SEED_METRICS
    data["load"]["regressions"][REGRESSED]["metrics"] = REGRESSED_METRICS
    return data


def seed_scenario(data: dict[str, Any] | None = None) -> Scenario:
    """That scenario (or `data`, changed from it) parsed as a scenario file is."""
    text = yaml.safe_dump(data or seed_scenario_data(), allow_unicode=True)
    return parse(text, "seed-metrics.yaml")
