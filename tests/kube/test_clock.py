"""The API server's clock, estimated from Date headers: offset, pace and jumps."""

from __future__ import annotations

import asyncio
import math
import time
from email.utils import formatdate

import pytest

from warroom.kube.clock import ServerClock, date_seconds
from warroom.kube.connection import connect
from warroom.sim.cluster import SimCluster


class Ours:
    """Our clock, stepped by the test."""

    def __init__(self) -> None:
        self.now = 1_795_000_000.25

    def __call__(self) -> float:
        return self.now


def ask(clock: ServerClock, ours: Ours, server_time: float, latency: float = 0.004) -> None:
    """One request: it leaves now, the server stamps its Date halfway, the answer arrives."""
    sent = ours.now
    stamped = server_time + latency / 2
    ours.now += latency
    clock.observe(formatdate(math.floor(stamped), usegmt=True), sent, ours.now)


def test_dates_parse_as_http_dates() -> None:
    assert date_seconds("Sun, 22 Nov 2026 06:00:00 GMT") == 1795327200.0
    assert date_seconds(None) is None and date_seconds("yesterday") is None


def test_a_clock_that_is_off_is_pinned_to_well_under_a_second() -> None:
    ours = Ours()
    clock = ServerClock(ours)
    assert clock.now() == ours.now  # nothing heard: our own
    skew = 137.3
    for _ in range(40):
        ask(clock, ours, ours.now + skew)
        ours.now += 0.37
    assert clock.now() - (ours.now + skew) == pytest.approx(0, abs=0.1)
    assert clock.rate == 1.0


def test_a_clock_that_runs_ten_times_faster_is_followed() -> None:
    """The sim at --speed 10: its clock runs ahead ten seconds for each of ours."""
    ours = Ours()
    clock = ServerClock(ours)
    start_ours, start_server = ours.now, 1_900_000_000.0

    def server() -> float:
        return start_server + 10 * (ours.now - start_ours)

    for _ in range(30):
        ask(clock, ours, server())
        ours.now += 0.5
    assert clock.rate == pytest.approx(10, rel=0.02)
    assert clock.now() == pytest.approx(server(), abs=1.5)
    ours.now += 2  # between answers the estimate keeps the pace
    assert clock.now() == pytest.approx(server(), abs=2.0)


def test_a_clock_that_jumps_is_followed_from_the_jump() -> None:
    ours = Ours()
    clock = ServerClock(ours)
    skew = 3.0
    for _ in range(20):
        ask(clock, ours, ours.now + skew)
        ours.now += 0.5
    skew += 60  # NTP stepped the server's clock
    for _ in range(20):
        ask(clock, ours, ours.now + skew)
        ours.now += 0.5
    assert clock.rate == 1.0
    assert clock.now() - (ours.now + skew) == pytest.approx(0, abs=0.6)


def test_answers_without_a_date_change_nothing() -> None:
    ours = Ours()
    clock = ServerClock(ours)
    clock.observe(None, ours.now, ours.now + 0.01)
    clock.observe("not a date", ours.now, ours.now + 0.01)
    assert not clock.known and clock.now() == ours.now


async def test_the_sims_clock_at_ten_times_speed_is_followed_over_http() -> None:
    """The sim stamps its answers with its own clock, as an API server does; at --speed 10 the
    client follows it from the answers alone."""
    async with SimCluster("bizra-inference-10k", speed=10) as sim:
        connection = await connect(sim.kubeconfig, "warroom-sim")
        try:
            started = time.monotonic()
            while time.monotonic() - started < 7:  # bounded: 7 s of answers, 4 a second
                await connection.get_json("/version")
                await asyncio.sleep(0.25)  # the pace of the asking, not a synchronisation
            assert connection.clock.rate == pytest.approx(10, rel=0.05)
            assert connection.clock.now() == pytest.approx(sim.clock.now(), abs=2.0)
        finally:
            await connection.close()
