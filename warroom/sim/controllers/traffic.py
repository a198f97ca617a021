"""Drives the load model once a simulated second, and feeds the HPA from it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from warroom.sim.controllers.hpa import SettableMetrics, metric_name, metric_target
from warroom.sim.load import LoadModel
from warroom.sim.selectors import SelectorError, label_selector_from_spec
from warroom.sim.store import Change, Obj, Store

PODS = ("", "pods")
TICK = 1.0  # simulated seconds between integrations of the load model


class TrafficTicker:
    """A controller with one key: each sync integrates the load model up to now."""

    name = "traffic"
    key = "tick"

    def __init__(self, load: LoadModel) -> None:
        self.load = load

    def keys_for(self, change: Change) -> Iterable[str]:
        return ()

    def sync(self, key: str) -> float | None:
        self.load.tick()
        return TICK


class LoadDrivenMetrics:
    """HPA input: a value set by hand wins; otherwise the load on the target's pods.

    Resource cpu/memory utilisation follows the pods' GPU load (an inference server's CPU
    work grows with its batches); a Pods or External metric named inference_queue_depth
    reads the queue depth; anything else falls back to the settable value or the target.
    """

    def __init__(self, store: Store, load: LoadModel, settable: SettableMetrics) -> None:
        self.store = store
        self.load = load
        self.settable = settable

    def _explicit(self, hpa: Obj, metric: dict[str, Any]) -> float | None:
        meta = hpa["metadata"]
        for name in (metric_name(metric), "*"):
            value = self.settable.values.get((meta["namespace"], meta["name"], name))
            if value is not None:
                return value
        return None

    def _target_pods(self, hpa: Obj) -> list[Obj]:
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        group = str(ref.get("apiVersion", "")).rpartition("/")[0]
        plural = {
            "Deployment": "deployments",
            "ReplicaSet": "replicasets",
            "StatefulSet": "statefulsets",
        }.get(str(ref.get("kind", "")), "")
        namespace = hpa["metadata"]["namespace"]
        target = self.store.get((group, plural), namespace, str(ref.get("name", "")))
        if target is None:
            return []
        try:
            selector = label_selector_from_spec((target.get("spec") or {}).get("selector"))
        except SelectorError:
            return []
        return [
            p
            for p in self.store.list(PODS, namespace)
            if selector.matches(p["metadata"].get("labels") or {})
        ]

    def current(self, hpa: Obj, metric: dict[str, Any]) -> float | None:
        explicit = self._explicit(hpa, metric)
        if explicit is not None:
            return explicit
        pods = self._target_pods(hpa)
        name = metric_name(metric)
        value: float | None = None
        if metric.get("type") in ("Resource", "ContainerResource") and name in ("cpu", "memory"):
            load = self.load.utilisation_of(hpa["metadata"]["namespace"], pods)
            if load is not None:
                ttype, _ = metric_target(metric)
                percent = 15.0 + 80.0 * load if name == "cpu" else 55.0 + 20.0 * min(load, 1.0)
                value = percent if ttype == "Utilization" else None
        elif name == "inference_queue_depth":
            value = self.load.queue_depth_of(pods)
        elif name == "DCGM_FI_DEV_GPU_UTIL":
            load = self.load.utilisation_of(hpa["metadata"]["namespace"], pods)
            value = None if load is None else min(100.0, 3.0 + 97.0 * min(load, 1.0))
        if value is None:
            return self.settable.current(hpa, metric)
        return value
