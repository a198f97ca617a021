"""The words and numbers both writers share, so the Markdown and the HTML say the same thing."""

from __future__ import annotations

from warroom.report.model import ChainStatus, Report
from warroom.report.parts import Item, SessionField
from warroom.report.series import Series
from warroom.report.times import stamp


def number(value: float | None) -> str:
    """Four significant figures, no exponent for everyday sizes: 412, 99.87, 0.0123."""
    if value is None:
        return "—"
    return f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def slo(series: Series) -> str:
    low, high = series.slo_min, series.slo_max
    if low is not None and high is not None:
        return f"{number(low)}–{number(high)}"
    if high is not None:
        return f"≤ {number(high)}"
    if low is not None:
        return f"≥ {number(low)}"
    return "none"


def evidence(item: Item) -> str:
    """What the item's state rests on, from the record that set it: the verdict's reason and
    evidence, the tick's note, the sign-off's statement, the untick's or the lapse's why."""
    if item.cause == "verdict" and item.verdict is not None:
        parts = [item.verdict.reason] if item.verdict.reason else []
        if item.verdict.evidence is not None:
            parts.append(item.verdict.evidence.summary())
        return " — ".join(parts)
    if item.cause == "signoff_lapsed":
        lapse = item.signoff.lapsed if item.signoff is not None else None
        return f"sign-off lapsed: {(lapse.text if lapse else None) or '—'}"
    if item.cause == "signoff" and item.signoff is not None:
        return f"“{item.signoff.statement}”"
    if item.cause == "tick" and item.tick is not None:
        return item.tick.text or "ticked"
    if item.cause == "untick" and item.untick is not None:
        return f"unticked: {item.untick.text or '—'}"
    return ""


def bound(item: Item) -> str | None:
    """What a sign-off was bound to, in one line; None without a sign-off."""
    signed = item.signoff
    if signed is None:
        return None
    parts = [f"{name} {value}" for name, value in (
        ("target", signed.target), ("revision", signed.revision), ("image", signed.image),
        ("digest", signed.digest),
    ) if value]
    if signed.evidence:
        parts.append("evidence " + ", ".join(f"{k}={v}" for k, v in signed.evidence))
    if signed.fields:
        parts.append("session fields " + ", ".join(f"{k} {v}" for k, v in signed.fields))
    return "; ".join(parts) or "nothing recorded"


# One piece of a details line and how it is shown: text (as written), who (a person),
# quote (a statement signed), prose (journal text, may span lines), mono (identifiers),
# code (a command), lapsed (the warning word), verdict (a verdict's word).
Part = tuple[str, str]


def details(report: Report, item: Item) -> list[list[Part]]:
    """What does not fit the item's row, as lines of parts both writers render: the verdict
    history, the sign-off and what it was bound to, ticks' notes, notes, approved commands."""
    lines: list[list[Part]] = []
    if len(item.verdicts) > 1:
        history: list[Part] = [("text", "verdicts: ")]
        for i, verdict in enumerate(item.verdicts):
            history += [("text", " → ")] if i else []
            history.append(("verdict", verdict))
        lines.append(history)
    s = item.signoff
    if s is not None:
        lines.append([("text", "signed by "), ("who", s.operator),
                      ("text", f" as {s.role} at {report.when(s.at)}: "), ("quote", s.statement)])
        lines.append([("text", "bound to: "), ("mono", bound(item) or "")])
        if s.note:
            lines.append([("text", "sign-off note: "), ("prose", s.note)])
        if s.lapsed is not None:
            lines.append([("lapsed", "sign-off lapsed"),
                          ("text", f" at {report.when(s.lapsed.at)}: "),
                          ("prose", s.lapsed.text or "—")])
    if item.tick is not None and item.tick.text:
        lines.append([("text", "ticked by "), ("who", item.tick.operator), ("text", ": "),
                      ("prose", item.tick.text)])
    lines += [[("text", "note by "), ("who", n.operator), ("text", f" at {report.when(n.at)}: "),
               ("prose", n.text or "")] for n in item.notes]
    lines += [[("text", "command approved by "), ("who", c.operator),
               ("text", f" at {report.when(c.at)}: "), ("code", c.text or "")]
              for c in item.commands]
    return lines


def chain_line(chain: ChainStatus) -> str:
    if chain.ok:
        return f"Journal: {chain.records} records, hash chain verifies; head {chain.head}"
    return (f"Journal: {chain.records} records, hash chain does NOT verify: "
            f"{chain.problem or 'no reason given'}; head {chain.head}")


def chain_warning(chain: ChainStatus) -> str:
    return (f"The journal's hash chain does NOT verify: {chain.problem or 'no reason given'}. "
            "This record may not be what happened.")


def field_value(report: Report, field: SessionField) -> str:
    """`2.1.0, set by ana at 2026-12-02 21:05:00Z (T+5m); before: 2.0.9 by ana at …`, or
    `not set (required)`: a session field's value, who set it and when, and what it was."""
    now = field.value
    if now is None:
        return "not set (required)" if field.required else "not set"
    said = f"{now.text}, set by {now.operator} at {report.when(now.at)}"
    earlier = [f"{m.text} by {m.operator} at {report.when(m.at)}" for m in field.values[:-1]]
    return said + (f"; before: {'; '.join(earlier)}" if earlier else "")


def facts(report: Report) -> list[tuple[str, str]]:
    """The session's facts as (label, value) rows, in reading order."""
    s = report.session
    rows = [("Layout", s.layout)]
    if s.layout_path:
        rows.append(("Layout file", s.layout_path))
    if s.layout_hash:
        rows.append(("Layout sha256", s.layout_hash))
    rows += [
        ("Context", s.context),
        ("API server", s.server),
        ("Namespaces", ", ".join(s.namespaces) or "—"),
        ("Go-live", stamp(s.go_live) if s.go_live is not None else "not set"),
        ("Kind", ("drill" if s.drill else "real go-live")
         + (", production" if s.production else ", not production")),
    ]
    if s.opened is not None:
        rows.append(("Opened", f"by {s.opened.operator} at {report.when(s.opened.at)}"))
    if s.closed is not None:
        reason = f" ({s.closed.text})" if s.closed.text else ""
        rows.append(("Closed", f"by {s.closed.operator} at {report.when(s.closed.at)}{reason}"))
    if s.operators:
        rows.append(("Operators", ", ".join(s.operators)))
    rows += [(f.title, field_value(report, f)) for f in s.fields]
    if s.warroom:
        rows.append(("warroom", s.warroom))
    return rows
