"""Tab 4: each signal over the graphs' window with its SLO line; `+`/`-` zoom."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from warroom.state.model import RoomModel
from warroom.ui.panes.pane import Pane
from warroom.ui.widgets.graphs import GraphList


class GraphsPane(Pane):
    def __init__(self) -> None:
        super().__init__("Graphs", id="graphs")
        self.graphs = GraphList(id="graph-list")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="graph-scroll"):
            yield self.graphs

    def update(self, model: RoomModel) -> None:
        if self.changed("graphs", graphs := model.graphs()):
            self.graphs.show(graphs.value)
