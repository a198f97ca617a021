"""A drill's scorecard in words (what `warroom drill --headless` prints and the screen's drill
view shows) and as JSON (`--json`)."""

from __future__ import annotations

from typing import Any

from warroom.drills.scorecard import Measure, Scorecard, minsec

MARK = {"met": "✔", "missed": "✘", "running": "…", "pending": "…", "none": "–"}


def measure_words(m: Measure) -> str:
    """`detect 1:02 ✔ (≤ 5:00)`: a timer, its mark and its target."""
    took = minsec(m.seconds) if m.seconds is not None else "–"
    goal = f" (≤ {minsec(m.target)})" if m.target is not None else ""
    return f"{m.name} {took} {MARK[m.state]}{goal}"


def timers_shown(card: Scorecard) -> list[tuple[str, str]]:
    """The timers a banner shows, each (name, `1:02✔`): detect, decide and mitigate always,
    the others once they run."""
    shown = []
    for m in card.measures:
        if m.name in ("detect", "decide", "mitigate") or m.state != "none":
            took = minsec(m.seconds) if m.seconds is not None else "–"
            mark = MARK[m.state] if m.state != "none" else ""  # `–`, not `––`
            shown.append((m.name, f"{took}{mark}"))
    return shown


def timer_line(card: Scorecard) -> str:
    """The drill's timers on one line, for the banner: `DRILL T+5:12 · detect 1:02 ✔ · …`."""
    parts = [f"DRILL {card.scenario} {card.clock(card.now)}"]
    parts.extend(f"{name} {took}" for name, took in timers_shown(card))
    met, total = card.points
    parts.append(f"{met}/{total} pts")
    return " · ".join(parts)


def scorecard_lines(card: Scorecard) -> list[str]:
    """The scorecard as a person reads it: the timers, the responses, the rest, the timeline."""
    where = "staging" if card.staging else "the simulated cluster"
    state = (
        f"finished at {card.clock(card.now)}: {card.why_finished}"
        if card.finished
        else f"running, {card.clock(card.now)}"
    )
    lines = [f"drill {card.scenario} on {card.layout} against {where} — {state}", card.says, ""]
    if card.halted:
        lines += [f"HALTED: {card.halted}", ""]
    lines.append("timers (from the impact, the first fault after the release):")
    for m in card.measures:
        lines.append(f"  {measure_words(m):<34} {m.words}")
    met, total = card.points
    lines += ["", f"expected responses ({met}/{total} points):"]
    for r in card.responses:
        lines.append(f"  {MARK[r.state]} {r.title} — {r.state}: {r.words} ({r.points} pt)")
    slo = minsec(card.slo_seconds)
    lines += ["", f"SLO minutes breached: {card.slo_seconds / 60:.1f} ({slo})"]
    lines.append(f"error budget burnt: {card.budget_words}")
    if card.completion is not None:
        passed, judged = card.completion
        lines.append(f"checklist: {passed}/{judged} items passing")
    lines.append(f"overrides used: {card.overrides}")
    if card.operators:
        lines.append(f"who acted: {', '.join(card.operators)}")
    lines += ["", "timeline:"]
    for moment in card.timeline:
        lines.append(f"  {card.clock(moment.at):>9}  {moment.words}")
    return lines


def scorecard_json(card: Scorecard) -> dict[str, Any]:
    """The scorecard as `--json` prints it."""
    return {
        "scenario": card.scenario,
        "layout": card.layout,
        "staging": card.staging,
        "finished": card.finished,
        "why_finished": card.why_finished,
        "halted": card.halted or None,
        "met": card.met,
        "points": {"met": card.points[0], "total": card.points[1]},
        "elapsed": card.now - card.started,
        "impact": None if card.impact is None else card.impact - card.started,
        "measures": {
            m.name: {"seconds": m.seconds, "target": m.target, "state": m.state, "words": m.words}
            for m in card.measures
        },
        "responses": [
            {
                "id": r.id,
                "title": r.title,
                "state": r.state,
                "points": r.points,
                "at": None if r.at is None else r.at - card.started,
                "due": None if r.due is None else r.due - card.started,
                "words": r.words,
            }
            for r in card.responses
        ],
        "slo_seconds": card.slo_seconds,
        "error_budget_burnt": card.budget_burnt,
        "checklist": None
        if card.completion is None
        else {"passing": card.completion[0], "judged": card.completion[1]},
        "overrides": card.overrides,
        "timeline": [
            {"at": m.at - card.started, "what": m.what, "words": m.words} for m in card.timeline
        ],
    }


__all__ = ["measure_words", "scorecard_json", "scorecard_lines", "timer_line", "timers_shown"]
