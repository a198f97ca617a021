"""The pods list: a virtual table of every watched pod, grouped by version (see rows.RowView).

Rows come as an immutable, sorted tuple; ages and restart times are worked out when a row is
drawn; the cursor follows a pod by uid across updates; `/` filters by any text in the row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from warroom.state.pods import PodRow
from warroom.ui.widgets.rows import RowView, Segments, fitted, fixed


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    least: int  # cells it needs to say anything
    most: int  # cells it can use
    rank: int  # which columns give way first when narrow: the highest rank


# In the order drawn. Status, ready, restarts and age always show (rank 0); the name always
# shows, cut in the middle when it must be; version, node, GPUs and namespace as the width
# allows. RESTARTS shrinks to the count alone before anything else is cut.
COLUMNS = (
    Column("version", "version", 8, 18, 1),
    Column("name", "pod", 20, 48, 0),
    Column("status", "status", 7, 18, 0),  # as wide as the statuses listed need
    Column("ready", "ready", 5, 5, 0),
    Column("restarts", "restarts", 8, 13, 0),
    Column("age", "age", 5, 6, 0),
    Column("node", "node", 10, 16, 2),
    Column("gpus", "gpu", 3, 3, 3),
)
CUT_IN_THE_MIDDLE = {"name", "version", "node", "namespace"}


def layout(
    columns: Sequence[Column], width: int, needed: Mapping[str, int] | None = None
) -> list[tuple[Column, int]]:
    """The columns that fit `width` cells (each with a space after it), with their widths.

    Every rank-0 column at its least, the name grown to what the rows need; then the other
    columns by rank while they fit at their least; then what is left, column by column in
    rank order, up to what the rows need (`needed`, else the column's most)."""
    needed = needed or {}

    def want(column: Column) -> int:
        return max(column.least, min(column.most, needed.get(column.key, column.most)))

    shown = [c for c in columns if c.rank == 0]
    widths = {c.key: c.least for c in shown}

    def room() -> int:
        return width - sum(w + 1 for w in widths.values())

    name = next((c for c in shown if c.key == "name"), None)
    if name is not None:
        widths["name"] += max(0, min(room(), want(name) - name.least))
    for column in sorted((c for c in columns if c.rank), key=lambda c: c.rank):
        if room() >= column.least + 1:
            shown.append(column)
            widths[column.key] = column.least
    shown.sort(key=columns.index)
    for column in sorted(shown, key=lambda c: (c.rank, columns.index(c))):
        widths[column.key] += max(0, min(room(), want(column) - widths[column.key]))
    return [(c, widths[c.key]) for c in shown]


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


def _ready_fraction(row: PodRow) -> float:
    ready, _, total = row.ready.partition("/")
    return int(ready) / int(total) if ready.isdigit() and total.isdigit() and int(total) else 0.0


# How each sort orders pods, ascending: age ↑ is the youngest first, as `kubectl get
# --sort-by=.metadata.creationTimestamp` reversed.
POD_ORDERS: dict[str, tuple[str, Callable[[PodRow], Any]]] = {
    "name": ("name", lambda r: r.name),
    "status": ("status", lambda r: r.status),
    "age": ("age", lambda r: -(r.created if r.created is not None else float("-inf"))),
    "ready": ("ready", _ready_fraction),
    "restarts": ("restarts", lambda r: r.printed.restarts),
    "node": ("node", lambda r: r.node),
}


class PodTable(RowView):
    """Pods of the watched namespaces; Enter asks for the selected pod's detail."""

    EMPTY = "No pods listed."
    NOUN = "pods"
    ORDERS = POD_ORDERS
    DEFAULT_CSS = """
    PodTable { height: 1fr; }
    """

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
        longest = max(map(len, namespaces), default=0)
        namespace = Column("namespace", "namespace", min(10, longest), longest, 4)
        # Last: at 80 columns status and ready matter more; rows come in the layout's
        # namespace order, the go-live's own first.
        self.columns = (*COLUMNS, namespace) if len(namespaces) > 1 else COLUMNS
        self.shown = layout(self.columns, 80)
        self.line_width = sum(w + 1 for _, w in self.shown)
        self._needed: dict[str, int] = {}
        self._measured = float("-inf")

    def on_resize(self) -> None:
        self._relayout()

    def _relayout(self) -> None:
        shown = layout(self.columns, max(self.size.width, 40), self._needed)
        if shown != self.shown:
            self.shown = shown
            self.line_width = sum(w + 1 for _, w in shown)
            self.set_rows(Uids(self._rows), self.line_width)

    # ---- data ------------------------------------------------------------------------------

    def show(self, rows: Sequence[PodRow]) -> None:
        """New rows (sorted); keeps the cursor on the same pod when it is still listed."""
        fresh = len(rows) != len(self._all) or time.monotonic() - self._measured > 2.0
        self._all = tuple(rows)
        if fresh:  # names change length rarely: measured when rows come or go, or every 2 s
            self._measure()
        self.regroup()
        self._relayout()

    def _measure(self) -> None:
        """How wide the names need to be. Ten thousand rows are measured once per update,
        in one pass over strings they already hold."""
        rows, now = self._all, self.clock()
        self._measured = time.monotonic()
        self._needed = {
            "name": max((len(r.name) for r in rows), default=0),
            "version": max((len(r.version) for r in rows), default=0),
            "node": max((len(r.node) for r in rows), default=0),
            "namespace": max((len(r.namespace) for r in rows), default=0),
            "status": max((len(r.status) for r in rows), default=0),
            # `3 (5m ago)` where a pod restarted, else the bare count: no room kept for when.
            "restarts": max(
                (len(r.restarts_at(now)) for r in rows if r.printed.restarts),
                default=0,
            ),
        }

    def regroup(self) -> None:
        # Unfiltered and in its own order, the tuple held is the tuple shown (no copy).
        self._rows = self.arranged(self._all, lambda r: r.search)
        self.set_rows(Uids(self._rows), self.line_width)

    def selected_uid(self) -> str | None:
        return self.selected_key()

    # ---- drawing ---------------------------------------------------------------------------

    def header_segments(self) -> Segments:
        return [fixed(column.header, w) for column, w in self.shown]

    def row_segments(self, index: int, now: float) -> Segments:
        row = self._rows[index]
        segments = []
        for column, w in self.shown:
            key, style = column.key, None
            if key == "status":
                style = self.trouble(row.trouble)
            elif key == "restarts" and row.printed.restarts:
                style = self.tone("warn")
            said = cell_text(row, key, now)
            if key == "restarts" and len(said) > w:
                said = str(row.printed.restarts)  # the count, without when
            cell = fitted if key in CUT_IN_THE_MIDDLE else fixed
            segments.append(cell(said, w, style))
        return segments
