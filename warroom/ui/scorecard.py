"""A drill on the screen: its timers as the banner's first line, fitted to the width, and the
scorecard as a page of its own, redrawn while it is open."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from warroom.drills.scorecard import Scorecard
from warroom.drills.words import timer_line, timers_shown

# The timers' names where the whole line does not fit.
SHORT = {
    "detect": "det",
    "acknowledge": "ack",
    "decide": "dec",
    "mitigate": "mit",
    "recover": "rec",
}


def timers(card: Scorecard, width: int, key: str) -> str:
    """The banner's drill line for `card` in `width` cells: `timer_line` while it fits, then
    without the scenario's name, then the timers' short names; once the drill is over, that
    it is and that `key` shows the scorecard."""
    met, total = card.points
    points = f"{met}/{total} pts"
    if card.finished:
        said = "HALTED" if card.halted else "over"
        clock = card.clock(card.now)
        why = card.halted or card.why_finished
        shows = f"{key} shows the scorecard"
        tries = [
            f"DRILL {card.scenario} {said} at {clock}: {why} · {points} · {shows}",
            f"DRILL {card.scenario} {said} at {clock} · {points} · {shows}",
            f"DRILL {said} at {clock} · {points} · {shows}",
            f"DRILL {said} · {points} · {key} scorecard",
        ]
    else:
        whole = timer_line(card)
        bare = whole.replace(f"DRILL {card.scenario} ", "DRILL ", 1)
        tries = [f"{whole} · {key} scorecard", whole, bare, _short(card, points)]
    return next((line for line in tries if cell_len(line) <= width), tries[-1])


def _short(card: Scorecard, points: str) -> str:
    """`DRILL T+5:12 det 1:02✔ ack 0:40✔ dec 4:10… mit – 1/5 pts`."""
    shown = (f"{SHORT.get(name, name)} {took}" for name, took in timers_shown(card))
    return " ".join([f"DRILL {card.clock(card.now)}", *shown, points])


class ScorecardScreen(ModalScreen[None]):
    """The drill's scorecard (drills/words.scorecard_lines), redrawn every `every` seconds
    while open: its timers run. Arrows and pages scroll; Esc closes."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, title: str, said: Callable[[], Sequence[str]], every: float) -> None:
        super().__init__()
        self.title_text = title
        self.said = said
        self.every = every
        self.shown = "\n".join(said())

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="scorecard") as box:
            box.border_title = self.title_text
            box.border_subtitle = "↑↓ pgup pgdn scroll · Esc closes"
            yield Static(Text(self.shown), id="scorecard-text")

    def on_mount(self) -> None:
        self.set_interval(self.every, self.redraw)

    def redraw(self) -> None:
        now = "\n".join(self.said())
        if now != self.shown:
            self.shown = now
            self.query_one("#scorecard-text", Static).update(Text(now))


__all__ = ["ScorecardScreen", "timers"]
