"""Modal screens: a pod's detail and the key help."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from warroom.kinds.objects import Obj, section
from warroom.kinds.times import elapsed, timestamp_of
from warroom.state.events import event_row
from warroom.state.freshness import Freshness
from warroom.state.pods import BAD_REASONS
from warroom.state.trouble import Trouble
from warroom.ui.widgets.tones import Toned

BOLD = Style(bold=True)
HEADING = Style(bold=True, underline=True)


class PodDetail(Toned):
    """Conditions, container states and recent events of one pod."""

    DEFAULT_CSS = """
    PodDetail { height: auto; }
    """

    def __init__(self, pod: Obj, events: Iterable[Obj], now: float) -> None:
        super().__init__()
        self.pod = pod
        self.events = list(events)
        self.now = now

    def render(self) -> RenderableType:
        pod, now = self.pod, self.now
        meta, spec, status = section(pod, "metadata"), section(pod, "spec"), section(pod, "status")
        text = Text()
        text.append(f"{meta.get('namespace')}/{meta.get('name')}\n", style=BOLD)
        text.append(
            f"node {spec.get('nodeName') or '–'}   phase {status.get('phase', '?')}   "
            f"IP {status.get('podIP') or '–'}\n\n"
        )
        text.append("Conditions\n", style=HEADING)
        for cond in status.get("conditions") or ():
            since = timestamp_of(cond.get("lastTransitionTime"))
            ago = f" {elapsed(now, since)} ago" if since else ""
            good = cond.get("status") == "True"
            text.append(
                f"  {cond.get('type', ''):<26}{cond.get('status', '')}",
                style=self.trouble("" if good else "warn"),
            )
            text.append(
                f"{ago}  {cond.get('reason', '')} {cond.get('message', '')}\n",
                style=self.tone("dim"),
            )
        text.append("\nContainers\n", style=HEADING)
        for cs in status.get("containerStatuses") or ():
            state = section(cs, "state")
            kind = next(iter(state), "unknown")
            detail = section(state, kind)
            reason = str(detail.get("reason", ""))
            level: Trouble = (
                ""
                if kind == "running" and cs.get("ready")
                else ("bad" if reason in BAD_REASONS else "warn")
            )
            text.append(f"  {cs.get('name')}  {cs.get('image')}\n")
            text.append(
                f"    {kind} {reason}  ready={cs.get('ready')}  "
                f"restarts={cs.get('restartCount', 0)}\n",
                style=self.trouble(level),
            )
            if detail.get("message"):
                text.append(f"    {detail['message']}\n", style=self.tone("dim"))
            last = section(section(cs, "lastState"), "terminated")
            if last:
                text.append(
                    f"    last exit: {last.get('reason', '')} code {last.get('exitCode')}\n",
                    style=self.tone("dim"),
                )
        text.append("\nRecent events\n", style=HEADING)
        rows = sorted((event_row(e, now) for e in self.events), key=lambda r: r.time, reverse=True)
        for row in rows[:12]:
            style = self.tone("warn") if row.type == "Warning" else None
            text.append(f"  {row.age_at(now):>5} {row.reason:<16} {row.message}\n", style=style)
        if not rows:
            text.append("  none\n", style=self.tone("dim"))
        return text


class PodDetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]

    def __init__(self, pod: Obj, events: Iterable[Obj], now: float) -> None:
        """`now` by the cluster's clock, which the ages are counted against."""
        super().__init__()
        self.detail = PodDetail(pod, events, now)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield self.detail


class KeyHelp(Toned):
    """Every key with what it does, as the keymap has them now."""

    DEFAULT_CSS = """
    KeyHelp { height: auto; }
    """

    def __init__(self, rows: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def render(self) -> RenderableType:
        table = Table(box=None, padding=(0, 1), expand=True, show_header=False)
        table.add_column("key", style=self.tone("key") + BOLD, no_wrap=True)
        table.add_column("what it does", ratio=1)
        for key, what in self.rows:
            table.add_row(key, what)
        return table


class HelpScreen(ModalScreen[None]):
    """Every key, from the same table the app, the key bar and the command palette use."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, rows: Sequence[tuple[str, str]]) -> None:
        """`rows`: (keys as shown, what they do)."""
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as box:
            box.border_title = "warroom keys"
            yield KeyHelp(self.rows)


class SourceTable(Toned):
    """Every source of the room: how current it is and, when failing, the whole sentence."""

    DEFAULT_CSS = """
    SourceTable { height: auto; }
    """

    def __init__(self, sources: Sequence[Freshness]) -> None:
        super().__init__()
        self.sources = sources

    def render(self) -> RenderableType:
        table = Table(title="sources", box=None, padding=(0, 1), expand=True)
        table.add_column("source", no_wrap=True, style=BOLD)
        table.add_column("state", no_wrap=True)
        table.add_column("data", no_wrap=True, justify="right")
        table.add_column("what went wrong", ratio=1)
        for source in sorted(self.sources, key=lambda s: (not s.failing, s.group, s.source)):
            level: Trouble = "bad" if source.failing else ("warn" if source.stale else "")
            age = "none yet" if source.age is None else f"{source.age:.0f}s old"
            table.add_row(
                source.source,
                Text(source.state, style=self.trouble(level)),
                age,
                Text(source.error or "", style=self.tone("dim")),
            )
        return table


class SourcesScreen(ModalScreen[None]):
    """Where the banner's short lines come from: each source, its age and its error."""

    BINDINGS = [Binding("escape,q,exclamation_mark", "dismiss", "Close")]

    def __init__(self, sources: Sequence[Freshness]) -> None:
        super().__init__()
        self.sources = sources

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="sources"):
            yield SourceTable(self.sources)
