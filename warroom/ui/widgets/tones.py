"""The one palette: how "fine", "warn" and "bad" (and a few roles) look, for every widget.

Widgets take their colours from component classes styled in `app.tcss` with the theme's
variables ($success, $warning, $error, …), so Textual's themes recolour everything and
NO_COLOR leaves only bold and dim. No colour is written in Python.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from warroom.state.trouble import Trouble

TONE_CLASSES = {
    "tone--ok",  # fine: Running and ready, rolled out, within the SLO
    "tone--warn",  # moving or worth a look
    "tone--bad",  # broken: act on it
    "tone--dim",  # secondary text, history
    "tone--key",  # a key name in the key bar and help
    "tone--title",  # a name heading a block
    "tone--own",  # the war room's own entries on the timeline
    "tone--new",  # the version being rolled out
    "tone--series-0",
    "tone--series-1",
    "tone--series-2",
    "tone--series-3",
    "tone--series-4",
    "tone--series-5",
    "tone--slo",  # an SLO line on a graph
    "tone--axis",
    "tone--memory",  # a GPU's framebuffer memory block
    "tone--stale",  # over everything a widget draws while its data may be behind
}
SERIES = 6
_BY_TROUBLE = {"": "tone--ok", "warn": "tone--warn", "bad": "tone--bad"}


def over(segments: Iterable[Segment], style: Style) -> list[Segment]:
    """`style` laid over segments, winning over what they say (a dim over `dim=False`)."""
    return list(Segment.apply_style(segments, post_style=style))


def over_strip(strip: Strip, style: Style) -> Strip:
    return Strip(over(strip, style), strip.cell_length)


class Over:
    """A renderable with `style` laid over everything it draws."""

    def __init__(self, renderable: RenderableType, style: Style) -> None:
        self.renderable = renderable
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from over(console.render(self.renderable, options), self.style)


class Toned(Widget):
    """A widget drawn in the palette's tones."""

    COMPONENT_CLASSES = TONE_CLASSES

    def tone(self, name: str) -> Style:
        """The style of one tone (`ok`, `warn`, `bad`, `dim`, …), as the theme has it now."""
        return self.get_component_rich_style(f"tone--{name}", partial=True)

    def trouble(self, level: Trouble) -> Style:
        return self.get_component_rich_style(_BY_TROUBLE[level], partial=True)

    def series(self, index: int) -> Style:
        return self.tone(f"series-{index % SERIES}")

    @property
    def stale(self) -> bool:
        return self.has_class("-stale")

    def mark_stale(self, stale: bool) -> None:
        """Draw dimmed while the data shown may be behind (a source failing, no data yet)."""
        if stale != self.stale:
            self.set_class(stale, "-stale")
            self.refresh()
