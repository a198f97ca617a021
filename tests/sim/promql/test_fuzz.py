"""Property: whatever string is passed as a query, the engine answers or raises QueryError.

The engine turns any unexpected exception into a QueryError of type "internal", so these tests
also insist that this type never shows up: it would mean a crash in the engine.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.sim.promql import Engine, QueryError
from warroom.sim.tsdb import STALE_NAN, SeriesStore

EXPECTED_ERRORS = {"bad_data", "execution"}
TOKENS = [
    "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk",
    "quantile", "count_values", "rate", "irate", "increase", "delta", "idelta", "changes",
    "resets", "avg_over_time", "quantile_over_time", "last_over_time", "absent_over_time",
    "histogram_quantile", "abs", "ceil", "round", "exp", "ln", "sqrt", "clamp", "clamp_min",
    "label_replace", "label_join", "absent", "scalar", "vector", "time", "timestamp", "sort",
    "year", "day_of_week", "predict_linear", "(", ")", "[1m]", "[1s]", "[5m:1m]", "{", "}",
    'pod="a"', 'le=~".*"', '__name__=~"req.*"', 'pod!~"a|b"', ",", "+", "-", "*", "/", "%",
    "^", "==", "!=", ">", "<", ">=", "<=", "bool", "and", "or", "unless", "atan2", "by",
    "without", "on", "ignoring", "group_left", "group_right", "(pod)", "(le)", "()", "1", "0",
    "-1", "0.5", "2", "1e308", "Inf", "NaN", "9e18", '"pod"', '"$1x"', '"(.*"', '"(.*)"',
    '"a-b"', "offset", "30s", "-1m", "@", "start()", "requests_total", "lat_bucket", "gauge",
    "x", "#",
]
LEAVES = [
    "requests_total", "lat_bucket", "gauge", "1", "0.5", "NaN", "-Inf", "time()", "vector(2)",
    "rate(requests_total[1m])", "gauge offset 30s", 'lat_bucket{le=~"0.*"}',
    "max_over_time(gauge[2m])", 'label_replace(gauge, "x", "$1", "pod", "(.)")',
]
BINARY = ["+", "-", "*", "/", "%", "^", "atan2", ">", "== bool", "and", "or", "unless",
          "+ on(pod)", "/ ignoring(le)", "* on(pod) group_left", "- on(pod) group_right(le)"]
WRAPPERS = ["sum({})", "avg by (pod) ({})", "max without (le) ({})", "count({})",
            "topk(2, {})", "bottomk(1, {})", "quantile(0.9, {})", 'count_values("v", {})',
            "stddev({})", "histogram_quantile(0.9, {})", "abs({})", "round({}, 0.1)",
            "clamp({}, 0, 1)", "sort_desc({})", "timestamp({})", "absent({})", "-{}",
            "scalar({})", "vector(scalar({}))", "sqrt({})", "ln({})", "year({})"]


def _store() -> SeriesStore:
    store = SeriesStore()
    for t in range(0, 301, 15):
        for pod in ("a", "b"):
            rate = 2 if pod == "a" else 1
            store.append({"__name__": "requests_total", "pod": pod}, t, t * rate)
            for le in ("0.1", "0.5", "+Inf"):
                store.append({"__name__": "lat_bucket", "pod": pod, "le": le}, t, t * float(le))
        value = [1.0, math.nan, math.inf, -2.5, 0.0][(t // 15) % 5]
        store.append({"__name__": "gauge", "pod": "a"}, t, value if t != 150 else STALE_NAN)
    return store


ENGINE = Engine(_store())


def _check(query: str) -> None:
    for run in (lambda: ENGINE.instant(query, 200), lambda: ENGINE.range(query, 100, 300, 30)):
        try:
            data = run()
        except QueryError as err:
            assert err.error_type in EXPECTED_ERRORS, f"{query!r}: {err!r}"
            assert isinstance(err.message, str) and err.message
        else:
            assert data["resultType"] in ("vector", "matrix", "scalar", "string")


expressions = st.recursive(
    st.sampled_from(LEAVES),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(WRAPPERS), inner).map(lambda t: t[0].format(t[1])),
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes(query: str) -> None:
    _check(query)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=16).map(" ".join))
def test_token_soup_never_crashes(query: str) -> None:
    _check(query)


@settings(max_examples=300, deadline=None)
@given(expressions)
def test_well_formed_expressions_never_crash(query: str) -> None:
    _check(query)


@pytest.mark.parametrize("query", ["\x00", "up{a='\\xff'}", "\ud800", "(" * 5000, "a" * 10000,
                                   "-" * 3000 + "1", "sum(" * 700 + "x" + ")" * 700])
def test_hostile_strings(query: str) -> None:
    _check(query)
