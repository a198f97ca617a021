"""The war-room screen: composes the panes, binds the keys, and on a fixed cadence hands each
pane the room's model, so that only what changed is redrawn."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

import platformdirs
from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.widgets import Static, TabbedContent

from warroom.state.model import RoomModel
from warroom.state.room import HeaderInfo
from warroom.ui.keys import APP_KEYS, LIST_KEYS, POD_KEYS, Key, Keymap, bindings, key_label
from warroom.ui.panes.events import EventsPane
from warroom.ui.panes.graphs import GraphsPane
from warroom.ui.panes.nodes import NodesPane
from warroom.ui.panes.overview import OverviewPane
from warroom.ui.panes.pods import PodsPane
from warroom.ui.screens import HelpScreen, PodDetailScreen, SourcesScreen
from warroom.ui.widgets.header import WarHeader
from warroom.ui.widgets.keybar import KeyBar
from warroom.ui.widgets.panels import Banner
from warroom.ui.widgets.pods import PodTable

RENDER_INTERVAL = 0.25  # seconds between checks for new data
WIDE = 150  # columns from which the overview also shows graphs and events
# Below this the panels cannot show their numbers whole: one message instead of a lie.
MIN_SIZE = (72, 20)
HERE = Path(__file__).parent


def screenshot_folder() -> Path:
    """Where screenshots go: the user's Downloads folder when it exists, else here."""
    downloads = platformdirs.user_downloads_path()
    return downloads if downloads.is_dir() else Path.cwd()


def window_words(seconds: float) -> str:
    """`1 minute`, `15 minutes`, `1 hour`, `6 hours`."""
    value, unit = (seconds / 3600, "hour") if seconds >= 3600 else (seconds / 60, "minute")
    return f"{value:g} {unit}" + ("" if value == 1 else "s")


class KeyCommands(Provider):
    """The command palette reaches every view and action: each key binding, by its name.
    Opened empty, it lists them all, so the palette is also a menu."""

    def _app(self) -> WarRoomApp:
        app = self.app
        assert isinstance(app, WarRoomApp)
        return app

    def _commands(self) -> list[Key]:
        return [key for key in APP_KEYS if key.id != "app.interrupt"]

    async def discover(self) -> Hits:
        app = self._app()
        for key in self._commands():
            yield DiscoveryHit(
                key.palette,
                partial(app.run_action, key.action),
                help=f"key: {app.keymap.labels(key.id)}",
            )

    async def search(self, query: str) -> Hits:
        app = self._app()
        matcher = self.matcher(query)
        for key in self._commands():
            score = matcher.match(key.palette)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(key.palette),
                    partial(app.run_action, key.action),
                    help=f"key: {app.keymap.labels(key.id)}",
                )


class WarRoomApp(App[None]):
    CSS_PATH = [
        HERE / "app.tcss",
        *(
            HERE / "panes" / f"{pane}.tcss"
            for pane in ("overview", "pods", "nodes", "graphs", "events")
        ),
    ]
    TITLE = "warroom"
    COMMANDS = App.COMMANDS | {KeyCommands}
    BINDINGS = bindings(APP_KEYS)

    def __init__(
        self,
        model: RoomModel,
        header: HeaderInfo,
        *,
        keymap: Keymap | None = None,
        zoom: Callable[[int], float] | None = None,
    ) -> None:
        """`zoom` moves the graphs' window steps along its ladder and returns the new one
        (None: no graphs)."""
        super().__init__()
        self.model = model
        self.header_info = header
        self.keymap = keymap or Keymap()
        self.zoom = zoom
        clock = model.clock
        picture = model.picture
        self.header = WarHeader(header, clock, id="header")
        self.banner = Banner(id="banner")
        self.overview = OverviewPane(clock, custom=bool(picture.custom))
        self.pods = PodsPane(clock, picture.namespaces)
        self.nodes = NodesPane(clock, picture.namespaces)
        self.graphs = GraphsPane()
        self.timeline = EventsPane(clock)
        self.tabs = TabbedContent(id="tabs", initial="overview")
        self.too_small = Static(id="too-small")
        self.focus_in = {"pods": self.pods.table, "nodes": self.nodes.table}
        self.focus_in["events"] = self.timeline.list
        self._last_key = float("-inf")

    # ---- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self.too_small
        yield self.header
        yield self.banner
        with self.tabs:
            yield self.overview
            yield self.pods
            yield self.nodes
            yield self.graphs
            yield self.timeline
        shown = [(self.keymap.label(k.id), k.bar or k.description) for k in APP_KEYS if k.show]
        yield KeyBar(shown, key_label(self.COMMAND_PALETTE_BINDING), id="keys")

    def on_mount(self) -> None:
        if self.keymap.overrides:
            self.set_keymap(self.keymap.overrides)
        self.banner.display = False
        self._apply_size(self.size.width, self.size.height)
        self.refresh_views()
        self.set_interval(RENDER_INTERVAL, self.refresh_views)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._last_key = time.monotonic()
        await super().on_event(event)

    def seconds_since_key(self) -> float:
        """How long since the last keypress (how busy the keyboard is)."""
        return time.monotonic() - self._last_key

    def on_unmount(self) -> None:
        self.model.close()  # the picture may outlive this screen (tests, a reopened room)

    def on_resize(self, event: events.Resize) -> None:
        # The size being applied, not the one the app had until now: laid out from
        # `self.size` the screen was always one resize behind.
        self._apply_size(event.size.width, event.size.height)
        self.refresh_views()

    def _apply_size(self, width: int, height: int) -> None:
        self.set_class(width >= WIDE, "-wide")
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.set_class(small, "-too-small")
        self.too_small.update(
            f"warroom needs at least {MIN_SIZE[0]}×{MIN_SIZE[1]} to draw the war room "
            f"honestly; this terminal is {width}×{height}. Make it larger."
        )

    # ---- rendering ---------------------------------------------------------------------------

    def refresh_views(self) -> None:
        """Take the room's newest state; hand each pane on screen what it shows."""
        if not self.is_running:
            return  # shutting down: a last timer tick finds the widgets being removed
        model = self.model
        model.refresh()
        active = self.tabs.active
        self.overview.update(model, active=active == "overview", wide=self.has_class("-wide"))
        if active == "pods":
            self.pods.update(model)
        elif active == "nodes":
            self.nodes.update(model)
        elif active == "graphs":
            self.graphs.update(model)
        elif active == "events":
            self.timeline.update(model)
        down = any(s.group == "Prometheus" and s.failing for s in model.snapshot.sources)
        self.header.set_server(model.signals().value.server, down=down)
        lines = model.banner()
        if lines:
            details = self.keymap.label("app.sources")
            lines = (f"{lines[0]}  · {details} details", *lines[1:])
        self.banner.show(lines)

    # ---- actions -----------------------------------------------------------------------------

    def show_tab(self, tab: str) -> None:
        self.tabs.active = tab

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.refresh_views()
        # The tab's list takes the keys, so arrows, page and home/end move through it at once,
        # unless something on the tab has focus already (the filter box `/` just opened).
        active = self.tabs.active
        focused = self.focused
        if focused is not None and any(w.id == active for w in focused.ancestors):
            return
        if active in self.focus_in:
            self.focus_in[active].focus()

    def action_tab(self, tab: str) -> None:
        self.show_tab(tab)

    def help_rows(self) -> list[tuple[str, str]]:
        """Every key as the keymap has it, with what it does (the help screen's table)."""
        keymap = self.keymap
        rows = [(keymap.labels(k.id), k.palette) for k in APP_KEYS]
        moves = " ".join(keymap.labels(k.id) for k in LIST_KEYS)
        rows.append((moves, "move through a list"))
        rows += [(keymap.labels(k.id), f"{k.description} of the selected pod") for k in POD_KEYS]
        rows.append(("esc", "clear the filter, close this"))
        rows.append(
            (
                key_label(self.COMMAND_PALETTE_BINDING),
                "command palette: views, actions, themes",
            )
        )
        return rows

    def action_sources(self) -> None:
        self.push_screen(SourcesScreen(self.model.snapshot.sources))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_rows()))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":  # Textual's goes to ~/Downloads, silently
                yield command
        yield SystemCommand(
            "Screenshot",
            "Save an SVG picture of the screen, and say where",
            lambda: self.set_timer(0.1, self.action_save_screenshot),
        )

    def action_save_screenshot(self, folder: str | None = None) -> None:
        """Save the screen as SVG in `folder` (the Downloads folder if there is one, else
        the working directory) and say where, or why it could not."""
        where = Path(folder) if folder else screenshot_folder()
        try:
            saved = self.save_screenshot(path=str(where))
        except OSError as err:
            self.notify(
                f"Could not save a screenshot in {where}: {err.strerror or err}. "
                "Start warroom from a folder you can write to.",
                severity="error",
                timeout=10,
            )
            return
        self.notify(f"Screenshot saved to {Path(saved).resolve()} (open it in a browser).")

    def action_zoom(self, steps: int) -> None:
        # One toast at a time: a new one replaces the last rather than stacking under it.
        self.clear_notifications()
        if self.zoom is None:
            self.notify("No graphs: this layout has no Prometheus.", severity="warning")
            return
        self.notify(f"Graphs show the last {window_words(self.zoom(steps))}.")

    def action_filter(self) -> None:
        self.show_tab("pods")
        self.pods.open_filter()

    def key_escape(self) -> None:
        self.pods.close_filter()

    def action_pod_detail(self, uid: str | None = None) -> None:
        uid = uid or self.pods.table.selected_uid()
        found = self.model.pod(uid) if uid is not None else None
        if found is not None:
            pod, related = found
            self.push_screen(PodDetailScreen(pod, related, self.model.clock()))

    @on(PodTable.RowSelected)
    def row_selected(self, event: PodTable.RowSelected) -> None:
        self.action_pod_detail(event.uid)
