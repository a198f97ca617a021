"""Enter on a checklist item: its verdict and the evidence behind it (what was measured, the
query or command, the value, the threshold, since when, from which source, how old), who
ticked or signed it, and the notes on it."""

from __future__ import annotations

import time

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text

from warroom.checklist.evaluator import bound_text
from warroom.checklist.session import SessionState
from warroom.checklist.verdicts import ItemVerdict, countdown
from warroom.layout.checklist import Item, Phase
from warroom.ui.widgets.checklist import LOOKS
from warroom.ui.widgets.tones import Toned

BOLD = Style(bold=True)
HEADING = Style(bold=True, underline=True)


def clock_text(at: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at)) if at is not None else "–"


class EvidenceDetail(Toned):
    DEFAULT_CSS = """
    EvidenceDetail { height: auto; }
    """

    def __init__(
        self,
        phase: Phase,
        item: Item,
        verdict: ItemVerdict,
        session: SessionState,
        now: float,
        keys: str = "",
    ) -> None:
        """`keys`: what the keys in force do here, as the keymap has them."""
        super().__init__()
        self.phase, self.item, self.verdict = phase, item, verdict
        self.session, self.now, self.keys = session, now, keys

    def render(self) -> RenderableType:
        item, v, ev = self.item, self.verdict, self.verdict.evidence
        glyph, word, tone = LOOKS[v.verdict]
        text = Text()
        text.append(f"{item.title}\n", style=BOLD)
        text.append(f"{self.phase.title} · {item.id} · ", style=self.tone("dim"))
        text.append(f"{'required' if item.required else 'optional'}\n\n", style=self.tone("dim"))
        text.append(f"{glyph} {word}", style=self.tone(tone))
        text.append(f"  {v.reason}\n\n")
        if item.help:
            text.append(f"{item.help}\n\n", style=self.tone("dim"))
        text.append("Evidence\n", style=HEADING)
        rows = [
            ("measured", ev.measured),
            ("source", ev.source),
            ("query", ev.query),
            ("value", ev.value),
            ("wants", ev.threshold),
            ("since", _ago(ev.since, self.now)),
            ("taken", _ago(ev.taken, self.now)),
        ]
        if v.remaining is not None and v.verdict == "pending":
            rows.append(("left", countdown(v.remaining)))
        for label, value in rows:
            if value:
                text.append(f"  {label:<9}", style=BOLD)
                text.append(f"{value}\n")
        if ev.detail:
            text.append("\n")
            text.append(f"{ev.detail}\n", style=self.tone("dim"))
        ticks = self.session.ticks.get(item.id, [])
        signed = self.session.signoffs.get(item.id, [])
        if ticks or signed or item.id in self.session.lapsed:
            text.append("\nRecorded\n", style=HEADING)
        for tick in ticks:
            said = f" — {tick.note}" if tick.note else ""
            text.append(f"  ticked by {tick.operator} at {clock_text(tick.at)}{said}\n")
        for s in signed:
            text.append(f"  signed by {s.operator} as {s.role} at {clock_text(s.at)}\n")
            text.append(f"    “{s.statement}”\n", style=self.tone("dim"))
            bound = bound_text(s.bound)
            if bound:
                text.append(f"    bound to {bound}\n", style=self.tone("dim"))
        if item.id in self.session.lapsed:
            text.append(
                f"  sign-off lapsed: {self.session.lapsed[item.id]}\n", style=self.tone("warn")
            )
        notes = [n for n in self.session.notes if n.item == item.id]
        if notes:
            text.append("\nNotes\n", style=HEADING)
            for note in notes:
                text.append(f"  {clock_text(note.at)} {note.operator}: ", style=BOLD)
                text.append(f"{note.text}\n")
        if self.keys:
            text.append(f"\n{self.keys}\n", style=self.tone("dim"))
        return text


def _ago(at: float | None, now: float) -> str | None:
    if at is None:
        return None
    return f"{clock_text(at)} ({countdown(now - at)} ago)"
