"""Tab 1: the rollout, HPA, signals and custom resources; on a wide screen also the graphs
under them and the timeline beside them."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll

from warroom.state.model import RoomModel
from warroom.ui.panes.pane import Pane
from warroom.ui.widgets.checklist import PhaseGlance, PhasePanel
from warroom.ui.widgets.events import EventList
from warroom.ui.widgets.graphs import GraphList
from warroom.ui.widgets.panels import CustomPanel, HpaPanel, RolloutPanel, SignalsPanel


class OverviewPane(Pane):
    def __init__(self, clock: Callable[[], float], *, custom: bool) -> None:
        super().__init__("Overview", id="overview")
        self.rollout = RolloutPanel(id="rollout", classes="panel")
        self.hpa = HpaPanel(id="hpa", classes="panel")
        self.signals = SignalsPanel(id="signals", classes="panel")
        self.custom = CustomPanel(id="custom", classes="panel")
        # Wide screens have the room: the graphs under the panels, as on tab 4.
        self.graphs = GraphList(id="overview-graphs", classes="wide-only")
        self.events = EventList(clock, id="overview-events", classes="panel")
        self.has_custom = custom
        # The phase in progress: at the top of the one column, or above the timeline.
        self.phase = PhasePanel(id="phase", classes="panel narrow-only")
        self.phase_wide = PhasePanel(id="phase-wide", classes="panel")
        self.phase.limit = 1  # at 80×24 the rollout and the signals need the room

    def compose(self) -> ComposeResult:
        with Horizontal(id="overview-body"):
            with VerticalScroll(id="overview-left"):
                yield self.phase
                yield self.rollout
                yield self.hpa
                yield self.signals
                yield self.custom
                yield self.graphs
            with Vertical(id="overview-right", classes="wide-only"):
                yield self.phase_wide
                yield self.events

    def on_mount(self) -> None:
        self.rollout.border_title = "Rollout"
        self.hpa.border_title = "HPA"
        self.signals.border_title = "Signals"
        self.custom.border_title = "Custom resources"
        self.events.border_title = "Events"
        self.phase.border_title = self.phase_wide.border_title = "Checklist"
        self.custom.display = self.has_custom

    def show_phase(self, glance: PhaseGlance | None) -> None:
        """The checklist's phase in progress (None: the layout has no checklist)."""
        self.set_class(glance is None, "-no-checklist")
        for panel in (self.phase, self.phase_wide):
            panel.show(glance)

    def update(self, model: RoomModel, *, active: bool, wide: bool) -> None:
        """The panels follow the room even off screen (they are small); the wide-only graphs
        and timeline only while they are seen."""
        rollouts, held = model.rollouts(), model.rollout_holds()
        moved = [self.changed("rollout", rollouts), self.changed("rollout-holds", held)]
        if any(moved):
            self.rollout.show((rollouts.value, held.value))
        for panel, part in (
            (self.hpa, model.hpas()),
            (self.signals, model.signals()),
        ):
            if self.changed(panel.id or "", part):
                panel.show(part.value)
        if self.has_custom and self.changed("custom", custom := model.custom()):
            self.custom.show(custom.value)
        cluster, behind = model.cluster_age(), model.cluster_stale()
        for corner in (self.rollout, self.hpa, self.custom, self.events):
            corner.border_subtitle = cluster
            corner.mark_stale(behind)
        said, signals_behind = model.signals_age()
        self.signals.border_subtitle = said
        self.signals.mark_stale(signals_behind)
        self.graphs.mark_stale(signals_behind)
        if not (active and wide):
            return
        if self.changed("graphs", graphs := model.graphs()):
            self.graphs.show(graphs.value)
        if self.changed("events", events := model.events()):
            self.events.show(events.value)
        elif self.changed("events-ages", int(model.now)):
            self.events.refresh()  # ages are drawn from the clock; nothing else moved
