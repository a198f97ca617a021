"""The scenario's `load:` section read into ServiceLoads and Regressions, one sentence a mistake."""

from __future__ import annotations

from typing import Any

from warroom.sim.load import BUCKETS, Regression, ServiceLoad, Stage
from warroom.sim.metric_specs import (
    MetricSpec,
    check_families,
    parse_metric,
    parse_metric_regressions,
)


def parse_load(data: Any, source: str) -> tuple[list[ServiceLoad], dict[str, Regression]]:
    """The scenario's `load:` section; ValueError with a clear message when malformed."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: load must be a mapping with services and regressions")
    services = []
    for i, item in enumerate(data.get("services") or []):
        where = f"{source}: load.services[{i}]"
        if not isinstance(item, dict) or "/" not in str(item.get("service", "")):
            raise ValueError(f"{where} needs service: NAMESPACE/NAME")
        namespace, name = str(item["service"]).split("/", 1)
        stages = []
        for j, stage in enumerate(item.get("stages") or []):
            if not isinstance(stage, dict) or "users" not in stage or "duration" not in stage:
                raise ValueError(f"{where}.stages[{j}] needs duration and users")
            stages.append(Stage(float(stage["duration"]), float(stage["users"])))
        latency = item.get("latency") or {}
        known = {
            "service",
            "stages",
            "repeat",
            "requestsPerUser",
            "tokensPerRequest",
            "latency",
            "errorRate",
            "capacityPerPod",
            "modelMemoryMiB",
            "ihsanPassRate",
            "metrics",
        }
        unknown = sorted(set(item) - known)
        if unknown:
            raise ValueError(f"{where}: unknown keys {', '.join(unknown)}")
        raw_metrics = item.get("metrics") or []
        if not isinstance(raw_metrics, list):
            raise ValueError(f"{where}.metrics must be a list of name, type and of")
        metrics = [
            parse_metric(spec, f"{where}.metrics[{j}]", BUCKETS)
            for j, spec in enumerate(raw_metrics)
        ]
        names = [m.name for m in metrics]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"{where}.metrics declares {', '.join(twice)} more than once")
        services.append(
            ServiceLoad(
                namespace=namespace,
                service=name,
                stages=stages,
                repeat=bool(item.get("repeat", False)),
                requests_per_user=float(item.get("requestsPerUser", 0.05)),
                tokens_per_request=float(item.get("tokensPerRequest", 120)),
                p50=float(latency.get("p50", 0.35)),
                p95=float(latency.get("p95", 0.6)),
                error_rate=float(item.get("errorRate", 0.002)),
                capacity_per_pod=float(item.get("capacityPerPod", 40)),
                model_memory_mib=float(item.get("modelMemoryMiB", 16_000)),
                ihsan_pass_rate=(
                    float(item["ihsanPassRate"]) if item.get("ihsanPassRate") is not None else None
                ),
                metrics=metrics,
            )
        )
    check_families([(s.key, m) for s in services for m in s.metrics], source)
    declared: dict[str, MetricSpec] = {m.name: m for s in services for m in s.metrics}
    regressions = {}
    for image, spec in (data.get("regressions") or {}).items():
        if not isinstance(spec, dict):
            raise ValueError(f"{source}: load.regressions[{image}] must be a mapping")
        unknown = sorted(set(spec) - {"latency", "errors", "ihsan", "metrics"})
        if unknown:
            raise ValueError(
                f"{source}: load.regressions[{image}]: unknown keys {', '.join(unknown)}"
            )
        regressions[str(image)] = Regression(
            float(spec.get("latency", 1.0)),
            float(spec.get("errors", 0.0)),
            float(spec.get("ihsan", 0.0)),
            parse_metric_regressions(
                spec.get("metrics", {}), declared, f"{source}: load.regressions[{image}]"
            ),
        )
    return services, regressions
