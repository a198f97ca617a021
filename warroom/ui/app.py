"""The war-room screen: renders the live picture at a fixed rate, redrawing only what changed."""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static, TabbedContent, TabPane

from warroom.kube.ingress import canary_for
from warroom.state.picture import ClusterPicture
from warroom.state.signals import SignalFeed, SignalSnapshot, no_signals
from warroom.state.views import (
    HpaView,
    NodeRow,
    PodRows,
    RolloutView,
    Timeline,
    custom_row,
    hpa_view,
    node_row,
    rollout_view,
)
from warroom.ui.screens import HelpScreen, PodDetailScreen
from warroom.ui.widgets.events import EventList
from warroom.ui.widgets.graph import GraphData, LineGraph, series_legend
from warroom.ui.widgets.nodes import GpuCell, NodeTable
from warroom.ui.widgets.panels import (
    Banner,
    CustomPanel,
    HeaderInfo,
    HpaPanel,
    KeyBar,
    RolloutPanel,
    SignalsPanel,
    WarHeader,
)
from warroom.ui.widgets.pods import PodTable

# (version, GPU cells by node, bare-metal GPU hosts with their error or "").
GpuFeed = Callable[[], tuple[int, dict[str, list[GpuCell]], dict[str, str]]]
RENDER_INTERVAL = 0.25  # seconds between checks for new data
WIDE = 150  # columns from which the overview also shows graphs and events
FOCUS = {"pods": "#pod-table", "nodes": "#nodes-panel", "events": "#events-panel"}
# How a key's short description reads as a command in the palette.
VERBS = {
    "Overview": "Show overview",
    "Pods": "Show pods",
    "Nodes/GPUs": "Show nodes and GPUs",
    "Graphs": "Show graphs",
    "Events": "Show events",
    "Keys": "Show every key",
}


def natural(name: str) -> tuple[str | int, ...]:
    """gpu-node-2 before gpu-node-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def no_gpus() -> tuple[int, dict[str, list[GpuCell]], dict[str, str]]:
    return 0, {}, {}


@dataclass
class Targets:
    """The Deployments (and their HPAs) the layout names, by namespace/name."""

    deployments: list[tuple[str, str]] = field(default_factory=list)
    hpas: list[tuple[str, str]] = field(default_factory=list)
    # The Service in front of a Deployment, by (namespace, deployment): where a canary
    # Ingress's weight is read.
    services: dict[tuple[str, str], str] = field(default_factory=dict)


class KeyCommands(Provider):
    """The command palette reaches every view and action: each key binding, by its name."""

    async def search(self, query: str) -> Hits:
        app = self.app
        matcher = self.matcher(query)
        for binding in app.BINDINGS:
            assert isinstance(binding, Binding)
            key = binding.key_display or binding.key.split(",")[0]
            command = VERBS.get(binding.description, binding.description)
            score = matcher.match(command)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command),
                    partial(app.run_action, binding.action),
                    help=f"key: {key}",
                )


class WarRoomApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "warroom"
    COMMANDS = App.COMMANDS | {KeyCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("1", "tab('overview')", "Overview"),
        Binding("2", "tab('pods')", "Pods"),
        Binding("3", "tab('nodes')", "Nodes/GPUs"),
        Binding("4", "tab('graphs')", "Graphs"),
        Binding("5", "tab('events')", "Events"),
        Binding("slash", "filter", "Filter pods", key_display="/"),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom graphs in", key_display="+"),
        Binding("minus", "zoom(2)", "Zoom graphs out", key_display="-"),
        Binding("enter", "pod_detail", "Pod detail", show=False),
    ]

    def __init__(
        self,
        picture: ClusterPicture,
        header: HeaderInfo,
        targets: Targets,
        *,
        signals: SignalFeed = no_signals,
        gpus: GpuFeed = no_gpus,
        clock: Callable[[], float] = time.time,
        server_label: Callable[[], str] | None = None,
        zoom: Callable[[float], float] | None = None,
    ) -> None:
        super().__init__()
        self.picture = picture
        self.header_info = header
        self.targets = targets
        self.signals = signals
        self.gpus = gpus
        self.clock = clock
        self.server_label = server_label
        self.zoom = zoom
        self._seen: dict[str, int] = {}
        self.hpa_history: dict[str, deque[float]] = {}
        self.pod_rows = PodRows(picture.caches["pods"])
        self.timeline = Timeline()
        self._node_rows: tuple[int, list[NodeRow]] = (-1, [])
        self._last_key = float("-inf")

    # ---- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield WarHeader(self.header_info, self.clock, id="header")
        yield Banner(id="banner")
        with TabbedContent(id="tabs", initial="overview"):
            with TabPane("Overview", id="overview"), Horizontal(id="overview-body"):
                with VerticalScroll(id="overview-left"):
                    yield RolloutPanel(id="rollout", classes="panel")
                    yield HpaPanel(id="hpa", classes="panel")
                    yield SignalsPanel(id="signals", classes="panel")
                    yield CustomPanel(id="custom", classes="panel")
                    # Wide screens have the room: the graphs under the panels, as on tab 4.
                    yield Vertical(id="overview-graphs", classes="wide-only")
                yield EventList(self.clock, id="overview-events", classes="panel wide-only")
            with TabPane("Pods", id="pods"):
                yield Static(id="pods-status", classes="status-line")
                yield Input(placeholder="filter pods (Esc clears)", id="pod-filter")
                yield PodTable(self.clock, self.picture.namespaces, id="pod-table")
            with TabPane("Nodes/GPUs", id="nodes"):
                yield NodeTable(self.clock, id="nodes-panel")
            with TabPane("Graphs", id="graphs"):
                yield VerticalScroll(id="graph-list")
            with TabPane("Events", id="events"):
                yield EventList(self.clock, id="events-panel")
        yield KeyBar(self.BINDINGS, id="keys")  # type: ignore[arg-type]

    def on_mount(self) -> None:
        for panel, title in (
            ("#rollout", "Rollout"),
            ("#hpa", "HPA"),
            ("#signals", "Signals"),
            ("#overview-events", "Events"),
        ):
            self.query_one(panel).border_title = title
        self.query_one("#pod-filter", Input).display = False
        custom = self.query_one("#custom", CustomPanel)
        custom.display = bool(self.picture.custom)
        custom.border_title = "Custom resources"
        self.query_one("#banner", Banner).display = False
        self._apply_width(self.size.width)
        self.refresh_views()
        self.set_interval(RENDER_INTERVAL, self.refresh_views)
        self.set_interval(5.0, self._sample_hpa)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._last_key = time.monotonic()
        await super().on_event(event)

    def seconds_since_key(self) -> float:
        """How long since the last keypress (how busy the keyboard is)."""
        return time.monotonic() - self._last_key

    def on_unmount(self) -> None:
        self.pod_rows.close()  # the picture may outlive this screen (tests, a reopened room)

    def on_resize(self) -> None:
        self._apply_width(self.size.width)
        self.refresh_views()

    def _apply_width(self, width: int) -> None:
        self.set_class(width >= WIDE, "-wide")

    # ---- rendering ---------------------------------------------------------------------------

    def _changed(self, name: str, version: int) -> bool:
        if self._seen.get(name) == version:
            return False
        self._seen[name] = version
        return True

    def refresh_views(self) -> None:
        """Pull the latest picture; push new views only to panels whose data moved."""
        if not self.is_running:
            return  # shutting down: a last timer tick finds the widgets being removed
        picture, now = self.picture, self.clock()
        # Tabs that are not on screen are not drawn; switching to one redraws it at once.
        active = self.query_one("#tabs", TabbedContent).active
        pods_v = picture.kind_version("pods")
        rollout_v = (
            picture.kind_version("deployments")
            + picture.kind_version("replicasets")
            + picture.kind_version("ingresses")
        )
        if self._changed("rollout", rollout_v):
            self.query_one("#rollout", RolloutPanel).show(self.rollout_views())
        if picture.custom and self._changed(
            "custom", sum(picture.kind_version(k) for k in picture.custom)
        ):
            rows = [
                custom_row(kind, obj) for kind in picture.custom for obj in picture.objects(kind)
            ]
            rows.sort(key=lambda r: (r.kind, r.namespace, r.name))
            self.query_one("#custom", CustomPanel).show(rows)
        if self._changed("hpa", picture.kind_version("hpas")):
            self._sample_hpa()
        # Rows follow the pods on every tick, on screen or not, so the work stays spread out
        # (O(pods changed)) and switching to the tab costs no catch-up.
        self.pod_rows.update(now)
        if active == "pods":
            table = self.query_one("#pod-table", PodTable)
            if self._changed("pods", pods_v):
                table.show(self.pod_rows.rows)
            elif self._changed("pods-ages", int(now)):
                table.refresh()  # ages are drawn from the clock; nothing else moved
        gpu_v, gpu_cells, gpu_hosts = self.gpus()
        if active == "nodes":
            self._show_nodes(now, gpu_v, gpu_cells, gpu_hosts)
        wide_overview = active == "overview" and self.has_class("-wide")
        if active == "events" or wide_overview:
            events_v = picture.kind_version("events") + len(picture.own)
            view = "#events-panel" if active == "events" else "#overview-events"
            if self._changed("events", events_v):
                self.timeline.update(picture.objects("events"), picture.own, now)
            if self._changed(view, events_v):
                self.query_one(view, EventList).show(self.timeline.rows)
            elif self._changed(f"{view}-ages", int(now)):
                self.query_one(view, EventList).refresh()
        signal_v, snapshots = self.signals()
        if self._changed("signals", signal_v):
            self.query_one("#signals", SignalsPanel).show(snapshots)
        if active == "graphs" and self._changed("graphs", signal_v):
            self._show_graphs("#graph-list", snapshots)
        if wide_overview and self._changed("overview-graphs", signal_v):
            self._show_graphs("#overview-graphs", snapshots, prefix="overview-")
        self._show_ages(snapshots)
        if self.server_label is not None:
            label = self.server_label()
            header = self.query_one("#header", WarHeader)
            if label and label != header.info.prometheus:
                header.info = replace(header.info, prometheus=label)
        problems = [s.status for s in snapshots if s.status.startswith("Prometheus")][:1]
        problems += [error for error in gpu_hosts.values() if error]
        self.query_one("#banner", Banner).show(picture.sources(), problems)

    def _show_nodes(
        self,
        now: float,
        gpu_v: int,
        cells: dict[str, list[GpuCell]],
        hosts: dict[str, str],
    ) -> None:
        """Rows are rebuilt when a node changes; pod counts come from the node indexes, so
        pods moving on or off nodes redraw the view and their status churn does not."""
        nodes_v = self.picture.kind_version("nodes")
        if self._node_rows[0] != nodes_v:
            nodes = sorted(
                self.picture.objects("nodes"), key=lambda n: natural(n["metadata"]["name"])
            )
            self._node_rows = (nodes_v, [node_row(n, now) for n in nodes])
        counts = self.picture.pod_counts()
        if self._changed("nodes", hash((nodes_v, gpu_v, frozenset(counts.items())))):
            self.query_one("#nodes-panel", NodeTable).show(
                self._node_rows[1], counts, cells, hosts
            )

    def _show_ages(self, snapshots: Sequence[SignalSnapshot]) -> None:
        """Every panel says how old its data is."""
        age = self.picture.data_age()
        if not self.picture.health:
            cluster = ""  # a picture with no live source (a snapshot, a replay)
        else:
            cluster = (
                "no data yet" if age is None else "live" if age == 0 else f"data {age:.0f}s old"
            )
        for panel in ("#rollout", "#hpa", "#overview-events"):
            self.query_one(panel).border_subtitle = cluster
        ages = [s.age for s in snapshots if s.age is not None]
        self.query_one("#signals").border_subtitle = (
            f"Prometheus {max(ages):.0f}s old"
            if ages
            else ("no Prometheus data yet" if snapshots else "")
        )
        table = self.query_one("#pod-table", PodTable)
        shown = f"{table.row_count} pods"
        if table.filter_text:
            shown += f" matching {table.filter_text!r}"
        status = self.query_one("#pods-status", Static)
        line = f"{shown} · {cluster}" if cluster else shown
        if str(status.content) != line:
            status.update(line, layout=False)  # one line, always

    def rollout_views(self) -> list[RolloutView]:
        views = []
        for ns, name in self.targets.deployments:
            d = self.picture.cache("deployments", ns).get(ns, name)
            if d is None:
                continue
            # Through the owner index: a target's own ReplicaSets, not every ReplicaSet.
            rss = self.picture.cache("replicasets", ns).owned_by(d["metadata"]["uid"])
            service = self.targets.services.get((ns, name))
            canary = canary_for(self.picture.cache("ingresses", ns), service) if service else None
            views.append(rollout_view(d, rss, canary))
        return views

    def hpa_views(self) -> list[HpaView]:
        views = []
        for ns, name in self.targets.hpas:
            hpa = self.picture.cache("hpas", ns).get(ns, name)
            if hpa is not None:
                views.append(hpa_view(hpa))
        return views

    def _sample_hpa(self) -> None:
        if not self.is_running:
            return  # shutting down, as in refresh_views
        views = self.hpa_views()
        for view in views:
            self.hpa_history.setdefault(view.name, deque(maxlen=120)).append(view.current)
        self.query_one("#hpa", HpaPanel).show(
            views, {k: list(v) for k, v in self.hpa_history.items()}
        )

    def _show_graphs(
        self, where: str, snapshots: Iterable[SignalSnapshot], prefix: str = ""
    ) -> None:
        container = self.query_one(where)
        for snap in snapshots:
            if not snap.graph:
                continue
            data = GraphData(
                snap.title,
                snap.unit,
                snap.series,
                snap.window,
                snap.slo_max,
                snap.slo_min,
                snap.status,
                time.time(),  # Prometheus stamps samples with the wall clock
            )
            graphs = container.query(f"#{prefix}graph-{snap.id}")
            if graphs:
                graphs.first(LineGraph).data = data
                container.query_one(f"#{prefix}legend-{snap.id}", Static).update(
                    series_legend(data, snap.latest), layout=False
                )
            else:
                container.mount(
                    Static(
                        series_legend(data, snap.latest),
                        id=f"{prefix}legend-{snap.id}",
                        classes="legend",
                    )
                )
                container.mount(LineGraph(data, id=f"{prefix}graph-{snap.id}"))

    # ---- actions -----------------------------------------------------------------------------

    def show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.refresh_views()
        # The tab's list takes the keys, so arrows, page and home/end move through it at once,
        # unless something on the tab has focus already (the filter box `/` just opened).
        active = self.query_one("#tabs", TabbedContent).active
        focused = self.focused
        if focused is not None and any(w.id == active for w in focused.ancestors):
            return
        if active in FOCUS:
            self.query_one(FOCUS[active]).focus()

    def action_tab(self, tab: str) -> None:
        self.show_tab(tab)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.BINDINGS))  # type: ignore[arg-type]

    def action_zoom(self, factor: float) -> None:
        if self.zoom is None:
            self.notify("No graphs: this layout has no Prometheus.", severity="warning")
            return
        seconds = self.zoom(factor)
        self.notify(f"Graphs show the last {seconds / 60:g} minutes.")

    def action_filter(self) -> None:
        self.show_tab("pods")
        box = self.query_one("#pod-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#pod-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.query_one("#pod-table", PodTable).set_filter(event.value)

    @on(Input.Submitted, "#pod-filter")
    def filter_done(self) -> None:
        self.query_one("#pod-table", PodTable).focus()

    def key_escape(self) -> None:
        box = self.query_one("#pod-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.query_one("#pod-table", PodTable).focus()

    def action_pod_detail(self, uid: str | None = None) -> None:
        uid = uid or self.query_one("#pod-table", PodTable).selected_uid()
        if uid is None:
            return
        for cache in self.picture.caches["pods"].values():
            pod = cache.by_uid(uid)
            if pod is not None:
                events = [
                    e
                    for e in self.picture.objects("events")
                    if (e.get("involvedObject") or {}).get("uid") == uid
                ]
                self.push_screen(PodDetailScreen(pod, events, self.clock()))
                return

    @on(PodTable.RowSelected)
    def row_selected(self, event: PodTable.RowSelected) -> None:
        self.action_pod_detail(event.uid)
