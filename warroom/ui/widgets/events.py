"""The timeline: Kubernetes events and the war room's own entries, newest first, virtual.

Ages are worked out from each entry's time when its row is drawn, so the list only changes
when an entry arrives or goes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style

from warroom.state.events import EventRow
from warroom.ui.widgets.rows import RowView, Segments, fixed

FIXED = 6 + 19  # age and reason columns
BOLD = Style(bold=True)


class EventList(RowView):
    EMPTY = "No events yet."
    NOUN = "events"
    # age ↑: the newest first, as the list already is.
    ORDERS = {"age": ("age", lambda r: -r.time), "name": ("object", lambda r: r.subject)}
    KEEP_TOP = True
    DEFAULT_CSS = """
    EventList { height: 1fr; }
    """

    _all: tuple[EventRow, ...] = ()
    _rows: tuple[EventRow, ...] = ()
    _width = 0

    def show(self, rows: Sequence[EventRow]) -> None:
        self._all = tuple(rows)
        self._width = FIXED + max(
            (len(r.subject) + len(r.message) + 12 for r in self._all), default=0
        )
        self.regroup()

    def regroup(self) -> None:
        self._rows = self.arranged(
            self._all, lambda r: f"{r.type} {r.reason} {r.subject} {r.message}".lower()
        )
        self.set_rows([r.uid for r in self._rows], self._width)

    def chosen(self, uid: str) -> EventRow | None:
        return next((r for r in self._all if r.uid == uid), None)

    def header_segments(self) -> Segments:
        return [fixed("age", 5), fixed("reason", 18), Segment("what")]

    def _style(self, row: EventRow) -> Style | None:
        if row.type == "Warning":
            return self.tone("warn")
        if row.type == "warroom":
            return self.tone("own")
        return None

    def row_segments(self, index: int, now: float) -> Segments:
        row = self._rows[index]
        style = self._style(row)
        out = [
            Segment(f"{row.age_at(now):>5} ", self.tone("dim")),
            fixed(row.reason, 18, style or BOLD),
            Segment(f"{row.subject}: {row.message}", style),
        ]
        if row.count > 1:
            out.append(Segment(f" (×{row.count})", self.tone("dim")))
        return out
