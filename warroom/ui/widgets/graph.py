"""A line graph drawn with Braille cells through the Line API: cheap, testable, 80×24-friendly.

Series come as (timestamp, value) points. The graph draws them over a fixed time window with a
y axis, an SLO line when one is set, and a time axis; it redraws only when given new data. Each
cell names its tone (axis, slo, series-N, warn) and the widget colours it from the palette.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from rich.segment import Segment
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip

from warroom.state.signals import GraphView, Point, format_value
from warroom.ui.widgets.tones import SERIES, Toned, over_strip

BRAILLE_BASE = 0x2800
# Braille dot bits for (column 0..1, row 0..3) inside one character cell.
DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


def plot(data: GraphView, width: int, height: int) -> list[list[tuple[str, str | None]]]:
    """The graph as rows of (character, tone) cells; pure, so tests need no app."""
    grid: list[list[tuple[str, str | None]]] = [[(" ", None)] * width for _ in range(height)]
    if width < 12 or height < 3:
        return grid
    label_w = 7
    plot_w, plot_h = width - label_w, height - 1
    start = data.now - data.window
    values = [v for _, pts in data.series for _, v in pts if not math.isnan(v)]
    # The axis covers the headline values above the graph too (polled more often than the
    # graph's points), so the newest value is never above the top of the axis.
    values += [v for _, v in data.latest if not math.isnan(v)]
    for bound in (data.slo_max, data.slo_min):
        if bound is not None:
            values.append(bound)
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    lo = min(lo, 0.0)
    if hi - lo < 1e-12:
        hi = lo + 1.0
    hi += (hi - lo) * 0.05

    def y_of(value: float) -> int:  # in dot rows, 0 at the top
        frac = (value - lo) / (hi - lo)
        return max(0, min(plot_h * 4 - 1, round((1 - frac) * (plot_h * 4 - 1))))

    for row, value in ((0, hi), (plot_h - 1, lo)):
        text = format_value(value, data.unit).rjust(label_w - 1)[: label_w - 1] + "┤"
        for i, ch in enumerate(text):
            grid[row][i] = (ch, "axis")
    for row in range(1, plot_h - 1):
        grid[row][label_w - 1] = ("│", "axis")
    for bound in (data.slo_max, data.slo_min):
        if bound is not None:
            row = y_of(bound) // 4
            for col in range(label_w, width):
                grid[row][col] = ("╌", "slo")

    # Dots beyond an SLO (above its maximum, below its minimum) are drawn in the bad tone.
    above = y_of(data.slo_max) if data.slo_max is not None else -1
    below = y_of(data.slo_min) if data.slo_min is not None else plot_h * 4
    for index, (_, points) in enumerate(data.series):
        colour = f"series-{index % SERIES}"
        cells: dict[tuple[int, int], int] = {}
        breached: set[tuple[int, int]] = set()
        previous: tuple[int, int] | None = None
        gap = 3 * _typical_step(points)  # farther apart than this: missing data, not a line
        last_ts = None
        for ts, value in points:
            if math.isnan(value) or ts < start:
                previous = None
                continue
            x = int((ts - start) / data.window * (plot_w * 2 - 1))
            if not 0 <= x < plot_w * 2:
                previous = None
                continue
            y = y_of(value)
            if previous is not None and last_ts is not None and ts - last_ts <= gap:
                dots = _line(previous, (x, y))
            else:
                dots = [(x, y)]
            for dx, dy in dots:
                key = (dy // 4, dx // 2)
                cells[key] = cells.get(key, 0) | DOTS[dx % 2][dy % 4]
                if dy < above or dy > below:
                    breached.add(key)
            previous, last_ts = (x, y), ts
        for (row, col), bits in cells.items():
            tone = "bad" if (row, col) in breached else colour
            grid[row][label_w + col] = (chr(BRAILLE_BASE + bits), tone)
    # Each SLO line says what it is, at its left end (over the oldest points, not the newest).
    for bound in (data.slo_max, data.slo_min):
        if bound is not None:
            row = y_of(bound) // 4
            label = f" SLO {format_value(bound, data.unit)} "
            for i, ch in enumerate(label[: plot_w - 1]):
                grid[row][label_w + 1 + i] = (ch, "slo")
    axis = f"-{_span(data.window)}".ljust(plot_w - 3) + "now"
    for i, ch in enumerate(axis[:plot_w]):
        grid[plot_h][label_w + i] = (ch, "axis")
    if data.status:
        message = f" {data.status} "[:plot_w]
        row = plot_h // 2
        offset = label_w + max(0, (plot_w - len(message)) // 2)
        for i, ch in enumerate(message):
            grid[row][offset + i] = (ch, "warn")
    return grid


def _typical_step(points: Sequence[Point]) -> float:
    gaps = sorted(b[0] - a[0] for a, b in itertools.pairwise(points) if b[0] > a[0])
    return gaps[len(gaps) // 2] if gaps else math.inf


def _line(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """Bresenham's line between two dots, both ends included."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err, out = dx + dy, []
    while True:
        out.append((x0, y0))
        if (x0, y0) == (x1, y1):
            return out
        doubled = 2 * err
        if doubled >= dy:
            err += dy
            x0 += sx
        if doubled <= dx:
            err += dx
            y0 += sy


def _span(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g}h"
    if seconds >= 60:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


class LineGraph(Toned):
    """Draws `data` with render_line; set `data` to a new GraphView to redraw."""

    DEFAULT_CSS = """
    LineGraph { height: 8; min-height: 4; }
    """

    data: reactive[GraphView | None] = reactive(None)

    def __init__(
        self,
        data: GraphView | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._cells: list[list[tuple[str, str | None]]] = []
        self.set_reactive(LineGraph.data, data)

    def watch_data(self) -> None:
        self._cells = []
        self.refresh()

    def on_resize(self) -> None:
        self._cells = []

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()  # a new theme: the same cells in its colours

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 8

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        base = self.rich_style  # under every cell: line filters (NO_COLOR) expect a style
        if self.data is None or width == 0:
            return Strip.blank(width, base)
        if len(self._cells) != height or (self._cells and len(self._cells[0]) != width):
            self._cells = plot(self.data, width, height)
        if y >= len(self._cells):
            return Strip.blank(width, base)
        segments = [Segment(ch, self.tone(tone) if tone else None) for ch, tone in self._cells[y]]
        strip = Strip(segments, width).apply_style(base)
        return over_strip(strip, self.tone("stale")) if self.stale else strip
