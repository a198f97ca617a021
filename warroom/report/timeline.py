"""The timeline's sentences: one short line per journal record worth reading.

Samples are left out (they are the graphs), and so is a verdict that repeats the item's last
one: the journal writes verdicts as they are re-evaluated, the reader wants the changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from warroom.report import fields

# Past this many characters an unknown kind's payload is cut: the timeline is for reading.
SHORT_PAYLOAD = 120


@dataclass
class Names:
    """Titles of the layout's ids as session_opened declared them; an id it did not declare
    reads as itself, so a record about an unknown item still says which."""

    phases: dict[str, str] = field(default_factory=dict)
    items: dict[tuple[str, str], str] = field(default_factory=dict)
    triggers: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)  # session fields' titles
    signals: dict[str, str] = field(default_factory=dict)

    def phase(self, phase: str | None) -> str:
        return self.phases.get(phase or "", phase or "—")

    def title(self, phase: str | None, item: str | None) -> str:
        """The item's own title (without its phase's)."""
        return self.items.get((phase or "", item or ""), item or "—")

    def item(self, phase: str | None, item: str | None) -> str:
        return f"{self.phase(phase)} › {self.title(phase, item)}"

    def trigger(self, trigger: str | None) -> str:
        return self.triggers.get(trigger or "", trigger or "—")

    def field(self, name: str | None) -> str:
        return self.fields.get(name or "", name or "—")

    def signal(self, signal: str | None) -> str:
        return self.signals.get(signal or "", signal or "—")


# The word a timeline line's colour carries (never colour alone); a verdict line says its verdict.
_WORDS = {
    "phase_started": "early", "override": "override", "tick": "ticked", "signoff": "signed",
    "signoff_lapsed": "lapsed", "trigger_raised": "raised", "trigger_cleared": "cleared",
    "drill_fault": "fault", "drill_halted": "halted",
}
# A kind whose colour says one of two things: its word goes by the tone too.
_TONE_WORDS = {
    ("drill_fault", "unknown"): "failed", ("drill_fault_undone", "pass"): "undone",
    ("drill_fault_undone", "fail"): "failed", ("drill_slo", "fail"): "breached",
    ("drill_slo", "pass"): "green",
}


def word(kind: str, tone: str) -> str:
    """The word written in a timeline line's verdict colour."""
    if kind == "verdict":
        return tone
    return _TONE_WORDS.get((kind, tone)) or _WORDS.get(kind, tone)


def short_payload(payload: Any) -> str:
    """An unknown kind's payload as compact JSON, cut to SHORT_PAYLOAD characters."""
    try:
        dumped = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        dumped = repr(payload)
    if len(dumped) > SHORT_PAYLOAD:
        return dumped[: SHORT_PAYLOAD - 1] + "…"
    return dumped


def _with(text: str, extra: str | None, joiner: str = ": ") -> str:
    return f"{text}{joiner}{extra}" if extra else text


def sentence(
    kind: str, payload: Mapping[str, Any], names: Names, prior: str | None = None
) -> tuple[str, str | None] | None:
    """(the line, its verdict tone or None), or None when the record is not worth a line.
    `prior` is the item's verdict before this one, for verdict records."""
    p = payload
    phase, item = fields.text(p, "phase"), fields.text(p, "item")
    if kind == "samples":
        return None
    if kind == "session_opened":
        where = f"{fields.text(p, 'context') or '—'} ({fields.text(p, 'server') or '—'})"
        drill = ", a drill" if fields.flag(p, "drill") else ""
        return f"session opened: {fields.text(p, 'layout') or '—'} on {where}{drill}", None
    if kind == "session_closed":
        return _with("session closed", fields.text(p, "reason")), None
    if kind == "phase_started":
        started = f"phase started: {names.phase(phase)}"
        if fields.flag(p, "early"):
            return _with(f"{started}, early", fields.text(p, "reason")), "pending"
        return started, None
    if kind == "override":
        unmet = ", ".join(names.title(phase, i) for i in fields.strings(p, "unmet"))
        line = f"override of {names.phase(phase)}: {fields.text(p, 'reason') or '(no reason)'}"
        return _with(line, unmet, " — unmet: "), "pending"
    if kind == "tick":
        return _with(f"ticked {names.item(phase, item)}", fields.text(p, "note"), " — "), "done"
    if kind == "untick":
        return _with(f"unticked {names.item(phase, item)}", fields.text(p, "reason"), " — "), None
    if kind == "note":
        about = f" on {names.item(phase, item)}" if item else (
            f" on {names.phase(phase)}" if phase else ""
        )
        return f"note{about}: {fields.text(p, 'text') or ''}", None
    if kind == "signoff":
        bound = fields.mapping(p, "bound")
        to = ", ".join(
            f"{key} {value}" for key in ("target", "revision", "image")
            if (value := fields.text(bound, key))
        )
        line = (f"signed {names.item(phase, item)} as {fields.text(p, 'role') or '—'}: "
                f"“{fields.text(p, 'statement') or ''}”")
        return _with(line, to, " — bound to "), "done"
    if kind == "signoff_lapsed":
        return _with(f"sign-off lapsed: {names.item(phase, item)}", fields.text(p, "why")), "fail"
    if kind == "verdict":
        verdict = fields.text(p, "verdict") or "unknown"
        if verdict == prior:
            return None
        change = f"{prior} → {verdict}" if prior else verdict
        line = _with(f"{names.item(phase, item)}: {change}", fields.text(p, "reason"), " — ")
        found = fields.evidence(p)
        return _with(line, found.summary() if found else None, "; "), verdict
    if kind == "trigger_raised":
        trigger = fields.text(p, "trigger")
        title = fields.text(p, "title") or names.trigger(trigger)
        found = fields.evidence(p)
        return _with(f"trigger raised: {title}", found.summary() if found else None, " — "), "fail"
    if kind == "trigger_acknowledged":
        title = fields.text(p, "title") or names.trigger(fields.text(p, "trigger"))
        return f"trigger acknowledged: {title}", None
    if kind == "trigger_cleared":
        return f"trigger cleared: {names.trigger(fields.text(p, 'trigger'))}", "pass"
    if kind == "operator_changed":
        return f"operator: {fields.text(p, 'from') or '—'} → {fields.text(p, 'to') or '—'}", None
    if kind == "field_set":
        return f"{names.field(fields.text(p, 'field'))} set: {fields.text(p, 'value') or ''}", None
    if kind == "command_approved":
        line = f"command approved for {names.item(phase, item)}: {fields.text(p, 'command') or ''}"
        return line, None
    if kind.startswith("action_"):
        return _action(kind, p)
    if kind.startswith("auto_rollback_"):
        return _auto(kind, p, names.trigger(fields.text(p, "trigger")))
    if kind.startswith("drill_"):
        return _drill(kind, p, names)
    return f"{kind}: {short_payload(payload)}", None


def _fault(p: Mapping[str, Any]) -> str:
    """A fault as its scenario names it: its id, else its place in the timeline."""
    index = fields.number(p, "index")
    return fields.text(p, "id") or (f"fault {int(index) + 1}" if index is not None else "a fault")


def _drill(kind: str, p: Mapping[str, Any], names: Names) -> tuple[str, str | None]:
    """A drill's records (live/drill.py): its start, each fault injected (or not) and taken
    back, the SLOs breached as that changes, a halt, its end."""
    says = fields.text(p, "says")
    if kind == "drill_started":
        staging = fields.flag(p, "staging")
        speed = fields.number(p, "speed")
        where = "staging" if staging else "the simulated cluster" + (
            f" at ×{speed:g}" if speed is not None else "")
        faults, responses = len(fields.items(p, "faults")), len(fields.items(p, "responses"))
        line = (f"drill started: {fields.text(p, 'scenario') or '—'} against {where}, "
                f"{faults} fault{'s' if faults != 1 else ''} and {responses} expected "
                f"response{'s' if responses != 1 else ''}")
        return _with(line, says, " — "), None
    if kind == "drill_fault":
        what = f"{_fault(p)} ({fields.text(p, 'kind') or '—'})"
        if fields.flag(p, "failed"):
            return _with(f"fault {what} could not be injected", says), "unknown"
        if fields.flag(p, "declined"):
            return _with(f"fault {what} not injected", says), None
        return _with(f"fault injected: {what}", says, " — "), "fail"
    if kind == "drill_fault_undone":
        if fields.flag(p, "failed"):
            return _with(f"fault {_fault(p)} not taken back", says), "fail"
        return _with(f"fault taken back: {_fault(p)}", says, " — "), "pass"
    if kind == "drill_slo":
        breached = [names.signal(s) for s in fields.strings(p, "breached")]
        if not breached:
            return "drill: every SLO within bounds", "pass"
        plural = "s" if len(breached) > 1 else ""
        return f"drill: SLO{plural} breached now: {', '.join(breached)}", "fail"
    if kind == "drill_halted":
        undone = ", ".join(fields.strings(p, "undone"))
        line = f"drill HALTED: {fields.text(p, 'why') or '—'}"
        return _with(line, undone, " — taken back: "), "fail"
    if kind == "drill_finished":
        done = p.get("completion")
        checklist = None
        if isinstance(done, list) and len(done) == 2 and all(
            isinstance(n, int) and not isinstance(n, bool) for n in done
        ):
            checklist = f"checklist {done[0]}/{done[1]} items passing"
        return _with(f"drill over: {fields.text(p, 'why') or '—'}", checklist, " — "), None
    return f"{kind}: {short_payload(p)}", None


def _auto(kind: str, p: Mapping[str, Any], trigger: str) -> tuple[str, str | None]:
    """A trigger's automatic rollback (live/auto_rollback.py): armed with its countdown,
    cancelled (by whom is the record's operator) with the reason, disarmed, fired, finished."""
    target = fields.text(p, "target") or "its target"
    if kind == "auto_rollback_armed":
        seconds = p.get("seconds")
        within = f" in {seconds:g} s" if isinstance(seconds, int | float) else ""
        title = fields.text(p, "title") or trigger
        return f"automatic rollback of {target} armed{within}: {title} holds", "fail"
    if kind == "auto_rollback_cancelled":
        return _with(f"automatic rollback cancelled ({trigger})", fields.text(p, "reason")), None
    if kind == "auto_rollback_disarmed":
        line = f"automatic rollback disarmed ({trigger})"
        return _with(line, fields.text(p, "why")), "pass"
    if kind == "auto_rollback_fired":
        return f"automatic rollback of {target} fired: its countdown ran out ({trigger})", None
    if kind == "auto_rollback_finished":
        ok = p.get("ok") is True
        line = f"automatic rollback of {target} {'done' if ok else 'failed'}"
        return _with(line, fields.text(p, "outcome"), " — "), "pass" if ok else "fail"
    return f"{kind}: {short_payload(p)}", None


def _part(p: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = p.get(key)
    return value if isinstance(value, dict) else {}


def _action(kind: str, p: Mapping[str, Any]) -> tuple[str, str | None]:
    """An action's records (actions/run.py): what was done to which target, each call's
    answer, and how it ended."""
    target = _part(p, "target")
    where = "/".join(str(target[k]) for k in ("namespace", "name") if target.get(k))
    what = f"{fields.text(p, 'action') or 'action'} {target.get('kind', '')} {where}".strip()
    if kind == "action_started":
        preview = p.get("preview")
        said = "; ".join(map(str, preview)) if isinstance(preview, list) else ""
        line = _with(f"action started: {what}", said or None, " — ")
        return _with(line, fields.text(p, "because"), " — "), None
    if kind == "action_call":
        answer = _part(p, "answer")
        named = " ".join(str(answer[k]) for k in ("kind", "name") if answer.get(k))
        version = answer.get("resourceVersion")
        at = f" at resourceVersion {version}" if version else ""
        said = fields.text(p, "error") or (named + at)
        return _with(f"call: {fields.text(p, 'call') or '—'}", said or None, " → "), None
    if kind == "action_done":
        ok = p.get("ok") is True
        line = f"action {'done' if ok else 'failed'}: {what}"
        return _with(line, fields.text(p, "sentence"), " — "), "pass" if ok else "fail"
    if kind == "action_refused":
        checked = _part(p, "preflight")
        reasons = [*(checked.get("denied") or []), *(checked.get("refused") or [])]
        why = fields.text(p, "reason") or (str(reasons[0]) if reasons else None)
        return _with(f"action refused: {what}", why, " — "), "fail"
    if kind == "action_skipped":
        return _with(f"action skipped: {what}", fields.text(p, "reason"), " — "), None
    return f"{kind}: {short_payload(p)}", None
