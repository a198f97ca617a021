"""Signal checks judged from a signal's points: thresholds held `for` a duration (on the
cluster's clock, which a fast sim runs ahead of Prometheus'), soaks that restart on a breach,
and no data or stale data never passing."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest

from warroom.checklist.signal_checks import Scans, held_since, last_breach, soak, threshold
from warroom.checklist.world import SignalFacts
from warroom.layout.checks import SoakCheck, Threshold


def facts(points, *, fresh=True, pace=1.0, sid="p95", slo_max=1.0, status="ok"):
    pts = tuple(points)
    return SignalFacts(
        sid,
        "histogram_quantile(0.95, ...)",
        (("", pts),) if pts else (),
        fresh,
        status,
        unit="s",
        title="p95 latency",
        slo_max=slo_max,
        pace=pace,
        now=pts[-1][0] if pts else None,
    )


def below(value: float, held: str | None = None) -> Threshold:
    data = {"signal": "p95", "op": "<", "value": value}
    if held:
        data["for"] = held
    return Threshold.model_validate(data)


def test_held_since_is_the_start_of_the_newest_unbroken_run() -> None:
    pts = [(0, 0.5), (10, 1.5), (20, 0.5), (30, 0.4)]
    assert held_since(pts, lambda v: v < 1) == 20
    assert held_since(pts[:2], lambda v: v < 1) is None
    assert held_since([(5, 0.1)], lambda v: v < 1) == 5


def test_a_threshold_without_for_passes_on_the_newest_value() -> None:
    verdict, reason, evidence, _ = threshold(below(1.0), facts([(0, 2.0), (5, 0.6)]), now=1000)
    assert verdict == "pass"
    assert evidence.value == "600ms" and evidence.threshold == "< 1.00s"
    verdict, reason, _, _ = threshold(below(1.0), facts([(0, 0.6), (5, 1.4)]), now=1000)
    assert (verdict, reason) == ("fail", "p95 latency 1.40s")


def test_for_is_pending_until_held_then_passes() -> None:
    check = below(1.0, "5m")
    pts = [(t, 0.5) for t in range(0, 121, 5)]  # two minutes good
    verdict, reason, evidence, left = threshold(check, facts(pts), now=10_000)
    assert verdict == "pending" and reason == "holding, 5m needed"
    assert left == pytest.approx(180)
    assert evidence.since == pytest.approx(10_000 - 120)
    pts = [(t, 0.5) for t in range(0, 301, 5)]
    assert threshold(check, facts(pts), now=10_000)[0] == "pass"


def test_for_is_judged_on_the_clusters_clock() -> None:
    # The sim runs ×5: one minute of Prometheus' time is five of the cluster's.
    pts = [(t, 0.5) for t in range(0, 61, 5)]
    assert threshold(below(1.0, "5m"), facts(pts, pace=5.0), now=10_000)[0] == "pass"
    assert threshold(below(1.0, "5m"), facts(pts, pace=1.0), now=10_000)[0] == "pending"


def test_a_breach_inside_the_window_restarts_the_for() -> None:
    pts = [(t, 0.5) for t in range(0, 400, 10)]
    pts[30] = (300, 1.2)  # one bad poll 90 s before the newest
    verdict, reason, _, left = threshold(below(1.0, "5m"), facts(pts), now=5000)
    assert (verdict, reason) == ("pending", "holding, 5m needed")
    assert left == pytest.approx(220)  # held since the poll after the breach (310 → 390)


@pytest.mark.parametrize(
    ("signal", "word"),
    [
        (facts([], fresh=False, status="waiting for the first answer from Prometheus"), "no data"),
        (facts([(0, 0.5)], fresh=False, status="stale: newest data is 40 s old"), "stale"),
        (
            facts([(0, 0.5)], fresh=False, status="query p95 failed: connection refused"),
            "query failed",
        ),
        (None, "no data"),
    ],
)
def test_no_data_stale_or_failed_is_unknown_never_pass(signal, word) -> None:
    verdict, reason, _, _ = threshold(below(1.0), signal, now=100)
    assert (verdict, reason) == ("unknown", word)


def test_between() -> None:
    check = Threshold.model_validate({"signal": "gpu", "between": [60, 80]})
    gpu = SignalFacts("gpu", "avg(x)", (("", ((0, 70.0),)),), True, "ok", unit="percent", now=0)
    assert threshold(check, gpu, now=0)[0] == "pass"
    hot = SignalFacts("gpu", "avg(x)", (("", ((0, 90.0),)),), True, "ok", unit="percent", now=0)
    assert threshold(check, hot, now=0)[:2] == ("fail", "gpu 90%")


def test_every_series_must_hold() -> None:
    two = SignalFacts(
        "p95",
        "q",
        (("2.0.0", ((0, 0.5),)), ("2.0.1", ((0, 1.5),))),
        True,
        "ok",
        unit="s",
        now=0,
    )
    verdict, _, evidence, _ = threshold(below(1.0), two, now=0)
    assert verdict == "fail" and evidence.value == "2.0.0 500ms, 2.0.1 1.50s"


def test_a_soak_counts_from_the_last_breach_and_says_it_restarted() -> None:
    check = SoakCheck.model_validate({"for": "10m"})
    latency = [(t, 0.5) for t in range(0, 1201, 30)]
    errors = [(t, 0.001) for t in range(0, 1201, 30)]
    errors[30] = (900, 0.05)  # a breach five minutes ago
    signals = [
        facts(latency),
        SignalFacts(
            "err",
            "q",
            (("", tuple(errors)),),
            True,
            "ok",
            unit="ratio",
            title="5xx error rate",
            slo_max=0.01,
            now=1200,
        ),
    ]
    verdict, reason, evidence, left = soak(check, signals, now=50_000)
    assert verdict == "pending" and reason == "soaking, 10m needed (restarted)"
    assert evidence.detail == "timer restarted after 5xx error rate breached its SLO"
    assert left == pytest.approx(330)
    errors[30] = (900, 0.001)
    signals[1] = SignalFacts(
        "err", "q", (("", tuple(errors)),), True, "ok", unit="ratio", slo_max=0.01, now=1200
    )
    assert soak(check, signals, now=50_000)[:2] == ("pass", "green 20m")


def test_a_soak_breaching_now_fails_and_one_signal_without_data_is_unknown() -> None:
    check = SoakCheck(signals=("p95",), for_=timedelta(minutes=1))
    assert soak(check, [facts([(0, 0.5), (30, 1.5)])], now=100)[:2] == (
        "fail",
        "p95 latency breaching",
    )
    stale = facts([(0, 0.5)], fresh=False, status="stale: newest data is 40 s old")
    assert soak(check, [stale], now=100)[:2] == ("unknown", "p95 latency stale")


def test_remembered_scans_agree_with_whole_scans_as_a_series_moves() -> None:
    # Points come one at a time and the oldest go, as the poller keeps them; now and then
    # history is backfilled or the series starts over. Whatever Scans remembers, held_since
    # and last_breach must say what a scan of the whole series says.
    rng = random.Random(11)
    scans = Scans()
    points: list[tuple[float, float]] = [(float(t), 0.5) for t in range(50)]
    ok = lambda v: v < 1.0  # noqa: E731
    for step in range(3000):
        roll = rng.random()
        if roll < 0.02:
            points = [(points[0][0] - 10 - i, rng.choice([0.5, 1.5])) for i in range(5)][
                ::-1
            ] + points
        elif roll < 0.03:
            points = [(points[-1][0] + 1 + i, 0.5) for i in range(rng.randrange(1, 20))]
        elif roll < 0.04 and len(points) > 1:
            points[-1] = (points[-1][0], 2.0)  # the newest point rewritten in place
        else:
            value = rng.choice([0.2, 0.5, 0.9, 1.2, math.nan]) if rng.random() < 0.3 else 0.5
            points.append((points[-1][0] + 1, value))
            while len(points) > 60:
                del points[0]
        series = tuple(points)
        assert held_since(series, ok, scans, "s") == held_since(series, ok), step
        assert last_breach(series, ok, scans, "s") == last_breach(series, ok), step


def test_an_evaluators_threshold_holds_across_ticks_like_a_fresh_one() -> None:
    check = below(1.0, "5m")
    scans = Scans()
    pts = [(float(t), 0.5) for t in range(0, 3600, 5)]
    for t in range(3600, 4200, 5):
        pts = [*pts[1:], (float(t), 2.0 if t == 3800 else 0.5)]
        signal = facts(pts)
        assert threshold(check, signal, 10_000 + t, scans, "gate") == threshold(
            check, signal, 10_000 + t
        )
