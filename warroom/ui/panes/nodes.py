"""Tab 3: nodes in kubectl's words with their pods and GPUs, then bare-metal GPU hosts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from warroom.state.model import RoomModel
from warroom.ui.panes.pane import ListPane
from warroom.ui.widgets.nodes import NodeTable


class NodesPane(ListPane):
    def __init__(self, clock: Callable[[], float], namespaces: Sequence[str]) -> None:
        self.table = NodeTable(clock, id="nodes-panel")
        super().__init__("Nodes/GPUs", id="nodes", rows=self.table)
        # kubectl counts every pod on a node; the war room sees only those it watches.
        self.counted = f"pods counted in {', '.join(namespaces)} only"

    def update(self, model: RoomModel) -> None:
        if self.changed("nodes", nodes := model.nodes()):
            self.table.show(nodes.value)
        self.table.mark_stale(model.cluster_stale())
        self.say(model.cluster_age(), model.gpus_age()[0], self.counted)
