"""Parse PromQL with promql_parser and translate it into the engine's tree (`ast.py`).

Everything the parser accepts but the engine does not implement is rejected here, before any
evaluation, with an `execution` QueryError naming the feature; parse errors become
`QueryParseError` carrying the parser's own message.
"""

from __future__ import annotations

import re
from datetime import timedelta

import promql_parser

from warroom.sim.label_matchers import LabelMatcher, RegexError
from warroom.sim.promql import ast
from warroom.sim.promql.errors import QueryError, QueryParseError, unsupported
from warroom.sim.tsdb import METRIC_NAME

#: Functions over a range vector, evaluated per series per step.
RANGE_FUNCTIONS = frozenset(
    {
        "rate",
        "irate",
        "increase",
        "delta",
        "idelta",
        "changes",
        "resets",
        "avg_over_time",
        "min_over_time",
        "max_over_time",
        "sum_over_time",
        "count_over_time",
        "last_over_time",
        "quantile_over_time",
        "stddev_over_time",
        "stdvar_over_time",
        "present_over_time",
        "absent_over_time",
    }
)
#: Functions over instant vectors and scalars.
INSTANT_FUNCTIONS = frozenset(
    {
        "abs",
        "ceil",
        "floor",
        "round",
        "exp",
        "ln",
        "log2",
        "log10",
        "sqrt",
        "sgn",
        "clamp",
        "clamp_min",
        "clamp_max",
        "scalar",
        "vector",
        "time",
        "timestamp",
        "sort",
        "sort_desc",
        "histogram_quantile",
        "absent",
        "label_replace",
        "label_join",
        "year",
        "month",
        "day_of_month",
        "day_of_week",
        "day_of_year",
        "days_in_month",
        "hour",
        "minute",
    }
)
SUPPORTED_FUNCTIONS = RANGE_FUNCTIONS | INSTANT_FUNCTIONS
SUPPORTED_AGGREGATIONS = frozenset(
    {
        "sum",
        "avg",
        "min",
        "max",
        "count",
        "group",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
    }
)
BINARY_OPERATORS = frozenset(
    {
        "+",
        "-",
        "*",
        "/",
        "%",
        "^",
        "atan2",
        "==",
        "!=",
        ">",
        "<",
        ">=",
        "<=",
        "and",
        "or",
        "unless",
    }
)

# The Rust parser recurses per nesting level and per binary operator; past a few thousand it
# overflows the C stack and takes the whole process down, which no `except` can catch. Real
# queries stay far below this limit, so refuse larger ones before handing them over.
MAX_TOKENS = 2000
_TOKEN_RE = re.compile(
    r'"(?:[^"\\]|\\.)*"?|\'(?:[^\'\\]|\\.)*\'?|`[^`]*`?|#[^\n]*|[A-Za-z0-9_:.]+|\s+|.', re.S
)

_MATCH_OPS = {
    "MatchOp.Equal": "=",
    "MatchOp.NotEqual": "!=",
    "MatchOp.Re": "=~",
    "MatchOp.NotRe": "!~",
}
_CARDINALITY = {
    "VectorMatchCardinality.OneToOne": "one-to-one",
    "VectorMatchCardinality.ManyToOne": "many-to-one",
    "VectorMatchCardinality.OneToMany": "one-to-many",
    "VectorMatchCardinality.ManyToMany": "many-to-many",
}
_VALUE_TYPES = {
    "ValueType.Scalar": ast.SCALAR,
    "ValueType.Vector": ast.VECTOR,
    "ValueType.Matrix": ast.MATRIX,
    "ValueType.String": ast.STRING,
}


def _count_tokens(query: str) -> int:
    return sum(1 for m in _TOKEN_RE.finditer(query) if not m.group().isspace())


def parse(query: str) -> ast.Expr:
    """Parse and translate `query`, or raise QueryError."""
    if query.strip() == "":
        # The only parse error whose position we can state exactly; Prometheus says the same.
        raise QueryParseError("1:1: parse error: no expression found in input")
    node = _run_parser(query)
    try:
        return _translate(node)
    except RecursionError:
        raise unsupported("a query nested this deeply is") from None
    except (ValueError, OverflowError) as err:
        # The parser's nodes raise when a value does not fit Python's types (offset 9e18).
        raise QueryParseError(f"parse error: {err}") from None


def _run_parser(text: str) -> object:
    if _count_tokens(text) > MAX_TOKENS:
        raise unsupported(f"a query of more than {MAX_TOKENS} tokens is")
    try:
        return promql_parser.parse(text)
    except Exception as err:
        # Prometheus 2.x has holt_winters(); the parser only knows its 3.x name.
        if str(err) == "unknown function with name 'holt_winters'":
            raise unsupported('function "holt_winters" is') from None
        raise QueryParseError(f"parse error: {err}") from None
    except BaseException as err:
        # pyo3 turns a Rust panic into PanicException, which derives from BaseException.
        if type(err).__name__ != "PanicException":
            raise
        raise QueryParseError(f"parse error: {err}") from None


def parse_selector(text: str) -> tuple[LabelMatcher, ...]:
    """A series selector such as the API's `match[]` parameter takes: `up{job="api"}`."""
    if text == "":
        raise QueryParseError("1:1: parse error: unexpected end of input")
    node = _run_parser(text)
    if not isinstance(node, promql_parser.VectorSelector) or node.offset is not None:
        raise QueryParseError(f"parse error: {text!r} is not a series selector")
    return _selector(node).matchers


def _ms(delta: timedelta | None) -> int:
    if delta is None:
        return 0
    return delta // timedelta(milliseconds=1)


def _selector(node: promql_parser.VectorSelector) -> ast.VectorSelector:
    if node.at is not None:
        raise unsupported("the @ modifier is")
    if node.matchers.or_matchers:
        raise unsupported('"or" between label matchers is')
    matchers = []
    if node.name is not None:
        matchers.append(LabelMatcher(METRIC_NAME, "=", node.name))
    for m in node.matchers.matchers:
        op = _MATCH_OPS.get(str(m.op))
        if op is None:
            raise unsupported(f"label match operator {m.op} is")
        try:
            matchers.append(LabelMatcher(m.name, op, m.value))
        except RegexError as err:
            raise unsupported(f"the regular expression {err} is") from None
    return ast.VectorSelector(tuple(matchers), _ms(node.offset))


def _translate(node: object) -> ast.Expr:
    if isinstance(node, promql_parser.ParenExpr):
        return _translate(node.expr)
    if isinstance(node, promql_parser.NumberLiteral):
        return ast.NumberLiteral(float(node.val))
    if isinstance(node, promql_parser.StringLiteral):
        return ast.StringLiteral(node.val)
    if isinstance(node, promql_parser.VectorSelector):
        return _selector(node)
    if isinstance(node, promql_parser.MatrixSelector):
        return ast.MatrixSelector(_selector(node.vector_selector), _ms(node.range))
    if isinstance(node, promql_parser.UnaryExpr):
        inner = _translate(node.expr)
        if inner.kind not in (ast.SCALAR, ast.VECTOR):
            raise QueryParseError(
                "parse error: unary expression only allowed on expressions of type scalar or "
                f'instant vector, got "{ast.DOCUMENTED_TYPE[inner.kind]}"'
            )
        return ast.UnaryMinus(inner)
    if isinstance(node, promql_parser.BinaryExpr):
        return _binary(node)
    if isinstance(node, promql_parser.Call):
        return _call(node)
    if isinstance(node, promql_parser.AggregateExpr):
        return _aggregate(node)
    if isinstance(node, promql_parser.SubqueryExpr):
        raise unsupported("subqueries are")
    raise unsupported(f"the expression {type(node).__name__} is")


def _expect(want: str, got: ast.Expr, context: str) -> None:
    # promql_parser's own type checks have gaps (it accepts `ln(NaN)`), so check again here,
    # with Prometheus' wording.
    if got.kind != want:
        raise QueryParseError(
            f"parse error: expected type {ast.DOCUMENTED_TYPE[want]} in {context}, "
            f"got {ast.DOCUMENTED_TYPE[got.kind]}"
        )


def _binary(node: promql_parser.BinaryExpr) -> ast.BinaryExpr:
    op = str(node.op).lower()
    if op not in BINARY_OPERATORS:
        raise unsupported(f"the binary operator {op!r} is")
    lhs, rhs = _translate(node.lhs), _translate(node.rhs)
    kinds = {lhs.kind, rhs.kind}
    if not kinds <= {ast.SCALAR, ast.VECTOR}:
        raise QueryParseError(
            "parse error: binary expression must contain only scalar and instant vector types"
        )
    mod = node.modifier
    if ast.SCALAR in kinds:
        if op in ("and", "or", "unless"):
            raise QueryParseError(
                f'parse error: set operator "{op}" not allowed in binary scalar expression'
            )
        if mod is not None and (mod.matching is not None or mod.group_labels is not None):
            raise QueryParseError(
                "parse error: vector matching only allowed between instant vectors"
            )
    if (
        kinds == {ast.SCALAR}
        and op in ("==", "!=", ">", "<", ">=", "<=")
        and not (mod is not None and mod.return_bool)
    ):
        raise QueryParseError("parse error: comparisons between scalars must use BOOL modifier")
    if mod is None:
        default = "many-to-many" if op in ("and", "or", "unless") else "one-to-one"
        return ast.BinaryExpr(op, lhs, rhs, card=default)
    fill = mod.fill_values
    if fill is not None and (fill.lhs is not None or fill.rhs is not None):
        raise unsupported("fill modifiers on binary operators are")
    card = _CARDINALITY.get(str(mod.card))
    if card is None:
        raise unsupported(f"vector matching {mod.card} is")
    on = False
    matching: tuple[str, ...] = ()
    if mod.matching is not None:
        on = str(mod.matching.type) == "LabelModifierType.Include"
        matching = tuple(mod.matching.labels)
    include = tuple(mod.group_labels or ())
    return ast.BinaryExpr(op, lhs, rhs, bool(mod.return_bool), card, on, matching, include)


def _call(node: promql_parser.Call) -> ast.Call:
    name = node.func.name
    if name not in SUPPORTED_FUNCTIONS:
        raise unsupported(f'function "{name}" is')
    args = tuple(_translate(a) for a in node.args)
    wanted = [_VALUE_TYPES.get(str(t), ast.VECTOR) for t in node.func.arg_types]
    for i, arg in enumerate(args):
        _expect(wanted[min(i, len(wanted) - 1)], arg, f'call to function "{name}"')
    kind = _VALUE_TYPES.get(str(node.func.return_type))
    if kind is None:
        raise QueryError("execution", f"function {name} returns an unknown type")
    return ast.Call(name, args, kind)


def _aggregate(node: promql_parser.AggregateExpr) -> ast.Aggregate:
    op = str(node.op).lower()
    if op not in SUPPORTED_AGGREGATIONS:
        raise unsupported(f'aggregation "{op}" is')
    grouping: tuple[str, ...] = ()
    without = False
    if node.modifier is not None:
        without = str(node.modifier.type) == "AggModifierType.Without"
        grouping = tuple(node.modifier.labels)
    param = None if node.param is None else _translate(node.param)
    expr = _translate(node.expr)
    _expect(ast.VECTOR, expr, "aggregation expression")
    if param is not None:
        _expect(ast.STRING if op == "count_values" else ast.SCALAR, param, "aggregation parameter")
    return ast.Aggregate(op, expr, param, grouping, without)
