"""An HPA's spec.behavior (or the API's defaults for it): the stabilisation windows and the
scaling policies that limit how fast replicas change, as normalizeDesiredReplicasWithBehaviors
applies them. It remembers, per HPA, the recent recommendations and its own scale changes."""

from __future__ import annotations

import math
from typing import Any

from warroom.sim.store import Obj

# The API's default behavior (SetDefaults_HorizontalPodAutoscalerBehavior).
DEFAULT_POLICIES: dict[str, list[dict[str, Any]]] = {
    "scaleUp": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
    "scaleDown": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}
WITHIN_RANGE = ("DesiredWithinRange", "the desired count is within the acceptable range")
SCALE_UP_LIMIT = "the desired replica count is increasing faster than the maximum scale rate"
SCALE_DOWN_LIMIT = "the desired replica count is decreasing faster than the maximum scale rate"
TOO_MANY = "the desired replica count is more than the maximum replica count"
TOO_FEW = "the desired replica count is less than the minimum replica count"
STABILIZED_UP = (
    "recent recommendations were lower than current one, applying the lowest recent recommendation"
)
STABILIZED_DOWN = (
    "recent recommendations were higher than current one, applying the highest recent "
    "recommendation"
)


def behavior(hpa: Obj, direction: str) -> dict[str, Any]:
    """spec.behavior.scaleUp or .scaleDown, {} when unset."""
    return dict(((hpa.get("spec") or {}).get("behavior") or {}).get(direction) or {})


def _policies(rules: dict[str, Any], direction: str) -> list[dict[str, Any]]:
    return list(rules.get("policies") or DEFAULT_POLICIES[direction])


class ScalingBehavior:
    """Stabilisation and rate limits for every HPA, by key; what happened recently decides."""

    def __init__(self) -> None:
        self._recommendations: dict[str, list[tuple[float, int]]] = {}
        # Replica changes this controller made, (time, +added / -removed), for the policies.
        self._scale_events: dict[str, list[tuple[float, int]]] = {}

    def forget(self, key: str) -> None:
        """Drop what is remembered of a deleted HPA."""
        self._recommendations.pop(key, None)
        self._scale_events.pop(key, None)

    def scaled(self, key: str, now: float, change: int) -> None:
        """Record that the controller changed the target's replicas by ``change``."""
        self._scale_events.setdefault(key, []).append((now, change))

    def stabilise(
        self, key: str, now: float, current: int, desired: int, up: float, down: float
    ) -> int:
        """stabilizeRecommendationWithBehaviors: no higher than the lowest recommendation of the
        scale-up window, no lower than the highest of the scale-down window (default 300 s)."""
        history = [(t, r) for t, r in self._recommendations.get(key, []) if t > now - max(up, down)]
        up_limit = min([r for t, r in history if t > now - up] + [desired])
        down_limit = max([r for t, r in history if t > now - down] + [desired])
        history.append((now, desired))
        self._recommendations[key] = history
        return min(max(current, up_limit), down_limit)

    def rate_limit(
        self, hpa: Obj, key: str, now: float, current: int, desired: int
    ) -> tuple[int, tuple[str, str]]:
        """convertDesiredReplicasWithBehaviorRate: the scaling policies' limit for the period,
        then the min/max bounds, with the ScalingLimited reason that applied."""
        spec = hpa["spec"]
        min_r, max_r = int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", 1))
        periods = [
            int(p.get("periodSeconds", 15))
            for d in ("scaleUp", "scaleDown")
            for p in _policies(behavior(hpa, d), d)
        ]
        self._scale_events[key] = [
            (t, n) for t, n in self._scale_events.get(key, []) if t > now - max(periods)
        ]
        if desired > current:
            limit = max(current, self._policy_limit(hpa, key, now, current, "scaleUp"))
            if max_r > limit:
                bound, why = limit, ("ScaleUpLimit", SCALE_UP_LIMIT)
            else:
                bound, why = max_r, ("TooManyReplicas", TOO_MANY)
            if desired > bound:
                return bound, why
        elif desired < current:
            limit = min(current, self._policy_limit(hpa, key, now, current, "scaleDown"))
            if min_r < limit:
                bound, why = limit, ("ScaleDownLimit", SCALE_DOWN_LIMIT)
            else:
                bound, why = min_r, ("TooFewReplicas", TOO_FEW)
            if desired < bound:
                return bound, why
        return desired, WITHIN_RANGE

    def _policy_limit(self, hpa: Obj, key: str, now: float, current: int, direction: str) -> int:
        """How far the policies let the replicas go from where the period started
        (selectPolicy Max: the most permissive policy; Min: the least; Disabled: nowhere)."""
        rules = behavior(hpa, direction)
        select = rules.get("selectPolicy", "Max")
        if select == "Disabled":
            return current
        events = self._scale_events.get(key, [])
        proposals = []
        for policy in _policies(rules, direction):
            period = int(policy.get("periodSeconds", 15))
            added = sum(n for t, n in events if n > 0 and t > now - period)
            removed = -sum(n for t, n in events if n < 0 and t > now - period)
            start = current - added + removed
            value = int(policy.get("value", 0))
            if direction == "scaleUp":
                pods, percent = start + value, math.ceil(start * (1 + value / 100))
            else:
                pods, percent = start - value, int(start * (1 - value / 100))
            proposals.append(pods if policy.get("type") == "Pods" else percent)
        widest = max if direction == "scaleUp" else min
        narrowest = min if direction == "scaleUp" else max
        return (narrowest if select == "Min" else widest)(proposals)
