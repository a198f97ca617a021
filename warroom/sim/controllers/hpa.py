"""The HorizontalPodAutoscaler controller (autoscaling/v2): metric ratio → replicas, with the
default behaviour's scale-up limits and scale-down stabilisation window.

Metric values come from a `MetricSource`. Until a load model drives them, `SettableMetrics`
holds one number per HPA and metric, set by scenarios, tests and the fault API.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Protocol

from warroom.sim.controllers.context import HPAS, Context, key_of, split_key
from warroom.sim.quantity import parse_quantity
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


class HpaController:
    name = "hpa"

    def __init__(self, ctx: Context, source: MetricSource) -> None:
        self.ctx = ctx
        self.source = source
        self._recommendations: dict[str, list[tuple[float, int]]] = {}

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
            self._recommendations.pop(key, None)
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
        proposals: list[tuple[int, str]] = []
        current_metrics = []
        for metric in spec.get("metrics") or [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80},
                },
            }
        ]:
            value = self.source.current(hpa, metric)
            if value is None:
                continue
            ttype, goal = metric_target(metric)
            current_metrics.append(self._current_metric(metric, ttype, value))
            ratio = value / goal if goal else 1.0
            if ttype == "Value":
                wanted = math.ceil(ratio * current) if abs(ratio - 1) > TOLERANCE else current
            else:
                wanted = current if abs(ratio - 1) <= TOLERANCE else math.ceil(ratio * current)
            direction = "above" if value > goal else "below"
            proposals.append((wanted, f"{describe(metric)} {direction} target"))
        if current == 0:
            desired, reason = 0, "scaling is disabled"
        elif proposals:
            desired, reason = max(proposals)
            if all(w < current for w, _ in proposals):
                reason = "All metrics below target"
        else:
            desired, reason = current, ""
        desired = self._stabilise(key, now, current, desired)
        limited = ""
        if desired > max_r:
            desired, limited = max_r, "TooManyReplicas"
        elif desired < min_r and current != 0:
            desired, limited = min_r, "TooFewReplicas"
        # Default scale-up policy: at most max(4 pods, 100 %) per period.
        if desired > current and current > 0:
            desired = min(desired, max(current + 4, current * 2))
        if desired != current and current != 0 and rt is not None:
            scaled = clone(target)
            scaled["spec"]["replicas"] = desired
            self.ctx.store.update(rt.storage_key, scaled)
            status["lastScaleTime"] = stamp
            self.ctx.recorder.normal(
                hpa, "SuccessfulRescale", f"New size: {desired}; reason: {reason}", COMPONENT
            )
            conditions.append(
                self._cond(
                    "AbleToScale",
                    "True",
                    "SucceededRescale",
                    f"the HPA controller was able to update the target scale to {desired}",
                    stamp,
                    status,
                )
            )
        else:
            conditions.append(
                self._cond(
                    "AbleToScale",
                    "True",
                    "ReadyForNewScale",
                    "recommended size matches current size",
                    stamp,
                    status,
                )
            )
        if current_metrics:
            conditions.append(
                self._cond(
                    "ScalingActive",
                    "True",
                    "ValidMetricFound",
                    "the HPA was able to successfully calculate a replica count from "
                    f"{describe((spec.get('metrics') or [DEFAULT_METRIC])[0])}",
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
                    "the HPA was unable to compute the replica count: no metrics returned",
                    stamp,
                    status,
                )
            )
        if limited == "TooManyReplicas":
            conditions.append(
                self._cond(
                    "ScalingLimited",
                    "True",
                    limited,
                    "the desired replica count is more than the maximum replica count",
                    stamp,
                    status,
                )
            )
        elif limited == "TooFewReplicas":
            conditions.append(
                self._cond(
                    "ScalingLimited",
                    "True",
                    limited,
                    "the desired replica count is less than the minimum replica count",
                    stamp,
                    status,
                )
            )
        else:
            conditions.append(
                self._cond(
                    "ScalingLimited",
                    "False",
                    "DesiredWithinRange",
                    "the desired count is within the acceptable range",
                    stamp,
                    status,
                )
            )
        status["currentReplicas"] = current
        status["desiredReplicas"] = desired
        status["currentMetrics"] = current_metrics
        status["conditions"] = conditions
        self._write(hpa, status)
        return self.ctx.timings.hpa_sync

    def _stabilise(self, key: str, now: float, current: int, desired: int) -> int:
        """Scale down only to the highest recommendation of the last window (default 300 s)."""
        window = self.ctx.timings.hpa_downscale_window
        history = [(t, r) for t, r in self._recommendations.get(key, []) if t > now - window]
        history.append((now, desired))
        self._recommendations[key] = history
        if desired < current:
            return min(current, max(r for _, r in history))
        return desired

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
