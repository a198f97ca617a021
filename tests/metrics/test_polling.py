"""Poll, record, re-arm against a stand-in Prometheus that is slow and records its requests."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.metrics.fakeprom import FakePrometheus, Request
from tests.waiting import until
from warroom.metrics import SignalPoller

THREE = {"a": "vector(1)", "b": "vector(2)", "c": "vector(3)"}


def overlapping(requests: list[Request]) -> list[tuple[Request, Request]]:
    return [
        (r, s)
        for r, s in itertools.combinations(requests, 2)
        if r.started < s.ended and s.started < r.ended
    ]


async def test_a_slow_server_never_gets_overlapping_requests_from_one_poller() -> None:
    async with FakePrometheus(delay=0.1) as prom:
        # The interval is far shorter than one request: a naive timer would pile them up.
        async with SignalPoller(
            prom.url, THREE, interval=0.01, graph_range=60, graph_interval=0.01
        ):
            await until(
                lambda: len(prom.of("/api/v1/query_range")) >= 6,
                timeout=15,
                what="two rounds of graphs",
            )
        # Stopping cancels the request in flight; the server notices that a little later.
        await until(lambda: prom.in_flight == 0, what="the cancelled request ended")
    assert prom.peak == 1
    assert overlapping(prom.requests) == []
    # Each round asks every signal once: never a second request for one before the others.
    queries = [r.params["query"] for r in prom.of("/api/v1/query")]
    for round_ in range(len(queries) // 3):
        assert sorted(queries[3 * round_ : 3 * round_ + 3]) == sorted(THREE.values())


async def test_concurrency_bounds_requests_in_flight_and_one_signal_never_overlaps() -> None:
    signals = {f"s{i}": f"vector({i})" for i in range(5)}
    async with FakePrometheus(delay=0.05) as prom:
        async with SignalPoller(prom.url, signals, interval=0.01, concurrency=2):
            await until(lambda: len(prom.of("/api/v1/query")) >= 15, what="three rounds")
        await until(lambda: prom.in_flight == 0, what="the cancelled request ended")
    assert prom.peak == 2
    for query in signals.values():
        same = [r for r in prom.requests if r.params.get("query") == query]
        assert overlapping(same) == []


async def test_graphs_refresh_only_the_new_tail_of_the_window() -> None:
    now = [1_000_000.0]
    async with FakePrometheus() as prom:
        poller = SignalPoller(
            prom.url, {"a": "vector(1)"}, graph_range=900, graph_interval=0, clock=lambda: now[0]
        )
        try:
            await poller.step()
            first = prom.of("/api/v1/query_range")[-1].params
            assert float(first["end"]) - float(first["start"]) >= 900
            before = poller.snapshot()["a"]
            now[0] += 36.0  # ten steps of 3.6 s
            await poller.step()
            tail = prom.of("/api/v1/query_range")[-1].params
            assert float(tail["end"]) - float(tail["start"]) == pytest.approx(12 * 3.6)
            after = poller.snapshot()["a"]
        finally:
            await poller.close()
    assert after.graph_version > before.graph_version
    graph = after.series[0].graph
    assert len(graph) == len(before.series[0].graph) == 251
    assert graph[-1][0] == pytest.approx(float(tail["end"]))
    steps = [b[0] - a[0] for a, b in itertools.pairwise(graph)]
    assert steps == pytest.approx([3.6] * 250)  # no gap, no duplicate where the tail joined


async def test_buildinfo_detects_a_real_version_or_none() -> None:
    async with (
        FakePrometheus(version="2.53.0") as prom,
        SignalPoller(prom.url, {"a": "vector(1)"}) as poller,
    ):
        await until(lambda: poller.snapshot().server is not None, what="buildinfo read")
        server = poller.snapshot().server
    assert server is not None and not server.builtin
    assert server.label == "Prometheus 2.53.0"
    async with (
        FakePrometheus(version=None) as prom,
        SignalPoller(prom.url, {"a": "vector(1)"}) as poller,
    ):
        await until(
            lambda: poller.snapshot()["a"].freshness.state == "ok",
            what="polling despite no buildinfo",
        )
        server = poller.snapshot().server
    assert server is not None and server.version is None
    assert server.label == "Prometheus-compatible server (no buildinfo)"


async def test_a_query_slower_than_the_timeout_fails_with_a_sentence() -> None:
    async with FakePrometheus(delay=0.0) as prom:
        poller = SignalPoller(prom.url, {"a": "vector(1)"}, timeout=0.3)
        try:
            await poller.step()  # buildinfo answered fast: the server is known
            prom.delay = 0.6
            await asyncio.wait_for(poller.step(), 3)
        finally:
            await poller.close()
    error = poller.snapshot()["a"].freshness.error
    assert error == (
        f"Prometheus at {prom.url}: query a took longer than 0.3 s; the server may be overloaded"
    )


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        (
            401,
            "Prometheus at {url} refused access (401 Unauthorized); check the credentials or token",
        ),
        (
            404,
            "Prometheus at {url} has no /api/v1/query (404); check that the URL is "
            "Prometheus' base URL",
        ),
        (502, "Prometheus answered 502 (Bad Gateway); it may be starting or overloaded"),
    ],
)
async def test_http_failures_without_an_api_envelope_read_as_one_sentence(
    status: int, sentence: str
) -> None:
    async with FakePrometheus(status=status) as prom:
        poller = SignalPoller(prom.url, THREE)
        try:
            await poller.step()
        finally:
            await poller.close()
    snap = poller.snapshot()
    for signal in snap:
        assert signal.freshness.error == sentence.format(url=prom.url)
    # The server as a whole failed: the other signals were not asked too.
    assert len(prom.of("/api/v1/query")) == 1
