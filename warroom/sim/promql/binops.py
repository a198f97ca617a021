"""Binary operators: arithmetic, comparisons and set operators with vector matching.

Ported from VectorBinop, VectorAnd/Or/Unless, VectorscalarBinop, resultMetric and scalarBinop
in prometheus/promql/engine.go (v2.42), including their error messages.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from warroom.sim.promql import ast
from warroom.sim.promql.errors import QueryError
from warroom.sim.promql.values import (
    Vector,
    drop_name,
    format_labels,
    go_div,
    go_mod,
    go_pow,
    with_label,
)
from warroom.sim.tsdb import METRIC_NAME, Labels

if TYPE_CHECKING:
    from warroom.sim.promql.engine import Evaluator

ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": go_div,
    "%": go_mod,
    "^": go_pow,
    "atan2": math.atan2,
}
COMPARISON: dict[str, Callable[[float, float], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
}
#: Arithmetic results lose the metric name; comparisons (without bool) and atan2 keep it.
DROPS_NAME = frozenset({"+", "-", "*", "/", "%", "^"})


def evaluate_binary(ev: Evaluator, node: ast.BinaryExpr) -> Any:
    lhs, rhs = ev.eval(node.lhs), ev.eval(node.rhs)
    left_scalar = node.lhs.kind == ast.SCALAR
    right_scalar = node.rhs.kind == ast.SCALAR
    if left_scalar and right_scalar:
        return [_scalar_op(node.op, a, b) for a, b in zip(lhs, rhs, strict=True)]
    if left_scalar or right_scalar:
        vectors, scalars = (rhs, lhs) if left_scalar else (lhs, rhs)
        return ev.map_vector(
            vectors, lambda i, vec: _vector_scalar(node, vec, scalars[i], swap=left_scalar)
        )
    signature = _signature_fn(node)
    if node.op in ("and", "or", "unless"):
        set_op = {"and": _and, "or": _or, "unless": _unless}[node.op]
        return ev.map_vector(lhs, lambda i, vec: set_op(vec, rhs[i], signature))
    result_labels = _ResultLabels(node)
    return ev.map_vector(
        lhs, lambda i, vec: _vector_vector(node, vec, rhs[i], signature, result_labels)
    )


def _scalar_op(op: str, a: float, b: float) -> float:
    if op in COMPARISON:
        return 1.0 if COMPARISON[op](a, b) else 0.0
    return ARITHMETIC[op](a, b)


def _element_op(op: str, a: float, b: float) -> tuple[float, bool]:
    """vectorElemBinop: the value and whether a comparison keeps the element."""
    if op in COMPARISON:
        return a, COMPARISON[op](a, b)
    return ARITHMETIC[op](a, b), True


def _vector_scalar(node: ast.BinaryExpr, vec: Vector, scalar: float, swap: bool) -> Vector:
    out = []
    drop = node.op in DROPS_NAME or node.return_bool
    for labels, value in vec:
        left, right = (scalar, value) if swap else (value, scalar)
        result, keep = _element_op(node.op, left, right)
        if node.op in COMPARISON and swap:
            result = right  # a filter keeps the vector's value even when it is on the right
        if node.return_bool:
            result, keep = (1.0 if keep else 0.0), True
        if keep:
            out.append((drop_name(labels) if drop else labels, result))
    return out


def _signature_fn(node: ast.BinaryExpr) -> Callable[[Labels], Labels]:
    """The label values two elements must share to match (on/ignoring; never the name)."""
    cache: dict[Labels, Labels] = {}
    names = frozenset(node.matching)
    if node.on:

        def compute(labels: Labels) -> Labels:
            return tuple(p for p in labels if p[0] in names)
    else:
        ignored = names | {METRIC_NAME}

        def compute(labels: Labels) -> Labels:
            return tuple(p for p in labels if p[0] not in ignored)

    def signature(labels: Labels) -> Labels:
        sig = cache.get(labels)
        if sig is None:
            sig = cache[labels] = compute(labels)
        return sig

    return signature


def _and(lhs: Vector, rhs: Vector, sig: Callable[[Labels], Labels]) -> Vector:
    if not lhs or not rhs:
        return []
    right = {sig(labels) for labels, _ in rhs}
    return [s for s in lhs if sig(s[0]) in right]


def _or(lhs: Vector, rhs: Vector, sig: Callable[[Labels], Labels]) -> Vector:
    if not lhs or not rhs:
        return lhs + rhs
    left = {sig(labels) for labels, _ in lhs}
    return lhs + [s for s in rhs if sig(s[0]) not in left]


def _unless(lhs: Vector, rhs: Vector, sig: Callable[[Labels], Labels]) -> Vector:
    if not lhs or not rhs:
        return list(lhs)
    right = {sig(labels) for labels, _ in rhs}
    return [s for s in lhs if sig(s[0]) not in right]


class _ResultLabels:
    """resultMetric(): the output label set of a matched pair, memoised per pair."""

    def __init__(self, node: ast.BinaryExpr) -> None:
        self.node = node
        self.cache: dict[tuple[Labels, Labels], Labels] = {}
        self.matching = frozenset(node.matching)

    def __call__(self, many: Labels, one: Labels) -> Labels:
        key = (many, one)
        result = self.cache.get(key)
        if result is not None:
            return result
        node = self.node
        result = many
        if node.op in DROPS_NAME:
            result = drop_name(result)
        if node.card == "one-to-one":
            if node.on:
                result = tuple(p for p in result if p[0] in self.matching)
            else:
                result = tuple(p for p in result if p[0] not in self.matching)
        for name in node.include:
            # group_x labels come from the "one" side, or are removed when it lacks them.
            result = with_label(result, name, dict(one).get(name, ""))
        if node.return_bool:
            result = drop_name(result)
        self.cache[key] = result
        return result


def _vector_vector(
    node: ast.BinaryExpr,
    lhs: Vector,
    rhs: Vector,
    sig: Callable[[Labels], Labels],
    result_labels: _ResultLabels,
) -> Vector:
    if not lhs or not rhs:
        return []
    swapped = node.card == "one-to-many"
    many, one = (rhs, lhs) if swapped else (lhs, rhs)
    one_side: dict[Labels, tuple[Labels, float]] = {}
    for labels, value in one:
        key = sig(labels)
        if key in one_side:
            side = "left" if swapped else "right"
            matched = _match_labels(labels, node)
            raise QueryError(
                "execution",
                f"found duplicate series for the match group {format_labels(matched)} on the "
                f"{side} hand-side of the operation: [{format_labels(labels)}, "
                f"{format_labels(one_side[key][0])}];many-to-many matching not allowed: "
                "matching labels must be unique on one side",
            )
        one_side[key] = (labels, value)
    matched_sigs: dict[Labels, set[Labels] | None] = {}
    out = []
    for labels, value in many:
        key = sig(labels)
        partner = one_side.get(key)
        if partner is None:
            continue
        left, right = (partner[1], value) if swapped else (value, partner[1])
        result, keep = _element_op(node.op, left, right)
        if node.return_bool:
            result = 1.0 if keep else 0.0
        elif not keep:
            continue
        metric = result_labels(labels, partner[0])
        if node.card == "one-to-one":
            if key in matched_sigs:
                raise QueryError(
                    "execution",
                    "multiple matches for labels: many-to-one matching must be explicit "
                    "(group_left/group_right)",
                )
            matched_sigs[key] = None
        else:
            inserted = matched_sigs.setdefault(key, set())
            assert inserted is not None
            if metric in inserted:
                raise QueryError(
                    "execution",
                    "multiple matches for labels: grouping labels must ensure unique matches",
                )
            inserted.add(metric)
        out.append((metric, result))
    return out


def _match_labels(labels: Labels, node: ast.BinaryExpr) -> Labels:
    """Labels.MatchLabels(on, names...) for the duplicate-series error message."""
    names = set(node.matching)
    if node.on:
        return tuple(p for p in labels if p[0] in names)
    return tuple(p for p in labels if p[0] not in names and p[0] != METRIC_NAME)
