"""Seed 002, end to end: layouts/sap-llm-blue-green.yaml on its simulated cluster. Green
(SAP_LLM 1.1.0) is deployed and healthy beside blue; the pre-flight load test proves the
latency, throughput, memory and GPU gates; the canary Ingress's weight, raised by kubectl
5 → 20 → 50 → 100, proves each step and its soak while the SLOs hold; then green's image set
to the regressed rc2 fails the error and latency items and green's health, and raises the
seed's rollback triggers; the weight back to 0 brings the gates back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from tests.seeds.harness import SeedRun, seed_run

pytestmark = pytest.mark.kubectl

BLUE, GREEN = "sap-llm-blue", "sap-llm-green"
LOAD = f"{BLUE}/sap-llm-api"  # the load runs on blue's Service; the canary moves its share
REGRESSED = "ghcr.io/qorsync/sap-llm:1.1.0-rc2"  # the scenario's regressed image
WEIGHT = "nginx.ingress.kubernetes.io/canary-weight"
# The seed's 30 min, 1 h, 2 h and 4 h soaks take 22 s of the test's wall time at this speed.
SPEED = 1200.0


async def shift(seed: SeedRun, weight: int) -> None:
    """The seed's traffic step: the canary Ingress's weight, by kubectl."""
    await seed.kubectl.ok(
        "annotate", "ingress", "sap-llm-api-canary", "-n", GREEN, "--overwrite",
        f"{WEIGHT}={weight}",
    )  # fmt: skip


async def green_share(seed: SeedRun, wanted: Callable[[float], bool]) -> float:
    """The layout's green_share signal, read from the sim's Prometheus until `wanted`."""
    query = seed.layout.signals["green_share"].query
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    seen = float("nan")
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            url = f"{seed.sim.prometheus_url}/api/v1/query"
            async with http.get(url, params={"query": query}) as reply:
                result = (await reply.json())["data"]["result"]
            seen = float(result[0]["value"][1]) if result else float("nan")
            if wanted(seen):
                return seen
            await asyncio.sleep(0.2)
    raise AssertionError(f"green's share of requests not as wanted in 60 s: {seen}")


async def test_the_blue_green_shift_passes_its_steps_then_a_bad_green_raises_the_rollback(
    kubectl_binary: str, tmp_path: Path
) -> None:
    async with seed_run("sap-llm-blue-green", kubectl_binary, tmp_path, speed=SPEED) as seed:
        # The seed's 50 uploaders, held (its scenario's peaks are a demo's, not this test's).
        seed.sim.set_users(LOAD, 50)
        await seed.until_all(
            ["production-namespace", "gpu-nodes", "redis", "prometheus-deployed", "ingress-tls",
             "blue-environment", "green-environment", "traffic-routing", "deploy-green",
             "deploy-green-pods", "green-health", "green-ready", "green-metrics",
             "metrics-scraped", "log-level-info", "env-environment", "resources-gpu",
             "rollback-selector-blue", "rollback-weight-zero"],
            "pass",
        )  # fmt: skip
        # The rehearsal cluster's Prometheus runs one replica: the HA item says so.
        ha = await seed.until("prometheus-ha", "fail")
        assert "value is 1" in ha.reason
        # Before any shift the step soaks have nothing to read: unknown, never passed.
        step = await seed.until("shift-5-soak", "unknown")
        assert "no data" in step.reason

        # The pre-flight load test at 65 uploaders: GPUs 60-80 %, p95 < 1.5 s, 5K docs/hour.
        seed.sim.set_users(LOAD, 65)
        await seed.until_all(
            ["load-gpu", "load-p95", "load-docs-per-hour", "load-memory"], "pass", 60
        )
        seed.sim.set_users(LOAD, 50)

        # The gradual shift, step by step: the weight, then the step's soak at that share.
        for weight in (5, 20, 50, 100):
            await shift(seed, weight)
            await seed.until(f"shift-{weight}-weight", "pass", 30)
            soaked = await seed.until(f"shift-{weight}-soak", "pass", 60)
            assert soaked.reason.startswith("green")
        assert "100" in (await seed.until("rollback-weight-zero", "fail")).reason
        for trigger in ("error_rate_high", "latency_high", "inference_failures", "low_throughput"):
            await seed.until_trigger(trigger, raised=False)

        # The fault: green's image set to the regressed rc2, rolled out by green's controllers.
        await seed.kubectl.ok(
            "set", "image", "deployment/sap-llm-api", f"sap-llm={REGRESSED}", "-n", GREEN
        )
        await seed.until("deploy-green", lambda v: v.verdict == "pending", 30)
        await seed.until("deploy-green", "pass", 60)
        health = await seed.until("green-health", "fail", 60)
        assert "degraded" in (health.evidence.value or "") + health.reason
        await seed.until_trigger("inference_failures", timeout=60)
        await seed.until_trigger("error_rate_high", timeout=60)
        await seed.until("monitor-error-rate", "fail", 30)
        await seed.until_trigger("latency_high", timeout=60)
        await seed.until("monitor-p95", "fail", 30)

        # All of blue's requests reach green, in the metrics (the rate's window has turned over).
        assert await green_share(seed, lambda share: share >= 0.95) >= 0.95

        # The rollback: the weight back to 0 by kubectl; blue takes every request again.
        await shift(seed, 0)
        await seed.until("rollback-weight-zero", "pass", 30)
        await seed.until_trigger("error_rate_high", raised=False, timeout=60)
        await seed.until_trigger("inference_failures", raised=False, timeout=60)
        await seed.until_trigger("latency_high", raised=False, timeout=60)
        await seed.until_all(["rollback-error-rate", "rollback-latency"], "pass", 60)
        await seed.until("rollback-blue-health", "pass")
        # The steps stay proved (once: true); green itself still answers degraded.
        await seed.until("shift-100-soak", "pass")
        await seed.until("green-health", "fail")
