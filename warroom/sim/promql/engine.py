"""The built-in PromQL engine: instant and range queries over a `SeriesStore`.

The evaluation model is Prometheus' own (promql/engine.go, v2.42): every node is evaluated for
all steps of the query at once, an instant query being a range query of one step. A scalar node
yields one float per step, an instant-vector node one vector (list of (labels, value)) per step.
Range vectors only exist as function arguments and as the result of an instant query.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from typing import Any

from warroom.sim.promql import ast
from warroom.sim.promql.aggregate import evaluate_aggregate
from warroom.sim.promql.binops import evaluate_binary
from warroom.sim.promql.errors import QueryError, unsupported
from warroom.sim.promql.functions import evaluate_call
from warroom.sim.promql.parse import parse
from warroom.sim.promql.values import (
    DUPLICATE_LABELSET,
    Vector,
    check_unique,
    drop_name,
    format_ts,
    format_value,
)
from warroom.sim.tsdb import Labels, SeriesStore, is_stale_nan, seconds_to_ms

#: Prometheus' API refuses range queries with more points per series than this.
MAX_POINTS = 11_000


class Evaluator:
    """Evaluates one query's tree over a fixed list of step timestamps (ms)."""

    def __init__(self, store: SeriesStore, steps: list[int], lookback_ms: int) -> None:
        self.store = store
        self.steps = steps
        self.lookback_ms = lookback_ms
        self.min_time_ms = store.min_time_ms

    # -- dispatch --

    def eval(self, node: ast.Expr) -> Any:
        """list[float] for scalars, list[Vector] for vectors, str for strings."""
        if isinstance(node, ast.NumberLiteral):
            return [node.value] * len(self.steps)
        if isinstance(node, ast.StringLiteral):
            return node.value
        if isinstance(node, ast.VectorSelector):
            return [[(labels, v) for labels, v, _ in step] for step in self.select(node)]
        if isinstance(node, ast.UnaryMinus):
            return self._unary_minus(node)
        if isinstance(node, ast.BinaryExpr):
            return evaluate_binary(self, node)
        if isinstance(node, ast.Call):
            return evaluate_call(self, node)
        if isinstance(node, ast.Aggregate):
            return evaluate_aggregate(self, node)
        # Range vectors never reach here: the parser only allows them as function arguments
        # or as a whole query, which `Engine.instant` handles.
        raise unsupported(f"evaluating {type(node).__name__} here is")

    def _unary_minus(self, node: ast.UnaryMinus) -> Any:
        inner = self.eval(node.expr)
        if node.expr.kind == ast.SCALAR:
            return [-v for v in inner]
        # Like Prometheus, check the whole result matrix: two input series that only differ in
        # their name collide even if they never have a sample at the same step.
        renamed: dict[Labels, Labels] = {}
        owners: dict[Labels, Labels] = {}
        out = []
        for step in inner:
            result = []
            for labels, value in step:
                new = renamed.get(labels)
                if new is None:
                    new = renamed[labels] = drop_name(labels)
                    if owners.setdefault(new, labels) != labels:
                        raise QueryError("execution", DUPLICATE_LABELSET)
                result.append((new, -value))
            out.append(result)
        return out

    # -- selectors --

    def select(self, node: ast.VectorSelector) -> list[list[tuple[Labels, float, int]]]:
        """Per step, each matching series' latest sample within the lookback window.

        A sample counts if it lies in [t - offset - lookback, t - offset] and is not a
        staleness marker; the sample's own timestamp comes along for timestamp().
        """
        out: list[list[tuple[Labels, float, int]]] = [[] for _ in self.steps]
        offset, lookback, floor = node.offset_ms, self.lookback_ms, self.min_time_ms
        for series in self.store.select_series(node.matchers):
            times, values, key = series.timestamps, series.values, series.key
            for i, t in enumerate(self.steps):
                ref = t - offset
                j = bisect.bisect_right(times, ref) - 1
                if j < 0:
                    continue
                sample_ts = times[j]
                if sample_ts < ref - lookback or sample_ts < floor:
                    continue
                value = values[j]
                if value != value and is_stale_nan(value):
                    continue
                out[i].append((key, value, sample_ts))
        return out

    def windows(
        self, node: ast.MatrixSelector
    ) -> list[tuple[Labels, list[tuple[int, list[int], list[float]]]]]:
        """For each matching series, the non-empty windows [t-offset-range, t-offset] per step.

        Each window is (step index, timestamps, values) with staleness markers removed.
        """
        offset, rng, floor = node.selector.offset_ms, node.range_ms, self.min_time_ms
        result = []
        for series in self.store.select_series(node.selector.matchers):
            times, values = series.timestamps, series.values
            per_step = []
            for i, t in enumerate(self.steps):
                maxt = t - offset
                lo = bisect.bisect_left(times, max(maxt - rng, floor))
                hi = bisect.bisect_right(times, maxt)
                if lo >= hi:
                    continue
                w_times, w_values = times[lo:hi], values[lo:hi]
                if any(v != v for v in w_values):
                    kept = [k for k, v in enumerate(w_values) if not is_stale_nan(v)]
                    if len(kept) != len(w_values):
                        w_times = [w_times[k] for k in kept]
                        w_values = [w_values[k] for k in kept]
                if w_times:
                    per_step.append((i, w_times, w_values))
            result.append((series.key, per_step))
        return result

    def map_vector(
        self, vectors: list[Vector], fn: Callable[[int, Vector], Vector]
    ) -> list[Vector]:
        """Apply a per-step function and run the duplicate-labelset check on each result."""
        return [check_unique(fn(i, vec)) for i, vec in enumerate(vectors)]


class Engine:
    """Answers PromQL over a SeriesStore with the Prometheus HTTP API's `data` objects."""

    def __init__(self, store: SeriesStore, lookback: float = 300) -> None:
        if lookback <= 0:
            raise ValueError("lookback must be greater than zero")
        self.store = store
        self.lookback = lookback
        self._lookback_ms = int(lookback * 1000)

    def parse(self, query: str) -> ast.Expr:
        """The translated tree of `query`; raises QueryError as `instant`/`range` would."""
        return parse(query)

    def instant(self, query: str, ts: float) -> dict[str, Any]:
        """Evaluate `query` at `ts` (unix seconds): the API's `data` for /api/v1/query."""
        t = _to_ms(ts, "time")
        expr = parse(query)
        return _guarded(lambda: self._instant(expr, t))

    def range(self, query: str, start: float, end: float, step: float) -> dict[str, Any]:
        """Evaluate `query` from `start` to `end` every `step` seconds: /api/v1/query_range."""
        start_ms, end_ms = _to_ms(start, "start"), _to_ms(end, "end")
        if not math.isfinite(step) or step <= 0 or int(step * 1000) <= 0:
            raise QueryError(
                "bad_data",
                "zero or negative query resolution step widths are not accepted. "
                "Try a positive integer",
            )
        step_ms = int(step * 1000)
        if end_ms < start_ms:
            raise QueryError("bad_data", "end timestamp must not be before start time")
        if (end_ms - start_ms) // step_ms > MAX_POINTS:
            raise QueryError(
                "bad_data",
                "exceeded maximum resolution of 11,000 points per timeseries. "
                "Try decreasing the query resolution (?step=XX)",
            )
        expr = parse(query)
        if expr.kind not in (ast.SCALAR, ast.VECTOR):
            raise QueryError(
                "bad_data",
                f'invalid expression type "{ast.DOCUMENTED_TYPE[expr.kind]}" for range query,'
                " must be Scalar or instant Vector",
            )
        steps = list(range(start_ms, end_ms + 1, step_ms))
        return _guarded(lambda: self._range(expr, steps))

    def _instant(self, expr: ast.Expr, t: int) -> dict[str, Any]:
        ts = format_ts(t)
        if isinstance(expr, ast.MatrixSelector):
            return {"resultType": "matrix", "result": self._raw_matrix(expr, t)}
        value = Evaluator(self.store, [t], self._lookback_ms).eval(expr)
        if expr.kind == ast.STRING:
            return {"resultType": "string", "result": [ts, value]}
        if expr.kind == ast.SCALAR:
            return {"resultType": "scalar", "result": [ts, format_value(value[0])]}
        return {
            "resultType": "vector",
            "result": [
                {"metric": dict(labels), "value": [ts, format_value(v)]} for labels, v in value[0]
            ],
        }

    def _raw_matrix(self, expr: ast.MatrixSelector, t: int) -> list[dict[str, Any]]:
        result = []
        for labels, windows in Evaluator(self.store, [t], self._lookback_ms).windows(expr):
            for _, times, values in windows:
                points = [
                    [format_ts(ms), format_value(v)] for ms, v in zip(times, values, strict=True)
                ]
                result.append({"metric": dict(labels), "values": points})
        return result

    def _range(self, expr: ast.Expr, steps: list[int]) -> dict[str, Any]:
        value = Evaluator(self.store, steps, self._lookback_ms).eval(expr)
        if expr.kind == ast.SCALAR:
            points = [[format_ts(t), format_value(v)] for t, v in zip(steps, value, strict=True)]
            return {"resultType": "matrix", "result": [{"metric": {}, "values": points}]}
        series: dict[Labels, list[list[Any]]] = {}
        for t, vec in zip(steps, value, strict=True):
            ts = format_ts(t)
            for labels, v in vec:
                series.setdefault(labels, []).append([ts, format_value(v)])
        return {
            "resultType": "matrix",
            "result": [
                {"metric": dict(labels), "values": series[labels]} for labels in sorted(series)
            ],
        }


def _to_ms(seconds: float, what: str) -> int:
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or abs(seconds) > 9e15:
        raise QueryError("bad_data", f"cannot use {seconds!r} as the {what} of a query")
    return seconds_to_ms(float(seconds))


def _guarded(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run an evaluation so that nothing but QueryError escapes."""
    try:
        return run()
    except QueryError:
        raise
    except RecursionError:
        raise unsupported("a query nested this deeply is") from None
    except MemoryError:
        raise QueryError("execution", "query needs too much memory") from None
    except Exception as err:  # the engine's contract: a result or a QueryError, never a trace
        raise QueryError(
            "internal", f"internal error in the warroom sim's PromQL engine: {err!r}"
        ) from err
