"""Modal screens: a pod's detail and the key help."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from warroom.kube.printers import human_duration, timestamp_of
from warroom.state.views import event_row


def pod_detail(pod: Mapping[str, Any], events: Iterable[Mapping[str, Any]], now: float) -> Text:
    """Conditions, container states and recent events of one pod, as text."""
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    text = Text()
    text.append(f"{meta.get('namespace')}/{meta.get('name')}\n", style="bold")
    text.append(
        f"node {spec.get('nodeName') or '–'}   phase {status.get('phase', '?')}   "
        f"IP {status.get('podIP') or '–'}\n\n"
    )
    text.append("Conditions\n", style="bold underline")
    for cond in status.get("conditions") or ():
        since = timestamp_of(cond.get("lastTransitionTime"))
        ago = f" {human_duration(now - since)} ago" if since else ""
        style = "green" if cond.get("status") == "True" else "yellow"
        text.append(f"  {cond.get('type', ''):<26}{cond.get('status', '')}", style=style)
        text.append(f"{ago}  {cond.get('reason', '')} {cond.get('message', '')}\n", style="dim")
    text.append("\nContainers\n", style="bold underline")
    for cs in status.get("containerStatuses") or ():
        state = cs.get("state") or {}
        kind = next(iter(state), "unknown")
        detail = state.get(kind) or {}
        reason = detail.get("reason", "")
        style = (
            "green"
            if kind == "running" and cs.get("ready")
            else ("bold red" if reason in ("CrashLoopBackOff", "Error") else "yellow")
        )
        text.append(f"  {cs.get('name')}  {cs.get('image')}\n")
        text.append(
            f"    {kind} {reason}  ready={cs.get('ready')}  restarts={cs.get('restartCount', 0)}\n",
            style=style,
        )
        if detail.get("message"):
            text.append(f"    {detail['message']}\n", style="dim")
        last = (cs.get("lastState") or {}).get("terminated")
        if last:
            text.append(
                f"    last exit: {last.get('reason', '')} code {last.get('exitCode')}\n",
                style="dim",
            )
    text.append("\nRecent events\n", style="bold underline")
    rows = sorted((event_row(e, now) for e in events), key=lambda r: r.time, reverse=True)[:12]
    for row in rows:
        style = "yellow" if row.type == "Warning" else ""
        text.append(f"  {row.age_at(now):>5} {row.reason:<16} {row.message}\n", style=style)
    if not rows:
        text.append("  none\n", style="dim")
    return text


class PodDetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]

    def __init__(
        self, pod: Mapping[str, Any], events: Iterable[Mapping[str, Any]], now: float
    ) -> None:
        """`now` by the cluster's clock, which the ages are counted against."""
        super().__init__()
        self.pod = pod
        self.events = list(events)
        self.now = now

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(pod_detail(self.pod, self.events, self.now))


class HelpScreen(ModalScreen[None]):
    """Every key, from the same binding table the app and the command palette use."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, bindings: Iterable[Binding]) -> None:
        super().__init__()
        self.bindings_list = [b for b in bindings if b.description]

    def compose(self) -> ComposeResult:
        table = Table(title="warroom keys", box=None, padding=(0, 2))
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("what it does")
        for binding in self.bindings_list:
            table.add_row(binding.key_display or binding.key, binding.description)
        table.add_row("↑ ↓ pgup pgdn home end", "move through the pods, nodes and events lists")
        table.add_row("esc", "clear the pod filter; close this or a pod's detail")
        table.add_row("ctrl+p", "command palette: every view and action by name")
        with VerticalScroll(id="help"):
            yield Static(table)
