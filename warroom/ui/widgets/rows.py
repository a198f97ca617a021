"""A virtual list of rows under a header line: draws only the rows on screen (Line API).

Thousands of rows cost nothing until they scroll into view, so a view can be handed new data
many times a second. Subclasses say how many rows there are, what key each has and how one row
looks; the base scrolls, moves a cursor that follows its row across updates, and reads the
whole list back as plain text for tests and exports.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

HEADER = Style(bold=True, underline=True)
CURSOR = Style(reverse=True)
DIM = Style(dim=True)
Segments = list[Segment]


def fixed(text: str, width: int, style: Style | None = None) -> Segment:
    """`text` padded or cut to `width` cells, then one space."""
    return Segment(f"{text:<{width}.{width}} ", style)


class RowView(ScrollView, can_focus=True):
    """Rows under a header; up/down/page/home/end move a cursor shown while focused."""

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
    ]

    cursor: reactive[int] = reactive(0)
    EMPTY = ""  # said, dimmed, where the first row would be when there is none
    # Newest-first lists: a cursor on the first row stays there as rows arrive above it, so
    # the newest stay in view; moved down, it follows its row like anywhere else.
    KEEP_TOP = False

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clock = clock
        self._keys: Sequence[str] = ()
        self._positions: dict[str, int] | None = {}

    # ---- what a subclass provides ----------------------------------------------------------

    def header_segments(self) -> Segments:
        raise NotImplementedError

    def row_segments(self, index: int, now: float) -> Segments:
        raise NotImplementedError

    # ---- data ------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    def selected_key(self) -> str | None:
        if not 0 <= self.cursor < len(self._keys):
            return None
        return self._keys[self.cursor]

    def position(self, key: str) -> int | None:
        """Where the row with `key` is, if listed."""
        if self._positions is None:  # built when first asked for, not on every update
            self._positions = {k: i for i, k in enumerate(self._keys)}
        return self._positions.get(key)

    def set_rows(self, keys: Sequence[str], width: int) -> None:
        """The rows changed: `keys` names them in order; the cursor stays on its row if listed."""
        selected = self.selected_key()
        self._keys = keys
        self._positions = None
        self.virtual_size = Size(width, len(keys) + 1)
        at = self.cursor
        if self.KEEP_TOP and at == 0:
            selected = None
        if selected is not None and not (at < len(keys) and keys[at] == selected):
            found = self.position(selected)
            at = at if found is None else found
        self.cursor = min(at, max(0, len(keys) - 1))
        self.refresh()

    def plain(self) -> str:
        """Every row as text, header first, whatever is scrolled into view."""
        now = self.clock()
        lines = ["".join(s.text for s in self.header_segments()).rstrip()]
        for index in range(self.row_count):
            lines.append("".join(s.text for s in self.row_segments(index, now)).rstrip())
        if not self.row_count and self.EMPTY:
            lines.append(self.EMPTY)
        return "\n".join(lines)

    def row_styles(self, index: int) -> list[Style | None]:
        """The styles row `index` is drawn with, cell by cell (for tests)."""
        return [s.style for s in self.row_segments(index, self.clock())]

    # ---- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            strip = Strip(self.header_segments())
            return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width)
        index = scroll_y + y - 1
        if index >= self.row_count:
            if index == 0 and self.EMPTY:
                return Strip([Segment(self.EMPTY, DIM)]).crop(0, width).extend_cell_length(width)
            return Strip.blank(width)
        strip = Strip(self.row_segments(index, self.clock()))
        strip = strip.crop(scroll_x, scroll_x + width).extend_cell_length(width)
        if index == self.cursor and self.has_focus:
            strip = strip.apply_style(CURSOR)  # across the whole width, like a selection
        return strip

    def watch_cursor(self, cursor: int) -> None:
        # Line 0 is the header, so row i sits on virtual line i + 1; keeping lines i..i+1 in
        # view keeps the row below the header.
        self.scroll_to_region(Region(0, cursor, 1, 2), animate=False, force=True)
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ---- keys ------------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        if self.row_count:
            self.cursor = max(0, min(self.row_count - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        if self.row_count:
            self.cursor = 0 if where == 0 else self.row_count - 1
