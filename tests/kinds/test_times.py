"""Ages as kubectl prints them: duration.HumanDuration, cases from duration_test.go."""

from __future__ import annotations

import pytest

from warroom.kinds.times import human_duration, parse_timestamp, timestamp_of

MS = 0.001
MIN = 60
HOUR = 3600
DAY = 24 * HOUR
YEAR = 365 * DAY

# fmt: off

@pytest.mark.parametrize(("seconds", "want"), [
    (1, "1s"), (70, "70s"), (190, "3m10s"), (70 * MIN, "70m"), (47 * HOUR, "47h"),
    (49 * HOUR, "2d1h"), ((8 * 24 + 2) * HOUR, "8d"), (367 * DAY, "367d"),
    ((365 * 2 * 24 + 25) * HOUR, "2y1d"), ((365 * 8 * 24 + 2) * HOUR, "8y"),
])
def test_human_duration(seconds, want):
    assert human_duration(seconds) == want


@pytest.mark.parametrize(("seconds", "want"), [
    (-2, "<invalid>"), (-2 + 1e-9, "0s"), (0, "0s"), (1 - MS, "0s"),
    (2 * MIN - MS, "119s"), (2 * MIN, "2m"), (2 * MIN + 1, "2m1s"),
    (10 * MIN - MS, "9m59s"), (10 * MIN, "10m"), (10 * MIN + 1, "10m"),
    (3 * HOUR - MS, "179m"), (3 * HOUR, "3h"), (3 * HOUR + MIN, "3h1m"),
    (8 * HOUR - MS, "7h59m"), (8 * HOUR, "8h"), (8 * HOUR + 59 * MIN, "8h"),
    (2 * DAY - MS, "47h"), (2 * DAY, "2d"), (2 * DAY + HOUR, "2d1h"),
    (8 * DAY - MS, "7d23h"), (8 * DAY, "8d"), (8 * DAY + 23 * HOUR, "8d"),
    (2 * YEAR - MS, "729d"), (2 * YEAR, "2y"), (2 * YEAR + 23 * HOUR, "2y"),
    (2 * YEAR + 23 * HOUR + 59 * MIN, "2y"), (2 * YEAR + DAY - MS, "2y"),
    (2 * YEAR + DAY, "2y1d"), (3 * YEAR, "3y"), (4 * YEAR, "4y"), (5 * YEAR, "5y"),
    (6 * YEAR, "6y"), (7 * YEAR, "7y"), (8 * YEAR - MS, "7y364d"), (8 * YEAR, "8y"),
    (8 * YEAR + 364 * DAY, "8y"), (9 * YEAR, "9y"),
    (59, "59s"), (123, "2m3s"), (3 * HOUR + 5 * MIN, "3h5m"), (5 * DAY + 2 * HOUR, "5d2h"),
])
def test_human_duration_boundaries(seconds, want):
    assert human_duration(seconds) == want


def test_timestamps_unset_and_malformed():
    assert parse_timestamp("2026-11-22T06:00:00Z") == 1795327200.0
    assert parse_timestamp("0001-01-01T00:00:00Z") is None  # Go's zero time: unset
    assert timestamp_of(None) is None and timestamp_of("yesterday") is None
