"""Tab 3: nodes in kubectl's words with their pods and GPUs, then bare-metal GPU hosts."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult

from warroom.state.model import RoomModel
from warroom.ui.panes.pane import Pane
from warroom.ui.widgets.nodes import NodeTable


class NodesPane(Pane):
    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__("Nodes/GPUs", id="nodes")
        self.table = NodeTable(clock, id="nodes-panel")

    def compose(self) -> ComposeResult:
        yield self.table

    def update(self, model: RoomModel) -> None:
        if self.changed("nodes", nodes := model.nodes()):
            self.table.show(nodes.value)
