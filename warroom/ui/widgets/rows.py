"""A virtual list of rows under a header line: draws only the rows on screen (Line API).

Thousands of rows cost nothing until they scroll into view, so a view can be handed new data
many times a second. Subclasses say how many rows there are, what key each has and how one row
looks; the base scrolls and moves a cursor that follows its row across updates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.ui.keys import LIST_KEYS, SORT_KEYS, bindings
from warroom.ui.widgets.tones import Toned, over_strip

Segments = list[Segment]
R = TypeVar("R")


def fixed(text: str, width: int, style: Style | None = None) -> Segment:
    """`text` padded or cut to `width` cells, then one space."""
    return Segment(f"{text:<{width}.{width}} ", style)


def middle(text: str, width: int) -> str:
    """`text` cut in the middle to `width` cells: both the registry and the tag stay in view
    (`ghcr.io/bizra/inf…:2.0.1-rc1`)."""
    if len(text) <= width:
        return text
    keep = max(1, width - 1)
    head = keep // 2
    return f"{text[:head]}…{text[len(text) - (keep - head) :]}"


def fitted(text: str, width: int, style: Style | None = None) -> Segment:
    """Like `fixed`, but a name too long is cut in the middle, keeping both ends."""
    return Segment(f"{middle(text, width):<{width}} ", style)


class RowView(Toned, ScrollView, can_focus=True):
    """Rows under a header; up/down/page/home/end move a cursor shown while focused."""

    BINDINGS = bindings(LIST_KEYS + SORT_KEYS)
    COMPONENT_CLASSES = {"rowview--header", "rowview--cursor"}
    DEFAULT_CSS = """
    RowView > .rowview--header { text-style: bold underline; }
    RowView > .rowview--cursor { text-style: reverse; }
    """

    cursor: reactive[int] = reactive(0)
    EMPTY = ""  # said, dimmed, where the first row would be when there is none
    # Newest-first lists: a cursor on the first row stays there as rows arrive above it, so
    # the newest stay in view; moved down, it follows its row like anywhere else.
    KEEP_TOP = False
    NOUN = "rows"  # what a row is, for the status line and messages
    # The orders a list offers, each by k9s' shift+letter: column key → (how the status line
    # says it, the sort key of a row for ↑; the same key again sorts ↓).
    ORDERS: ClassVar[dict[str, tuple[str, Callable[[Any], Any]]]] = {}

    class Chosen(Message):
        """Enter on a row: its view and key (a pod's uid, a node's name, an event's uid)."""

        def __init__(self, view: RowView, key: str) -> None:
            super().__init__()
            self.view = view
            self.key = key

        @property
        def control(self) -> RowView:
            return self.view

    filter_text = ""
    sort_by: tuple[str, bool] | None = None  # (column key, descending); None: the list's own

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

    # ---- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        # Every cell gets the widget's own style under its own (Textual's line filters, such
        # as NO_COLOR's, expect a style on each segment).
        base = self.rich_style
        if y == 0:
            header = self.get_component_rich_style("rowview--header", partial=True)
            strip = Strip(self.header_segments()).apply_style(base + header)
            return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)
        index = scroll_y + y - 1
        if index >= self.row_count:
            if index == 0 and self.EMPTY:
                empty = Strip([Segment(self.EMPTY, self.tone("dim"))]).apply_style(base)
                return empty.crop(0, width).extend_cell_length(width, base)
            return Strip.blank(width, base)
        strip = Strip(self.row_segments(index, self.clock())).apply_style(base)
        strip = strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)
        if self.stale:
            strip = over_strip(strip, self.tone("stale"))
        if index == self.cursor and self.has_focus:
            # Across the whole width, like a selection.
            strip = strip.apply_style(
                self.get_component_rich_style("rowview--cursor", partial=True)
            )
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

    def action_choose(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.post_message(self.Chosen(self, key))

    def action_sort(self, column: str) -> None:
        """Order by `column`; the same key again reverses; a list without it says so."""
        if column not in self.ORDERS:
            offered = ", ".join(label for label, _ in self.ORDERS.values()) or "nothing"
            self.notify(f"The {self.NOUN} list sorts by {offered}, not by {column}.")
            return
        descending = self.sort_by == (column, False)
        self.sort_by = (column, descending)
        self.regroup()
        self.action_jump(0)

    # ---- filtering and order ---------------------------------------------------------------

    def set_filter(self, text: str) -> None:
        """Show only rows containing `text` (any case); the cursor goes to the first match."""
        self.filter_text = text
        self.regroup()
        self.cursor = 0
        self.scroll_home(animate=False)

    def regroup(self) -> None:
        """Apply the filter and the order to the rows held; a list that filters provides it
        (with `arranged`)."""
        raise NotImplementedError

    def arranged(self, rows: Sequence[R], text: Callable[[R], str]) -> tuple[R, ...]:
        """`rows` that hold the filter's text (`text`: a row's lowercase text), in the order
        chosen; ties keep the list's own order."""
        needle = self.filter_text.lower()
        out = tuple(r for r in rows if needle in text(r)) if needle else tuple(rows)
        if self.sort_by is not None:
            column, descending = self.sort_by
            out = tuple(sorted(out, key=self.ORDERS[column][1], reverse=descending))
        return out

    def order_words(self) -> str:
        """`matching 'web' · sorted by age ↓`, or "" for the whole list in its own order."""
        parts = []
        if self.filter_text:
            parts.append(f"matching {self.filter_text!r}")
        if self.sort_by is not None:
            column, descending = self.sort_by
            label = self.ORDERS[column][0]
            parts.append(f"sorted by {label} {'↓' if descending else '↑'}")
        return " · ".join(parts)
