"""The war-room screen: composes the panes, binds the keys, and on a fixed cadence hands each
pane the room's model, so that only what changed is redrawn."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import platformdirs
from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Static, TabbedContent

from warroom.actions.plan import ActionArgs, ActionRefused
from warroom.actions.preflight import Preflight
from warroom.checklist.verdicts import ItemVerdict
from warroom.drills.words import scorecard_lines
from warroom.journal.journal import JournalError
from warroom.kinds.describe import as_yaml, describe
from warroom.kinds.objects import Obj
from warroom.kube.errors import KubeError
from warroom.kube.logs import LogSource
from warroom.layout.checklist import Item, Phase
from warroom.live.actions import RoomActions
from warroom.live.auto_rollback import AutoRollback, said
from warroom.live.checklist import ChecklistRun, Refused
from warroom.live.drill import DrillRefused, DrillRun
from warroom.state.lookup import API_KINDS, about, find, on_node
from warroom.state.model import RoomModel
from warroom.state.room import HeaderInfo
from warroom.state.versions import containers
from warroom.ui.acting import ActionScreen
from warroom.ui.ask import AskScreen, ChooseScreen, ConfirmScreen
from warroom.ui.details import DetailScreen, EventDetail, NodeDetail, TextScreen
from warroom.ui.evidence import EvidenceDetail
from warroom.ui.keys import APP_KEYS, SORT_KEYS, Key, Keymap, bindings, key_label
from warroom.ui.logs import LogScreen
from warroom.ui.panes.checklist import ChecklistPane
from warroom.ui.panes.events import EventsPane
from warroom.ui.panes.graphs import GraphsPane
from warroom.ui.panes.nodes import NodesPane
from warroom.ui.panes.overview import OverviewPane
from warroom.ui.panes.pane import ListPane
from warroom.ui.panes.pods import PodsPane
from warroom.ui.prompt import Prompt, resolve, unknown
from warroom.ui.resources import LISTINGS, ResourceScreen
from warroom.ui.scorecard import ScorecardScreen, timers
from warroom.ui.screens import HelpScreen, PodDetail, SourcesScreen
from warroom.ui.widgets.checklist import PHASE_PREFIX, ChecklistList, glance
from warroom.ui.widgets.events import EventList
from warroom.ui.widgets.header import WarHeader
from warroom.ui.widgets.keybar import KeyBar
from warroom.ui.widgets.nodes import Host, NodeTable
from warroom.ui.widgets.panels import Banner
from warroom.ui.widgets.pods import PodTable
from warroom.ui.widgets.rows import RowView
from warroom.ui.widgets.session_fields import fields_of, shown_value

RENDER_INTERVAL = 0.25  # seconds between checks for new data
CHECKLIST_INTERVAL = 1.0  # seconds between evaluations of the checklist
WIDE = 150  # columns from which the overview also shows graphs and events
# Below this the panels cannot show their numbers whole: one message instead of a lie.
MIN_SIZE = (72, 20)
HERE = Path(__file__).parent


# Keys the help lists on one row, to fit 80×24: their ids, and what they do.
HELP_TOGETHER = {
    ("object.describe", "object.yaml", "pod.logs"): "describe, YAML, logs of the row",
    ("app.quit", "app.interrupt"): "Quit",
    ("app.help", "app.sources", "app.drill"): "Show every key; every source; drill scorecard",
    ("list.filter", "app.prompt"): "Filter the list; go to :pods :deploy :hpa …",
    ("graphs.zoom-in", "graphs.zoom-out"): "Zoom graphs in, out",
    ("checklist.tick", "checklist.untick"): "Tick, untick the checklist item",
    ("checklist.note", "checklist.sign", "checklist.run", "checklist.override"): (
        "Note, sign off, run its check; override phase"
    ),
    ("checklist.field", "app.operator", "target.act"): "Set a session field; who signs; act",
    ("trigger.acknowledge", "trigger.rollback", "trigger.cancel-auto"): (
        "A trigger: acknowledge, roll back, stop auto"
    ),
}


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
        app = self._app()
        return [key for key in APP_KEYS if key.id != "app.interrupt" and app.offered(key.action)]

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
            for pane in ("overview", "pods", "nodes", "graphs", "events", "checklist")
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
        logs: LogSource | None = None,
        checklist: ChecklistRun | None = None,
        actions: RoomActions | None = None,
        auto: AutoRollback | None = None,
        drill_run: DrillRun | None = None,
    ) -> None:
        """`zoom` moves the graphs' window steps along its ladder and returns the new one
        (None: no graphs); `logs` reads a container's log (None: no API server to ask);
        `checklist` the layout's checklist and its journal (None: no session kept);
        `actions` what may be done to the targets (None: nothing, as with --read-only);
        `auto` the triggers' automatic rollbacks (None: no trigger of the layout acts);
        `drill_run` the drill played on `checklist` (None: no drill), begun with its first
        evaluation and ended when the screen closes."""
        super().__init__()
        self.checklist = checklist
        self.actions = actions
        self.auto = auto
        self.drill_run = drill_run
        self._drill_refused = ""  # why the drill could not begin, in one sentence
        # A drill's timers are read from the journal's times on a clock running ×5 or more:
        # evaluated every second, each would carry up to that many seconds of our own lag.
        self._tick_every = RENDER_INTERVAL if drill_run is not None else CHECKLIST_INTERVAL
        self._auto_said: dict[str, str] = {}  # arm → the state last notified
        self._evaluated = float("-inf")
        self._journal_trouble = ""
        self.logs = logs
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
        self.checklist_pane = ChecklistPane(clock)
        self.tabs = TabbedContent(id="tabs", initial="overview")
        self.too_small = Static(id="too-small")
        self.prompt = Prompt(id="prompt")
        self.prompt.display = False  # before mounting: hidden, it never takes the first focus
        self.lists: dict[str, ListPane] = {
            "pods": self.pods,
            "nodes": self.nodes,
            "events": self.timeline,
            "checklist": self.checklist_pane,
        }
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
            yield self.checklist_pane
        yield self.prompt
        shown = [(self.keymap.label(k.id), k.bar or k.description) for k in APP_KEYS if k.show]
        yield KeyBar(shown, key_label(self.COMMAND_PALETTE_BINDING), id="keys")

    def on_mount(self) -> None:
        if self.keymap.overrides:
            self.set_keymap(self.keymap.overrides)
        self.banner.display = False
        self._apply_size(self.size.width, self.size.height)
        self.refresh_views()
        self.set_interval(RENDER_INTERVAL, self.refresh_views)
        if self.auto is not None:
            self.auto.start()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._last_key = time.monotonic()
        await super().on_event(event)

    def seconds_since_key(self) -> float:
        """How long since the last keypress (how busy the keyboard is)."""
        return time.monotonic() - self._last_key

    async def on_unmount(self) -> None:
        if self.auto is not None:
            await self.auto.stop()
        drill = self.drill_run
        if drill is not None:
            try:
                await drill.stop_drill("the war room closed")
            except (JournalError, Refused) as failed:  # said after the screen (drilling.py)
                drill.problem = drill.problem or f"the drill's end was not journalled: {failed}"
            await drill.stop()
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
        self._refresh_checklist(active == "checklist")
        self._begin_drill()
        if isinstance(self.screen, ResourceScreen):
            self.screen.update(model.picture, model.cluster_age())
        down = any(s.group == "Prometheus" and s.failing for s in model.snapshot.sources)
        self.header.set_server(model.signals().value.server, down=down)
        self.header.set_identity(model.snapshot.identity)
        lines = model.banner()
        if lines:
            details = self.keymap.label("app.sources")
            lines = (f"{lines[0]}  · {details} details", *lines[1:])
        self.banner.show(self._drill_banner() + self._checklist_banner() + tuple(lines))

    # ---- the checklist -----------------------------------------------------------------------

    def _refresh_checklist(self, shown: bool, *, now: bool = False) -> None:
        run = self.checklist
        if run is None:
            self.overview.show_phase(None)
            return
        moment = time.monotonic()
        if now or moment - self._evaluated >= self._tick_every:
            self._evaluated = moment
            run.tick()
        else:
            run.follow()
        ev = run.evaluation
        if ev is None:
            return
        self.overview.show_phase(glance(run.layout.phases, ev, run.operator))
        self.header.set_operator(run.operator)
        if shown:
            self.checklist_pane.update(
                run.layout.phases,
                ev,
                set(run.session.overrides),
                run.version,
                self._checklist_words(run),
                fields_of(run.layout.session_fields, run.session),
            )

    def _checklist_words(self, run: ChecklistRun) -> str:
        ev = run.evaluation
        assert ev is not None
        if ev.current < len(ev.phases):
            phase = ev.phases[ev.current]
            where = f"{phase.title}: {phase.passed}/{phase.required}"
        else:
            where = "every phase complete"
        journal = run.journal
        if journal is None:
            kept = "no journal"
        elif journal.read_only:
            kept = "journal READ-ONLY"
        else:
            kept = f"journal {len(journal.records)} records"
        return f"{where} · ✎ {run.operator or '–'} · {kept}"

    # ---- the drill --------------------------------------------------------------------------

    def _begin_drill(self) -> None:
        """Begin the drill (its clock starts, its faults are played) once the checklist has
        been evaluated: the drill judges its conditions on the evaluation."""
        drill, run = self.drill_run, self.checklist
        if drill is None or run is None or run.evaluation is None:
            return
        if drill.started is not None or self._drill_refused:
            return
        try:
            drill.begin()
        except (DrillRefused, Refused, JournalError) as refused:
            self._drill_refused = str(refused)
            self.notify(
                f"The drill did not start: {refused}.",
                title="Drill",
                severity="error",
                markup=False,
                timeout=15,
            )
            return
        drill.start()

    def _drill_banner(self) -> tuple[str, ...]:
        """The drill's timers (or why it did not begin), then what went wrong in it."""
        drill = self.drill_run
        if drill is None:
            return ()
        if self._drill_refused:
            return (f"DRILL: {self._drill_refused}",)
        card = drill.card()
        if card is None:
            waits = drill.waiting or "starts once the checklist is evaluated"
            return (f"DRILL {drill.scenario.name}: {waits}",)
        width = max(1, self.size.width - 2)  # the banner's padding
        lines = [timers(card, width, self.keymap.label("app.drill"))]
        if drill.problem:
            lines.append(f"DRILL: {drill.problem}")
        return tuple(lines)

    def _scorecard(self) -> list[str]:
        drill = self.drill_run
        card = drill.card() if drill is not None else None
        if card is not None:
            return scorecard_lines(card)
        if self._drill_refused:
            return [f"The drill did not start: {self._drill_refused}."]
        if drill is not None and drill.waiting:
            return [f"The drill has not started: {drill.waiting}."]
        return ["The drill starts once the checklist is evaluated."]

    def action_drill_card(self) -> None:
        drill = self.drill_run
        if drill is None:
            self.notify(
                "No drill is running here: warroom drill LAYOUT --scenario NAME rehearses one.",
                markup=False,
            )
            return
        if isinstance(self.screen, ScorecardScreen):
            self.screen.dismiss()
            return
        title = f"drill {drill.scenario.name}: scorecard"
        self.push_screen(ScorecardScreen(title, self._scorecard, RENDER_INTERVAL))

    def _checklist_banner(self) -> tuple[str, ...]:
        run = self.checklist
        if run is None:
            return ()
        lines = []
        if run.write_error:
            lines.append(f"JOURNAL: {run.write_error}")
        elif run.journal is not None and run.journal.read_only and run.journal.problem:
            lines.append(f"JOURNAL READ-ONLY: {run.journal.problem}")
        if self.auto is not None:
            lines.extend(self._auto_banner(self.auto))
        ev = run.evaluation
        for trigger in ev.raised if ev is not None else ():
            value = trigger.evidence.value or ""
            target = self._trigger_target(trigger.id)
            offer = (
                f"  · {self.keymap.label('trigger.rollback')} rolls back {target}"
                if target
                else ""
            )
            seen = run.session.acknowledged.get(trigger.id)
            ack = (
                f"  · acknowledged by {seen.operator}"
                if seen is not None
                else f"  · {self.keymap.label('trigger.acknowledge')} acknowledges"
                if run.journal is not None and not run.journal.read_only
                else ""
            )
            lines.append(
                f"ROLLBACK TRIGGER: {trigger.title} — now {value}{ack}{offer}  · 6 checklist"
            )
        return tuple(lines)

    def _auto_banner(self, auto: AutoRollback) -> list[str]:
        """The automatic rollbacks' lines, and a notice (seen over every screen, a log or a
        listing included) each time one arms, fires or ends."""
        lines = []
        if auto.problem:
            lines.append(f"AUTO ROLLBACK: {auto.problem}")
        cancel = self.keymap.label("trigger.cancel-auto")
        for one in said(auto):
            countdown, words = one.countdown, one.sentence
            if countdown.state == "counting":
                lines.append(f"{one.head}  · {cancel} cancels  · {one.why}")
            else:
                lines.append(words)
            if self._auto_said.get(countdown.arm) != countdown.state:
                self._auto_said[countdown.arm] = countdown.state
                severity: SeverityLevel = (
                    "information" if countdown.state == "cancelled" else "warning"
                )
                if countdown.state == "done" and not countdown.ok:
                    severity = "error"
                self.notify(words, title="Automatic rollback", severity=severity, markup=False)
        return lines

    def _trigger_target(self, trigger_id: str) -> str:
        """The target whose rollback the trigger's banner offers ("" when no action is)."""
        actions, run = self.actions, self.checklist
        if actions is None or run is None:
            return ""
        trigger = run.layout.triggers.get(trigger_id)
        if trigger is None:
            return ""
        target = run.layout.target_named(trigger.target, trigger.namespace)
        return run.layout.target_key(target) if target is not None else ""

    def _chosen_item(self) -> tuple[Phase, Item, ItemVerdict] | str:
        """The checklist item the keys act on: the evidence open, else the row selected."""
        run = self.checklist
        if run is None:
            return "This war room keeps no checklist: its layout has no phases."
        screen = self.screen
        key: str | None
        if isinstance(screen, DetailScreen) and isinstance(screen.body, EvidenceDetail):
            key = screen.body.item.id
        elif self.tabs.active == "checklist":
            key = self.checklist_pane.list.selected_key()
            if key is not None and key.startswith(PHASE_PREFIX):
                return "That is a phase: select one of its items."
        else:
            return "Open the checklist (6) and select an item first."
        if key is None or run.evaluation is None:
            return "No item selected."
        found = run.find(key)
        return found.phase, found.item, run.evaluation.items[key]

    def _item_at_hand(self) -> tuple[ChecklistRun, Item] | None:
        """The run and the item the checklist keys act on; None once it said why there is none."""
        chosen = self._chosen_item()
        if isinstance(chosen, str):
            self.notify(chosen, severity="warning", markup=False)
            return None
        assert self.checklist is not None
        return self.checklist, chosen[1]

    def _chosen_phase(self) -> str | None:
        run = self.checklist
        if run is None or run.evaluation is None:
            return None
        if self.tabs.active == "checklist":
            key = self.checklist_pane.list.selected_key() or ""
            if key.startswith(PHASE_PREFIX):
                return key[len(PHASE_PREFIX) :]
            if key:
                return run.find(key).phase.id
        ev = run.evaluation
        return ev.phases[ev.current].id if ev.current < len(ev.phases) else None

    def _record(self, act: Callable[[], object], done: str) -> bool:
        """Run one operator act; say what happened, or in one sentence why it did not."""
        try:
            act()
        except Refused as refused:
            self.notify(str(refused), severity="warning", markup=False)
            return False
        except JournalError as failed:
            self._journal_trouble = str(failed)
            self.notify(f"Not recorded: {failed}", severity="error", markup=False, timeout=15)
            self.refresh_views()
            return False
        self._journal_trouble = ""
        if done:
            self.notify(done, markup=False)
        self._refresh_checklist(self.tabs.active == "checklist", now=True)
        screen, run = self.screen, self.checklist
        if isinstance(screen, DetailScreen) and isinstance(screen.body, EvidenceDetail):
            body = screen.body
            if run is not None and run.evaluation is not None:
                body.verdict = run.evaluation.items[body.item.id]
            body.refresh(layout=True)
        return True

    def action_tick(self) -> None:
        at_hand = self._item_at_hand()
        if at_hand is None:
            return
        run, item = at_hand

        def answered(note: str | None) -> None:
            if note is not None:
                self._record(
                    lambda: run.tick_item(item.id, note.strip() or None), f"Ticked: {item.title}"
                )

        if item.signoff is not None or not item.ticked_by_person:
            self._record(lambda: run.tick_item(item.id), "")  # says why not
            return
        self.push_screen(
            AskScreen(
                f"Tick — {item.title}",
                f"Ticked by {run.operator}. A note for the record (optional):",
                placeholder="e.g. checked in the Grafana board",
            ),
            answered,
        )

    def action_untick(self) -> None:
        at_hand = self._item_at_hand()
        if at_hand is None:
            return
        run, item = at_hand

        def answered(reason: str | None) -> None:
            if reason is not None:
                self._record(
                    lambda: run.untick_item(item.id, reason.strip() or None),
                    f"Unticked: {item.title}",
                )

        self.push_screen(AskScreen(f"Untick — {item.title}", "Why (optional):"), answered)

    def action_note(self) -> None:
        run = self.checklist
        if run is None:
            self.notify("This war room keeps no journal to note in.", severity="warning")
            return
        chosen = self._chosen_item()
        item = chosen[1] if not isinstance(chosen, str) else None

        def answered(text: str | None) -> None:
            if text is not None:
                self._record(lambda: run.note(text, item.id if item else None), "Noted.")

        about = f" on {item.title}" if item else " for the session"
        self.push_screen(
            AskScreen(
                "Note", f"A note{about}, signed {run.operator}:", required="Type the note first."
            ),
            answered,
        )

    def action_run_check(self) -> None:
        at_hand = self._item_at_hand()
        if at_hand is None:
            return
        run, item = at_hand
        command = run.needs_approval(item.id) if item.command is not None else None
        if command is None:
            self._record(lambda: run.run_now(item.id), f"Running: {item.title}")
            return

        def answered(yes: bool | None) -> None:
            if yes and self._record(lambda: run.approve(item.id), "Approved."):
                self._record(lambda: run.run_now(item.id), f"Running: {item.title}")

        body = Text()
        body.append("This layout runs, on this machine:\n\n")
        body.append(f"  {command}\n", style="bold")
        self.push_screen(
            ConfirmScreen(f"Run — {item.title}", body, "Run it now? (asked once a session)"),
            answered,
        )

    def action_override(self) -> None:
        run = self.checklist
        phase_id = self._chosen_phase()
        if run is None or phase_id is None or run.evaluation is None:
            self.notify("There is no phase in progress to override.", severity="warning")
            return
        state = next(p for p in run.evaluation.phases if p.id == phase_id)
        unmet = [v for v in state.items if v.verdict not in ("pass", "done")]

        def answered(reason: str | None) -> None:
            if reason is not None:
                self._record(lambda: run.override(phase_id, reason), f"Overridden: {state.title}")

        self.push_screen(
            AskScreen(
                f"Override — {state.title}",
                f"{len(unmet)} item(s) do not pass yet. Going on records your name "
                f"({run.operator}) and why. Reason:",
                required="An override needs a reason.",
            ),
            answered,
        )

    def action_sign(self) -> None:
        at_hand = self._item_at_hand()
        if at_hand is None:
            return
        run, item = at_hand
        if item.signoff is None:
            self.notify(f"{item.title} is not a sign-off.", severity="warning", markup=False)
            return
        role = run.layout.roles.get(item.signoff.role, item.signoff.role)
        bound = run.evaluator.bound(item, run.world())
        body = Text()
        body.append(f"{run.operator} signs as {role}:\n\n")
        body.append(f"  “{item.signoff.statement}”\n\n", style="bold")
        if bound is not None:
            body.append(
                f"Bound to {bound.target} revision {bound.revision or '–'}, image "
                f"{bound.image or '–'}"
                + (f" ({bound.digest})" if bound.digest else "")
                + ": a new revision or build lapses it.\n"
            )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._record(lambda: run.sign(item.id), f"Signed: {item.title}")

        self.push_screen(ConfirmScreen(f"Sign off — {item.title}", body, "Sign it?"), confirmed)

    def action_set_field(self) -> None:
        """Ask which session field, then its value: one of its choices, else typed."""
        run = self.checklist
        if run is None or run.journal is None:
            self.notify("This war room keeps no journal to record fields in.", severity="warning")
            return
        specs = run.layout.session_fields
        if not specs:
            self.notify(
                "This layout has no session fields: add session_fields: to it (docs/layouts.md).",
                severity="warning",
            )
            return

        def set_to(name: str, typed: str | None) -> None:
            if typed is not None:
                self._record(lambda: run.set_field(name, typed), f"Set {specs[name].title}.")

        def chosen(name: str | None) -> None:
            if name is None:
                return
            spec, now = specs[name], run.session.field_value(name)
            title = f"{spec.title} — set by {run.operator}"
            if spec.choices:
                options = [(c, c) for c in spec.choices]
                question = f"{spec.title} is {now.value if now else 'not set'}. Pick one:"
                current = now.value if now else None
                self.push_screen(
                    ChooseScreen(title, question, options, current=current),
                    lambda typed: set_to(name, typed),
                )
                return
            value = now.value if now is not None else ""
            if not value and spec.kind == "date":
                value = time.strftime("%Y-%m-%d", time.gmtime(self.model.clock()))
            self.push_screen(
                AskScreen(
                    title,
                    f"{spec.title} ({spec.shape}):",
                    value=value,
                    required=f"Type the {spec.title} first.",
                ),
                lambda typed: set_to(name, typed),
            )

        shown = fields_of(specs, run.session)
        options = [
            (f.id, f"{f.title}: {'not set' if f.value is None else shown_value(f.value)}")
            for f in shown
        ]
        first_unset = next((f.id for f in shown if f.value is None), None)
        self.push_screen(
            ChooseScreen("Session fields", "Which field?", options, current=first_unset), chosen
        )

    def action_operator(self) -> None:
        run = self.checklist
        if run is None or run.journal is None:
            self.notify("This war room keeps no journal to sign in.", severity="warning")
            return

        def answered(name: str | None) -> None:
            if name is not None:
                self._record(lambda: run.set_operator(name), f"{name.strip()} is signing now.")

        self.push_screen(
            AskScreen(
                "Who is signing",
                f"{run.operator} is signing. Who takes the keyboard?",
                required="Give a name.",
            ),
            answered,
        )

    def _open_item(self, key: str) -> None:
        run = self.checklist
        assert run is not None and run.evaluation is not None
        if key.startswith(PHASE_PREFIX):
            return
        found = run.find(key)
        label = self.keymap.label
        keys = " · ".join(
            f"{label(k)} {what}"
            for k, what in (
                ("checklist.tick", "tick"),
                ("checklist.untick", "untick"),
                ("checklist.note", "note"),
                ("checklist.sign", "sign"),
                ("checklist.run", "run now"),
                ("checklist.override", "override phase"),
            )
        )
        detail = EvidenceDetail(
            found.phase,
            found.item,
            run.evaluation.items[key],
            run.session,
            self.model.clock(),
            f"{keys} · esc close",
        )
        self.push_screen(DetailScreen(detail, None))

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
        if active in self.lists:
            self.lists[active].rows.focus()

    def action_tab(self, tab: str) -> None:
        self.show_tab(tab)

    def help_rows(self) -> list[tuple[str, str]]:
        """Every key as the keymap has it, with what it does (the help screen's table)."""
        keymap = self.keymap
        rows = []
        for key in APP_KEYS:
            together = next((ids for ids in HELP_TOGETHER if key.id in ids), None)
            if together is None:
                rows.append((keymap.labels(key.id), key.palette))
            elif key.id == together[0]:  # one row for keys that do one thing between them
                shown = " ".join(keymap.labels(k) for k in together)
                rows.append((shown, HELP_TOGETHER[together]))
        moves = (
            "list.up",
            "list.down",
            "list.page-up",
            "list.page-down",
            "list.first",
            "list.last",
        )
        rows.append((" ".join(keymap.labels(k) for k in moves), "move: row, page, first/last"))
        rows.append((f"{keymap.labels('list.open')} esc", "open the row; clear the filter, close"))
        sorts = " ".join(keymap.label(k.id) for k in SORT_KEYS)
        rows.append((sorts, "sort: name status age ready restarts node"))
        rows.append((key_label(self.COMMAND_PALETTE_BINDING), "command palette, themes"))
        return rows

    def action_sources(self) -> None:
        self.push_screen(SourcesScreen(self.model.snapshot.sources))

    # ---- actions on the targets ----------------------------------------------------------

    def offered(self, action: str) -> bool:
        """Whether the key or palette command of `action` is offered: acting needs a session
        to journal in and is gone with --read-only."""
        if action == "cancel_auto":
            return self.auto is not None
        if action == "drill_card":
            return self.drill_run is not None
        return action not in ("act", "rollback_trigger") or self.actions is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The scorecard's key says there is no drill rather than do nothing.
        return action == "drill_card" or self.offered(action)

    def _barred(self, actions: RoomActions, target: str) -> bool:
        """Whether the context may not act on `target` (a permission its actions need is
        missing, as the room asked at its start) or another warroom holds it now, as the
        watched Leases say: then that sentence is said and nothing is offered or sent."""
        identity = self.model.snapshot.identity
        missing = identity.refusal(target) if identity is not None else ""
        if missing:
            self.notify(missing, title="Not permitted", severity="error", markup=False, timeout=15)
            return True
        held = actions.held_in(target, self.model.holds().value)
        if held:
            self.notify(held, title="Held", severity="warning", markup=False, timeout=10)
        return bool(held)

    def action_act(self) -> None:
        actions = self.actions
        if actions is None:
            return
        if self.tabs.active == "nodes" or isinstance(self.screen, DetailScreen):
            chosen = self.selected()
            if not isinstance(chosen, str) and chosen[0] == "nodes":
                node = actions.node(chosen[1])
                if not self._barred(actions, node):
                    self._choose_action(actions, node)
                return
        targets = list(actions.strategies)
        if len(targets) == 1:
            if not self._barred(actions, targets[0]):
                self._choose_action(actions, targets[0])
            return
        if not targets:
            self.notify("The layout has no targets to act on.", severity="warning")
            return

        def picked(target: str | None) -> None:
            if target is not None and not self._barred(actions, target):
                self._choose_action(actions, target)

        options = [(t, f"{t} ({actions.strategies[t].strategy})") for t in targets]
        self.push_screen(ChooseScreen("Act", "On which target?", options), picked)

    def action_rollback_trigger(self) -> None:
        """The rollback the banner offers: the first trigger that holds, its target's rollback
        (undo for a rolling Deployment), with its preflight and confirmation as ever."""
        actions, run = self.actions, self.checklist
        raised = run.evaluation.raised if run is not None and run.evaluation is not None else ()
        if actions is None or not raised:
            self.notify("No rollback trigger holds.", markup=False)
            return
        target = self._trigger_target(raised[0].id)
        if not target:
            self.notify(
                "The layout has no target for this trigger to roll back: name one under targets.",
                severity="warning",
                markup=False,
            )
            return
        if self._barred(actions, target):
            return
        offers = actions.offers(target)
        action = "rollback" if "rollback" in offers else "undo"
        self.run_worker(self._open_plan(actions, target, action, ActionArgs()), group="actions")

    def action_acknowledge(self) -> None:
        """The banner's acknowledgement: the first raised trigger nobody has acknowledged yet,
        signed by whoever has the keyboard and journalled before the banner says so."""
        run = self.checklist
        raised = run.evaluation.raised if run is not None and run.evaluation is not None else ()
        if run is None or not raised:
            self.notify("No rollback trigger holds.", markup=False)
            return
        trigger = next((t for t in raised if t.id not in run.session.acknowledged), raised[0])
        try:
            run.acknowledge(trigger.id)
        except (Refused, JournalError) as refused:
            self.notify(f"Not acknowledged: {refused}.", severity="warning", markup=False)
            return
        self.notify(f"Acknowledged: {trigger.title}.", markup=False)
        self.refresh_views()

    def action_cancel_auto(self) -> None:
        """Stop an automatic rollback's countdown: which one (when several count), then why;
        signed by whoever has the keyboard, and journalled before it counts."""
        auto = self.auto
        if auto is None:
            return
        counting = [
            c for c in auto.checklist.session.auto.latest.values() if c.state == "counting"
        ]
        if not counting:
            self.notify("No automatic rollback is counting down.", markup=False)
            return

        def why(trigger_id: str) -> None:
            def cancel(reason: str | None) -> None:
                if reason is None:
                    return
                try:
                    auto.cancel(trigger_id, reason)
                except (Refused, JournalError) as refused:
                    self.notify(f"Not cancelled: {refused}.", severity="error", markup=False)
                    return
                self.refresh_views()

            title = auto.checklist.layout.triggers[trigger_id].title or trigger_id
            self.push_screen(
                AskScreen(
                    "Cancel the automatic rollback",
                    f"{title}: why must it not roll back? (signed {auto.checklist.operator})",
                    required="A cancel needs a reason: type why.",
                ),
                cancel,
            )

        if len(counting) == 1:
            why(counting[0].trigger)
            return

        def picked(trigger_id: str | None) -> None:
            if trigger_id is not None:
                why(trigger_id)

        options = [(c.trigger, f"{c.title} → {c.target}") for c in counting]
        self.push_screen(ChooseScreen("Cancel auto", "Which countdown?", options), picked)

    def _choose_action(self, actions: RoomActions, target: str) -> None:
        self.run_worker(self._menu_of(actions, target), group="actions")

    async def _menu_of(self, actions: RoomActions, target: str) -> None:
        """The action menu, under the target's status in words as the cluster has it now."""
        try:
            said = "\n".join((await actions.status(target)).lines())
        except (KubeError, ActionRefused) as failed:
            said = f"Its status could not be read: {failed}"

        def picked(action: str | None) -> None:
            if action is not None:
                self._ask_args(actions, target, action)

        options = [(a, a) for a in actions.offers(target)]
        named = target.removeprefix("node:")
        question = f"{said}\n\nWhich action?"
        self.push_screen(ChooseScreen(f"Act — {named}", question, options), picked)

    def _ask_args(self, actions: RoomActions, target: str, action: str) -> None:
        def plan(args: ActionArgs) -> None:
            self.run_worker(self._open_plan(actions, target, action, args), group="actions")

        if action == "scale":

            def replicas(text: str | None) -> None:
                if text is None:
                    return
                if not text.strip().isdigit():
                    self.notify(
                        f"{text!r} is not a replica count: give 0 or more.",
                        severity="warning",
                        markup=False,
                    )
                    return
                plan(ActionArgs(replicas=int(text)))

            self.push_screen(
                AskScreen(
                    f"Scale — {target}", "How many replicas?", required="Type the replica count."
                ),
                replicas,
            )
        elif action == "set-image":

            def image(text: str | None) -> None:
                if text is not None:
                    plan(ActionArgs(image=text.strip()))

            self.push_screen(
                AskScreen(
                    f"Set image — {target}", "The image (repo:tag):", required="Type the image."
                ),
                image,
            )
        elif action == "drain":
            ways = {
                "plain": ActionArgs(),
                "emptydir": ActionArgs(delete_emptydir_data=True),
                "force": ActionArgs(delete_emptydir_data=True, force=True),
            }

            def how(way: str | None) -> None:
                if way is not None:
                    plan(ways[way])

            options = [
                ("plain", "drain: DaemonSet pods stay; emptyDir or unmanaged pods refuse"),
                ("emptydir", "drain, deleting emptyDir data (--delete-emptydir-data)"),
                ("force", "drain, also pods no controller replaces (--force)"),
            ]
            named = target.removeprefix("node:")
            self.push_screen(ChooseScreen(f"Drain — {named}", "How?", options), how)
        elif action in ("undo", "resume-undo"):
            self.run_worker(self._choose_revision(actions, target, action, plan), group="actions")
        else:
            plan(ActionArgs())

    async def _choose_revision(
        self, actions: RoomActions, target: str, action: str, plan: Callable[[ActionArgs], None]
    ) -> None:
        try:
            revisions = await actions.revisions(target)
        except KubeError as exc:
            self.notify(
                f"Could not read {target}'s revisions: {exc}", severity="error", markup=False
            )
            return

        def picked(choice: str | None) -> None:
            if choice is not None:
                plan(ActionArgs(to_revision=int(choice)))

        options = [("0", "the previous revision")] + [
            (str(number), f"revision {number}: {images}") for number, images in reversed(revisions)
        ]
        self.push_screen(
            ChooseScreen(f"{action} — {target}", "Back to which revision?", options), picked
        )

    async def _open_plan(
        self, actions: RoomActions, target: str, action: str, args: ActionArgs
    ) -> None:
        try:
            plan = await actions.plan(target, action, args)
        except ActionRefused as refused:
            if refused.instead:
                self._offer_instead(actions, target, refused, args)
            else:
                self.notify(str(refused), severity="warning", markup=False, timeout=10)
            return
        except KubeError as exc:
            self.notify(f"Could not plan {action}: {exc}", severity="error", markup=False)
            return
        if plan.nothing_to_do:
            self.notify(plan.nothing_to_do, markup=False)
            return
        self.push_screen(ActionScreen(actions, plan))

    def _offer_instead(
        self, actions: RoomActions, target: str, refused: ActionRefused, args: ActionArgs
    ) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(
                    self._open_plan(actions, target, refused.instead, args), group="actions"
                )

        self.push_screen(
            ConfirmScreen(f"Refused — {target}", str(refused), f"Plan {refused.instead} instead?"),
            answered,
        )

    async def carry_out(self, screen: ActionScreen, checked: Preflight) -> None:
        """Run the screen's plan (here, not in the box: closing it leaves the action going),
        showing progress while the box is open, and its outcome there or as a note."""
        actions = screen.actions

        def progress(words: str) -> None:
            if screen.is_attached:
                screen.show_progress(words)

        try:
            outcome = await actions.run(
                screen.plan, checked, progress, cancel=lambda: screen.cancel_asked
            )
        except JournalError as failed:
            self._journal_trouble = str(failed)
            self.notify(f"Not run: {failed}", severity="error", markup=False, timeout=15)
            self.refresh_views()
            return
        except KubeError as exc:
            self.notify(f"{screen.plan.action} failed: {exc}", severity="error", markup=False)
            return
        if screen.is_attached:
            screen.finished(outcome)
        else:
            self.notify(
                outcome.sentence,
                severity="information" if outcome.ok else "error",
                markup=False,
                timeout=15,
            )
        self._refresh_checklist(self.tabs.active == "checklist", now=True)

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
                markup=False,
                timeout=10,
            )
            return
        where_saved = Path(saved).resolve()
        self.notify(f"Screenshot saved to {where_saved} (open it in a browser).", markup=False)

    def action_zoom(self, steps: int) -> None:
        # One toast at a time: a new one replaces the last rather than stacking under it.
        self.clear_notifications()
        if self.zoom is None:
            self.notify("No graphs: this layout has no Prometheus.", severity="warning")
            return
        self.notify(f"Graphs show the last {window_words(self.zoom(steps))}.")

    def action_filter(self) -> None:
        """`/` filters the list on screen; from a tab without one, the pods."""
        if isinstance(self.screen, ResourceScreen):
            return
        active = self.tabs.active
        if active not in self.lists:
            self.show_tab(active := "pods")
        self.lists[active].open_filter()

    def key_escape(self) -> None:
        active = self.tabs.active
        if active in self.lists:
            self.lists[active].close_filter()

    def action_prompt(self) -> None:
        screen = self.screen
        (screen.prompt if isinstance(screen, ResourceScreen) else self.prompt).open()

    @on(Prompt.Go)
    async def prompt_go(self, event: Prompt.Go) -> None:
        target = resolve(event.word)
        if target is None:
            self.notify(unknown(event.word), severity="warning", markup=False)
            return
        how, _, what = target.partition(":")
        while isinstance(self.screen, ResourceScreen):  # a new view replaces the listed one
            self.pop_screen()
        if how == "tab":
            self.show_tab(what)
        elif how == "list":
            self.push_screen(ResourceScreen(LISTINGS[what], self.model.clock))
            self.refresh_views()
        else:
            await self.run_action(what)

    # ---- the selected object -----------------------------------------------------------------

    def selected(self) -> tuple[str, str] | str:
        """(kind, key) of what `d`, `y` and `l` act on: the detail open, else the selected row
        of the list on screen; else the sentence saying why there is none."""
        screen = self.screen
        if isinstance(screen, DetailScreen):
            return screen.subject or "This entry is the war room's own: it has no object."
        if isinstance(screen, ResourceScreen):
            key = screen.list.selected_key()
            return (screen.listing.kind, key) if key else f"No {screen.listing.title} listed."
        active = self.tabs.active
        if active not in self.lists:
            return "Select a row first: in 2 Pods, 3 Nodes or 5 Events, or :deploy and :hpa."
        rows = self.lists[active].rows
        key = rows.selected_key()
        if key is None:
            return f"No {rows.NOUN} listed to select."
        if isinstance(rows, NodeTable):
            if isinstance(rows.chosen(key), Host):
                return f"{key} is a GPU host read over SSH, not a Kubernetes node."
            return ("nodes", key)
        if isinstance(rows, EventList):
            row = rows.chosen(key)
            if row is None or row.type == "warroom":
                return "This entry is the war room's own: it has no object."
            return ("events", key)
        return ("pods", key)

    def _object(self) -> tuple[str, Obj] | None:
        chosen = self.selected()
        if isinstance(chosen, str):
            self.notify(chosen, severity="warning", markup=False)
            return None
        kind, key = chosen
        found = find(self.model.picture, kind, key)
        if found is None:
            self.notify("It is gone from the cluster.", severity="warning")
            return None
        return kind, found

    def action_describe(self) -> None:
        found = self._object()
        if found is None:
            return
        kind, obj = found
        picture, meta = self.model.picture, obj.get("metadata") or {}
        pods = on_node(picture, meta.get("name", "")) if kind == "nodes" else ()
        text = describe(kind, obj, about(picture, obj), self.model.clock(), pods)
        self.push_screen(TextScreen(f"describe {API_KINDS[kind][1]} {_named(meta)}", text))

    def action_yaml(self) -> None:
        found = self._object()
        if found is None:
            return
        kind, obj = found
        api_version, api_kind = API_KINDS[kind]
        title = f"{api_kind} {_named(obj.get('metadata') or {})} (YAML)"
        self.push_screen(TextScreen(title, as_yaml(obj, api_version, api_kind)))

    def action_logs(self) -> None:
        found = self._object()
        if found is None:
            return
        kind, obj = found
        if kind != "pods":
            self.notify("Logs are a pod's: select a pod (2 Pods) first.", severity="warning")
            return
        if self.logs is None:
            self.notify("No API server to read logs from.", severity="warning")
            return
        meta = obj.get("metadata") or {}
        names = [str(c.get("name")) for c in containers(obj)]
        self.push_screen(LogScreen(meta["namespace"], meta["name"], names, self.logs))

    # ---- details -----------------------------------------------------------------------------

    @on(RowView.Chosen)
    def row_chosen(self, event: RowView.Chosen) -> None:
        """Enter opens the detail of what the row is: a pod, a node, an event."""
        view, key, now = event.view, event.key, self.model.clock()
        picture = self.model.picture
        if isinstance(view, PodTable):
            found = self.model.pod(key)
            if found is not None:
                pod, related = found
                self.push_screen(DetailScreen(PodDetail(pod, related, now), ("pods", key)))
        elif isinstance(view, NodeTable):
            chosen = view.chosen(key)
            gpus = self.model.nodes().value.gpus.cells.get(key, ())
            node = find(picture, "nodes", key)
            if isinstance(chosen, Host):
                self._say_host(chosen)
                return
            if node is None:
                self.notify("It is gone from the cluster.", severity="warning")
                return
            detail = NodeDetail(node, on_node(picture, key), gpus, now)
            self.push_screen(DetailScreen(detail, ("nodes", key)))
        elif isinstance(view, EventList):
            row = view.chosen(key)
            if row is not None:
                event_obj = find(picture, "events", key) if row.type != "warroom" else None
                subject = ("events", key) if event_obj is not None else None
                self.push_screen(DetailScreen(EventDetail(row, event_obj, now), subject))
        elif isinstance(view, ChecklistList):
            self._open_item(key)
        elif isinstance(self.screen, ResourceScreen):
            self.action_describe()

    def _say_host(self, host: Host) -> None:
        """Enter on a bare-metal GPU host: it is no Kubernetes object; say what is known."""
        self.notify(
            f"{host.name} is a GPU host read over SSH: "
            + (host.error or "its GPUs are on the Nodes view."),
            severity="warning" if host.error else "information",
            markup=False,
        )


def _named(meta: Mapping[str, Any]) -> str:
    namespace = meta.get("namespace")
    return f"{namespace}/{meta.get('name')}" if namespace else str(meta.get("name"))
