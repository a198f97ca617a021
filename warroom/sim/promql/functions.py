"""Functions over instant vectors and scalars (promql/functions.go, v2.42), and call dispatch.

Each function receives the evaluator and the call node and returns per-step values; the
evaluator's `map_vector` applies Prometheus' duplicate-labelset check to every step's result.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from warroom.sim.label_matchers import RegexError, compile_anchored
from warroom.sim.promql import ast
from warroom.sim.promql.errors import QueryError
from warroom.sim.promql.quantile import bucket_quantile
from warroom.sim.promql.rangefuncs import RANGE_FUNCS, absent_labels, evaluate_range_call
from warroom.sim.promql.values import (
    LABEL_NAME_RE,
    NAN,
    Vector,
    check_unique,
    drop_name,
    get_label,
    go_ceil,
    go_div,
    go_exp,
    go_floor,
    go_ln,
    go_log2,
    go_log10,
    go_max,
    go_min,
    go_parse_float,
    go_sgn,
    go_sqrt,
    with_label,
)
from warroom.sim.tsdb import METRIC_NAME, Labels

if TYPE_CHECKING:
    import re

    from warroom.sim.promql.engine import Evaluator

_ELEMENTWISE: dict[str, Callable[[float], float]] = {
    "abs": abs,
    "ceil": go_ceil,
    "floor": go_floor,
    "exp": go_exp,
    "ln": go_ln,
    "log2": go_log2,
    "log10": go_log10,
    "sqrt": go_sqrt,
    "sgn": go_sgn,
}


def evaluate_call(ev: Evaluator, node: ast.Call) -> Any:
    if node.name in RANGE_FUNCS:
        return evaluate_range_call(ev, node)
    if node.name in _ELEMENTWISE:
        fn = _ELEMENTWISE[node.name]
        return ev.map_vector(
            ev.eval(node.args[0]), lambda i, vec: [(drop_name(lb), fn(v)) for lb, v in vec]
        )
    return _SPECIAL[node.name](ev, node)


def _round(ev: Evaluator, node: ast.Call) -> list[Vector]:
    vectors = ev.eval(node.args[0])
    nearest = ev.eval(node.args[1]) if len(node.args) > 1 else [1.0] * len(ev.steps)

    def step(i: int, vec: Vector) -> Vector:
        # Prometheus inverts first "as it seems to cause fewer floating point accuracy issues".
        inverse = go_div(1.0, nearest[i])
        return [(drop_name(lb), go_div(go_floor(v * inverse + 0.5), inverse)) for lb, v in vec]

    return ev.map_vector(vectors, step)


def _clamp(ev: Evaluator, node: ast.Call) -> list[Vector]:
    vectors = ev.eval(node.args[0])
    lows = ev.eval(node.args[1]) if node.name in ("clamp", "clamp_min") else None
    highs = ev.eval(node.args[-1]) if node.name in ("clamp", "clamp_max") else None

    def step(i: int, vec: Vector) -> Vector:
        low = lows[i] if lows is not None else None
        high = highs[i] if highs is not None else None
        if low is not None and high is not None and high < low:
            return []
        out = []
        for labels, v in vec:
            if high is not None:
                v = go_min(high, v)
            if low is not None:
                v = go_max(low, v)
            out.append((drop_name(labels), v))
        return out

    return ev.map_vector(vectors, step)


def _scalar(ev: Evaluator, node: ast.Call) -> list[float]:
    return [vec[0][1] if len(vec) == 1 else NAN for vec in ev.eval(node.args[0])]


def _vector(ev: Evaluator, node: ast.Call) -> list[Vector]:
    return [[((), v)] for v in ev.eval(node.args[0])]


def _time(ev: Evaluator, node: ast.Call) -> list[float]:
    return [t / 1000 for t in ev.steps]


def _timestamp(ev: Evaluator, node: ast.Call) -> list[Vector]:
    arg = node.args[0]
    if isinstance(arg, ast.VectorSelector):
        # A selector's samples carry their own scrape time, not the evaluation time.
        return [
            check_unique([(drop_name(lb), ts / 1000) for lb, _, ts in step])
            for step in ev.select(arg)
        ]
    return ev.map_vector(
        ev.eval(arg), lambda i, vec: [(drop_name(lb), ev.steps[i] / 1000) for lb, _ in vec]
    )


def _sort(ev: Evaluator, node: ast.Call) -> list[Vector]:
    # NaN sorts last both ways, as Prometheus' reversed heap orderings place it.
    descending = node.name == "sort_desc"

    def key(sample: tuple[Labels, float]) -> tuple[bool, float]:
        v = sample[1]
        if v != v:
            return (True, 0.0)
        return (False, -v if descending else v)

    return ev.map_vector(ev.eval(node.args[0]), lambda i, vec: sorted(vec, key=key))


def _histogram_quantile(ev: Evaluator, node: ast.Call) -> list[Vector]:
    quantiles = ev.eval(node.args[0])

    def step(i: int, vec: Vector) -> Vector:
        groups: dict[Labels, tuple[Labels, list[tuple[float, float]]]] = {}
        for labels, v in vec:
            upper = go_parse_float(get_label(labels, "le"))
            if upper is None:
                continue  # no or malformed le label: not a bucket
            # Buckets belong together when all labels but `le` agree, the name included.
            signature = tuple(p for p in labels if p[0] != "le")
            group = groups.get(signature)
            if group is None:
                out_labels = tuple(p for p in signature if p[0] != METRIC_NAME)
                group = groups[signature] = (out_labels, [])
            group[1].append((upper, v))
        return [(labels, bucket_quantile(quantiles[i], b)) for labels, b in groups.values()]

    return ev.map_vector(ev.eval(node.args[1]), step)


def _absent(ev: Evaluator, node: ast.Call) -> list[Vector]:
    labels = absent_labels(node.args[0])
    return [[] if vec else [(labels, 1.0)] for vec in ev.eval(node.args[0])]


def _label_replace(ev: Evaluator, node: ast.Call) -> list[Vector]:
    vectors = ev.eval(node.args[0])
    dst, replacement, src, regex = (ev.eval(a) for a in node.args[1:])
    try:
        pattern = compile_anchored(regex)
    except RegexError:
        raise QueryError(
            "execution", f"invalid regular expression in label_replace(): {regex}"
        ) from None
    if not LABEL_NAME_RE.match(dst):
        raise QueryError("execution", f"invalid destination label name in label_replace(): {dst}")
    cache: dict[Labels, Labels] = {}

    def relabel(labels: Labels) -> Labels:
        new = cache.get(labels)
        if new is None:
            match = pattern.fullmatch(get_label(labels, src))
            new = labels if match is None else with_label(labels, dst, expand(replacement, match))
            cache[labels] = new
        return new

    return ev.map_vector(vectors, lambda i, vec: [(relabel(lb), v) for lb, v in vec])


def expand(template: str, match: re.Match[str]) -> str:
    """Go's regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`.

    As in Go, `$1x` names the group "1x" (which does not exist, so expands to nothing).
    """
    out: list[str] = []
    rest = template
    while True:
        before, dollar, rest = rest.partition("$")
        out.append(before)
        if not dollar:
            return "".join(out)
        if rest.startswith("$"):
            out.append("$")
            rest = rest[1:]
            continue
        name, rest_after = _extract(rest)
        if name is None:
            out.append("$")  # malformed reference: the dollar sign stays literal
            continue
        rest = rest_after
        out.append(_group(match, name))


def _extract(text: str) -> tuple[str | None, str]:
    brace = text.startswith("{")
    body = text[1:] if brace else text
    i = 0
    while i < len(body) and (body[i].isalpha() or body[i].isdigit() or body[i] == "_"):
        i += 1
    if i == 0:
        return None, text
    name = body[:i]
    if brace:
        if i >= len(body) or body[i] != "}":
            return None, text
        i += 1
    return name, body[i:]


def _group(match: re.Match[str], name: str) -> str:
    if name.isascii() and name.isdigit() and not (name.startswith("0") and len(name) > 1):
        number = int(name)
        if number <= match.re.groups:
            return match.group(number) or ""
        return ""
    return match.groupdict().get(name) or ""


def _label_join(ev: Evaluator, node: ast.Call) -> list[Vector]:
    vectors = ev.eval(node.args[0])
    dst, separator, *sources = (ev.eval(a) for a in node.args[1:])
    for src in sources:
        if not LABEL_NAME_RE.match(src):
            raise QueryError("execution", f"invalid source label name in label_join(): {src}")
    if not LABEL_NAME_RE.match(dst):
        raise QueryError("execution", f"invalid destination label name in label_join(): {dst}")

    def join(labels: Labels) -> Labels:
        joined = separator.join(get_label(labels, s) for s in sources)
        return with_label(labels, dst, joined)

    return ev.map_vector(vectors, lambda i, vec: [(join(lb), v) for lb, v in vec])


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DATE_PARTS: dict[str, Callable[[datetime], int]] = {
    "year": lambda d: d.year,
    "month": lambda d: d.month,
    "day_of_month": lambda d: d.day,
    "day_of_week": lambda d: (d.weekday() + 1) % 7,  # Go counts from Sunday = 0
    "day_of_year": lambda d: d.timetuple().tm_yday,
    "days_in_month": lambda d: calendar.monthrange(d.year, d.month)[1],
    "hour": lambda d: d.hour,
    "minute": lambda d: d.minute,
}


def _date_part(name: str, seconds: float) -> float:
    """One calendar field of a unix time in UTC; NaN where Go's int64 conversion is undefined
    (NaN, ±Inf) or the date leaves Python's years 1-9999."""
    if not math.isfinite(seconds):
        return NAN
    try:
        return float(_DATE_PARTS[name](_EPOCH + timedelta(seconds=int(seconds))))
    except OverflowError:
        return NAN


def _date(ev: Evaluator, node: ast.Call) -> list[Vector]:
    if not node.args:
        # time.Unix(ts/1000, 0): Go's division truncates toward zero.
        return [[((), _date_part(node.name, int(t / 1000)))] for t in ev.steps]
    return ev.map_vector(
        ev.eval(node.args[0]),
        lambda i, vec: [(drop_name(lb), _date_part(node.name, v)) for lb, v in vec],
    )


_SPECIAL: dict[str, Callable[[Evaluator, ast.Call], Any]] = {
    "round": _round,
    "clamp": _clamp,
    "clamp_min": _clamp,
    "clamp_max": _clamp,
    "scalar": _scalar,
    "vector": _vector,
    "time": _time,
    "timestamp": _timestamp,
    "sort": _sort,
    "sort_desc": _sort,
    "histogram_quantile": _histogram_quantile,
    "absent": _absent,
    "label_replace": _label_replace,
    "label_join": _label_join,
    **dict.fromkeys(_DATE_PARTS, _date),
}
