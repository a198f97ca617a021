"""Tab 4: each signal over the graphs' window with its SLO line; `+`/`-` zoom."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from warroom.state.model import RoomModel
from warroom.state.signals import NO_PROMETHEUS
from warroom.ui.panes.pane import Pane
from warroom.ui.widgets.graphs import GraphList


class GraphsPane(Pane):
    def __init__(self) -> None:
        super().__init__("Graphs", id="graphs")
        self.graphs = GraphList(id="graph-list")
        self.note = Static(NO_PROMETHEUS, id="graphs-note")
        self.status = Static(id="graphs-status", classes="status-line")

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.note
        with VerticalScroll(id="graph-scroll"):
            yield self.graphs

    def on_mount(self) -> None:
        self.note.display = False

    def update(self, model: RoomModel) -> None:
        self.note.display = not model.signals().value.configured
        if self.changed("graphs", graphs := model.graphs()):
            self.graphs.show(graphs.value)
        said, behind = model.signals_age()
        self.graphs.mark_stale(behind)
        if str(self.status.content) != said:
            self.status.update(said, layout=False)
