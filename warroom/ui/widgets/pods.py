"""The pods list: a virtual table that draws only the rows on screen (Line API).

Ten thousand pods cost nothing until they scroll into view: rows come as an immutable, sorted
tuple; ages and restart times are worked out when a row is drawn; the cursor follows a pod by
uid across updates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.state.views import PodRow

COLUMNS: tuple[tuple[str, str, int], ...] = (  # (key, header, width)
    ("version", "version", 18),
    ("name", "pod", 36),
    ("status", "status", 18),
    ("ready", "ready", 6),
    ("restarts", "restarts", 13),
    ("age", "age", 7),
    ("node", "node", 14),
    ("gpus", "gpu", 3),
)
TROUBLE = {"": Style(), "warn": Style(color="yellow"), "bad": Style(color="red", bold=True)}
HEADER = Style(bold=True, underline=True)
CURSOR = Style(reverse=True)


def cell_text(row: PodRow, key: str, now: float) -> str:
    if key == "age":
        return row.age_at(now)
    if key == "restarts":
        return row.restarts_at(now)
    if key == "gpus":
        return str(row.gpus) if row.gpus else ""
    return str(getattr(row, key))


class PodTable(ScrollView, can_focus=True):
    """Pods of the watched namespaces; `/` filters by any text in the row."""

    DEFAULT_CSS = """
    PodTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Pod detail", show=False),
    ]

    class RowSelected(Message):
        def __init__(self, uid: str) -> None:
            super().__init__()
            self.uid = uid

    cursor: reactive[int] = reactive(0)

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clock = clock
        self.filter_text = ""
        self._all: tuple[PodRow, ...] = ()
        self._rows: tuple[PodRow, ...] = ()
        self._index: dict[str, int] = {}
        self._width = sum(w + 1 for _, _, w in COLUMNS)

    # ---- data ------------------------------------------------------------------------------

    def show(self, rows: Sequence[PodRow]) -> None:
        """New rows (sorted); keeps the cursor on the same pod when it is still listed."""
        self._all = tuple(rows)
        self._apply_filter()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._apply_filter()

    def _apply_filter(self) -> None:
        selected = self.selected_uid()
        needle = self.filter_text.lower()
        self._rows = tuple(r for r in self._all if needle in r.search) if needle else self._all
        self._index = {r.uid: i for i, r in enumerate(self._rows)}
        self.virtual_size = Size(self._width, len(self._rows) + 1)
        if selected in self._index:
            self.cursor = self._index[selected]
        else:
            self.cursor = min(self.cursor, max(0, len(self._rows) - 1))
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def uids(self) -> list[str]:
        return [r.uid for r in self._rows]

    def row(self, uid: str) -> PodRow:
        return self._rows[self._index[uid]]

    def cell(self, uid: str, key: str) -> str:
        return cell_text(self.row(uid), key, self.clock())

    def selected_uid(self) -> str | None:
        if not self._rows or not 0 <= self.cursor < len(self._rows):
            return None
        return self._rows[self.cursor].uid

    # ---- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            segments = [Segment(f"{header:<{w}.{w}} ", HEADER) for _, header, w in COLUMNS]
            return Strip(segments).crop(scroll_x, scroll_x + width).extend_cell_length(width)
        index = scroll_y + y - 1
        if index >= len(self._rows):
            return Strip.blank(width)
        row = self._rows[index]
        now = self.clock()
        segments = []
        for key, _, w in COLUMNS:
            text = cell_text(row, key, now)
            style = TROUBLE[row.trouble] if key == "status" else Style()
            if key == "restarts" and row.restarts != "0":
                style = Style(color="yellow")
            segments.append(Segment(f"{text:<{w}.{w}} ", style))
        strip = Strip(segments)
        if index == self.cursor and self.has_focus:
            strip = strip.apply_style(CURSOR)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width)

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
        if self._rows:
            self.cursor = max(0, min(len(self._rows) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        if self._rows:
            self.cursor = 0 if where == 0 else len(self._rows) - 1

    def action_select(self) -> None:
        uid = self.selected_uid()
        if uid is not None:
            self.post_message(self.RowSelected(uid))
