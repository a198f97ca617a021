"""The same pollers against a real Prometheus scraping the sim."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import require_tool
from tests.metrics.conftest import SERVICE
from tests.waiting import until
from warroom.metrics import PrometheusGpus, SignalPoller
from warroom.sim.cluster import SimCluster
from warroom.sim.prometheus import PrometheusProcess


@pytest.fixture
async def prometheus(sim: SimCluster) -> AsyncIterator[PrometheusProcess]:
    binary = require_tool("prometheus")
    async with PrometheusProcess(
        sim.metrics_target, scrape_interval=0.5, binary=binary
    ) as prom:
        yield prom


async def test_signals_and_gpus_from_a_real_prometheus(
    sim: SimCluster, prometheus: PrometheusProcess
) -> None:
    sim.set_users(SERVICE, 600)
    signals = {
        "up": 'up{job="warroom-sim"}',
        "rps": 'sum(rate(http_requests_total{namespace="bizra-prod"}[2s]))',
        "none": 'sum(rate(http_requests_total{namespace="nowhere"}[2s]))',
        "bad": "sum(rate(http_requests_total[2s])",
        "one": "vector(1)",
    }
    poller = SignalPoller(prometheus.url, signals, interval=0.2, graph_interval=0.2)
    async with poller, PrometheusGpus(prometheus.url, interval=0.2) as gpus:
        await until(
            lambda: (poller.snapshot()["rps"].value or 0) > 0 and len(gpus.snapshot().gpus) > 0,
            timeout=30,
            what="rate and GPUs from Prometheus",
        )
        await until(
            lambda: bool(
                poller.snapshot()["one"].series and poller.snapshot()["one"].series[0].graph
            ),
            what="a graph fetched",
        )
        snap = poller.snapshot()
        gpu_snap = gpus.snapshot()
    server = snap.server
    assert server is not None and not server.builtin
    assert server.version is not None and server.version[0].isdigit()
    assert server.label == f"Prometheus {server.version}"
    assert snap["up"].value == 1.0
    assert snap["none"].freshness.state == "empty"
    bad = snap["bad"].freshness.error
    assert bad is not None and bad.startswith("query bad failed: bad_data: ")
    assert 200 <= len(snap["one"].series[0].graph) <= 300
    nodes = {(r.node, r.index) for r in sim.gpus.readings()}
    assert {(g.node, g.index) for g in gpu_snap.gpus} == nodes


async def test_a_scrape_target_down_makes_its_signals_unknown_not_no_traffic(
    sim: SimCluster, prometheus: PrometheusProcess
) -> None:
    """Prometheus answers, but the target behind the signals is down (up == 0)."""
    sim.set_users(SERVICE, 600)
    signals = {"rps": 'sum(rate(http_requests_total{namespace="bizra-prod"}[2s]))'}
    async with SignalPoller(prometheus.url, signals, interval=0.2) as poller:
        await until(
            lambda: poller.snapshot().targets.jobs["rps"] == {"warroom-sim"}
            and poller.snapshot().targets.freshness.state == "ok",
            timeout=30,
            what="the job behind the signal learnt, its target up",
        )
        assert poller.snapshot().targets.unknown("rps") == ""
        sim.prometheus_outage(True)  # /metrics answers 503: Prometheus marks the target down
        await until(
            lambda: poller.snapshot().targets.freshness.state == "failed",
            timeout=30,
            what="the target seen down",
        )
        reading = poller.snapshot().targets
        assert reading.freshness.error == (
            "Prometheus is up but 1 of 1 scrape targets are down (job warroom-sim); "
            "signals from them are unknown"
        )
        assert reading.unknown("rps") == "job warroom-sim is down"
        assert poller.freshness().state == "ok"  # the server itself answers all along
        sim.prometheus_outage(False)
        await until(
            lambda: poller.snapshot().targets.freshness.state == "ok",
            timeout=30,
            what="the target back up",
        )
        assert poller.snapshot().targets.unknown("rps") == ""
