"""Functions over range vectors: rate() and friends and the *_over_time family.

Ported from prometheus/promql/functions.go (v2.42). Each implementation sees one series' window
at one step (timestamps in ms, values, stale markers already removed) and returns the output
value, or None to drop the series at that step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warroom.sim.promql import ast
from warroom.sim.promql.errors import QueryError
from warroom.sim.promql.quantile import quantile
from warroom.sim.promql.values import (
    DUPLICATE_LABELSET,
    NAN,
    Vector,
    drop_name,
    kahan_inc,
    with_label,
)
from warroom.sim.tsdb import METRIC_NAME, Labels

if TYPE_CHECKING:
    from warroom.sim.promql.engine import Evaluator


@dataclass(frozen=True, slots=True)
class Window:
    """The context of one evaluation: the step's time and the selector's range and offset."""

    t: int
    range_ms: int
    offset_ms: int
    param: float


RangeFn = Callable[[list[int], list[float], Window], float | None]


def _extrapolated_rate(
    times: list[int], values: list[float], w: Window, is_counter: bool, is_rate: bool
) -> float | None:
    """extrapolatedRate(): rate/increase/delta with Prometheus' extrapolation to the window
    edges and, for counters, reset handling and the zero-point cut-off."""
    if len(times) < 2:
        return None
    range_start = w.t - (w.range_ms + w.offset_ms)
    range_end = w.t - w.offset_ms
    result = values[-1] - values[0]
    if is_counter:
        prev = values[0]
        for current in values[1:]:
            if current < prev:
                result += prev  # a reset: the counter restarted from zero
            prev = current
    duration_to_start = (times[0] - range_start) / 1000
    duration_to_end = (range_end - times[-1]) / 1000
    sampled_interval = (times[-1] - times[0]) / 1000
    average_between = sampled_interval / (len(times) - 1)
    if is_counter and result > 0 and values[0] >= 0:
        # Counters cannot go negative, so never extrapolate to before the zero point.
        duration_to_zero = sampled_interval * (values[0] / result)
        duration_to_start = min(duration_to_start, duration_to_zero)
    threshold = average_between * 1.1
    extrapolate_to = sampled_interval
    extrapolate_to += duration_to_start if duration_to_start < threshold else average_between / 2
    extrapolate_to += duration_to_end if duration_to_end < threshold else average_between / 2
    factor = extrapolate_to / sampled_interval
    if is_rate:
        factor /= w.range_ms / 1000
    return result * factor


def _instant_value(times: list[int], values: list[float], is_rate: bool) -> float | None:
    """instantValue(): irate/idelta from the last two samples."""
    if len(times) < 2:
        return None
    last, previous = values[-1], values[-2]
    result = last if is_rate and last < previous else last - previous
    interval = times[-1] - times[-2]
    if is_rate:
        result /= interval / 1000
    return result


def _changes(values: list[float]) -> float:
    count, prev = 0, values[0]
    for current in values[1:]:
        if current != prev and not (current != current and prev != prev):
            count += 1
        prev = current
    return float(count)


def _resets(values: list[float]) -> float:
    count, prev = 0, values[0]
    for current in values[1:]:
        if current < prev:
            count += 1
        prev = current
    return float(count)


def _avg(values: list[float]) -> float:
    mean = comp = count = 0.0
    for v in values:
        count += 1
        if math.isinf(mean):
            if math.isinf(v) and (mean > 0) == (v > 0):
                continue  # same-signed infinities: the mean is already right
            if not math.isinf(v) and not math.isnan(v):
                continue  # finite values cannot move an infinite mean
        mean, comp = kahan_inc(v / count - mean / count, mean, comp)
    return mean if math.isinf(mean) else mean + comp


def _sum(values: list[float]) -> float:
    total = comp = 0.0
    for v in values:
        total, comp = kahan_inc(v, total, comp)
    return total if math.isinf(total) else total + comp


def _min(values: list[float]) -> float:
    result = values[0]
    for v in values:
        if v < result or result != result:
            result = v
    return result


def _max(values: list[float]) -> float:
    result = values[0]
    for v in values:
        if v > result or result != result:
            result = v
    return result


def _variance(values: list[float]) -> float:
    count = mean = c_mean = aux = c_aux = 0.0
    for v in values:
        count += 1
        delta = v - (mean + c_mean)
        mean, c_mean = kahan_inc(delta / count, mean, c_mean)
        aux, c_aux = kahan_inc(delta * (v - (mean + c_mean)), aux, c_aux)
    return (aux + c_aux) / count


def _sqrt(v: float) -> float:
    return math.sqrt(v) if v >= 0 else NAN


RANGE_FUNCS: dict[str, RangeFn] = {
    "rate": lambda t, v, w: _extrapolated_rate(t, v, w, True, True),
    "increase": lambda t, v, w: _extrapolated_rate(t, v, w, True, False),
    "delta": lambda t, v, w: _extrapolated_rate(t, v, w, False, False),
    "irate": lambda t, v, w: _instant_value(t, v, True),
    "idelta": lambda t, v, w: _instant_value(t, v, False),
    "changes": lambda t, v, w: _changes(v),
    "resets": lambda t, v, w: _resets(v),
    "avg_over_time": lambda t, v, w: _avg(v),
    "sum_over_time": lambda t, v, w: _sum(v),
    "min_over_time": lambda t, v, w: _min(v),
    "max_over_time": lambda t, v, w: _max(v),
    "count_over_time": lambda t, v, w: float(len(v)),
    "last_over_time": lambda t, v, w: v[-1],
    "quantile_over_time": lambda t, v, w: quantile(w.param, v),
    "stddev_over_time": lambda t, v, w: _sqrt(_variance(v)),
    "stdvar_over_time": lambda t, v, w: _variance(v),
    "present_over_time": lambda t, v, w: 1.0,
    "absent_over_time": lambda t, v, w: 1.0,
}


def absent_labels(expr: ast.Expr) -> Labels:
    """createLabelsForAbsentFunction(): the equality matchers of a plain selector argument.

    A label named by several matchers is left out, as Prometheus has always done.
    """
    if isinstance(expr, ast.MatrixSelector):
        expr = expr.selector
    if not isinstance(expr, ast.VectorSelector):
        return ()
    labels: Labels = ()
    seen: set[str] = set()
    for m in expr.matchers:
        if m.name == METRIC_NAME:
            continue
        if m.op == "=" and m.name not in seen:
            labels = with_label(labels, m.name, m.value)
            seen.add(m.name)
        else:
            labels = with_label(labels, m.name, "")
    return labels


def evaluate_range_call(ev: Evaluator, node: ast.Call) -> list[Vector]:
    """Evaluate a function whose argument list holds one range-vector selector."""
    index = next(i for i, a in enumerate(node.args) if isinstance(a, ast.MatrixSelector))
    selector = node.args[index]
    assert isinstance(selector, ast.MatrixSelector)
    params = [NAN] * len(ev.steps)
    for i, arg in enumerate(node.args):
        if i != index:
            params = ev.eval(arg)  # the only other arguments are single scalars
    fn = RANGE_FUNCS[node.name]
    keep_name = node.name == "last_over_time"  # it acts like an offset, so keeps the name
    out: list[Vector] = [[] for _ in ev.steps]
    owners: dict[Labels, Labels] = {}
    for key, windows in ev.windows(selector):
        labels = key if keep_name else drop_name(key)
        produced = False
        for i, times, values in windows:
            w = Window(ev.steps[i], selector.range_ms, selector.selector.offset_ms, params[i])
            value = fn(times, values, w)
            if value is not None:
                out[i].append((labels, value))
                produced = True
        # Prometheus checks the whole result matrix, not each step, for colliding label sets.
        if produced and owners.setdefault(labels, key) != key and node.name != "absent_over_time":
            raise QueryError("execution", DUPLICATE_LABELSET)
    if node.name == "absent_over_time":
        absent = absent_labels(selector)
        return [[] if vec else [(absent, 1.0)] for vec in out]
    return out
