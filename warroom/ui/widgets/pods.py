"""The pods table: rows keyed by pod uid, updated by diff (never cleared and rebuilt)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from warroom.state.views import PodRow

COLUMNS = (
    ("version", "version"),
    ("name", "pod"),
    ("status", "status"),
    ("ready", "ready"),
    ("restarts", "restarts"),
    ("age", "age"),
    ("node", "node"),
    ("gpus", "gpu"),
)
STYLE = {"": "", "warn": "yellow", "bad": "bold red"}


def cells(row: PodRow) -> list[str | Text]:
    style = STYLE[row.trouble]
    return [
        row.version,
        row.name,
        Text(row.status, style=style),
        row.ready,
        Text(row.restarts, style="yellow" if row.restarts.split(" ")[0] != "0" else ""),
        row.age,
        row.node,
        str(row.gpus) if row.gpus else "",
    ]


class PodTable(DataTable[str | Text]):
    """Pods of the watched namespaces; `/` filters by any text in the row."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.filter_text = ""
        self._rows: dict[str, list[str | Text]] = {}

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def _visible(self, rows: Sequence[PodRow]) -> list[PodRow]:
        needle = self.filter_text.lower()
        if not needle:
            return list(rows)
        return [
            r
            for r in rows
            if needle in " ".join((r.version, r.name, r.status, r.node, r.namespace)).lower()
        ]

    def show(self, rows: Sequence[PodRow]) -> None:
        """Apply the new rows as a keyed diff: remove gone, add new, update changed cells."""
        wanted = {r.uid: r for r in self._visible(rows)}
        with self.app.batch_update():
            for uid in [u for u in self._rows if u not in wanted]:
                self.remove_row(uid)
                del self._rows[uid]
            order_changed = False
            for uid, row in wanted.items():
                new = cells(row)
                old = self._rows.get(uid)
                if old is None:
                    self.add_row(*new, key=uid)
                    order_changed = True
                else:
                    for (key, _), before, after in zip(COLUMNS, old, new, strict=True):
                        if str(before) != str(after) or (
                            isinstance(after, Text)
                            and isinstance(before, Text)
                            and after.style != before.style
                        ):
                            self.update_cell(uid, key, after, update_width=False)
                self._rows[uid] = new
            if order_changed:
                self.sort("version", "name")

    def selected_uid(self) -> str | None:
        if not self._rows or self.cursor_row < 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # an empty table has no cell under the cursor
            return None
        return str(key.value) if key.value is not None else None

    @property
    def uids(self) -> list[str]:
        return list(self._rows)
