"""Reading the screen as drawn: a widget's rendered lines, with the style of every cell.

Tests assert on these, never on attributes a widget keeps: a panel that draws nothing has
no lines to find. `Widget.render_lines` is what the compositor paints the widget from.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.app import App
from textual.color import Color
from textual.geometry import Region
from textual.widget import Widget


@dataclass(frozen=True)
class Line:
    text: str
    cells: tuple[tuple[str, Style | None], ...]  # (character, style) per cell

    def style_of(self, needle: str) -> Style | None:
        """The style of the first character of `needle` on this line."""
        at = self.text.index(needle)
        return self.cells[at][1]


def lines(widget: Widget) -> list[Line]:
    """Every line the widget draws at its size, borders included."""
    width, height = widget.region.size
    out = []
    for strip in widget.render_lines(Region(0, 0, width, height)):
        cells: list[tuple[str, Style | None]] = []
        for segment in strip:
            cells.extend((ch, segment.style) for ch in segment.text)
        out.append(Line("".join(ch for ch, _ in cells), tuple(cells)))
    return out


def content(widget: Widget) -> str:
    """The widget's content as drawn, inside its border and padding, lines joined by spaces
    (so a sentence wrapped over two lines reads whole)."""
    inner, outer = widget.content_region, widget.region
    left, top = inner.x - outer.x, inner.y - outer.y
    drawn = lines(widget)[top : top + inner.height]
    return " ".join(" ".join(line.text[left : left + inner.width].split()) for line in drawn)


def text(widget: Widget) -> str:
    """What the widget shows, one line per row, trailing blanks dropped."""
    return "\n".join(line.text.rstrip() for line in lines(widget))


def line_with(widget: Widget, needle: str) -> Line:
    """The first drawn line containing `needle`; AssertionError naming what is there if none."""
    drawn = lines(widget)
    for line in drawn:
        if needle in line.text:
            return line
    shown = "\n".join(line.text.rstrip() for line in drawn)
    raise AssertionError(f"{needle!r} is not drawn; the widget shows:\n{shown}")


def theme_color(app: App[object], variable: str) -> str:
    """A theme variable's colour (`error`, `warning`, `success`) as #rrggbb."""
    return Color.parse(app.get_css_variables()[variable]).hex


def color_of(style: Style | None) -> str | None:
    """A style's foreground as #rrggbb (None when it has none)."""
    if style is None or style.color is None:
        return None
    triplet = style.color.get_truecolor()
    return f"#{triplet.red:02X}{triplet.green:02X}{triplet.blue:02X}"


def cursor_line(widget: Widget) -> Line | None:
    """The line a list draws reversed, where its cursor is (None when none is)."""
    for line in lines(widget):
        styled = [style for ch, style in line.cells if ch.strip()]
        if styled and all(style is not None and style.reverse for style in styled):
            return line
    return None
