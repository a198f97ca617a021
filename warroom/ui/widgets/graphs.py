"""A column of graphs, one per signal with its legend line above, kept across updates."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.containers import Vertical

from warroom.state.signals import GraphView, beyond, format_value
from warroom.ui.widgets.graph import LineGraph
from warroom.ui.widgets.tones import Toned


class GraphLegend(Toned):
    """`title  legend value · legend value` above a graph, values in the bad tone while they
    breach the SLO."""

    DEFAULT_CSS = """
    GraphLegend { height: 1; padding: 0 1; }
    """

    def __init__(self, graph: GraphView, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.graph = graph

    def show(self, graph: GraphView) -> None:
        if graph.title != self.graph.title or graph.latest != self.graph.latest:
            self.graph = graph
            self.refresh()

    def render(self) -> Text:
        graph = self.graph
        text = Text(graph.title, style=Style(bold=True), no_wrap=True, overflow="ellipsis")
        for i, (name, value) in enumerate(graph.latest):
            text.append("  " if i == 0 else " · ")
            shown = format_value(value, graph.unit)
            tone = self.trouble("bad" if beyond(value, graph.slo_min, graph.slo_max) else "")
            text.append(f"{name} {shown}" if name else shown, tone)
        return text


class GraphList(Vertical):
    """Graphs mount on first sight of a signal and are handed new data after that; each is
    `#<list id>-<signal id>`, its legend `#<list id>-<signal id>-legend`."""

    DEFAULT_CSS = """
    GraphList { height: auto; }
    GraphList > LineGraph { height: 8; margin: 0 0 1 0; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._graphs: dict[str, tuple[GraphLegend, LineGraph]] = {}

    def mark_stale(self, stale: bool) -> None:
        """Every graph dimmed (the server is gone), else each as its own signal is."""
        for legend, graph in self._graphs.values():
            behind = stale or bool(graph.data and graph.data.stale)
            legend.mark_stale(behind)
            graph.mark_stale(behind)

    def show(self, graphs: Sequence[GraphView]) -> None:
        for graph in graphs:
            shown = self._graphs.get(graph.id)
            if shown is None:
                name = f"{self.id}-{graph.id}"
                shown = (
                    GraphLegend(graph, id=f"{name}-legend"),
                    LineGraph(graph, id=name),
                )
                self._graphs[graph.id] = shown
                self.mount(*shown)
            else:
                shown[0].show(graph)
                shown[1].data = graph
            shown[0].mark_stale(graph.stale)
            shown[1].mark_stale(graph.stale)
