"""Tab 5: the timeline, Kubernetes events and the war room's own entries, newest first."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.widgets import Static

from warroom.state.model import RoomModel
from warroom.ui.panes.pane import Pane
from warroom.ui.widgets.events import EventList


class EventsPane(Pane):
    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__("Events", id="events")
        self.status = Static(id="events-status", classes="status-line")
        self.list = EventList(clock, id="events-panel")

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.list

    def update(self, model: RoomModel) -> None:
        if self.changed("events", events := model.events()):
            self.list.show(events.value)
        elif self.changed("ages", int(model.now)):
            self.list.refresh()  # ages are drawn from the clock; nothing else moved
        self.list.mark_stale(model.cluster_stale())
        cluster = model.cluster_age()
        line = f"{self.list.row_count} entries" + (f" · {cluster}" if cluster else "")
        if str(self.status.content) != line:
            self.status.update(line, layout=False)
