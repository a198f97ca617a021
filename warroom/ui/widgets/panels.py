"""The war room's read-only panels: header, rollout, HPA, signals, custom resources, banner.

Each panel is handed an immutable view (attributes down) and renders it with Rich; none of them
reads a source or the store.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from warroom.state.picture import SourceState
from warroom.state.signals import SignalSnapshot
from warroom.state.views import (
    CustomRow,
    HpaView,
    RolloutView,
    short_image,
)
from warroom.ui.widgets.graph import format_value

TROUBLE = {"": "green", "warn": "yellow", "bad": "bold red"}
SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int) -> str:
    values = list(values)[-width:]
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    return "".join(SPARK[min(7, int((v - lo) / span * 7.999))] for v in values)


@dataclass(frozen=True)
class HeaderInfo:
    context: str
    namespaces: tuple[str, ...]
    session: str
    drill: bool = False
    read_only: bool = False
    prometheus: str = ""  # e.g. "Prometheus 2.42.0" or "built-in PromQL subset (sim)"


class Panel(Static):
    """A Static that remembers what it shows, so tests and exports can read it as text."""

    shown: RenderableType = ""
    _data: object = ()

    def present(self, renderable: RenderableType) -> None:
        self.shown = renderable
        self.update(renderable)

    def unchanged(self, data: object) -> bool:
        """Whether `data` is what the panel shows already: then a redraw (and the layout pass
        every Static update costs) is skipped."""
        if data == self._data:
            return True
        self._data = data
        return False

    def plain(self, width: int = 200) -> str:
        console = Console(width=width, record=True, file=io.StringIO())
        console.print(self.shown)
        return console.export_text()


class KeyBar(Static):
    """The app's keys on the bottom line, built from its bindings, with the palette key kept
    at the right whatever the width.

    Textual's Footer recomposes its keys on every focus change; at 10–25 ms a keypress that
    was a quarter of the keypress budget, for keys that here never change.
    """

    DEFAULT_CSS = """
    KeyBar { height: 1; background: $panel; }
    """

    def __init__(self, bindings: Sequence[Binding], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.keys = [(b.key_display or b.key, b.description) for b in bindings if b.show]

    def render(self) -> Content:
        width = self.size.width
        palette = Content.assemble(("^p", "bold $accent"), " palette ")
        parts: list[Content] = []
        used = palette.cell_length
        for key, description in self.keys:
            item = Content.assemble((f" {key}", "bold $accent"), f" {description} ")
            if used + item.cell_length > width:
                break
            parts.append(item)
            used += item.cell_length
        parts.append(Content(" " * max(0, width - used)))
        parts.append(palette)
        return Content("").join(parts)


class WarHeader(Static):
    """Context, namespaces, session, clock and the DRILL / READ-ONLY badges."""

    def __init__(
        self, info: HeaderInfo, clock: Callable[[], float] = time.time, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.info = info
        self.clock = clock

    def on_mount(self) -> None:
        self.update(self.render_header())
        self.set_interval(1.0, lambda: self.update(self.render_header(), layout=False))

    def render_header(self) -> Text:
        info = self.info
        text = Text(no_wrap=True, overflow="ellipsis")
        if info.drill:
            text.append(" DRILL ", style="bold black on yellow")
            text.append(" ")
        if info.read_only:
            text.append(" READ-ONLY ", style="bold white on blue")
            text.append(" ")
        text.append(time.strftime("%H:%M:%S", time.localtime(self.clock())), style="bold")
        text.append(f"  ⎈ {info.context}", style="bold cyan")
        text.append(f"  ns {','.join(info.namespaces)}")
        text.append(f"  session {info.session}", style="dim")
        if info.prometheus:
            text.append(f"  {info.prometheus}", style="dim")
        return text


class Banner(Panel):
    """Shown while a source is failing or stale; says which, since when, and why."""

    def show(self, sources: Sequence[SourceState], problems: Sequence[str]) -> None:
        bad = [s for s in sources if (not s.healthy and s.synced) or s.error]
        lines = []
        for s in bad[:3]:
            age = f"{s.age:.0f}s old" if s.age is not None else "no data yet"
            lines.append(f"⚠ {s.name}: {s.error or 'watch lost'} ({age})")
        if len(bad) > 3:
            lines.append(f"⚠ and {len(bad) - 3} more sources")
        lines.extend(f"⚠ {problem}" for problem in problems)
        if self.unchanged(lines):
            return
        self.display = bool(lines)
        if lines:
            self.present(Text("\n".join(lines), style="bold"))


class RolloutPanel(Panel):
    def show(self, views: Sequence[RolloutView]) -> None:
        if self.unchanged(tuple(views)):
            return
        if not views:
            self.present(Text("No target Deployment found yet.", style="dim"))
            return
        parts: list[Text | Table] = []
        for view in views:
            title = Text(f"{view.namespace}/{view.name}", style="bold")
            title.append(
                f"  rev {view.revision}  {view.updated}/{view.desired} updated, "
                f"{view.available} available"
            )
            if view.paused:
                title.append("  PAUSED", style="bold yellow")
            parts.append(title)
            parts.append(Text(view.condition, style=TROUBLE[view.trouble]))
            table = Table(box=None, pad_edge=False, padding=(0, 1), show_edge=False)
            for column in ("", "image", "rev", "want", "ready", "avail", "traffic"):
                table.add_column(
                    column, no_wrap=True, justify="left" if column in ("", "image") else "right"
                )
            for row in view.versions:
                share = "–" if row.share is None else f"{row.share * 100:.0f}%"
                style = {"new": "bold green", "stable": "bold"}.get(row.role, "dim")
                table.add_row(
                    Text(row.role, style=style),
                    Text(
                        short_image(row.image),
                        style="" if row.role == "old" else "bold",
                        overflow="ellipsis",
                    ),
                    str(row.revision),
                    str(row.desired),
                    str(row.ready),
                    str(row.available),
                    share,
                )
            parts.append(table)
            if view.canary is not None:
                canary = view.canary
                parts.append(
                    Text.assemble(
                        ("canary ", "bold"),
                        (f"{canary.weight * 100:.0f}%", "bold yellow" if canary.weight else ""),
                        f" of requests → service {canary.service} (ingress {canary.ingress})",
                    )
                )
        self.present(Group(*parts))


class HpaPanel(Panel):
    def show(self, views: Sequence[HpaView], history: dict[str, list[float]]) -> None:
        if self.unchanged((tuple(views), {k: tuple(v) for k, v in history.items()})):
            return
        if not views:
            self.present(Text("No HorizontalPodAutoscaler.", style="dim"))
            return
        lines = Text()
        for view in views:
            style = "bold red" if view.at_max else ""
            lines.append(f"{view.name}", style="bold")
            lines.append(
                f"  {view.current}→{view.desired} of {view.minimum}–{view.maximum}", style=style
            )
            lines.append(f"  {view.metrics}\n")
            spark = sparkline(history.get(view.name, []), 40)
            lines.append(f"  {spark}\n", style="cyan")
            if view.at_max:
                lines.append(
                    "  ⚠ at max replicas: more load will queue and slow down\n", style="bold red"
                )
            elif view.limited:
                lines.append(f"  limited: {view.limited}\n", style="yellow")
        lines.rstrip()
        self.present(lines)


class SignalsPanel(Panel):
    """The latest value of each signal, red when it breaches its SLO."""

    def show(self, signals: Sequence[SignalSnapshot]) -> None:
        if not signals:
            self.present(Text("No signals in this layout.", style="dim"))
            return
        text = Text(no_wrap=True, overflow="ellipsis")  # one line per signal, at any width
        width = min(28, max(len(s.title) for s in signals) + 2)
        for sig in signals:
            text.append(f"{sig.title:<{width}.{width - 1}}", style="bold")
            if sig.status:
                text.append(sig.status + "\n", style="yellow")
                continue
            values = " · ".join(
                f"{name} {format_value(v, sig.unit)}" if name else format_value(v, sig.unit)
                for name, v in sig.latest
            )
            text.append(values or "–", style="bold red" if sig.breached else "green")
            bounds = []
            if sig.slo_max is not None:
                bounds.append(f"≤ {format_value(sig.slo_max, sig.unit)}")
            if sig.slo_min is not None:
                bounds.append(f"≥ {format_value(sig.slo_min, sig.unit)}")
            if bounds:
                text.append(f"  (SLO {' '.join(bounds)})", style="dim")
            text.append("\n")
        self.present(text)


class CustomPanel(Panel):
    """The custom resources the layout names (e.g. Flagger canaries) with their own status."""

    def show(self, rows: Sequence[CustomRow]) -> None:
        if self.unchanged(tuple(rows)):
            return
        if not rows:
            self.present(Text("None found yet.", style="dim"))
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        for row in rows:
            text.append(f"{row.kind.split('.', 1)[0]}/{row.name}", style="bold")
            text.append(f"  {row.state}", style=TROUBLE[row.trouble])
            if row.message:
                text.append(f"  {row.message}", style="dim")
            text.append("\n")
        text.rstrip()
        self.present(text)
