"""The in-memory series store: appends, scrapes with staleness, retention, matchers, select."""

from __future__ import annotations

import math

import pytest

from warroom.sim.label_matchers import LabelMatcher, RegexError, compile_anchored, translate_re2
from warroom.sim.tsdb import STALE_NAN, SelectedSeries, SeriesStore, is_stale_nan


def _names(selected: list[SelectedSeries]) -> list[str]:
    return [s.labels.get("instance", "") for s in selected]


def test_stale_nan_is_a_distinct_nan() -> None:
    assert math.isnan(STALE_NAN)
    assert is_stale_nan(STALE_NAN)
    assert not is_stale_nan(float("nan"))
    assert not is_stale_nan(1.0)


def test_append_and_select_window_is_closed() -> None:
    store = SeriesStore()
    for t in range(0, 100, 10):
        store.append({"__name__": "up", "job": "a"}, t, t / 10)
    (series,) = store.select([("__name__", "=", "up")], 20, 50)
    assert series.labels == {"__name__": "up", "job": "a"}
    assert series.samples == [(20.0, 2.0), (30.0, 3.0), (40.0, 4.0), (50.0, 5.0)]
    assert store.select([("__name__", "=", "up")], 91, 95) == []


def test_empty_label_values_are_dropped_and_same_series_merges() -> None:
    store = SeriesStore()
    store.append({"__name__": "up", "job": "a", "zone": ""}, 1, 1)
    store.append({"__name__": "up", "job": "a"}, 2, 2)
    assert len(store) == 1
    (series,) = store.select([("job", "=", "a")], 0, 10)
    assert series.samples == [(1.0, 1.0), (2.0, 2.0)]


def test_out_of_order_and_conflicting_duplicates_are_refused() -> None:
    store = SeriesStore()
    store.append({"__name__": "up"}, 10, 1)
    store.append({"__name__": "up"}, 10, 1)  # an identical duplicate is ignored
    with pytest.raises(ValueError, match="out of order"):
        store.append({"__name__": "up"}, 9, 1)
    with pytest.raises(ValueError, match="duplicate sample"):
        store.append({"__name__": "up"}, 10, 2)


def test_scrape_writes_staleness_markers_for_vanished_series() -> None:
    store = SeriesStore()
    a, b = {"__name__": "up", "instance": "a"}, {"__name__": "up", "instance": "b"}
    store.scrape([(a, 1), (b, 1)], 15)
    store.scrape([(a, 1)], 30)
    store.scrape([(a, 1)], 45)  # b is only marked once, in the scrape where it vanished
    (sel_b,) = store.select([("instance", "=", "b")], 0, 100)
    assert sel_b.samples[0] == (15.0, 1.0)
    assert len(sel_b.samples) == 2 and sel_b.samples[1][0] == 30.0
    assert is_stale_nan(sel_b.samples[1][1])


def test_scrapes_of_different_targets_do_not_mark_each_other_stale() -> None:
    store = SeriesStore()
    store.scrape([({"__name__": "up", "instance": "a"}, 1)], 15, target="a")
    store.scrape([({"__name__": "up", "instance": "b"}, 1)], 15, target="b")
    store.scrape([({"__name__": "up", "instance": "b"}, 1)], 30, target="b")
    (sel_a,) = store.select([("instance", "=", "a")], 0, 100)
    assert sel_a.samples == [(15.0, 1.0)]


def test_retention_drops_old_samples_and_empty_series() -> None:
    store = SeriesStore(retention=60)
    store.append({"__name__": "old"}, 0, 1)
    for t in range(0, 200, 10):
        store.append({"__name__": "new"}, t, t)
    assert store.select([("__name__", "=", "old")], -1000, 1000) == []
    (new,) = store.select([("__name__", "=", "new")], -1000, 1000)
    assert new.samples[0][0] == 130.0  # 190 - 60
    assert "old" not in store.label_values("__name__")


@pytest.mark.parametrize(
    ("matcher", "expected"),
    [
        (("instance", "=", "a"), ["a"]),
        (("instance", "!=", "a"), ["b", "cc", ""]),
        (("instance", "=~", "a|b"), ["a", "b"]),
        (("instance", "=~", "c"), []),  # fully anchored: "c" does not match "cc"
        (("instance", "!~", "c+"), ["a", "b", ""]),
        (("instance", "=~", ""), [""]),  # the empty value matches an absent label
        (("instance", "=", ""), [""]),
    ],
)
def test_matchers(matcher: tuple[str, str, str], expected: list[str]) -> None:
    store = SeriesStore()
    for instance in ("a", "b", "cc", ""):
        store.append({"__name__": "up", "instance": instance}, 1, 1)
    selected = store.select([("__name__", "=", "up"), matcher], 0, 10)
    assert sorted(_names(selected)) == sorted(expected)


def test_select_by_name_regex_and_results_sorted_by_labels() -> None:
    store = SeriesStore()
    for name in ("b_total", "a_total", "c_seconds"):
        store.append({"__name__": name, "job": "x"}, 1, 1)
    selected = store.select([("__name__", "=~", ".*_total")], 0, 10)
    assert [s.labels["__name__"] for s in selected] == ["a_total", "b_total"]


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("((?i)PRO).*", "production", True),
        (".*(?i:duc).*", "PRODUCTION", True),
        ("a(?i)b|c", "C", True),  # the flag reaches across | in RE2
        ("a(?i)b|c", "Ab", False),
        ("[[:alpha:]]+", "abc", True),
        ("[[:digit:]]+", "abc", False),
        (r"\d+", "١٢", False),  # RE2's \d is ASCII-only
        (r"\Qa.b\E", "a.b", True),
        (r"\Qa.b\E", "axb", False),
        ("a|b", "ab", False),
    ],
)
def test_re2_translation(pattern: str, text: str, matches: bool) -> None:
    assert (compile_anchored(pattern).fullmatch(text) is not None) is matches


def test_untranslatable_regex_raises_regex_error() -> None:
    with pytest.raises(RegexError):
        LabelMatcher("a", "=~", r"\pL+")
    with pytest.raises(ValueError, match="operator"):
        LabelMatcher("a", "~", "x")
    assert translate_re2("(?i)x") == "(?i:x)"


def test_label_names_and_values_with_matchers_and_time() -> None:
    store = SeriesStore()
    store.append({"__name__": "up", "job": "a"}, 10, 1)
    store.append({"__name__": "load", "job": "b", "cpu": "0"}, 100, 1)
    assert store.label_names() == ["__name__", "cpu", "job"]
    assert store.label_names([[LabelMatcher("__name__", "=", "up")]]) == ["__name__", "job"]
    assert store.label_values("job") == ["a", "b"]
    assert store.label_values("job", start=50, end=200) == ["b"]
    assert store.label_values("nope") == []
