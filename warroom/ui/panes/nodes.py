"""Tab 3: nodes in kubectl's words with their pods and GPUs, then bare-metal GPU hosts; above
them, a node another warroom is draining or cordoning."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult

from warroom.state.model import RoomModel
from warroom.ui.panes.pane import ListPane
from warroom.ui.widgets.nodes import NodeTable
from warroom.ui.widgets.panels import HoldLines


class NodesPane(ListPane):
    def __init__(self, clock: Callable[[], float], namespaces: Sequence[str]) -> None:
        self.table = NodeTable(clock, id="nodes-panel")
        super().__init__("Nodes/GPUs", id="nodes", rows=self.table)
        # kubectl counts every pod on a node; the war room sees only those it watches.
        self.counted = f"pods counted in {', '.join(namespaces)} only"
        self.held = HoldLines(id="nodes-holds")
        self.held.display = False

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.held
        yield self.filter
        yield self.rows

    def update(self, model: RoomModel) -> None:
        if self.changed("holds", held := model.node_holds()):
            self.held.show(tuple(line for _, line in sorted(held.value.items())))
        if self.changed("nodes", nodes := model.nodes()):
            self.table.show(nodes.value)
        self.table.mark_stale(model.cluster_stale())
        self.say(model.cluster_age(), model.gpus_age()[0], self.counted)
