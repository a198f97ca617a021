"""Aggregation operators (`sum by (...)`, `topk`, ...), ported from aggregation() in
prometheus/promql/engine.go (v2.42): same arithmetic, same group order, same heaps."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from warroom.sim.promql import ast
from warroom.sim.promql.errors import QueryError
from warroom.sim.promql.quantile import (
    Less,
    go_sort,
    heap_pop,
    heap_push,
    quantile,
    reverse_value_less,
    reversed_less,
    value_less,
)
from warroom.sim.promql.values import (
    LABEL_NAME_RE,
    NAN,
    Sample,
    Vector,
    format_float,
    with_label,
)
from warroom.sim.tsdb import METRIC_NAME, Labels

if TYPE_CHECKING:
    from collections.abc import Callable

    from warroom.sim.promql.engine import Evaluator

_INT64_MAX = 9223372036854775807.0
_INT64_MIN = -9223372036854775808.0


def evaluate_aggregate(ev: Evaluator, node: ast.Aggregate) -> list[Vector]:
    vectors = ev.eval(node.expr)
    params: list[float] | str | None = None
    if node.param is not None:
        params = ev.eval(node.param)
    group_of = _grouper(node.grouping, node.without)
    if node.op == "count_values":
        assert isinstance(params, str)
        label = params
        if not LABEL_NAME_RE.match(label):
            raise QueryError("execution", f'invalid label name "{label}"')
        grouping = node.grouping if node.without else (*node.grouping, label)
        value_group_of = _grouper(grouping, node.without)
        return ev.map_vector(vectors, lambda i, vec: _count_values(vec, label, value_group_of))
    if node.op in ("topk", "bottomk"):
        assert isinstance(params, list)
        return ev.map_vector(vectors, lambda i, vec: _top_bottom(node.op, vec, params[i], group_of))
    if node.op == "quantile":
        assert isinstance(params, list)
        return ev.map_vector(vectors, lambda i, vec: _quantile(vec, params[i], group_of))
    return ev.map_vector(vectors, lambda i, vec: _simple(node.op, vec, group_of))


def _grouper(grouping: tuple[str, ...], without: bool) -> Callable[[Labels], Labels]:
    """The output labels of a sample's group, which also serve as the group's key."""
    cache: dict[Labels, Labels] = {}
    names = frozenset(grouping)
    if without:
        dropped = names | {METRIC_NAME}

        def compute(labels: Labels) -> Labels:
            return tuple(p for p in labels if p[0] not in dropped)
    else:

        def compute(labels: Labels) -> Labels:
            return tuple(p for p in labels if p[0] in names)

    def group_of(labels: Labels) -> Labels:
        group = cache.get(labels)
        if group is None:
            group = cache[labels] = compute(labels)
        return group

    return group_of


class _Group:
    __slots__ = ("count", "mean", "value")

    def __init__(self, value: float) -> None:
        self.value = value
        self.mean = value
        self.count = 1


def _simple(op: str, vec: Vector, group_of: Callable[[Labels], Labels]) -> Vector:
    groups: dict[Labels, _Group] = {}
    for labels, v in vec:
        key = group_of(labels)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(v)
            if op in ("stddev", "stdvar"):
                group.value = 0.0
            elif op == "group":
                group.value = 1.0
            continue
        if op == "sum":
            group.value += v
        elif op == "avg":
            group.count += 1
            if math.isinf(group.mean):
                if math.isinf(v) and (group.mean > 0) == (v > 0):
                    continue  # same-signed infinities: the mean is already right
                if not math.isinf(v) and not math.isnan(v):
                    continue  # a finite value cannot move an infinite mean
            # Divide each term separately so that large values do not overflow.
            group.mean += v / group.count - group.mean / group.count
        elif op == "max":
            if group.value < v or group.value != group.value:
                group.value = v
        elif op == "min":
            if group.value > v or group.value != group.value:
                group.value = v
        elif op == "count":
            group.count += 1
        elif op in ("stddev", "stdvar"):
            group.count += 1
            delta = v - group.mean
            group.mean += delta / group.count
            group.value += delta * (v - group.mean)
    out = []
    for key, group in groups.items():
        if op == "avg":
            value = group.mean
        elif op == "count":
            value = float(group.count)
        elif op == "stdvar":
            value = group.value / group.count
        elif op == "stddev":
            variance = group.value / group.count
            value = math.sqrt(variance) if variance >= 0 else NAN
        else:
            value = group.value
        out.append((key, value))
    return out


def _count_values(vec: Vector, label: str, group_of: Callable[[Labels], Labels]) -> Vector:
    counts: dict[Labels, int] = {}
    for labels, v in vec:
        key = group_of(with_label(labels, label, format_float(v)))
        counts[key] = counts.get(key, 0) + 1
    return [(key, float(n)) for key, n in counts.items()]


def _quantile(vec: Vector, q: float, group_of: Callable[[Labels], Labels]) -> Vector:
    groups: dict[Labels, list[float]] = {}
    for labels, v in vec:
        groups.setdefault(group_of(labels), []).append(v)
    return [(key, quantile(q, values)) for key, values in groups.items()]


def _top_bottom(op: str, vec: Vector, param: float, group_of: Callable[[Labels], Labels]) -> Vector:
    if not (_INT64_MIN <= param <= _INT64_MAX):
        raise QueryError("execution", f"Scalar value {_go_float(param)} overflows int64")
    k = int(param)
    if k < 1:
        return []
    less: Less = value_less if op == "topk" else reverse_value_less
    heaps: dict[Labels, list[Sample]] = {}
    for labels, v in vec:
        key = group_of(labels)
        heap = heaps.get(key)
        if heap is None:
            heaps[key] = [(labels, v)]
            continue
        top = heap[0][1]
        beats = top < v if op == "topk" else top > v
        if len(heap) < k or beats or top != top:
            if len(heap) == k:
                if k == 1:  # Prometheus replaces in place for k == 1
                    heap[0] = (labels, v)
                    continue
                heap_pop(heap, less)
            heap_push(heap, (labels, v), less)
    out: Vector = []
    for heap in heaps.values():
        if len(heap) > 1:
            go_sort(heap, reversed_less(less))  # the heap keeps the worst on top
        out.extend(heap)
    return out


def _go_float(value: float) -> str:
    """fmt's %v for a float64, as in "Scalar value 1e+20 overflows int64"."""
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').rjust(2, '0')}"
    return text[:-2] if text.endswith(".0") else text
