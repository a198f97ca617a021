"""The slow roll's pod split held to Argo Rollouts' own cases
(TestApproximateWeightedNewStableReplicaCounts in utils/replicaset/canary_test.go)."""

from __future__ import annotations

import pytest

from warroom.actions.canary_split import share, split

# (replicas, weight, maxSurge, canary, stable), as Argo Rollouts lists them.
ARGO_CASES = [
    (0, 0, 0, 0, 0), (0, 50, 0, 0, 0), (0, 100, 0, 0, 0),
    (0, 0, 1, 0, 0), (0, 50, 1, 0, 0), (0, 100, 1, 0, 0),
    (1, 0, 0, 0, 1), (1, 1, 0, 0, 1), (1, 49, 0, 0, 1), (1, 50, 0, 1, 0), (1, 99, 0, 1, 0),
    (1, 100, 0, 1, 0),
    (1, 0, 1, 0, 1), (1, 1, 1, 1, 1), (1, 49, 1, 1, 1), (1, 50, 1, 1, 1), (1, 99, 1, 1, 1),
    (1, 100, 1, 1, 0),
    (2, 0, 0, 0, 2), (2, 1, 0, 1, 1), (2, 50, 0, 1, 1), (2, 99, 0, 1, 1), (2, 100, 0, 2, 0),
    (2, 0, 1, 0, 2), (2, 1, 1, 1, 2), (2, 50, 1, 1, 1), (2, 99, 1, 2, 1), (2, 100, 1, 2, 0),
    (3, 10, 0, 1, 2), (3, 25, 0, 1, 2), (3, 33, 0, 1, 2), (3, 34, 0, 1, 2), (3, 49, 0, 1, 2),
    (3, 50, 0, 2, 1),
    (3, 10, 1, 1, 3), (3, 25, 1, 1, 3), (3, 33, 1, 1, 2), (3, 34, 1, 1, 2), (3, 49, 1, 2, 2),
    (3, 50, 1, 2, 2),
    (10, 0, 1, 0, 10), (10, 1, 0, 1, 9), (10, 14, 0, 1, 9), (10, 15, 0, 2, 8),
    (10, 16, 0, 2, 8), (10, 99, 0, 9, 1), (10, 100, 1, 10, 0),
    (10, 1, 1, 1, 10), (10, 18, 1, 2, 9), (10, 19, 1, 2, 9), (10, 20, 1, 2, 8),
    (10, 23, 1, 2, 8), (10, 24, 1, 3, 8), (10, 25, 1, 3, 8), (10, 99, 1, 10, 1),
]  # fmt: skip


@pytest.mark.parametrize(("replicas", "weight", "surge", "new", "stable"), ARGO_CASES)
def test_the_split_is_argo_rollouts_basic_canary(
    replicas: int, weight: int, surge: int, new: int, stable: int
) -> None:
    assert split(replicas, weight, surge) == (new, stable)


def test_the_seeds_slow_roll_of_three_replicas() -> None:
    steps = [split(3, weight) for weight in (25, 50, 75, 100)]
    assert steps == [(1, 3), (2, 2), (3, 1), (3, 0)]
    assert [share(*s) for s in steps] == [25.0, 50.0, 75.0, 100.0]
    assert share(0, 0) == 0.0
