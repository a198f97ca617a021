"""The go-live record as ONE self-contained HTML file: inline CSS and SVG, no script, no URL
to fetch, so it opens the same from a ticket attachment, offline, years later.

Every string from the journal goes through `esc`: operator names, notes and the layout's
text are typed by people and may hold markup.
"""

from __future__ import annotations

from html import escape

from warroom.report import drill_text, text
from warroom.report.drill import Drill
from warroom.report.model import Report
from warroom.report.parts import Item, Phase, Trigger
from warroom.report.style import TONES, stylesheet
from warroom.report.svg import line_graph
from warroom.report.times import minutes


def esc(value: str) -> str:
    return escape(value, quote=True)


def badge(verdict: str, label: str | None = None) -> str:
    """A verdict's colour with its word in it; a verdict we have no colour for is grey."""
    tone = verdict if verdict in TONES else "unknown"
    return f'<span class="v v-{tone}">{esc(label or verdict)}</span>'


def _lines(value: str) -> str:
    """Journal text with its line breaks shown."""
    return "<br>".join(esc(line) for line in value.splitlines()) if value else ""


def render_html(report: Report) -> str:
    """The whole record as an HTML document."""
    drill = badge("pending", "DRILL") + " " if report.is_drill else ""
    body = [f"<h1>{drill}{esc(report.title)}</h1>"]
    if not report.chain.ok:
        body.append(f'<div class="alert" role="alert">{esc(text.chain_warning(report.chain))}'
                    "</div>")
    body.append('<dl class="facts">' + "".join(
        f"<dt>{esc(label)}</dt><dd>{esc(value)}</dd>" for label, value in text.facts(report)
    ) + "</dl>")
    body.append(_summary(report))
    body += [_drill(report, drill) for drill in report.drills]
    body += [_phase(report, phase) for phase in report.phases]
    if report.overrides:
        body.append("<section><h2>Overrides</h2>" + "".join(
            f'<p class="override">{esc(report.when(o.at))} · <b>{esc(o.operator)}</b> overrode '
            f"<b>{esc(o.phase_title)}</b>: {_lines(o.reason)}"
            + (f" <span class=\"muted\">(unmet: {esc(', '.join(o.unmet))})</span>"
               if o.unmet else "") + "</p>"
            for o in report.overrides
        ) + "</section>")
    if report.triggers:
        body.append(_triggers(report))
    if report.signals:
        body.append(_signals(report))
    body.append(_timeline(report))
    body.append(f'<footer class="mono">{esc(text.chain_line(report.chain))}</footer>')
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(report.title)}</title>\n<style>{stylesheet()}</style>\n</head>\n<body>\n"
        + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _summary(report: Report) -> str:
    s = report.summary
    counts = [badge(v, f"{s.counts.get(v, 0)} {word}") for v, word in (
        ("pass", "passed"), ("fail", "failed"), ("unknown", "unknown"),
        ("pending", "pending"), ("done", "done"),
    )]
    return (f'<p class="summary"><b>{s.items} items:</b> {" ".join(counts)} · '
            f"{s.overrides} override{'s' if s.overrides != 1 else ''}, "
            f"{s.triggers} trigger{'s' if s.triggers != 1 else ''} raised</p>")


def _state(state: str) -> str:
    """A timer's or a response's state in its colour; one that does not apply is a dash."""
    tone = drill_text.STATE_TONES.get(state)
    if tone is None:
        return f'<span class="muted">{esc(drill_text.STATE_WORDS.get(state, state))}</span>'
    return badge(tone, drill_text.STATE_WORDS[state])


def _head(columns: list[str]) -> str:
    return "<thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in columns) + "</tr></thead>"


def _drill(report: Report, drill: Drill) -> str:
    """A drill's section: what it rehearsed against what, how it ended, its scorecard (the
    timers, the expected responses, the rest) and its derived timeline."""
    out = [f'<section class="drill"><h2>{esc(drill_text.heading(drill, len(report.drills)))}'
           "</h2>"]
    card = drill.card
    if card is None:
        out.append(f'<p class="muted">Started at {esc(report.when(drill.started))}; '
                   f"{esc(drill.problem or '')}</p></section>")
        return "".join(out)
    if card.says:
        out.append(f'<p class="says">{esc(card.says)}</p>')
    if card.halted:
        out.append(f'<div class="alert" role="alert">HALTED: {esc(card.halted)}</div>')
    out.append('<dl class="facts">' + "".join(
        f"<dt>{esc(label)}</dt><dd>{esc(value)}</dd>"
        for label, value in drill_text.facts(card, report.when)
    ) + "</dl>")
    out.append(f"<h3>{esc(drill_text.TIMERS_HEADING)}</h3><table>"
               f"{_head(drill_text.TIMER_COLUMNS)}<tbody>")
    out += [f"<tr><td>{esc(m.name)}</td><td class=\"mono\">{esc(drill_text.took(m))}</td>"
            f"<td class=\"mono\">{esc(drill_text.target(m))}</td><td>{_state(m.state)}</td>"
            f"<td>{esc(m.words)}</td></tr>" for m in card.measures]
    out.append(f"</tbody></table><h3>{esc(drill_text.responses_heading(card))}</h3><table>"
               f"{_head(drill_text.RESPONSE_COLUMNS)}<tbody>")
    out += [f"<tr><td>{esc(r.title)}</td><td>{_state(r.state)}</td><td>{esc(r.words)}</td>"
            f"<td>{r.points}</td></tr>" for r in card.responses]
    out.append(f"</tbody></table><h3>{esc(drill_text.TIMELINE_HEADING)}</h3>"
               '<ol class="timeline moments">')
    out += [f'<li><span class="mono">{esc(at)}</span><span>{esc(words)}</span></li>'
            for at, words in drill_text.moments(card)]
    out.append("</ol></section>")
    return "".join(out)


def _phase(report: Report, phase: Phase) -> str:
    title = phase.title + (f" ({phase.planned})" if phase.planned else "")
    out = [f'<section class="phase"><h2>Phase: {esc(title)}</h2>']
    if phase.started is not None:
        early = ""
        if phase.early:
            early = ", <b>early</b>" + (f": {_lines(phase.started.text)}"
                                        if phase.started.text else "")
        out.append(f"<p>Started by <b>{esc(phase.started.operator)}</b> at "
                   f"{esc(report.when(phase.started.at))}{early}</p>")
    else:
        out.append('<p class="muted">Not started.</p>')
    for o in phase.overrides:
        unmet = f" (unmet: {esc(', '.join(o.unmet))})" if o.unmet else ""
        out.append(f'<p class="override"><b>Overridden</b> by <b>{esc(o.operator)}</b> at '
                   f"{esc(report.when(o.at))}: {_lines(o.reason)}{unmet}</p>")
    out.append("<table><thead><tr><th>item</th><th>verdict</th><th>evidence</th><th>by</th>"
               "<th>when</th></tr></thead><tbody>")
    for item in phase.items:
        optional = "" if item.required else ' <span class="muted">(optional)</span>'
        out.append(
            f"<tr><td><b>{esc(item.title)}</b>{optional}{_details(report, item)}</td>"
            f"<td>{badge(item.state)}</td><td>{_lines(text.evidence(item))}</td>"
            f"<td>{esc(item.by or '')}</td>"
            f"<td>{esc(report.when(item.state_at)) if item.state_at is not None else ''}</td>"
            "</tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _details(report: Report, item: Item) -> str:
    """What does not fit the row (text.details), as a list under it."""
    lines = ["".join(_part(p) for p in line) for line in text.details(report, item)]
    if not lines:
        return ""
    return '<ul class="details">' + "".join(f"<li>{line}</li>" for line in lines) + "</ul>"


_WRAPPED = {
    "who": "<b>{}</b>",
    "quote": "“{}”",
    "mono": '<span class="mono">{}</span>',
    "code": "<code>{}</code>",
    "lapsed": '<span class="lapsed">{}</span>',
}


def _part(part: text.Part) -> str:
    style, value = part
    if style == "verdict":
        return badge(value)
    shown = _lines(value) if style in ("quote", "prose") else esc(value)
    return _WRAPPED.get(style, "{}").format(shown)


def _triggers(report: Report) -> str:
    rows = "".join(
        f"<tr><td>{esc(t.title)}</td>"
        f"<td>{badge('fail', 'raised')} {esc(report.when(t.raised.at))} by "
        f"{esc(t.raised.operator)}</td>"
        f"<td>{_cleared(report, t)}</td>"
        f"<td>{esc(t.evidence.summary()) if t.evidence else ''}</td></tr>"
        for t in report.triggers
    )
    return ("<section><h2>Triggers</h2><table><thead><tr><th>trigger</th><th>raised</th>"
            f"<th>cleared</th><th>evidence</th></tr></thead><tbody>{rows}</tbody></table>"
            "</section>")


def _cleared(report: Report, trigger: Trigger) -> str:
    if trigger.cleared is None:
        return badge("fail", "not cleared")
    return f"{badge('pass', 'cleared')} {esc(report.when(trigger.cleared.at))}"


def _signals(report: Report) -> str:
    rows = "".join(
        f"<tr><td>{esc(s.title)}</td><td>{esc(s.unit)}</td><td>{esc(text.slo(s))}</td>"
        f"<td>{text.number(s.min)}</td><td>{text.number(s.max)}</td>"
        f"<td>{text.number(s.last)}</td>"
        f"<td>{minutes(s.seconds_outside) if s.points else '—'}</td></tr>"
        for s in report.signals
    )
    graphs = "".join(
        "<figure>" + line_graph(s.points, title=s.title, unit=s.unit, slo_min=s.slo_min,
                                slo_max=s.slo_max) + "</figure>"
        for s in report.signals
    )
    return ("<section><h2>Signals</h2><table><thead><tr><th>signal</th><th>unit</th>"
            "<th>SLO</th><th>min</th><th>max</th><th>last</th><th>minutes outside SLO</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>{graphs}</section>")


def _timeline(report: Report) -> str:
    items = "".join(
        f"<li><span class=\"mono\">{esc(report.when(e.at))}</span><b>{esc(e.operator)}</b>"
        f"<span>{badge(e.tone, e.word) if e.tone else ''}{_lines(e.text)}</span></li>"
        for e in report.timeline
    ) or "<li>nothing recorded</li>"
    return f'<section><h2>Timeline</h2><ol class="timeline">{items}</ol></section>'
