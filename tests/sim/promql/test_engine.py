"""Engine behaviour the upstream test files do not pin down: API shapes, printing, lookback,
staleness from scrapes, range-query steps, errors and the unsupported-feature messages."""

from __future__ import annotations

import pytest

from warroom.sim.label_matchers import compile_anchored
from warroom.sim.promql import Engine, QueryError, QueryParseError
from warroom.sim.promql.functions import expand
from warroom.sim.promql.parse import MAX_TOKENS
from warroom.sim.promql.values import format_value
from warroom.sim.tsdb import SeriesStore

UNSUPPORTED = (
    "is not supported by the warroom sim's built-in PromQL engine; run a real Prometheus "
    "(apt install prometheus) for it"
)


@pytest.fixture
def store() -> SeriesStore:
    store = SeriesStore()
    for t in range(0, 601, 15):
        for pod, per_second in (("a", 1.0), ("b", 3.0)):
            store.append({"__name__": "requests_total", "pod": pod}, t, t * per_second)
    return store


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.5, "0.5"), (1.0, "1"), (-0.0, "-0"), (1e16, "10000000000000000"),
        (1e21, "1e+21"), (1.5e-7, "1.5e-07"), (5e-5, "0.00005"), (0.1 + 0.2, "0.30000000000000004"),
        (float("inf"), "+Inf"), (float("-inf"), "-Inf"), (float("nan"), "NaN"),
    ],
)
def test_values_print_like_prometheus(value: float, text: str) -> None:
    assert format_value(value) == text


def test_instant_vector_shape(store: SeriesStore) -> None:
    data = Engine(store).instant("requests_total", 600)
    assert data == {
        "resultType": "vector",
        "result": [
            {"metric": {"__name__": "requests_total", "pod": "a"}, "value": [600.0, "600"]},
            {"metric": {"__name__": "requests_total", "pod": "b"}, "value": [600.0, "1800"]},
        ],
    }


def test_scalar_string_and_matrix_shapes(store: SeriesStore) -> None:
    engine = Engine(store)
    assert engine.instant("1 / 0", 10.5) == {"resultType": "scalar", "result": [10.5, "+Inf"]}
    assert engine.instant('"text"', 10) == {"resultType": "string", "result": [10.0, "text"]}
    data = engine.instant('requests_total{pod="a"}[30s]', 600)
    assert data == {
        "resultType": "matrix",
        "result": [{
            "metric": {"__name__": "requests_total", "pod": "a"},
            "values": [[570.0, "570"], [585.0, "585"], [600.0, "600"]],
        }],
    }


def test_lookback_window_is_five_minutes_inclusive() -> None:
    store = SeriesStore()
    store.append({"__name__": "g"}, 100, 7)
    engine = Engine(store)
    assert engine.instant("g", 400)["result"][0]["value"] == [400.0, "7"]
    assert engine.instant("g", 400.001)["result"] == []
    assert engine.instant("g", 99.999)["result"] == []
    assert Engine(store, lookback=10).instant("g", 111)["result"] == []


def test_scrape_staleness_hides_series_at_once() -> None:
    store = SeriesStore()
    a, b = {"__name__": "up", "pod": "a"}, {"__name__": "up", "pod": "b"}
    store.scrape([(a, 1), (b, 1)], 100)
    store.scrape([(a, 1)], 115)
    engine = Engine(store)
    assert [s["metric"]["pod"] for s in engine.instant("up", 114)["result"]] == ["a", "b"]
    assert [s["metric"]["pod"] for s in engine.instant("up", 115)["result"]] == ["a"]
    assert engine.instant("count_over_time(up[1m])", 120)["result"] == [
        {"metric": {"pod": "a"}, "value": [120.0, "2"]},
        {"metric": {"pod": "b"}, "value": [120.0, "1"]},
    ]


def test_offset_moves_the_evaluation_back(store: SeriesStore) -> None:
    data = Engine(store).instant('requests_total{pod="b"} offset 1m', 600)
    assert data["result"][0]["value"] == [600.0, "1620"]


def test_rate_and_histogram_quantile_over_realistic_buckets() -> None:
    store = SeriesStore()
    for t in range(0, 601, 15):
        n = t / 15
        for le, share in (("0.1", 0.5), ("0.5", 0.9), ("+Inf", 1.0)):
            store.append({"__name__": "lat_bucket", "le": le, "pod": "a"}, t, 100 * n * share)
    engine = Engine(store)
    rate = engine.instant('rate(lat_bucket{le="+Inf"}[5m])', 600)
    assert float(rate["result"][0]["value"][1]) == pytest.approx(100 / 15)
    q = engine.instant("histogram_quantile(0.9, sum by (le) (rate(lat_bucket[5m])))", 600)
    assert q["result"] == [{"metric": {}, "value": [600.0, "0.5"]}]
    q = engine.instant("histogram_quantile(0.7, rate(lat_bucket[5m]))", 600)
    assert float(q["result"][0]["value"][1]) == pytest.approx(0.3)
    assert q["result"][0]["metric"] == {"pod": "a"}


def test_range_query_steps_start_at_start(store: SeriesStore) -> None:
    data = Engine(store).range('requests_total{pod="a"}', 100, 170, 15)
    (series,) = data["result"]
    assert [ts for ts, _ in series["values"]] == [100.0, 115.0, 130.0, 145.0, 160.0]
    assert series["values"][0][1] == "90"  # the latest sample at or before t=100 is t=90


def test_range_query_of_scalar_and_sorted_series(store: SeriesStore) -> None:
    engine = Engine(store)
    scalar = engine.range("time()", 0, 30, 15)
    assert scalar == {"resultType": "matrix", "result": [
        {"metric": {}, "values": [[0.0, "0"], [15.0, "15"], [30.0, "30"]]}]}
    ranked = engine.range("sort_desc(requests_total)", 300, 300, 1)
    assert [s["metric"]["pod"] for s in ranked["result"]] == ["a", "b"]  # matrices sort by labels


def test_topk_keeps_its_order_in_instant_queries(store: SeriesStore) -> None:
    data = Engine(store).instant("topk(2, requests_total)", 600)
    assert [s["metric"]["pod"] for s in data["result"]] == ["b", "a"]


def test_range_query_limits(store: SeriesStore) -> None:
    engine = Engine(store)
    with pytest.raises(QueryError, match="11,000 points") as raised:
        engine.range("up", 0, 11001, 1)
    assert raised.value.error_type == "bad_data"
    engine.range("up", 0, 11000, 1)  # exactly at the limit is fine
    with pytest.raises(QueryError, match="zero or negative"):
        engine.range("up", 0, 10, 0)
    with pytest.raises(QueryError, match="must not be before"):
        engine.range("up", 10, 0, 1)
    with pytest.raises(QueryError, match='invalid expression type "range vector"'):
        engine.range("up[5m]", 0, 10, 1)


def test_duplicate_labelset_across_steps_is_an_execution_error() -> None:
    # Like Prometheus, rate() checks its whole output matrix, not each step.
    store = SeriesStore()
    for t in range(0, 100, 10):
        store.append({"__name__": "a_total", "pod": "x"}, t, t)
    for t in range(500, 600, 10):
        store.append({"__name__": "b_total", "pod": "x"}, t, t)
    engine = Engine(store)
    with pytest.raises(QueryError, match="same labelset") as raised:
        engine.range('rate({__name__=~"a_total|b_total"}[1m])', 0, 600, 60)
    assert raised.value.error_type == "execution"


def test_matching_errors_carry_prometheus_messages() -> None:
    store = SeriesStore()
    store.append({"__name__": "a", "job": "x", "i": "1"}, 0, 1)
    store.append({"__name__": "a", "job": "x", "i": "2"}, 0, 2)
    store.append({"__name__": "b", "job": "x"}, 0, 3)
    engine = Engine(store)
    with pytest.raises(QueryError) as raised:
        engine.instant("b + on(job) a", 0)
    assert raised.value.message == (
        'found duplicate series for the match group {job="x"} on the right hand-side of the '
        'operation: [{__name__="a", i="2", job="x"}, {__name__="a", i="1", job="x"}];'
        "many-to-many matching not allowed: matching labels must be unique on one side"
    )
    data = engine.instant("a / on(job) group_left b", 0)
    assert {s["metric"]["i"]: s["value"][1] for s in data["result"]} == {
        "1": "0.3333333333333333", "2": "0.6666666666666666"}


@pytest.mark.parametrize(
    ("query", "feature"),
    [
        ("predict_linear(up[5m], 3600)", 'function "predict_linear"'),
        ("rate(up[5m:1m])", "subqueries are"),
        ("up @ 100", "the @ modifier"),
        ("holt_winters(up[5m], 0.5, 0.5)", 'function "holt_winters"'),
        ("limitk(1, up)", 'aggregation "limitk"'),
        ('up{a="b" or c="d"}', '"or" between label matchers'),
        (" + ".join(["up"] * MAX_TOKENS), "a query of more than"),
    ],
)
def test_unsupported_features_name_themselves(query: str, feature: str) -> None:
    with pytest.raises(QueryError) as raised:
        Engine(SeriesStore()).instant(query, 0)
    assert raised.value.error_type == "execution"
    assert raised.value.message.startswith(feature)
    assert raised.value.message.endswith(UNSUPPORTED.split("is ", 1)[1])


def test_exact_unsupported_message() -> None:
    with pytest.raises(QueryError) as raised:
        Engine(SeriesStore()).instant("predict_linear(up[5m], 3600)", 0)
    assert raised.value.message == f'function "predict_linear" {UNSUPPORTED}'


@pytest.mark.parametrize(
    "query", ["sum(", "up{", "1 +", "rate(up)", "foo(up)", "1 > 2", "ln(NaN)", "-(up[5m])"]
)
def test_parse_errors_are_bad_data(query: str) -> None:
    with pytest.raises(QueryParseError) as raised:
        Engine(SeriesStore()).instant(query, 0)
    assert raised.value.error_type == "bad_data"
    assert raised.value.message.startswith("parse error: ")


def test_empty_query_has_prometheus_message() -> None:
    with pytest.raises(QueryParseError, match=r"^1:1: parse error: no expression found in input$"):
        Engine(SeriesStore()).instant("", 0)


def test_deep_nesting_is_refused_not_crashing() -> None:
    engine = Engine(SeriesStore())
    assert engine.instant("(" * 900 + "1" + ")" * 900, 0)["result"] == [0.0, "1"]
    deep = "-(" * 600 + "1" + ")" * 600  # under the token limit, over Python's recursion limit
    with pytest.raises(QueryError, match="nested this deeply"):
        engine.instant(deep, 0)


def test_non_finite_times_are_bad_data() -> None:
    with pytest.raises(QueryError) as raised:
        Engine(SeriesStore()).instant("1", float("nan"))
    assert raised.value.error_type == "bad_data"


def test_label_replace_expands_like_go() -> None:
    match = compile_anchored("(?P<first>a)(b)").fullmatch("ab")
    assert match is not None
    assert expand("$1-$2-${first}-$first-$$-$1x-${2}x-$", match) == "a-b-a-a-$--bx-$"
