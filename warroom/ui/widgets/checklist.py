"""The checklist as a list: a row per phase (progress, schedule) and per item (its live
verdict in colour and word, a short reason, a timer counting), virtual on the Line API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from warroom.checklist.evaluator import Evaluation
from warroom.checklist.session import unset_words
from warroom.checklist.verdicts import ItemVerdict, PhaseState, countdown
from warroom.layout.checklist import Item, Phase
from warroom.ui.widgets.panels import Panel
from warroom.ui.widgets.rows import RowView, Segments, fitted, fixed

#: How each verdict reads: a glyph, the word (colour is never the only sign) and its tone.
LOOKS = {
    "pass": ("✓", "pass", "ok"),
    "fail": ("✗", "FAIL", "bad"),
    "pending": ("◔", "wait", "warn"),
    "unknown": ("?", "unknown", "dim"),
    "done": ("●", "done", "new"),
}
BOLD = Style(bold=True)
PHASE_PREFIX = "phase:"
_ORDER = {"fail": 0, "unknown": 1, "pending": 2, "pass": 3, "done": 4}


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # an item's id, or "phase:<id>"
    phase: Phase
    item: Item | None
    state: PhaseState | None
    verdict: ItemVerdict | None
    current: bool = False
    overridden: bool = False


def rows_of(phases: Sequence[Phase], ev: Evaluation, overridden: set[str]) -> list[Row]:
    out = []
    for i, (phase, state) in enumerate(zip(phases, ev.phases, strict=True)):
        out.append(
            Row(
                PHASE_PREFIX + phase.id,
                phase,
                None,
                state,
                None,
                i == ev.current,
                phase.id in overridden,
            )
        )
        out.extend(Row(item.id, phase, item, state, ev.items[item.id]) for item in phase.items)
    return out


class ChecklistList(RowView):
    NOUN = "items"
    EMPTY = "This layout has no checklist: add phases: to it (docs/layouts.md)."
    ORDERS = {
        "status": ("verdict", lambda r: _ORDER.get(r.verdict.verdict if r.verdict else "", 9))
    }
    DEFAULT_CSS = """
    ChecklistList { height: 1fr; }
    """

    _all: tuple[Row, ...] = ()
    _rows: tuple[Row, ...] = ()
    _now: float = 0.0

    def show(self, rows: Sequence[Row], now: float) -> None:
        self._all = tuple(rows)
        self._now = now
        self.regroup()

    def regroup(self) -> None:
        if self.sort_by is not None or self.filter_text:
            items = [r for r in self._all if r.item is not None]
            self._rows = self.arranged(items, _text)
        else:
            self._rows = self._all
        width = max(
            (len(r.item.title if r.item else r.phase.title) + 40 for r in self._rows), default=0
        )
        self.set_rows([r.key for r in self._rows], width)

    def chosen(self, key: str) -> Row | None:
        return next((r for r in self._all if r.key == key), None)

    @property
    def title_width(self) -> int:
        """The item column: what the verdict and reason columns leave (28 for the reason),
        at most 64 so that on a wide screen the reason stays next to its item."""
        return min(64, max(20, (self.size.width or 80) - 10 - 1 - 28))

    def header_segments(self) -> Segments:
        return [fixed("   verdict", 10), fixed("item", self.title_width), Segment("reason")]

    def row_segments(self, index: int, now: float) -> Segments:
        row = self._rows[index]
        if row.item is None:
            return self._phase(row)
        assert row.verdict is not None
        glyph, word, tone = LOOKS[row.verdict.verdict]
        style = self.tone(tone)
        width = self.title_width
        title = row.item.title if row.item.required else f"{row.item.title} (optional)"
        reason = row.verdict.reason
        remaining = row.verdict.remaining
        if remaining is not None and row.verdict.verdict == "pending":
            # The timer counts down between evaluations, on the clock the screen draws with.
            left = remaining - (now - self._now)
            reason = f"{reason} · {countdown(left)} left"
        return [
            Segment(f" {glyph} ", style),
            fixed(word, 6, style),
            fitted(title, width),
            Segment(
                reason, style if row.verdict.verdict in ("fail", "pending") else self.tone("dim")
            ),
        ]

    def _phase(self, row: Row) -> Segments:
        state = row.state
        assert state is not None
        if state.complete:
            mark, tone = "✓ complete", "ok"
        elif row.overridden:
            mark, tone = "» overridden", "warn"
        elif row.current:
            mark, tone = "▶ in progress", "title"
        else:
            mark, tone = "  waiting", "dim"
        out = [
            Segment(f"{state.title}  ", BOLD),
            Segment(
                f"{state.passed}/{state.required}", self.tone("ok" if state.complete else "title")
            ),
        ]
        if state.failed:
            out.append(Segment(f" · {state.failed} failing", self.tone("bad")))
        if state.unknown:
            out.append(Segment(f" · {state.unknown} unknown", self.tone("dim")))
        if state.unset:
            out.append(Segment(f" · {unset_words(state.unset)}", self.tone("warn")))
        out.append(Segment(f"  {mark}", self.tone(tone)))
        if row.phase.at is not None:
            out.append(Segment(f"  {row.phase.at}", self.tone("dim")))
            if state.starts_at is not None and not state.complete:
                left = state.starts_at - self.clock()
                when = (
                    f" starts in {countdown(left)}" if left > 0 else f" due {countdown(-left)} ago"
                )
                out.append(
                    Segment(when, self.tone("warn" if left <= 0 and not row.current else "dim"))
                )
        return out


def _text(row: Row) -> str:
    verdict = row.verdict.verdict if row.verdict else ""
    reason = row.verdict.reason if row.verdict else ""
    title = row.item.title if row.item else row.phase.title
    return f"{verdict} {title} {reason} {row.phase.title} {row.key}".lower()


@dataclass(frozen=True)
class PhaseGlance:
    """What the overview's compact panel shows: the phase in progress and what holds it."""

    title: str
    passed: int
    required: int
    waiting: tuple[tuple[str, str, str], ...]  # (verdict, item title, reason) not yet passing
    done: bool = False  # every phase complete
    operator: str = ""


def glance(phases: Sequence[Phase], ev: Evaluation, operator: str) -> PhaseGlance:
    if ev.current >= len(phases):
        total = sum(p.required for p in ev.phases)
        return PhaseGlance("Every phase is complete", total, total, (), True, operator)
    phase, state = phases[ev.current], ev.phases[ev.current]
    order = {"fail": 0, "unknown": 1, "pending": 2}
    waiting = sorted(
        (
            (v.verdict, item.title, v.reason)
            for item, v in zip(phase.items, state.items, strict=True)
            if item.required and v.verdict not in ("pass", "done")
        ),
        key=lambda w: order.get(w[0], 3),
    )
    return PhaseGlance(state.title, state.passed, state.required, tuple(waiting), False, operator)


class PhasePanel(Panel):
    """The phase in progress on the overview: its progress and the items holding it."""

    limit = 5  # items listed under the phase; the one-column overview shows fewer

    def draw(self, data: PhaseGlance | None) -> RenderableType:
        if data is None:
            return Text("No checklist in this layout.", style=self.tone("dim"))
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(data.title, style=BOLD)
        text.append(
            f"  {data.passed}/{data.required}", style=self.tone("ok" if data.done else "title")
        )
        counts: dict[str, int] = {}
        for verdict, _, _ in data.waiting:
            counts[verdict] = counts.get(verdict, 0) + 1
        said = {"fail": "failing", "unknown": "unknown", "pending": "waiting"}
        for verdict in ("fail", "unknown", "pending"):
            if counts.get(verdict):
                text.append(
                    f" · {counts[verdict]} {said[verdict]}", style=self.tone(LOOKS[verdict][2])
                )
        for verdict, title, reason in data.waiting[: self.limit]:
            glyph, word, tone = LOOKS[verdict]
            text.append(f"\n{glyph} {word:<6} ", style=self.tone(tone))
            text.append(title)
            text.append(f"  {reason}", style=self.tone("dim"))
        if not data.waiting and not data.done:
            text.append("\nevery required item passes", style=self.tone("ok"))
        return text
