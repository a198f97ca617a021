"""Tab 2: every watched pod, grouped by version, with a filter (`/`) and a status line."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from warroom.state.model import RoomModel
from warroom.ui.panes.pane import ListPane
from warroom.ui.widgets.pods import PodTable


class PodsPane(ListPane):
    def __init__(self, clock: Callable[[], float], namespaces: Sequence[str]) -> None:
        self.table = PodTable(clock, namespaces, id="pod-table")
        super().__init__("Pods", id="pods", rows=self.table)

    def update(self, model: RoomModel) -> None:
        if self.changed("rows", pods := model.pods()):
            self.table.show(pods.value)
        elif self.changed("ages", int(model.now)):
            self.table.refresh()  # ages are drawn from the clock; nothing else moved
        self.table.mark_stale(model.cluster_stale())
        self.say(model.cluster_age())
