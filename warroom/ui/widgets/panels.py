"""The war room's read-only panels: rollout, HPA, signals, custom resources, other warrooms'
holds, and the banner.

Each panel is handed an immutable view (attributes down) and draws it when it changes; none
of them reads a source or the store. Colours come from the palette (`tones`), resolved when
drawn, so a theme change redraws them in the new theme.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from warroom.state.custom import CustomRow
from warroom.state.hpa import HpaView
from warroom.state.rollout import RolloutView
from warroom.state.signals import NO_PROMETHEUS, SignalsView, SignalView, format_value
from warroom.ui.widgets.rows import middle
from warroom.ui.widgets.tones import Over, Toned

SPARK = "▁▂▃▄▅▆▇█"
BOLD = Style(bold=True)


def sparkline(values: Sequence[float], width: int) -> str:
    values = list(values)[-width:]
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    return "".join(SPARK[min(7, int((v - lo) / span * 7.999))] for v in values)


def percent(share: float) -> str:
    """A share as a percentage that never rounds a small canary down to nothing."""
    value = share * 100
    return f"{value:.0f}%" if value >= 1 or value == 0 else f"{value:.1f}%"


class Panel(Toned):
    """A panel that draws one view model; `show()` a new one to redraw (same one: no-op, so
    the layout pass a redraw costs is skipped)."""

    DEFAULT_CSS = """
    Panel { height: auto; }
    """
    _data: Any = None

    def show(self, data: Any) -> None:
        if data == self._data:
            return
        self._data = data
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        drawn = self.draw(self._data)
        return Over(drawn, self.tone("stale")) if self.stale else drawn

    def draw(self, data: Any) -> RenderableType:
        raise NotImplementedError


class Banner(Panel):
    """Shown while a source is failing: says which, since when, and why."""

    def show(self, data: Any) -> None:
        super().show(data)
        self.display = bool(self._data)

    def draw(self, data: tuple[str, ...] | None) -> RenderableType:
        # One line per failing server, cut rather than wrapped: the banner must not push
        # the screen down; the whole sentences are on the sources view.
        return Text("\n".join(data or ()), style=BOLD, no_wrap=True, overflow="ellipsis")


class HoldLines(Panel):
    """Other warrooms' holds, one line each ("ana is draining gpu-node-3 (12 s)"); hidden
    while there is none."""

    def show(self, data: Any) -> None:
        super().show(data)
        self.display = bool(self._data)

    def draw(self, data: tuple[str, ...] | None) -> RenderableType:
        return Text(
            "\n".join(f"⚠ {line}" for line in data or ()),
            style=self.tone("warn") + BOLD,
            no_wrap=True,
            overflow="ellipsis",
        )


RolloutData = tuple[tuple[RolloutView, ...], Mapping[tuple[str, str], str]]


class RolloutPanel(Panel):
    """Each target's rollout, and under its title another warroom's hold on it ("ana is
    rolling back bizra-inference (12 s)") while there is one."""

    def draw(self, data: RolloutData | None) -> RenderableType:
        views, holds = data if data is not None else ((), {})
        if not views:
            return Text("No target Deployment found yet.", style=self.tone("dim"))
        parts: list[RenderableType] = []
        # The image column gets what the other columns leave: role, counts and traffic with
        # their padding take 42 cells.
        image_width = max(16, self.size.width - 42)
        for view in views:
            title = Text(f"{view.namespace}/{view.name}", style=BOLD)
            title.append(
                f"  rev {view.revision}  {view.updated}/{view.desired} updated, "
                f"{view.available} available"
            )
            if view.paused:
                title.append("  PAUSED", style=self.tone("warn") + BOLD)
            parts.append(title)
            held = holds.get((view.namespace, view.name))
            if held:
                parts.append(
                    Text(
                        f"⚠ {held}",
                        style=self.tone("warn") + BOLD,
                        no_wrap=True,
                        overflow="ellipsis",
                    )
                )
            parts.append(Text(view.condition, style=self.trouble(view.trouble)))
            if view.warning:
                # One line: the engineer needs to see that a pod is stuck, the detail is in
                # the pod's view (Enter on it in the pods tab).
                parts.append(
                    Text(
                        f"⚠ {view.warning}",
                        style=self.tone("bad"),
                        no_wrap=True,
                        overflow="ellipsis",
                    )
                )
            table = Table(box=None, pad_edge=False, padding=(0, 1), show_edge=False)
            for column in ("", "image", "rev", "want", "ready", "avail", "traffic"):
                table.add_column(
                    column, no_wrap=True, justify="left" if column in ("", "image") else "right"
                )
            for row in view.versions:
                share = "–" if row.share is None else percent(row.share)
                style = {"new": self.tone("new") + BOLD, "stable": BOLD}.get(
                    row.role, self.tone("dim")
                )
                table.add_row(
                    Text(row.role, style=style),
                    Text(middle(row.image, image_width), style="" if row.role == "old" else BOLD),
                    str(row.revision),
                    str(row.desired),
                    str(row.ready),
                    str(row.available),
                    share,
                )
            parts.append(table)
            canary = view.canary
            if canary is not None:
                # The canary's namespace, when it is not the target's own (blue and green).
                where = (
                    f"{canary.namespace}/" if canary.namespace not in ("", view.namespace) else ""
                )
                line = Text.assemble(
                    ("canary ", BOLD),
                    (percent(canary.share), self.tone("warn") + BOLD if canary.share else ""),
                    f" of requests → service {where}{canary.service} (ingress {canary.ingress}",
                )
                if canary.weight_total != 100:
                    line.append(f", weight {canary.weight} of {canary.weight_total}")
                line.append(")")
                parts.append(line)
        return Group(*parts)


class HpaPanel(Panel):
    def draw(self, views: tuple[HpaView, ...] | None) -> RenderableType:
        if not views:
            return Text("No HorizontalPodAutoscaler.", style=self.tone("dim"))
        lines = Text()
        for view in views:
            lines.append(view.name, style=BOLD)
            lines.append(
                f"  {view.current}→{view.desired} of {view.minimum}–{view.maximum}",
                style=self.tone("bad") if view.at_max else "",
            )
            lines.append(f"  {view.metrics}\n")
            lines.append(f"  {sparkline(view.history, 40)}\n", style=self.tone("new"))
            if view.at_max:
                lines.append(
                    "  ⚠ at max replicas: more load will queue and slow down\n",
                    style=self.tone("bad"),
                )
            elif view.limited:
                lines.append(f"  limited: {view.limited}\n", style=self.tone("warn"))
        lines.rstrip()
        return lines


class SignalsPanel(Panel):
    """The latest value of each signal, in the bad tone when it breaches its SLO."""

    def draw(self, view: SignalsView | None) -> RenderableType:
        signals = view.signals if view is not None else ()
        if not signals:
            return Text("No signals in this layout.", style=self.tone("dim"))
        if view is not None and not view.configured:
            # Wrapped: the sentence says how to give a Prometheus, it must be read whole.
            note = Text(NO_PROMETHEUS + "\n", style=self.tone("warn"))
            return Group(note, self._lines(signals))
        return self._lines(signals)

    def _lines(self, signals: tuple[SignalView, ...]) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")  # one line per signal, at any width
        width = min(28, max(len(s.title) for s in signals) + 2)
        for sig in signals:
            start = len(text)
            self._line(text, sig, width)
            if sig.stale:  # a value that may be behind is drawn dimmed
                text.stylize(self.tone("stale"), start, len(text))
        text.rstrip()
        return text

    def _line(self, text: Text, sig: SignalView, width: int) -> None:
        """One signal: its title, then why it has no value, or its value against its SLO."""
        text.append(f"{sig.title:<{width}.{width - 1}}", style=BOLD)
        if sig.status:
            text.append(sig.status + "\n", style=self.tone("warn"))
            return
        values = " · ".join(
            f"{name} {format_value(v, sig.unit)}" if name else format_value(v, sig.unit)
            for name, v in sig.latest
        )
        text.append(values or "–", style=self.trouble("bad" if sig.breached else ""))
        bounds = []
        if sig.slo_max is not None:
            bounds.append(f"≤ {format_value(sig.slo_max, sig.unit)}")
        if sig.slo_min is not None:
            bounds.append(f"≥ {format_value(sig.slo_min, sig.unit)}")
        if bounds:
            text.append(f"  (SLO {' '.join(bounds)})", style=self.tone("dim"))
        text.append("\n")


class CustomPanel(Panel):
    """The custom resources the layout names (e.g. Flagger canaries) with their own status."""

    def draw(self, rows: tuple[CustomRow, ...] | None) -> RenderableType:
        if not rows:
            return Text("None found yet.", style=self.tone("dim"))
        text = Text(no_wrap=True, overflow="ellipsis")
        for row in rows:
            text.append(f"{row.kind.split('.', 1)[0]}/{row.name}", style=BOLD)
            text.append(f"  {row.state}", style=self.trouble(row.trouble))
            if row.message:
                text.append(f"  {row.message}", style=self.tone("dim"))
            text.append("\n")
        text.rstrip()
        return text
