"""The engine's own expression tree, built from promql_parser's nodes by `parse.py`.

Keeping a small tree of our own means the evaluator never touches the Rust objects, and every
node it sees is already known to be inside the supported subset. Parentheses are dropped while
translating: they never change a PromQL result.
"""

from __future__ import annotations

from dataclasses import dataclass

from warroom.sim.label_matchers import LabelMatcher

SCALAR, VECTOR, MATRIX, STRING = "scalar", "vector", "matrix", "string"

#: The API's name for each value type, as in "invalid expression type ... for range query".
DOCUMENTED_TYPE = {
    SCALAR: "scalar",
    VECTOR: "instant vector",
    MATRIX: "range vector",
    STRING: "string",
}


@dataclass(frozen=True, slots=True)
class NumberLiteral:
    value: float
    kind = SCALAR


@dataclass(frozen=True, slots=True)
class StringLiteral:
    value: str
    kind = STRING


@dataclass(frozen=True, slots=True)
class VectorSelector:
    matchers: tuple[LabelMatcher, ...]
    offset_ms: int
    kind = VECTOR


@dataclass(frozen=True, slots=True)
class MatrixSelector:
    selector: VectorSelector
    range_ms: int
    kind = MATRIX


@dataclass(frozen=True, slots=True)
class UnaryMinus:
    expr: Expr

    @property
    def kind(self) -> str:
        return self.expr.kind


@dataclass(frozen=True, slots=True)
class BinaryExpr:
    """`lhs op rhs`; the matching fields only matter when both sides are vectors.

    card is "one-to-one", "many-to-one" (group_left), "one-to-many" (group_right) or
    "many-to-many" (set operators). `on` says whether `matching` lists the labels to match on
    (on) or the labels to ignore (ignoring / no modifier).
    """

    op: str
    lhs: Expr
    rhs: Expr
    return_bool: bool = False
    card: str = "one-to-one"
    on: bool = False
    matching: tuple[str, ...] = ()
    include: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return SCALAR if self.lhs.kind == SCALAR and self.rhs.kind == SCALAR else VECTOR


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    kind: str


@dataclass(frozen=True, slots=True)
class Aggregate:
    op: str
    expr: Expr
    param: Expr | None
    grouping: tuple[str, ...]
    without: bool
    kind = VECTOR


Expr = (
    NumberLiteral
    | StringLiteral
    | VectorSelector
    | MatrixSelector
    | UnaryMinus
    | BinaryExpr
    | Call
    | Aggregate
)
