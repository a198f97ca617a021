"""Signals against the sim's built-in Prometheus: values, empty, errors, outage, graphs."""

from __future__ import annotations

import socket

import pytest

from tests.metrics.conftest import SERVICE
from tests.waiting import until
from warroom.metrics import STALE_FACTOR, SignalPoller
from warroom.sim.cluster import SimCluster

SIGNALS = {
    "up": 'up{job="warroom-sim"}',
    "rps": 'sum(rate(http_requests_total{namespace="bizra-prod"}[5s]))',
    "by_version": 'sum by (version) (rate(http_requests_total{namespace="bizra-prod"}[5s]))',
    "no_traffic": 'sum(rate(http_requests_total{namespace="nowhere"}[5s]))',
    "bad": "sum(rate(http_requests_total[5s])",
}


async def test_signals_are_polled_and_recorded(sim: SimCluster) -> None:
    sim.set_users(SERVICE, 600)
    async with SignalPoller(sim.prometheus_url, SIGNALS, interval=0.2) as poller:
        await until(
            lambda: (
                len(poller.snapshot()["rps"].series[0].points) >= 3
                if poller.snapshot()["rps"].series
                else False
            ),
            what="three rps samples recorded",
        )
        snap = poller.snapshot()
    up, rps = snap["up"], snap["rps"]
    assert up.freshness.state == "ok" and not up.freshness.stale and up.freshness.error is None
    assert up.value == 1.0
    assert up.series[0].labels["job"] == "warroom-sim"
    assert rps.value is not None and rps.value > 0
    times = [ts for ts, _ in rps.series[0].points]
    assert times == sorted(set(times))  # one point per poll, in order
    assert snap["by_version"].live and all(s.labels["version"] for s in snap["by_version"].live)
    assert snap.version > 0 and snap.server is not None


async def test_a_query_matching_nothing_is_empty_not_failed(sim: SimCluster) -> None:
    async with SignalPoller(sim.prometheus_url, SIGNALS, interval=0.2) as poller:
        await until(
            lambda: poller.snapshot()["no_traffic"].freshness.state != "pending",
            what="the first poll done",
        )
        empty = poller.snapshot()["no_traffic"]
    assert empty.freshness.state == "empty"
    assert empty.freshness.error is None
    assert not empty.freshness.stale
    assert empty.series == () and empty.value is None


async def test_a_bad_query_fails_with_prometheus_error_in_one_sentence(sim: SimCluster) -> None:
    async with SignalPoller(sim.prometheus_url, SIGNALS, interval=0.2) as poller:
        await until(
            lambda: poller.snapshot()["bad"].graph_error is not None,
            what="the first poll and graph fetch done",
        )
        snap = poller.snapshot()
    bad = snap["bad"]
    assert bad.freshness.state == "failed" and bad.freshness.stale
    assert bad.freshness.error is not None
    assert bad.freshness.error.startswith("query bad failed: bad_data: ")
    assert "parse error" in bad.freshness.error and "\n" not in bad.freshness.error
    assert bad.graph_error is not None and "bad_data" in bad.graph_error
    # One broken signal does not take the others down.
    assert snap["up"].freshness.state == "ok"


async def test_outage_marks_every_signal_failed_and_stale_and_recovery_clears_it(
    sim: SimCluster,
) -> None:
    async with SignalPoller(sim.prometheus_url, SIGNALS, interval=0.1) as poller:
        await until(lambda: poller.snapshot()["up"].freshness.state == "ok", what="first data")
        sim.prometheus_outage(True)
        await until(
            lambda: poller.snapshot()["up"].freshness.state == "failed", what="the outage noticed"
        )
        snap = poller.snapshot()
        for signal in snap:
            assert signal.freshness.stale
            assert signal.freshness.error is not None
            assert signal.freshness.error.startswith("Prometheus answered 503 (unavailable)")
        assert snap["up"].series[0].points  # what was recorded before stays
        sim.prometheus_outage(False)
        await until(
            lambda: poller.snapshot()["no_traffic"].freshness.state == "empty", what="recovered"
        )
        snap = poller.snapshot()
    assert snap["up"].freshness.state == "ok" and snap["up"].freshness.error is None
    assert snap["no_traffic"].freshness.state == "empty"
    assert snap.server is not None and snap.server.builtin


async def test_staleness_follows_the_age_of_the_newest_data(sim: SimCluster) -> None:
    now = [0.0]
    poller = SignalPoller(sim.prometheus_url, {"up": "up"}, interval=5.0, clock=lambda: now[0])
    try:
        snap = poller.snapshot()["up"]
        assert (
            snap.freshness.state == "pending"
            and snap.freshness.stale
            and snap.freshness.age is None
        )
        now[0] = 1000.0
        await poller.step()
        assert not poller.snapshot()["up"].freshness.stale
        now[0] += STALE_FACTOR * 5.0 - 0.1
        assert not poller.snapshot()["up"].freshness.stale
        now[0] += 0.2
        late = poller.snapshot()["up"]
        assert late.freshness.stale and late.freshness.state == "ok"
        assert late.freshness.age is not None and late.freshness.age > STALE_FACTOR * 5.0
    finally:
        await poller.close()


async def test_buildinfo_tells_the_built_in_subset(sim: SimCluster) -> None:
    poller = SignalPoller(sim.prometheus_url, {"up": "up"})
    try:
        await poller.step()
    finally:
        await poller.close()
    server = poller.snapshot().server
    assert server is not None
    assert server.builtin and server.version == "warroom-sim"
    assert server.label == "built-in PromQL subset (warroom sim)"


async def test_range_queries_give_about_the_requested_points_and_zoom(sim: SimCluster) -> None:
    poller = SignalPoller(sim.prometheus_url, {"one": "vector(1)"}, graph_range=900)
    try:
        await poller.step()
        one = poller.snapshot()["one"]
        assert (one.graph_range, one.graph_step) == (900, 3.6)
        graph = one.series[0].graph
        assert 200 <= len(graph) <= 300
        assert graph[-1][0] - graph[0][0] == pytest.approx(900, abs=0.01)
        spec = poller.set_range(3600)
        zoomed = poller.snapshot()["one"]
        assert zoomed.graph_range == 3600 and zoomed.graph_version > one.graph_version
        await poller.step()
        graph = poller.snapshot()["one"].series[0].graph
        assert 200 <= len(graph) <= 300 and spec.step == 14
        assert 3600 <= graph[-1][0] - graph[0][0] < 3600 + spec.step
    finally:
        await poller.close()


async def test_unreachable_prometheus_is_one_clear_sentence() -> None:
    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    poller = SignalPoller(url, {"up": "up", "rps": "sum(rate(x[1m]))"})
    try:
        await poller.step()
    finally:
        await poller.close()
    snap = poller.snapshot()
    for signal in snap:
        assert signal.freshness.error == f"Prometheus at {url}: connection refused; is it running?"
        assert signal.freshness.stale
    assert snap.server is None
