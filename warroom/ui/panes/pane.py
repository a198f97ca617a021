"""What every tab's pane shares: it is handed the room's model on each tick and redraws the
parts whose version moved since it last drew them."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static, TabPane

from warroom.state.model import Part
from warroom.ui.widgets.rows import RowView


class Pane(TabPane):
    """One tab of the war room."""

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__(title, id=id)
        self._drawn: dict[str, Any] = {}

    def changed(self, name: str, part: Part[Any] | int) -> bool:
        """Whether `part` (or a plain version number) moved since `name` was last drawn."""
        version = part if isinstance(part, int) else part.version
        if self._drawn.get(name) == version:
            return False
        self._drawn[name] = version
        return True


class ListPane(Pane):
    """A tab whose body is one list: a status line, a filter box (`/`, Esc clears) and the
    list, which takes the keys."""

    def __init__(self, title: str, *, id: str, rows: RowView) -> None:
        super().__init__(title, id=id)
        self.status = Static(id=f"{id}-status", classes="status-line")
        self.filter = Input(placeholder=f"filter {rows.NOUN} (Esc clears)", classes="filter")
        self.filter.display = False  # until `/`
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.filter
        yield self.rows

    def say(self, *parts: str) -> None:
        """The status line: how many rows, how they are filtered and sorted, how old."""
        shown = f"{self.rows.row_count} {self.rows.NOUN}"
        line = " · ".join(p for p in (shown, self.rows.order_words(), *parts) if p)
        if str(self.status.content) != line:
            # Plain text: what was typed in the filter is not markup.
            self.status.update(Text(line), layout=False)  # one line, always

    def open_filter(self) -> None:
        self.filter.display = True
        self.filter.focus()

    def close_filter(self) -> bool:
        """Clear and hide the filter; False when it was not open."""
        if not self.filter.display:
            return False
        self.filter.value = ""
        self.filter.display = False
        self.rows.focus()
        return True

    @on(Input.Changed, ".filter")
    def filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.rows.set_filter(event.value)

    @on(Input.Submitted, ".filter")
    def filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.rows.focus()
