"""A small line graph as inline SVG: a series over time, its SLO dashed, a few ticks on each
axis, a title and the unit. A pure function of its points, so it is tested without a browser.

A None or NaN value is a gap: the line stops and starts again after it, rather than drawing a
straight line across a time nobody measured.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape

Point = tuple[float, float | None]

WIDTH, HEIGHT = 640, 220
# Room for the y labels on the left, the title on top and the time labels at the bottom.
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 30, 28


def clock(at: float) -> str:
    """An x tick: the cluster's UTC time of day."""
    return datetime.fromtimestamp(at, UTC).strftime("%H:%MZ")


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About `count` round values (1, 2, 2.5 or 5 times a power of ten apart) covering low..high."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _label(value: float) -> str:
    return f"{value:.4g}"


def _segments(points: Sequence[Point]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive measured points; a gap ends a run."""
    runs: list[list[tuple[float, float]]] = [[]]
    for t, v in points:
        if v is None or not math.isfinite(v) or not math.isfinite(t):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((t, v))
    return [run for run in runs if run]


def line_graph(
    points: Sequence[Point],
    *,
    title: str,
    unit: str = "",
    slo_min: float | None = None,
    slo_max: float | None = None,
    x_label: Callable[[float], str] = clock,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """The SVG element for inlining in HTML (so no xmlns: the HTML parser puts <svg> in its
    namespace, and the page then holds no URL at all but the journal's own). The colours
    here are fallbacks; the page's stylesheet sets them through the classes."""
    heading = escape(f"{title} ({unit})" if unit else title)
    parts = [
        f'<svg class="graph" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{heading}">',
        f"<title>{heading}</title>",
        f'<text x="{LEFT}" y="18" class="g-title">{heading}</text>',
    ]
    runs = _segments(points)
    measured = [p for run in runs for p in run]
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" '
                 'class="g-frame" fill="none" stroke="#999"/>')
    if not measured:
        parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" '
                     'class="g-empty" text-anchor="middle">no samples</text></svg>')
        return "".join(parts)

    times = [t for t, _ in measured]
    values = [v for _, v in measured] + [s for s in (slo_min, slo_max) if s is not None]
    t0, t1 = min(times), max(times)
    v0, v1 = min(values), max(values)
    if t1 == t0:  # one moment: centre it in a minute's width
        t0, t1 = t0 - 30, t1 + 30
    pad = (v1 - v0) * 0.08 or abs(v0) * 0.1 or 1.0
    v0, v1 = v0 - pad, v1 + pad

    def x(t: float) -> float:
        return LEFT + (t - t0) / (t1 - t0) * plot_w

    def y(v: float) -> float:
        return TOP + plot_h - (v - v0) / (v1 - v0) * plot_h

    for tick in nice_ticks(v0, v1):
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" class="g-grid" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'class="g-tick">{escape(_label(tick))}</text>')
    for i in range(4 if t1 - t0 >= 120 else 2):
        t = t0 + (t1 - t0) * i / (3 if t1 - t0 >= 120 else 1)
        anchor = "start" if i == 0 else "end" if t == t1 else "middle"
        parts.append(f'<text x="{x(t):.1f}" y="{height - 8}" text-anchor="{anchor}" '
                     f'class="g-tick">{escape(x_label(t))}</text>')
    for bound, name in ((slo_min, "min"), (slo_max, "max")):
        if bound is not None:
            parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(bound):.1f}" '
                         f'y2="{y(bound):.1f}" class="g-slo" stroke="#c62828" '
                         'stroke-dasharray="6 4">'
                         f"<title>SLO {name} {escape(_label(bound))}</title></line>")
    for run in runs:
        if len(run) == 1:
            t, v = run[0]
            parts.append(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3" class="g-dot" '
                         'fill="#1d4ed8"/>')
        else:
            path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in run)
            parts.append(f'<polyline points="{path}" class="g-line" fill="none" stroke="#1d4ed8"/>')
    parts.append("</svg>")
    return "".join(parts)
