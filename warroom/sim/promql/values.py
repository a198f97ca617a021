"""Value helpers shared by the engine: label sets, Go float arithmetic and Prometheus' printing.

Python raises where Go's math quietly returns ±Inf or NaN (1/0, log(0), fmod(x, 0), overflowing
pow/exp); PromQL relies on the Go behaviour, so every such operation goes through a helper here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal

from warroom.sim.promql.errors import QueryError
from warroom.sim.tsdb import METRIC_NAME, Labels

INF = float("inf")
NAN = float("nan")

#: One element of an instant vector: its label set and value.
Sample = tuple[Labels, float]
Vector = list[Sample]

LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
DUPLICATE_LABELSET = "vector cannot contain metrics with the same labelset"


def check_unique(vec: Vector) -> Vector:
    """Prometheus' ContainsSameLabelset check, run on every step's result."""
    if len(vec) > 1 and len({labels for labels, _ in vec}) != len(vec):
        raise QueryError("execution", DUPLICATE_LABELSET)
    return vec


# --- label sets ------------------------------------------------------------------------------


def drop_name(labels: Labels) -> Labels:
    """The label set without `__name__`, as functions and arithmetic return it."""
    return tuple(p for p in labels if p[0] != METRIC_NAME)


def get_label(labels: Labels, name: str) -> str:
    for key, value in labels:
        if key == name:
            return value
    return ""


def with_label(labels: Labels, name: str, value: str) -> Labels:
    """Set (or, for an empty value, delete) one label, keeping the tuple sorted."""
    rest = [p for p in labels if p[0] != name]
    if value != "":
        rest.append((name, value))
        rest.sort()
    return tuple(rest)


def format_labels(labels: Labels) -> str:
    """Go's labels.Labels.String(): `{a="b", c="d"}`, used inside error messages."""
    inner = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in labels)
    return "{" + inner + "}"


# --- printing --------------------------------------------------------------------------------


def format_value(value: float) -> str:
    """A sample value as the HTTP API prints it (util/jsonutil.MarshalValue).

    Go's strconv.FormatFloat(v, 'f', -1, 64), switching to 'e' below 1e-6 and from 1e21 on;
    Python's repr() gives the same shortest round-trip digits, only the notation differs.
    """
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or (1e21 <= magnitude < INF)):
        mantissa, _, exponent = f"{value!r}".partition("e")
        sign = "-" if exponent.startswith("-") else "+"
        digits = exponent.lstrip("+-").lstrip("0").rjust(2, "0")
        return f"{mantissa}e{sign}{digits}"
    return format_float(value)


def format_float(value: float) -> str:
    """strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent."""
    if value != value:
        return "NaN"
    if value == INF:
        return "+Inf"
    if value == -INF:
        return "-Inf"
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_ts(ms: int) -> float:
    """A millisecond timestamp as the float seconds the API prints."""
    return ms / 1000


# --- Go's float parsing and math --------------------------------------------------------------

_GO_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)", re.IGNORECASE
)


def go_parse_float(text: str) -> float | None:
    """strconv.ParseFloat(text, 64), or None where Go reports an error.

    Python's float() is laxer (whitespace, underscores), which would let malformed `le`
    labels through histogram_quantile.
    """
    if _GO_FLOAT_RE.fullmatch(text):
        return float(text)
    if re.fullmatch(r"[+-]?0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?\d+", text):
        try:
            return float.fromhex(text)
        except (ValueError, OverflowError):
            return None
    return None


def go_div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)


def go_mod(a: float, b: float) -> float:
    """math.Mod: the result has the dividend's sign (not Python's %), NaN for x%0 and Inf%y."""
    try:
        return math.fmod(a, b)
    except ValueError:
        return NAN


def _is_odd_integer(x: float) -> bool:
    return math.isfinite(x) and x == math.floor(x) and math.fmod(x, 2) != 0


def go_ldexp(frac: float, exp: int) -> float:
    try:
        return math.ldexp(frac, exp)
    except OverflowError:
        return math.copysign(INF, frac)


def go_pow(x: float, y: float) -> float:
    """Go's math.Pow, ported: integer powers by repeated squaring on the mantissa.

    For integer exponents this reproduces Go's rounding exactly (C's pow rounds differently in
    the last bit); the fractional part uses exp(yf·log x) as Go does, but with Python's exp and
    log, which may differ from Go's assembly versions in the last bit.
    """
    if y == 0 or x == 1:
        return 1.0
    if y == 1:
        return x
    if x != x or y != y:
        return NAN
    if x == 0:
        negative_zero = math.copysign(1.0, x) < 0
        if y < 0:
            return -INF if negative_zero and _is_odd_integer(y) else INF
        return x if negative_zero and _is_odd_integer(y) else 0.0
    if math.isinf(y):
        if x == -1:
            return 1.0
        return 0.0 if (abs(x) < 1) == (y > 0) else INF
    if math.isinf(x):
        if x < 0:
            return go_pow(1 / x, -y)  # Pow(-0, -y)
        return 0.0 if y < 0 else INF
    if y == 0.5:
        return go_sqrt(x)
    if y == -0.5:
        return go_div(1.0, go_sqrt(x))
    yf, yi = math.modf(abs(y))
    if yf != 0 and x < 0:
        return NAN
    if yi >= 2.0**63:
        # A huge even integer: overflow or underflow for every x but -1.
        if x == -1:
            return 1.0
        return 0.0 if (abs(x) < 1) == (y > 0) else INF
    a1, ae = 1.0, 0
    if yf != 0:
        if yf > 0.5:
            yf -= 1
            yi += 1
        a1 = go_exp(yf * math.log(x))
    x1, xe = math.frexp(x)
    i = int(yi)
    while i != 0:
        if xe < -(1 << 12) or xe > (1 << 12):
            ae += xe  # catastrophic overflow: leave it to ldexp
            break
        if i & 1:
            a1 *= x1
            ae += xe
        x1 *= x1
        xe <<= 1
        if x1 < 0.5:
            x1 += x1
            xe -= 1
        i >>= 1
    if y < 0:
        a1 = go_div(1.0, a1)
        ae = -ae
    return go_ldexp(a1, ae)


def go_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _go_log(fn: Callable[[float], float], x: float) -> float:
    if x != x or x < 0:
        return NAN
    if x == 0:
        return -INF
    return fn(x)


def go_ln(x: float) -> float:
    return _go_log(math.log, x)


def go_log2(x: float) -> float:
    return _go_log(math.log2, x)


def go_log10(x: float) -> float:
    return _go_log(math.log10, x)


def go_sqrt(x: float) -> float:
    if x != x or x < 0:
        return NAN
    return math.sqrt(x)


def go_floor(x: float) -> float:
    if not math.isfinite(x):
        return x
    result = float(math.floor(x))
    return math.copysign(result, x) if result == 0 else result


def go_ceil(x: float) -> float:
    if not math.isfinite(x):
        return x
    result = float(math.ceil(x))
    return math.copysign(result, x) if result == 0 else result


def go_sgn(x: float) -> float:
    if x < 0:
        return -1.0
    if x > 0:
        return 1.0
    return x


def go_min(a: float, b: float) -> float:
    """math.Min: NaN wins, and -0 is smaller than +0."""
    if a != a or b != b:
        return NAN
    if a == b == 0:
        return a if math.copysign(1, a) < 0 else b
    return a if a < b else b


def go_max(a: float, b: float) -> float:
    """math.Max: NaN wins, and +0 is larger than -0."""
    if a != a or b != b:
        return NAN
    if a == b == 0:
        return a if math.copysign(1, a) > 0 else b
    return a if a > b else b


def kahan_inc(inc: float, total: float, comp: float) -> tuple[float, float]:
    """kahanSumInc from promql/functions.go (Neumaier's variant)."""
    t = total + inc
    if abs(total) >= abs(inc):
        comp += (total - t) + inc
    else:
        comp += (inc - t) + total
    return t, comp
