"""The values of the families a scenario declares (metric_specs), kept per pod.

The load model hands each pod's tick over as a `Flow` (its rates and latency); counters,
histograms and outcomes integrate it, gauges take its current value. Regressions bend them:
`scale` multiplies a value or a histogram's latency, `pass_rate` lowers an outcome's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from warroom.sim.metric_specs import POD_LABELS, MetricRegression, MetricSpec

NO_REGRESSION = MetricRegression()


@dataclass(frozen=True)
class Flow:
    """One pod over one tick: `rates` per second (flows) or levels, over `seconds`."""

    seconds: float
    rates: dict[str, float]
    median: float = 0.0  # of the request latency's log-normal, seconds
    sigma: float = 0.0


@dataclass
class DeclaredSeries:
    """One pod's declared families: values of counters and gauges, histograms, outcomes."""

    values: dict[str, float] = field(default_factory=dict)
    buckets: dict[str, list[float]] = field(default_factory=dict)
    sums: dict[str, float] = field(default_factory=dict)
    outcomes: dict[str, list[float]] = field(default_factory=dict)  # [passed, failed]


def lognormal_cdf(x: float, median: float, sigma: float) -> float:
    if x <= 0:
        return 0.0
    if sigma <= 0 or median <= 0:
        return 1.0 if x >= median else 0.0
    return 0.5 * (1 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2))))


def advance(
    series: DeclaredSeries,
    specs: Iterable[MetricSpec],
    flow: Flow,
    bends: dict[str, MetricRegression],
) -> None:
    """Add one tick of `flow` to every declared family of the pod."""
    for spec in specs:
        bend = bends.get(spec.name, NO_REGRESSION)
        rate = flow.rates.get(spec.of, 0.0) * spec.per
        if spec.kind == "gauge":
            series.values[spec.name] = spec.offset + rate * bend.scale
        elif spec.kind == "counter":
            series.values[spec.name] = (
                series.values.get(spec.name, 0.0) + rate * bend.scale * flow.seconds
            )
        elif spec.kind == "histogram":
            count = rate * flow.seconds
            median = flow.median * spec.scale * bend.scale
            buckets = series.buckets.setdefault(spec.name, [0.0] * (len(spec.buckets) + 1))
            for i, bound in enumerate(spec.buckets):
                buckets[i] += count * lognormal_cdf(bound, median, flow.sigma)
            buckets[-1] += count
            mean = median * math.exp(flow.sigma * flow.sigma / 2)
            series.sums[spec.name] = series.sums.get(spec.name, 0.0) + count * mean
        else:
            count = rate * bend.scale * flow.seconds
            passing = min(1.0, max(0.0, spec.pass_rate - bend.pass_rate))
            counts = series.outcomes.setdefault(spec.name, [0.0, 0.0])
            counts[0] += count * passing
            counts[1] += count * (1 - passing)


def _le(bound: float) -> str:
    return f"{bound}" if bound != int(bound) else f"{bound:.1f}"


def families(
    pods: Iterable[tuple[list[str], DeclaredSeries, list[MetricSpec]]],
) -> Iterator[Metric]:
    """The declared families over `pods` (their label values, series and specs), by name."""
    made: dict[str, Metric] = {}
    for labels, series, specs in pods:
        for spec in specs:
            family = made.get(spec.name)
            if family is None:
                family = made[spec.name] = _family(spec)
            if spec.kind == "histogram":
                counts = series.buckets.get(spec.name) or [0.0] * (len(spec.buckets) + 1)
                buckets = [(_le(b), counts[i]) for i, b in enumerate(spec.buckets)]
                buckets.append(("+Inf", counts[-1]))
                assert isinstance(family, HistogramMetricFamily)
                family.add_metric(labels, buckets, series.sums.get(spec.name, 0.0))
            elif spec.kind == "outcome":
                passed, failed = series.outcomes.get(spec.name) or [0.0, 0.0]
                family.add_metric([*labels, spec.passed], passed)  # type: ignore[attr-defined]
                family.add_metric([*labels, spec.failed], failed)  # type: ignore[attr-defined]
            else:
                value = series.values.get(spec.name, spec.offset if spec.kind == "gauge" else 0.0)
                family.add_metric(labels, value)  # type: ignore[attr-defined]
    yield from made.values()


def _family(spec: MetricSpec) -> Metric:
    labels = list(POD_LABELS)
    if spec.kind == "counter":
        return CounterMetricFamily(spec.family, spec.help, labels=labels)
    if spec.kind == "outcome":
        return CounterMetricFamily(spec.family, spec.help, labels=[*labels, spec.label])
    if spec.kind == "histogram":
        return HistogramMetricFamily(spec.family, spec.help, labels=labels)
    return GaugeMetricFamily(spec.family, spec.help, labels=labels)
