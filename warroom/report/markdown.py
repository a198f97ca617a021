"""The go-live record as Markdown, for pasting into a ticket.

Everything from the journal is escaped: a note may hold `|`, a newline, `<script>` or `*`, and
a ticket's renderer must show it as written, neither breaking a table nor eating the text.
"""

from __future__ import annotations

import re

from warroom.report import drill_text, text
from warroom.report.drill import Drill
from warroom.report.model import Report
from warroom.report.parts import Item, Phase
from warroom.report.times import minutes

# Characters that would make Markdown do something (emphasis, code, links, HTML) rather than
# show themselves; a backslash shows any of them literally (CommonMark §2.4).
# An underscore inside a word is literal already (it cannot open or close emphasis), so
# `action_started` and `carol_ops` stay as typed; one at a word's edge is escaped.
_ACTIVE = re.compile(r"([\\`*<>\[\]]|(?<![^\W_])_|_(?![^\W_]))")


def inline(value: str) -> str:
    """Journal text shown as itself on one line: active characters escaped, newlines kept as
    `<br>` (so a multi-line note stays one list item)."""
    escaped = _ACTIVE.sub(r"\\\1", value)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def cell(value: str) -> str:
    """Journal text inside a table cell: also `|`, which would end the cell."""
    return inline(value).replace("|", "\\|") or " "


def code(value: str) -> str:
    """A code span wide enough for the backticks inside it (CommonMark §6.1)."""
    flat = " ".join(value.splitlines())
    run = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (run + 1)
    return f"{fence} {flat} {fence}" if flat.startswith("`") or flat.endswith("`") else (
        f"{fence}{flat}{fence}"
    )


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(head), _row(["---"] * len(head)), *(_row(r) for r in rows), ""]


def render_markdown(report: Report) -> str:
    """The whole record as Markdown text."""
    out = [f"# {inline(report.title)}", ""]
    if not report.chain.ok:
        out += [f"> **WARNING: {inline(text.chain_warning(report.chain))}**", ""]
    out += [f"- **{label}:** {inline(value)}" for label, value in text.facts(report)]
    out += ["", f"**Summary:** {inline(report.summary.line())}", ""]
    for drill in report.drills:
        out += _drill(report, drill)
    for phase in report.phases:
        out += _phase(report, phase)
    if report.overrides:
        out += ["## Overrides", ""]
        out += [
            f"- {inline(report.when(o.at))} · {inline(o.operator)} overrode "
            f"**{inline(o.phase_title)}**: {inline(o.reason)}"
            + (f" (unmet: {inline(', '.join(o.unmet))})" if o.unmet else "")
            for o in report.overrides
        ]
        out.append("")
    if report.triggers:
        out += ["## Triggers", ""]
        out += _table(["trigger", "raised", "cleared", "evidence"], [
            [cell(t.title), cell(f"{report.when(t.raised.at)} by {t.raised.operator}"),
             cell(report.when(t.cleared.at) if t.cleared else "not cleared"),
             cell(t.evidence.summary() if t.evidence else "")]
            for t in report.triggers
        ])
    if report.signals:
        out += ["## Signals", ""]
        out += _table(
            ["signal", "SLO", "min", "max", "last", "minutes outside SLO"],
            [[cell(f"{s.title} ({s.unit})" if s.unit else s.title), cell(text.slo(s)),
              text.number(s.min), text.number(s.max), text.number(s.last),
              minutes(s.seconds_outside) if s.points else "—"]
             for s in report.signals],
        )
    out += ["## Timeline", ""]
    out += [
        f"- {inline(report.when(e.at))} · {inline(e.operator)} · {inline(e.text)}"
        for e in report.timeline
    ] or ["- nothing recorded"]
    out += ["", "---", "", inline(text.chain_line(report.chain)), ""]
    return "\n".join(out)


def _drill(report: Report, drill: Drill) -> list[str]:
    """A drill's section: what it rehearsed against what, how it ended, its scorecard (the
    timers, the expected responses, the rest) and its derived timeline."""
    out = [f"## {inline(drill_text.heading(drill, len(report.drills)))}", ""]
    card = drill.card
    if card is None:
        return [*out, f"Started at {inline(report.when(drill.started))}; "
                f"{inline(drill.problem or '')}", ""]
    out += [inline(card.says), ""] if card.says else []
    if card.halted:
        out += [f"> **HALTED: {inline(card.halted)}**", ""]
    facts = drill_text.facts(card, report.when)
    out += [f"- **{label}:** {inline(value)}" for label, value in facts]
    out += ["", f"### {drill_text.TIMERS_HEADING}", ""]
    out += _table(drill_text.TIMER_COLUMNS, [
        [m.name, drill_text.took(m), drill_text.target(m), drill_text.STATE_WORDS[m.state],
         cell(m.words)]
        for m in card.measures
    ])
    out += [f"### {drill_text.responses_heading(card)}", ""]
    out += _table(drill_text.RESPONSE_COLUMNS, [
        [cell(r.title), drill_text.STATE_WORDS[r.state], cell(r.words), str(r.points)]
        for r in card.responses
    ])
    out += [f"### {drill_text.TIMELINE_HEADING}", ""]
    out += [f"- {at} · {inline(words)}" for at, words in drill_text.moments(card)]
    return [*out, ""]


def _phase(report: Report, phase: Phase) -> list[str]:
    title = phase.title + (f" ({phase.planned})" if phase.planned else "")
    out = [f"## Phase: {inline(title)}", ""]
    if phase.started is not None:
        early = ", early" + (f": {phase.started.text}" if phase.started.text else "")
        out += [inline(f"Started by {phase.started.operator} at {report.when(phase.started.at)}"
                       + (early if phase.early else "")), ""]
    else:
        out += ["Not started.", ""]
    for o in phase.overrides:
        out += [f"**Overridden** by {inline(o.operator)} at {inline(report.when(o.at))}: "
                f"{inline(o.reason)}" + (f" (unmet: {inline(', '.join(o.unmet))})" if o.unmet
                                         else ""), ""]
    out += _table(["item", "verdict", "evidence", "by", "when"], [
        [cell(item.title + ("" if item.required else " (optional)")), item.state,
         cell(text.evidence(item)), cell(item.by or ""),
         cell(report.when(item.state_at) if item.state_at is not None else "")]
        for item in phase.items
    ])
    details = [line for item in phase.items for line in _details(report, item)]
    return out + details + ([""] if details else [])


def _details(report: Report, item: Item) -> list[str]:
    """What does not fit a table row (text.details), as a list under the item's title."""
    lines = [f"  - {''.join(_part(p) for p in line)}" for line in text.details(report, item)]
    return [f"- **{inline(item.title)}**", *lines] if lines else []


_WRAPPED = {"quote": "“{}”", "lapsed": "**{}**"}


def _part(part: text.Part) -> str:
    style, value = part
    if style == "code":
        return code(value)
    return _WRAPPED.get(style, "{}").format(inline(value))
