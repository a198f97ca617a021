"""Enter on a row opens its detail: a node (conditions, taints, GPUs, its pods) or an event
(the whole message and the object it is about). Esc closes; `d` and `y` describe the same
object (each screen says which, by `subject`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from warroom.kinds.describe import rfc1123z
from warroom.kinds.node import node_status
from warroom.kinds.objects import Obj, section
from warroom.kinds.pod import pod_finished, pod_gpus, pod_status
from warroom.kinds.quantity import quantity
from warroom.kinds.times import elapsed, timestamp_of
from warroom.state.events import EventRow
from warroom.state.nodes import GpuCell
from warroom.state.trouble import Trouble
from warroom.ui.widgets.tones import Toned

BOLD = Style(bold=True)
HEADING = Style(bold=True, underline=True)
# A node's conditions: Ready should be True, the pressure ones False.
GOOD_WHEN_FALSE = {"MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"}


class NodeDetail(Toned):
    """One node: its state, conditions, taints, GPUs allocatable, allocated and read, and the
    watched pods on it."""

    DEFAULT_CSS = """
    NodeDetail { height: auto; }
    """

    def __init__(self, node: Obj, pods: Sequence[Obj], gpus: Sequence[GpuCell], now: float) -> None:
        super().__init__()
        self.node, self.pods, self.gpus, self.now = node, pods, gpus, now

    def render(self) -> RenderableType:
        node, now = self.node, self.now
        meta, spec, status = (
            section(node, "metadata"),
            section(node, "spec"),
            section(node, "status"),
        )
        text = Text()
        state = node_status(node)
        text.append(f"{meta.get('name')}  ", style=BOLD)
        text.append(f"{state}\n\n", style=self.trouble("" if state == "Ready" else "bad"))
        text.append("Conditions\n", style=HEADING)
        for cond in status.get("conditions") or ():
            kind, value = cond.get("type", ""), cond.get("status", "")
            good = value == ("False" if kind in GOOD_WHEN_FALSE else "True")
            since = timestamp_of(cond.get("lastTransitionTime"))
            ago = f"{elapsed(now, since)} ago" if since else ""
            text.append(f"  {kind:<16}{value:<8}", style=self.trouble("" if good else "bad"))
            text.append(f"{ago:<10}{cond.get('reason', '')}\n", style=self.tone("dim"))
            if not good and cond.get("message"):  # what is wrong, said whole
                text.append(f"    {cond['message']}\n", style=self.tone("dim"))
        text.append("\nTaints\n", style=HEADING)
        taints = spec.get("taints") or []
        for taint in taints:
            value = f"={taint['value']}" if taint.get("value") else ""
            text.append(
                f"  {taint.get('key')}{value}:{taint.get('effect')}\n", style=self.tone("warn")
            )
        if spec.get("unschedulable"):
            text.append("  cordoned: new pods are not scheduled here\n", style=self.tone("warn"))
        if not taints and not spec.get("unschedulable"):
            text.append("  none\n", style=self.tone("dim"))
        text.append("\nGPUs\n", style=HEADING)
        allocatable = section(status, "allocatable").get("nvidia.com/gpu")
        allocated = sum(pod_gpus(p) for p in self.pods if not pod_finished(p))
        if allocatable is None:
            text.append("  none allocatable\n", style=self.tone("dim"))
        else:
            capacity = section(status, "capacity").get("nvidia.com/gpu", allocatable)
            text.append(
                f"  {allocated} of {quantity(allocatable)} allocated to watched pods "
                f"(capacity {quantity(capacity)})\n"
            )
        for cell in self.gpus:
            level: Trouble = "bad" if cell.xid else ""
            xid = f"  XID {cell.xid}" if cell.xid else ""
            text.append(
                f"  GPU {cell.index}: {cell.util:3.0f}% busy, memory {cell.memory:.0%}, "
                f"{cell.temp:.0f}°C{xid}\n",
                style=self.trouble(level),
            )
        text.append(f"\nPods (watched namespaces): {len(self.pods)}\n", style=HEADING)
        for pod in sorted(self.pods, key=lambda p: section(p, "metadata").get("name", "")):
            pmeta = section(pod, "metadata")
            printed = pod_status(pod)
            created = timestamp_of(pmeta.get("creationTimestamp"))
            age = elapsed(now, created) if created is not None else "?"
            text.append(f"  {pmeta.get('namespace')}/{pmeta.get('name')}  ")
            text.append(f"{printed.reason} {printed.ready_text}  {age}\n", style=self.tone("dim"))
        text.append(
            f"\nCreated {rfc1123z(meta.get('creationTimestamp'))}\n", style=self.tone("dim")
        )
        return text


class EventDetail(Toned):
    """One timeline entry whole: what, about which object, how often, since when."""

    DEFAULT_CSS = """
    EventDetail { height: auto; }
    """

    def __init__(self, row: EventRow, event: Obj | None, now: float) -> None:
        super().__init__()
        self.row, self.event, self.now = row, event, now

    def render(self) -> RenderableType:
        row, ev, now = self.row, self.event, self.now
        text = Text()
        style = self.tone("warn") if row.type == "Warning" else BOLD
        text.append(f"{row.reason}", style=style)
        text.append(f"  {row.type}, {row.age_at(now)} ago\n\n", style=self.tone("dim"))
        text.append(f"{row.message}\n\n")
        if ev is None:  # the war room's own entry
            text.append(f"About: {row.subject}\n", style=self.tone("dim"))
            return text
        involved = section(ev, "involvedObject")
        about = f"{involved.get('kind')} {involved.get('namespace') or ''}/{involved.get('name')}"
        text.append("About    ", style=BOLD)
        text.append(f"{about.replace(' /', ' ')}\n")
        if involved.get("fieldPath"):
            text.append(f"         {involved['fieldPath']}\n", style=self.tone("dim"))
        source = section(ev, "source")
        reporter = source.get("component") or ev.get("reportingComponent") or "–"
        host = f" on {source['host']}" if source.get("host") else ""
        text.append("From     ", style=BOLD)
        text.append(f"{reporter}{host}\n")
        count = int(ev.get("count") or 1)
        first = timestamp_of(ev.get("firstTimestamp")) or timestamp_of(ev.get("eventTime"))
        text.append("Seen     ", style=BOLD)
        text.append(f"{count} time{'s' if count != 1 else ''}")
        if first is not None and count > 1:
            text.append(f", first {elapsed(now, first)} ago")
        text.append("\n")
        return text


class DetailScreen(ModalScreen[None]):
    """A detail over the war room; `subject` is (kind, key) of the object it shows, for `d`
    and `y`, or None for what is not a Kubernetes object (a war-room entry, an SSH host)."""

    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]

    def __init__(self, body: Toned, subject: tuple[str, str] | None) -> None:
        super().__init__()
        self.body = body
        self.subject = subject

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield self.body


class TextScreen(ModalScreen[None]):
    """A page of text (describe, YAML) with a title, scrolled by the arrows and pages."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="reading") as box:
            box.border_title = self.title_text
            box.border_subtitle = "Esc closes"
            yield Static(Text(self.body), id="reading-text")
