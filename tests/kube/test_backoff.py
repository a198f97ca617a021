"""Back-off delays: client-go's defaults, doubling to the cap, jitter on top, reset when healthy."""

from __future__ import annotations

import itertools
import random

import pytest

from warroom.kube import Backoff


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_defaults_are_client_gos() -> None:
    backoff = Backoff()
    assert (backoff.initial, backoff.factor, backoff.cap) == (0.8, 2.0, 30.0)
    assert backoff.reset_after == 120.0


def test_delays_double_up_to_the_cap_with_bounded_jitter() -> None:
    clock = FakeClock()
    backoff = Backoff(clock=clock, rng=random.Random(1), early_for=0.0)
    delays = [backoff.next() for _ in range(6)]
    bases = [4.0, 8.0, 16.0, 30.0, 30.0, 30.0]  # with no early spell: from 2 s, doubling
    for delay, base in zip(delays, bases, strict=True):
        assert base <= delay <= base * 1.2
    assert len(set(delays[3:])) > 1  # jittered even at the cap


def test_the_first_minute_of_an_outage_retries_every_two_seconds_then_backs_off() -> None:
    """A server that restarts is seen back within about two seconds; a long outage backs off
    as client-go does, to 30 s."""
    clock = FakeClock()
    backoff = Backoff(jitter=0.0, clock=clock)
    delays = []
    while clock.now - 1000.0 < 200:  # bounded: 200 s of waiting
        delays.append(backoff.next())
        clock.now += delays[-1]
    # Asked within the first minute of the outage: early.
    starts = itertools.accumulate(delays, initial=0.0)
    early = [d for d, at in zip(delays, starts, strict=False) if at < 60]
    assert early[:3] == [0.8, 1.6, 2.0] and set(early[2:]) == {2.0}
    assert delays[len(early) : len(early) + 4] == [4.0, 8.0, 16.0, 30.0]
    assert delays[-1] == 30.0


def test_a_healthy_spell_resets_the_series() -> None:
    clock = FakeClock()
    backoff = Backoff(jitter=0.0, clock=clock, early_for=0.0)
    assert [backoff.next() for _ in range(3)] == [4.0, 8.0, 16.0]
    clock.now += 16.0 + 119.0  # waited, then healthy for less than two minutes
    assert backoff.next() == 30.0
    clock.now += 30.0 + 120.5
    assert backoff.next() == 4.0


def test_first_free_relists_at_once_then_backs_off() -> None:
    clock = FakeClock()
    backoff = Backoff(jitter=0.0, clock=clock)
    assert backoff.first_free() == 0.0
    assert backoff.first_free() == 0.8
    assert backoff.next() == 1.6
    clock.now += 1.6 + 120.5
    assert backoff.first_free() == 0.0


@pytest.mark.parametrize("jitter", [0.0, 0.5])
def test_without_failures_nothing_is_remembered(jitter: float) -> None:
    backoff = Backoff(jitter=jitter)
    backoff.next()
    backoff.reset()
    assert backoff.attempts == 0
    assert 0.8 <= backoff.next() <= 0.8 * (1 + jitter)
