"""The line graph is well-formed SVG for any points: none, one, gaps, SLO lines dashed."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from warroom.report.svg import line_graph, nice_ticks


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_a_series_is_a_line_with_its_slo_dashed_title_and_ticks() -> None:
    points = [(1000.0 + 30 * i, 100.0 + i) for i in range(20)]
    root = parse(line_graph(points, title="p99 latency", unit="ms", slo_max=110.0))
    assert root.tag == "svg"
    [line] = root.iter("polyline")
    assert len(line.get("points", "").split()) == 20
    [slo] = [e for e in root.iter("line") if e.get("class") == "g-slo"]
    assert slo.get("stroke-dasharray")
    texts = ["".join(t.itertext()) for t in root.iter("text")]
    assert "p99 latency (ms)" in texts
    assert any(t.endswith("Z") for t in texts)  # time ticks
    assert sum(t.replace(".", "").isdigit() for t in texts) >= 3  # value ticks


def test_gaps_split_the_line() -> None:
    points = [(0.0, 1.0), (30.0, 2.0), (60.0, None), (90.0, math.nan), (120.0, 3.0), (150.0, 4.0)]
    root = parse(line_graph(points, title="t"))
    assert len(list(root.iter("polyline"))) == 2


def test_one_point_is_a_dot_and_no_points_say_so() -> None:
    one = parse(line_graph([(5000.0, 7.0)], title="t", slo_min=5.0))
    assert len(list(one.iter("circle"))) == 1
    empty = parse(line_graph([(0.0, None)], title="t"))
    assert "no samples" in "".join(empty.itertext())
    assert "no samples" in "".join(parse(line_graph([], title="t")).itertext())


def test_titles_are_escaped() -> None:
    root = parse(line_graph([], title="<script>x</script>", unit="&"))
    assert "<script>x</script> (&)" in "".join(root.itertext())
    assert not list(root.iter("script"))


def test_ticks_are_round_numbers_covering_the_range() -> None:
    assert nice_ticks(0, 100) == [0, 25, 50, 75, 100]
    assert nice_ticks(98.5, 100.2) == [98.5, 99.0, 99.5, 100.0]
    assert nice_ticks(5, 5) == [5]
