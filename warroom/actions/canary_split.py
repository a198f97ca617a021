"""How many pods each version runs at a step of a slow roll, as Argo Rollouts' basic canary
splits them (rollout/replicaset's approximateWeightedCanaryStableReplicaCounts): the counts
whose share comes closest to the step's weight, out of `replicas` or, with surge, one more.
Between 1 and 99 % neither version drops to 0 pods once there are two or more in all.

With the seed's 3 replicas and one pod of surge: 25 % is 1 new beside 3 stable, 50 % is 2
and 2, 75 % is 3 and 1, 100 % is 3 and 0 — the seed's "1 extra pod", then "3 new pods to
1 old".
"""

from __future__ import annotations

import math


def _tied(weight: int, total: int) -> bool:
    """The floor and the ceiling of the weighted count are equally far from the weight."""
    return math.modf(total * (weight / 100))[0] == 0.5


def _delta(weight: int, new: int, total: int) -> float:
    return abs(new * 100 / total - weight)


def split(replicas: int, weight: int, surge: int = 1) -> tuple[int, int]:
    """(new, stable) pods for `weight` % of `replicas`; `surge` > 0 allows one pod more."""
    if replicas == 0:
        return 0, 0
    ceil = math.ceil(replicas * weight / 100)
    floor = math.floor(replicas * weight / 100)
    zero_allowed = weight in (0, 100) or (replicas == 1 and surge == 0)
    options: list[tuple[int, int]] = []
    if ceil < replicas or zero_allowed:
        options.append((ceil, replicas))
    if not _tied(weight, replicas) and (floor != 0 or zero_allowed):
        options.append((floor, replicas))
    if surge > 0:
        options.append((ceil, replicas + 1))
        if not _tied(weight, replicas + 1) and (floor != 0 or zero_allowed):
            options.append((floor, replicas + 1))
    if not options:
        return 0, replicas
    best = options[0]
    for option in options[1:]:
        if _delta(weight, *option) < _delta(weight, *best):
            best = option
    return best[0], best[1] - best[0]


def share(new: int, stable: int) -> float:
    """The new version's share of the pods, 0–100 (0 when there are none)."""
    total = new + stable
    return 100.0 * new / total if total else 0.0
