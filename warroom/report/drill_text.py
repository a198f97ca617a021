"""A drill's section in words both writers share (the Markdown and the HTML say the same):
its facts, its timers, its expected responses and its derived timeline, read off the
scorecard (drills/scorecard.py) as it is."""

from __future__ import annotations

from collections.abc import Callable

from warroom.drills.scorecard import Measure, Scorecard, minsec
from warroom.report.drill import Drill

# A timer's or a response's state as written, and the verdict colour it is drawn in (style.py's
# TONES): a state with no colour ("none": the timer does not apply) is written as a dash.
STATE_WORDS = {"met": "met", "missed": "missed", "running": "running", "pending": "pending",
               "none": "—"}  # fmt: skip
STATE_TONES = {"met": "pass", "missed": "fail", "running": "pending", "pending": "pending"}

When = Callable[[float | None], str]


def heading(drill: Drill, count: int) -> str:
    """`Drill: NAME`, numbered when the session ran several."""
    return f"Drill {drill.number}: {drill.scenario}" if count > 1 else f"Drill: {drill.scenario}"


def against(card: Scorecard) -> str:
    return "staging" if card.staging else "the simulated cluster"


def ended(card: Scorecard, when: When) -> str:
    """How the drill ended, when, and why (`finished at T+3:05 (…Z): every expected response
    judged`); a drill the journal stops in the middle of says so."""
    at = f"{card.clock(card.now)} ({when(card.now)})"
    if not card.finished:
        return f"not finished: its records stop at {at}"
    return f"finished at {at}: {card.why_finished or '—'}"


def facts(card: Scorecard, when: When) -> list[tuple[str, str]]:
    """The drill's facts as (label, value) rows, in reading order."""
    met, total = card.points
    impact = (
        "no fault came"
        if card.impact is None
        else f"{card.clock(card.impact)}: the first fault, which the timers count from"
    )
    completion = (
        "not recorded"
        if card.completion is None
        else f"{card.completion[0]} of {card.completion[1]} items passing"
    )
    return [
        ("Against", f"{against(card)}, layout {card.layout}"),
        ("Started", when(card.started)),
        ("Ended", ended(card, when)),
        ("Impact", impact),
        ("Points", f"{met} of {total}"),
        ("SLO minutes breached", f"{card.slo_seconds / 60:.1f} ({minsec(card.slo_seconds)})"),
        ("Error budget burnt", card.budget_words),
        ("Checklist completion", completion),
        ("Overrides used", str(card.overrides)),
        ("Who acted", ", ".join(card.operators) or "no one"),
    ]


def took(m: Measure) -> str:
    """A timer's time, m:ss from the impact ("—" when it never ended)."""
    return minsec(m.seconds) if m.seconds is not None else "—"


def target(m: Measure) -> str:
    return f"≤ {minsec(m.target)}" if m.target is not None else "none"


def responses_heading(card: Scorecard) -> str:
    met, total = card.points
    return f"Expected responses ({met} of {total} points)"


def moments(card: Scorecard) -> list[tuple[str, str]]:
    """The derived timeline: (T+m:ss from the drill's start, what happened)."""
    return [(card.clock(m.at), m.words) for m in card.timeline]


TIMERS_HEADING = "Timers (from the impact)"
TIMELINE_HEADING = "Drill timeline"
TIMER_COLUMNS = ["timer", "time", "target", "result", "what ended it"]
RESPONSE_COLUMNS = ["response", "result", "what happened", "points"]


__all__ = [
    "RESPONSE_COLUMNS",
    "STATE_TONES",
    "STATE_WORDS",
    "TIMELINE_HEADING",
    "TIMERS_HEADING",
    "TIMER_COLUMNS",
    "against",
    "ended",
    "facts",
    "heading",
    "moments",
    "responses_heading",
    "target",
    "took",
]
