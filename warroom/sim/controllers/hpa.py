"""The HorizontalPodAutoscaler controller (autoscaling/v2): metric ratio × ready pods →
replicas, then spec.behavior (or its defaults): stabilisation windows and scaling policies.

Metric values come from a `MetricSource`. Until a load model drives them, `SettableMetrics`
holds one number per HPA and metric, set by scenarios, tests and the fault API.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Protocol

from warroom.sim.controllers.context import HPAS, PODS, Context, key_of, split_key
from warroom.sim.controllers.hpa_behavior import (
    STABILIZED_DOWN,
    STABILIZED_UP,
    WITHIN_RANGE,
    ScalingBehavior,
    behavior,
)
from warroom.sim.pods import is_ready
from warroom.sim.quantity import parse_quantity
from warroom.sim.selectors import SelectorError, label_selector_from_spec
from warroom.sim.store import Change, Obj, clone

COMPONENT = "horizontal-pod-autoscaler"
TOLERANCE = 0.1
# What an HPA without metrics scales on, as the API defaults it.
DEFAULT_METRIC: dict[str, Any] = {
    "type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
}


def metric_name(metric: dict[str, Any]) -> str:
    kind = metric.get("type", "")
    if kind == "Resource":
        return str((metric.get("resource") or {}).get("name", ""))
    if kind == "ContainerResource":
        return str((metric.get("containerResource") or {}).get("name", ""))
    body = metric.get(kind[:1].lower() + kind[1:]) or {}
    return str((body.get("metric") or {}).get("name", ""))


def metric_target(metric: dict[str, Any]) -> tuple[str, float]:
    """(target type, target value) of an autoscaling/v2 metric spec."""
    kind = metric.get("type", "")
    body = metric.get(kind[:1].lower() + kind[1:]) or {}
    target = body.get("target") or {}
    ttype = target.get("type", "Utilization")
    if ttype == "Utilization":
        return ttype, float(target.get("averageUtilization", 80))
    value = target.get("averageValue" if ttype == "AverageValue" else "value", 0)
    try:
        return ttype, parse_quantity(value)
    except ValueError:
        return ttype, 0.0


def describe(metric: dict[str, Any]) -> str:
    kind = metric.get("type", "")
    name = metric_name(metric)
    if kind == "Resource":
        return f"{name} resource utilization (percentage of request)"
    return f"{kind.lower()} metric {name}"


class MetricSource(Protocol):
    """Where the controller reads metric values: a load model, or numbers set by hand."""

    def current(self, hpa: Obj, metric: dict[str, Any]) -> float | None:
        """The metric's current value in its target's units, or None when unknown."""
        ...


class SettableMetrics:
    """Metric values set by hand: by (namespace, hpa, metric name); default the target itself."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str, str], float] = {}

    def set(self, namespace: str, hpa: str, value: float, metric: str = "*") -> None:
        self.values[(namespace, hpa, metric)] = value

    def current(self, hpa: Obj, metric: dict[str, Any]) -> float | None:
        meta = hpa["metadata"]
        for name in (metric_name(metric), "*"):
            value = self.values.get((meta["namespace"], meta["name"], name))
            if value is not None:
                return value
        return metric_target(metric)[1]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{round(value * 1000)}m"


def replica_count(
    current: int, ready: int, unready: int, value: float, goal: float, ttype: str
) -> int:
    """What replica_calculator proposes for one metric. Averages come from ready pods only;
    on a scale-up, pods not ready yet count as using nothing, which damps the step."""
    ratio = value / goal if goal else 1.0
    if ttype == "Value" or unready == 0 or ratio <= 1.0:
        return current if abs(1.0 - ratio) <= TOLERANCE else math.ceil(ratio * ready)
    damped = ratio * ready / (ready + unready)
    if abs(1.0 - damped) <= TOLERANCE or damped < 1.0:
        return current
    return max(current, math.ceil(damped * (ready + unready)))


class HpaController:
    """Sizes each HPA's target from its metrics, within spec.behavior's limits (ScalingBehavior)."""

    name = "hpa"

    def __init__(self, ctx: Context, source: MetricSource) -> None:
        self.ctx = ctx
        self.source = source
        self.scaling = ScalingBehavior()

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key == HPAS and change.type != "DELETED":
            meta = change.obj["metadata"]
            if change.old is None or change.old.get("spec") != change.obj.get("spec"):
                return [key_of(meta["namespace"], meta["name"])]
        return []

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        hpa = self.ctx.store.get(HPAS, ns, name)
        if hpa is None:
            self.scaling.forget(key)
            return None
        spec = hpa["spec"]
        ref = spec.get("scaleTargetRef") or {}
        group = str(ref.get("apiVersion", "")).rpartition("/")[0]
        rt = self.ctx.catalogue.by_kind(group, str(ref.get("kind", "")))
        target = self.ctx.store.get(rt.storage_key, ns, str(ref.get("name", ""))) if rt else None
        now = self.ctx.clock.now()
        stamp = self.ctx.clock.timestamp()
        status = clone(hpa.get("status") or {})
        status["observedGeneration"] = int(hpa["metadata"].get("generation", 1))
        conditions: list[dict[str, Any]] = []
        if target is None or rt is None:
            conditions.append(
                self._cond(
                    "AbleToScale",
                    "False",
                    "FailedGetScale",
                    f"the HPA controller was unable to get the target's current "
                    f"scale: {str(ref.get('kind', '')).lower()}s "
                    f'"{ref.get("name", "")}" not found',
                    stamp,
                    status,
                )
            )
            status["conditions"] = conditions
            self._write(hpa, status)
            return self.ctx.timings.hpa_sync
        current = int((target.get("spec") or {}).get("replicas", 0))
        min_r, max_r = int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", 1))
        prior = {c.get("type"): c for c in status.get("conditions") or ()}
        metrics = spec.get("metrics") or [DEFAULT_METRIC]
        ready, unready = self._pod_counts(target, ns)
        proposals: list[tuple[int, str]] = []
        current_metrics = []
        for metric in metrics:
            value = self.source.current(hpa, metric)
            # Only ready pods report usable samples (replica_calculator's groupPods).
            if value is None or ready == 0:
                continue
            ttype, goal = metric_target(metric)
            current_metrics.append(self._current_metric(metric, ttype, value))
            proposals.append(
                (replica_count(current, ready, unready, value, goal, ttype), describe(metric))
            )
        able = ("ReadyForNewScale", "recommended size matches current size")
        limited: tuple[str, str, str] | None = ("False", *WITHIN_RANGE)
        if current == 0 and min_r != 0:
            # Autoscaling is off while the target is scaled to zero.
            desired, reason = 0, ""
            limited = None
        elif current > max_r:
            desired, reason = max_r, "Current number of replicas above Spec.MaxReplicas"
            limited = None
        elif current < min_r:
            desired, reason = min_r, "Current number of replicas below Spec.MinReplicas"
            limited = None
        elif not proposals:
            # No usable metric: keep the size, and record no recommendation.
            desired, reason = current, ""
            limited = None
        else:
            # The largest proposal wins; on a tie, the first metric names it.
            raw, reason = current, ""
            for proposal in proposals:
                if proposal[0] > raw or not reason:
                    raw, reason = proposal
            if raw > current:
                reason = f"{reason} above target"
            elif raw < current:
                reason = "All metrics below target"
            # normalizeDesiredReplicasWithBehaviors: stabilise, then apply the rate policies
            # and the min/max bounds.
            up, down = behavior(hpa, "scaleUp"), behavior(hpa, "scaleDown")
            up_window = float(up.get("stabilizationWindowSeconds", 0))
            down_window = float(
                down.get("stabilizationWindowSeconds", self.ctx.timings.hpa_downscale_window)
            )
            stable = self.scaling.stabilise(key, now, current, raw, up_window, down_window)
            if stable != raw:
                able = (
                    ("ScaleUpStabilized", STABILIZED_UP)
                    if raw >= current
                    else ("ScaleDownStabilized", STABILIZED_DOWN)
                )
            desired, limit_reason = self.scaling.rate_limit(hpa, key, now, current, stable)
            limited = ("True" if desired != stable else "False", *limit_reason)
        if desired != current and current != 0 and rt is not None:
            scaled = clone(target)
            scaled["spec"]["replicas"] = desired
            self.ctx.store.update(rt.storage_key, scaled)
            self.scaling.scaled(key, now, desired - current)
            status["lastScaleTime"] = stamp
            self.ctx.recorder.normal(
                hpa, "SuccessfulRescale", f"New size: {desired}; reason: {reason}", COMPONENT
            )
            able = (
                "SucceededRescale",
                f"the HPA controller was able to update the target scale to {desired}",
            )
        conditions.append(self._cond("AbleToScale", "True", *able, stamp, status))
        if current == 0 and min_r != 0:
            conditions.append(
                self._cond(
                    "ScalingActive",
                    "False",
                    "ScalingDisabled",
                    "scaling is disabled since the replica count of the target is zero",
                    stamp,
                    status,
                )
            )
        elif current_metrics:
            conditions.append(
                self._cond(
                    "ScalingActive",
                    "True",
                    "ValidMetricFound",
                    "the HPA was able to successfully calculate a replica count from "
                    f"{describe(metrics[0])}",
                    stamp,
                    status,
                )
            )
        else:
            conditions.append(
                self._cond(
                    "ScalingActive",
                    "False",
                    "FailedGetResourceMetric",
                    "the HPA was unable to compute the replica count: did not receive metrics "
                    "for targeted pods (pods might be unready)",
                    stamp,
                    status,
                )
            )
        if limited is not None:
            conditions.append(self._cond("ScalingLimited", *limited, stamp, status))
        elif "ScalingLimited" in prior:
            # The early exits above leave ScalingLimited as it was.
            conditions.append(prior["ScalingLimited"])
        status["currentReplicas"] = current
        status["desiredReplicas"] = desired
        status["currentMetrics"] = current_metrics
        status["conditions"] = conditions
        self._write(hpa, status)
        return self.ctx.timings.hpa_sync

    def _pod_counts(self, target: Obj, ns: str) -> tuple[int, int]:
        """(ready, unready) pods of the target; terminating and failed pods are ignored."""
        try:
            selector = label_selector_from_spec((target.get("spec") or {}).get("selector"))
        except SelectorError:
            return 0, 0
        ready = unready = 0
        for pod in self.ctx.store.list(PODS, ns):
            if selector.empty or not selector.matches(pod["metadata"].get("labels") or {}):
                continue
            phase = (pod.get("status") or {}).get("phase")
            if pod["metadata"].get("deletionTimestamp") or phase in ("Failed", "Succeeded"):
                continue
            if phase == "Running" and is_ready(pod):
                ready += 1
            else:
                unready += 1
        return ready, unready

    @staticmethod
    def _cond(
        kind: str, state: str, reason: str, message: str, stamp: str, status: dict[str, Any]
    ) -> dict[str, Any]:
        for old in status.get("conditions") or ():
            if old.get("type") == kind and old.get("status") == state:
                stamp = old.get("lastTransitionTime", stamp)
        return {
            "type": kind,
            "status": state,
            "lastTransitionTime": stamp,
            "reason": reason,
            "message": message,
        }

    @staticmethod
    def _current_metric(metric: dict[str, Any], ttype: str, value: float) -> dict[str, Any]:
        kind = metric.get("type", "Resource")
        field = kind[:1].lower() + kind[1:]
        body = dict(metric.get(field) or {})
        body.pop("target", None)
        if ttype == "Utilization":
            body["current"] = {"averageUtilization": round(value)}
        elif ttype == "AverageValue":
            body["current"] = {"averageValue": _fmt(value)}
        else:
            body["current"] = {"value": _fmt(value)}
        return {"type": kind, field: body}

    def _write(self, hpa: Obj, status: dict[str, Any]) -> None:
        if status != hpa.get("status"):
            updated = clone(hpa)
            updated["status"] = status
            self.ctx.store.update(HPAS, updated)
