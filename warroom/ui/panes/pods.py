"""Tab 2: every watched pod, grouped by version, with a filter (`/`) and a status line."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from warroom.state.model import RoomModel
from warroom.ui.panes.pane import Pane
from warroom.ui.widgets.pods import PodTable


class PodsPane(Pane):
    def __init__(self, clock: Callable[[], float], namespaces: Sequence[str]) -> None:
        super().__init__("Pods", id="pods")
        self.status = Static(id="pods-status", classes="status-line")
        self.filter = Input(placeholder="filter pods (Esc clears)", id="pod-filter")
        self.table = PodTable(clock, namespaces, id="pod-table")

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.filter
        yield self.table

    def on_mount(self) -> None:
        self.filter.display = False

    def update(self, model: RoomModel) -> None:
        if self.changed("rows", pods := model.pods()):
            self.table.show(pods.value)
        elif self.changed("ages", int(model.now)):
            self.table.refresh()  # ages are drawn from the clock; nothing else moved
        shown = f"{self.table.row_count} pods"
        if self.table.filter_text:
            shown += f" matching {self.table.filter_text!r}"
        cluster = model.cluster_age()
        self.table.mark_stale(model.cluster_stale())
        line = f"{shown} · {cluster}" if cluster else shown
        if str(self.status.content) != line:
            self.status.update(line, layout=False)  # one line, always

    def open_filter(self) -> None:
        self.filter.display = True
        self.filter.focus()

    def close_filter(self) -> bool:
        """Clear and hide the filter; False when it was not open."""
        if not self.filter.display:
            return False
        self.filter.value = ""
        self.filter.display = False
        self.table.focus()
        return True

    @on(Input.Changed, "#pod-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)

    @on(Input.Submitted, "#pod-filter")
    def filter_done(self) -> None:
        self.table.focus()
