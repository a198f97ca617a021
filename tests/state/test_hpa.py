"""The HPA history: one series per HPA by namespace and name, on an even time axis."""

from __future__ import annotations

from warroom.state.hpa import HpaHistory, HpaView, hpa_view


def view(namespace: str, current: int, name: str = "api-hpa") -> HpaView:
    return hpa_view(
        {
            "metadata": {"namespace": namespace, "name": name},
            "spec": {"minReplicas": 2, "maxReplicas": 10, "scaleTargetRef": {"name": "api"}},
            "status": {"currentReplicas": current, "desiredReplicas": current},
        }
    )


def test_two_namespaces_with_the_same_hpa_name_keep_their_own_history() -> None:
    history = HpaHistory(step=5.0)
    for t, (a, b) in enumerate([(2, 9), (3, 8), (4, 7)]):
        history.sample([view("blue", a), view("green", b)], 1000.0 + 5 * t)
    assert history.of(("blue", "api-hpa")) == (2, 3, 4)
    assert history.of(("green", "api-hpa")) == (9, 8, 7)


def test_samples_fall_on_a_fixed_cadence_however_often_asked() -> None:
    history = HpaHistory(step=5.0)
    taken = [
        t
        for t in (0.0, 0.25, 1.0, 4.9, 5.0, 5.1, 7.0, 10.2, 11.0, 14.99, 15.0)
        if history.sample([view("ns", int(t))], 100.0 + t)
    ]
    # One sample per 5 s step of the clock, on the grid that started at the first.
    assert taken == [0.0, 5.0, 10.2, 15.0]
    assert history.of(("ns", "api-hpa")) == (0, 5, 10, 15)


def test_a_pause_longer_than_a_step_restarts_the_grid_without_filling_the_gap() -> None:
    history = HpaHistory(step=5.0)
    assert history.sample([view("ns", 1)], 0.0)
    assert history.sample([view("ns", 2)], 60.0)  # the room was paused a minute
    assert not history.sample([view("ns", 3)], 62.0)
    assert history.sample([view("ns", 4)], 65.0)
    assert history.of(("ns", "api-hpa")) == (1, 2, 4)


def test_the_history_is_bounded() -> None:
    history = HpaHistory(step=1.0, length=3)
    for t in range(10):
        history.sample([view("ns", t)], float(t))
    assert history.of(("ns", "api-hpa")) == (7, 8, 9)
