"""The pods list: a virtual table of every watched pod, grouped by version (see rows.RowView).

Rows come as an immutable, sorted tuple; ages and restart times are worked out when a row is
drawn; the cursor follows a pod by uid across updates; `/` filters by any text in the row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import overload

from textual.message import Message

from warroom.state.pods import PodRow
from warroom.ui.keys import POD_KEYS, bindings
from warroom.ui.widgets.rows import RowView, Segments, fixed

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


def cell_text(row: PodRow, key: str, now: float) -> str:
    if key == "age":
        return row.age_at(now)
    if key == "restarts":
        return row.restarts_at(now)
    if key == "gpus":
        return str(row.gpus) if row.gpus else ""
    if key == "status":
        return row.status
    if key == "ready":
        return row.ready
    return str(getattr(row, key))


class Uids(Sequence[str]):
    """The rows' uids, read through rather than copied: ten thousand rows change many times a
    second, and the cursor needs a row's key only when the rows move under it."""

    __slots__ = ("rows",)

    def __init__(self, rows: Sequence[PodRow]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [row.uid for row in self.rows[index]]
        return self.rows[index].uid

    def __iter__(self) -> Iterator[str]:
        return (row.uid for row in self.rows)


class PodTable(RowView):
    """Pods of the watched namespaces; Enter asks for the selected pod's detail."""

    EMPTY = "No pods listed."
    DEFAULT_CSS = """
    PodTable { height: 1fr; }
    """
    BINDINGS = bindings(POD_KEYS)

    class RowSelected(Message):
        def __init__(self, uid: str) -> None:
            super().__init__()
            self.uid = uid

    filter_text = ""
    _all: tuple[PodRow, ...] = ()
    _rows: tuple[PodRow, ...] = ()

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        namespaces: Sequence[str] = (),
        **kwargs: object,
    ) -> None:
        """With more than one watched namespace, each row says which it is in."""
        super().__init__(clock, **kwargs)
        namespace = ("namespace", "namespace", max(map(len, namespaces), default=0))
        # Last: at 80 columns status and ready matter more; rows come in the layout's
        # namespace order, the go-live's own first.
        self.columns = (*COLUMNS, namespace) if len(namespaces) > 1 else COLUMNS
        self.line_width = sum(w + 1 for _, _, w in self.columns)

    # ---- data ------------------------------------------------------------------------------

    def show(self, rows: Sequence[PodRow]) -> None:
        """New rows (sorted); keeps the cursor on the same pod when it is still listed."""
        self._all = tuple(rows)
        self._apply_filter()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._apply_filter()

    def _apply_filter(self) -> None:
        needle = self.filter_text.lower()
        self._rows = tuple(r for r in self._all if needle in r.search) if needle else self._all
        self.set_rows(Uids(self._rows), self.line_width)

    def selected_uid(self) -> str | None:
        return self.selected_key()

    # ---- drawing ---------------------------------------------------------------------------

    def header_segments(self) -> Segments:
        return [fixed(header, w) for _, header, w in self.columns]

    def row_segments(self, index: int, now: float) -> Segments:
        row = self._rows[index]
        segments = []
        for key, _, w in self.columns:
            style = None
            if key == "status":
                style = self.trouble(row.trouble)
            elif key == "restarts" and row.printed.restarts:
                style = self.tone("warn")
            segments.append(fixed(cell_text(row, key, now), w, style))
        return segments

    # ---- keys ------------------------------------------------------------------------------

    def action_select(self) -> None:
        uid = self.selected_uid()
        if uid is not None:
            self.post_message(self.RowSelected(uid))
