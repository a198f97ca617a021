"""Tab 3: nodes in kubectl's words with their pods and GPUs, then bare-metal GPU hosts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.widgets import Static

from warroom.state.model import RoomModel
from warroom.ui.panes.pane import Pane
from warroom.ui.widgets.nodes import NodeTable


class NodesPane(Pane):
    def __init__(self, clock: Callable[[], float], namespaces: Sequence[str]) -> None:
        super().__init__("Nodes/GPUs", id="nodes")
        self.status = Static(id="nodes-status", classes="status-line")
        self.table = NodeTable(clock, id="nodes-panel")
        # kubectl counts every pod on a node; the war room sees only those it watches.
        self.counted = f"pods counted in {', '.join(namespaces)} only"

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.table

    def update(self, model: RoomModel) -> None:
        if self.changed("nodes", nodes := model.nodes()):
            self.table.show(nodes.value)
        self.table.mark_stale(model.cluster_stale())
        count = len(model.nodes().value.rows)
        parts = [f"{count} nodes", model.cluster_age(), model.gpus_age()[0], self.counted]
        line = " · ".join(part for part in parts if part)
        if str(self.status.content) != line:
            self.status.update(line, layout=False)
