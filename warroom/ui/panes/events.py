"""Tab 5: the timeline, Kubernetes events and the war room's own entries, newest first."""

from __future__ import annotations

from collections.abc import Callable

from warroom.state.model import RoomModel
from warroom.ui.panes.pane import ListPane
from warroom.ui.widgets.events import EventList


class EventsPane(ListPane):
    def __init__(self, clock: Callable[[], float]) -> None:
        self.list = EventList(clock, id="events-panel")
        super().__init__("Events", id="events", rows=self.list)

    def update(self, model: RoomModel) -> None:
        if self.changed("events", events := model.events()):
            self.list.show(events.value)
        elif self.changed("ages", int(model.now)):
            self.list.refresh()  # ages are drawn from the clock; nothing else moved
        self.list.mark_stale(model.cluster_stale())
        self.say(model.cluster_age())
