"""Metric families a scenario declares per load-modelled Service (`load.services[].metrics`).

Each family follows one quantity of the pod's state in the load model, so it moves with
load, versions and regressions: a counter counts it, a gauge shows it (per second, for the
flows), a histogram spreads the requests over the request latency scaled by `scale`, and an
outcome counts pass/fail results at a declared pass rate. Counters and outcomes are named as
Prometheus exposes them, with `_total` (prometheus_client's CounterMetricFamily adds it).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

KINDS = ("counter", "gauge", "histogram", "outcome")
# What a family follows. Flows count per request; a gauge of a flow shows it per second.
FLOWS = ("requests", "failures", "answered", "tokens")
# Levels only a gauge shows: concurrent users, GPU utilisation 0..1+, queued requests, the
# pod's p95 latency (seconds) and error ratio, and `one` (1 while the pod runs: memory held).
LEVELS = ("users", "utilisation", "queue", "p95", "errorRatio", "one")
NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
# Families the sim already exposes; a declared one may not take their names.
BUILT_IN = (
    "http_requests_total",
    "http_request_duration_seconds",
    "inference_tokens_generated_total",
    "inference_queue_depth",
    "ihsan_checks_total",
    "up",
)
POD_LABELS = ("namespace", "pod", "version", "service")
SPEC_KEYS = {
    "name",
    "type",
    "of",
    "help",
    "per",
    "offset",
    "scale",
    "buckets",
    "label",
    "pass",
    "fail",
    "passRate",
}


@dataclass(frozen=True)
class MetricSpec:
    """One declared family: `value = offset + per × quantity` (histograms: latency × scale)."""

    name: str
    kind: str
    of: str
    help: str
    per: float = 1.0
    offset: float = 0.0
    scale: float = 1.0
    buckets: tuple[float, ...] = ()
    label: str = "result"
    passed: str = "pass"
    failed: str = "fail"
    pass_rate: float = 1.0

    @property
    def family(self) -> str:
        """The name given to prometheus_client, which adds `_total` to counters."""
        return self.name[: -len("_total")] if self.kind in ("counter", "outcome") else self.name


@dataclass(frozen=True)
class MetricRegression:
    """How a regressed image bends one declared family."""

    scale: float = 1.0  # multiplies a counter's or gauge's value, a histogram's latency
    pass_rate: float = 0.0  # taken off an outcome's pass rate


def _number(item: dict[str, Any], key: str, default: float, where: str) -> float:
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{where}: {key} must be a number")
    return float(value)


def _text(item: dict[str, Any], key: str, default: str, where: str) -> str:
    value = item.get(key, default)
    if not isinstance(value, str) or not LABEL.match(value):
        raise ValueError(f"{where}: {key} must be a label name or value of letters, digits and _")
    return value


def parse_metric(item: Any, where: str, request_buckets: tuple[float, ...]) -> MetricSpec:
    """One entry of `metrics:`; ValueError with one sentence naming the mistake."""
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be a mapping with name, type and of")
    unknown = sorted(set(item) - SPEC_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(map(str, unknown))}")
    name, kind = item.get("name"), item.get("type")
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"{where} needs name: a Prometheus metric name such as queue_depth")
    where = f"{where} ({name})"
    if kind not in KINDS:
        raise ValueError(f"{where}: type must be one of {', '.join(KINDS)}")
    if name in BUILT_IN or name.startswith("DCGM_"):
        raise ValueError(f"{where}: {name} is a family the sim already exposes; pick another name")
    counting = kind in ("counter", "outcome")
    if counting != name.endswith("_total"):
        raise ValueError(f"{where}: a {kind} name must {'' if counting else 'not '}end in _total")
    if kind == "histogram" and name.endswith(("_bucket", "_sum", "_count")):
        raise ValueError(f"{where}: a histogram name must not end in _bucket, _sum or _count")
    allowed = FLOWS + LEVELS if kind == "gauge" else FLOWS
    of = item.get("of", None if kind == "gauge" else "requests")
    if of not in allowed:
        raise ValueError(f"{where}: of must be one of {', '.join(allowed)}")
    if kind == "histogram" and of not in ("requests", "answered"):
        raise ValueError(f"{where}: a histogram spreads requests or answered over latency")
    help_text = item.get("help", f"Declared by the scenario: a {kind} of the pod's {of}.")
    if not isinstance(help_text, str):
        raise ValueError(f"{where}: help must be text")
    per = _number(item, "per", 1.0, where)
    offset = _number(item, "offset", 0.0, where)
    scale = _number(item, "scale", 1.0, where)
    if per < 0 or scale <= 0:
        raise ValueError(f"{where}: per must be 0 or more and scale more than 0")
    if offset and kind != "gauge":
        raise ValueError(f"{where}: only a gauge takes an offset")
    buckets = _buckets(item, scale, request_buckets, where) if kind == "histogram" else ()
    outcome = kind == "outcome"
    if not outcome and any(k in item for k in ("label", "pass", "fail", "passRate")):
        raise ValueError(f"{where}: label, pass, fail and passRate belong to an outcome")
    rate = _number(item, "passRate", -1.0, where) if outcome else 1.0
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{where}: an outcome needs passRate between 0 and 1")
    spec = MetricSpec(
        name=name,
        kind=kind,
        of=str(of),
        help=help_text,
        per=per,
        offset=offset,
        scale=scale,
        buckets=buckets,
        label=_text(item, "label", "result", where),
        passed=_text(item, "pass", "pass", where),
        failed=_text(item, "fail", "fail", where),
        pass_rate=rate,
    )
    if spec.label in POD_LABELS or spec.passed == spec.failed:
        raise ValueError(f"{where}: the outcome label must be its own and pass differ from fail")
    return spec


def _buckets(
    item: dict[str, Any], scale: float, request_buckets: tuple[float, ...], where: str
) -> tuple[float, ...]:
    """The declared upper bounds, or the request histogram's bounds times `scale`."""
    raw = item.get("buckets")
    if raw is None:
        return tuple(float(f"{b * scale:.6g}") for b in request_buckets)
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in raw)
        or any(b <= 0 or not math.isfinite(b) for b in raw)
        or sorted(set(raw)) != raw
    ):
        raise ValueError(f"{where}: buckets must be a list of increasing positive numbers")
    return tuple(float(b) for b in raw)


def check_families(specs: list[tuple[str, MetricSpec]], source: str) -> None:
    """Families of one name declared by several services must agree on type and labels."""
    seen: dict[str, MetricSpec] = {}
    for service, spec in specs:
        first = seen.setdefault(spec.name, spec)
        if (first.kind, first.label, first.buckets) != (spec.kind, spec.label, spec.buckets):
            raise ValueError(
                f"{source}: metric {spec.name} of {service} is declared again with another "
                "type, label or buckets; one name is one family"
            )


def parse_metric_regressions(
    data: Any, declared: dict[str, MetricSpec], where: str
) -> dict[str, MetricRegression]:
    """`load.regressions[image].metrics`: {NAME: {scale: X, passRate: Y}} per declared family."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}.metrics must map declared metric names to scale or passRate")
    out = {}
    for name, item in data.items():
        spec = declared.get(str(name))
        if spec is None:
            raise ValueError(f"{where}.metrics: {name} is not a metric any service declares")
        if not isinstance(item, dict) or not item or set(item) - {"scale", "passRate"}:
            raise ValueError(f"{where}.metrics[{name}] takes scale and, for an outcome, passRate")
        here = f"{where}.metrics[{name}]"
        scale = _number(item, "scale", 1.0, here)
        rate = _number(item, "passRate", 0.0, here)
        if scale <= 0 or not 0.0 <= rate <= 1.0:
            raise ValueError(f"{here}: scale must be more than 0 and passRate between 0 and 1")
        if "passRate" in item and spec.kind != "outcome":
            raise ValueError(f"{here}: passRate lowers an outcome, and {name} is a {spec.kind}")
        out[str(name)] = MetricRegression(scale, rate)
    return out
