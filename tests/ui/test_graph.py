"""The line graph as cells (pure: no app): its axis, its SLO line and its zoom ladder."""

from __future__ import annotations

from warroom.live.room import ZOOM_LADDER, zoomed
from warroom.state.signals import GraphView
from warroom.ui.app import window_words
from warroom.ui.widgets.graph import plot

NOW = 1_795_000_000.0


def graph(points, *, latest=(), slo_max=None, unit="", window=900.0) -> GraphView:
    return GraphView(
        "p95",
        "p95 latency",
        unit,
        (("", tuple(points)),),
        window,
        slo_max,
        None,
        "",
        NOW,
        tuple(latest),
    )


def rows(data: GraphView, width: int = 60, height: int = 8) -> list[str]:
    return ["".join(ch for ch, _ in row) for row in plot(data, width, height)]


def top_label(data: GraphView) -> str:
    return rows(data)[0].split("┤")[0].strip()


def test_the_axis_reaches_the_headline_value_above_the_graph() -> None:
    """The value polled last (289) may be above every point graphed so far (229)."""
    points = [(NOW - 600 + 30 * i, 200 + i) for i in range(20)]
    assert float(top_label(graph(points))) < 289  # the points alone: 200 … 219
    assert float(top_label(graph(points, latest=[("", 289.0)]))) >= 289


def test_the_slo_line_is_drawn_where_it_belongs_and_says_what_it_is() -> None:
    points = [(NOW - 600 + 30 * i, 0.5 + 0.45 * i) for i in range(20)]  # up to 9.05 s
    drawn = rows(graph(points, slo_max=1.0, unit="s"), height=12)
    slo_rows = [i for i, row in enumerate(drawn) if "SLO 1.00s" in row]
    assert len(slo_rows) == 1
    row = slo_rows[0]
    assert 0 < row < len(drawn) - 2  # on its own row, above the 0 row and the time axis
    assert "╌" in drawn[row]
    assert drawn[-2].split("┤")[0].strip() == "0ms"


def test_breached_stretches_are_in_the_bad_tone() -> None:
    points = [(NOW - 600 + 30 * i, 0.1 * i) for i in range(20)]  # 0 … 1.9, SLO 1.0
    cells = plot(graph(points, slo_max=1.0, unit="s"), 60, 10)
    tones = {tone for row in cells for ch, tone in row if 0x2800 < ord(ch) < 0x2900}
    assert tones == {"bad", "series-0"}  # below the line in the series' tone, above it bad


def test_zoom_walks_a_fixed_ladder_and_retraces() -> None:
    assert ZOOM_LADDER == (60.0, 300.0, 900.0, 1800.0, 3600.0, 10800.0, 21600.0)
    window = 900.0
    for _ in range(3):
        window = zoomed(window, -1)
    assert window == 60.0  # in to the shortest, and no further
    for _ in range(2):
        window = zoomed(window, +1)
    assert window == 900.0  # out again: back where it began
    assert zoomed(21600.0, +1) == 21600.0
    assert zoomed(1000.0, 0) == 900.0  # a layout's own range joins the nearest rung


def test_the_time_axis_and_the_toast_name_the_window_plainly() -> None:
    for seconds, label in ((60, "-1m"), (300, "-5m"), (3600, "-1h"), (10800, "-3h")):
        assert rows(graph([], window=seconds))[-1].split()[0] == label
    assert [window_words(s) for s in (60, 900, 3600, 21600)] == [
        "1 minute",
        "15 minutes",
        "1 hour",
        "6 hours",
    ]


def test_long_images_are_cut_in_the_middle_so_registry_and_tag_both_show() -> None:
    from warroom.ui.widgets.rows import middle

    image = "registry.example.com:5000/platform/inference-server:2.0.1-rc1"
    cut = middle(image, 30)
    assert len(cut) == 30 and cut.startswith("registry.examp") and cut.endswith(":2.0.1-rc1")
    assert "…" in cut
    assert middle("ghcr.io/bizra/inference:2.0.1", 40) == "ghcr.io/bizra/inference:2.0.1"
