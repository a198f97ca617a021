"""What a session's journal says about the checklist, folded record by record: ticks, notes,
sign-offs, overrides, phase starts, the commands approved and the session's fields. Replaying a
journal gives back the same state, so a restart (or a second engineer's process) sees what was
recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from warroom.checklist.auto_rollback import AutoRollbacks


@dataclass(frozen=True, slots=True)
class Tick:
    operator: str
    at: float
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SignOff:
    operator: str
    at: float
    role: str
    statement: str
    bound: Mapping[str, Any]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PhaseStart:
    operator: str
    at: float
    early: bool = False
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
    operator: str
    at: float
    text: str
    phase: str | None = None
    item: str | None = None


@dataclass(frozen=True, slots=True)
class FieldValue:
    """A session field set: its value, who set it and when."""

    operator: str
    at: float
    value: str


def unset_words(titles: Sequence[str]) -> str:
    """`session field Version not set`, or `3 session fields not set`: short enough for a
    row's reason (the fields' line above the checklist names each)."""
    if len(titles) == 1:
        return f"session field {titles[0]} not set"
    return f"{len(titles)} session fields not set"


@dataclass
class SessionState:
    """The checklist's recorded state. Apply records in journal order."""

    opened_at: float | None = None
    go_live: float | None = None
    ticks: dict[str, list[Tick]] = field(default_factory=dict)
    signoffs: dict[str, list[SignOff]] = field(default_factory=dict)
    lapsed: dict[str, str] = field(default_factory=dict)  # item → why its sign-offs lapsed
    notes: list[Note] = field(default_factory=list)
    started: dict[str, PhaseStart] = field(default_factory=dict)
    overrides: dict[str, PhaseStart] = field(default_factory=dict)
    approved: set[str] = field(default_factory=set)  # items whose command was shown and approved
    proved: dict[str, float] = field(default_factory=dict)  # item → when it first passed
    # Session field → every value it was set to, in order: the last one counts.
    fields: dict[str, list[FieldValue]] = field(default_factory=dict)
    # The triggers' automatic rollbacks: countdowns, cancels, what fired (auto_rollback.py).
    auto: AutoRollbacks = field(default_factory=AutoRollbacks)
    # Triggers raised now whose banner a person acknowledged: who, and when (until it clears).
    acknowledged: dict[str, Tick] = field(default_factory=dict)
    version: int = 0

    def apply(self, kind: str, payload: Mapping[str, Any], operator: str, at: float) -> None:
        """One journal record (kind and payload as docs/journal.md writes them)."""
        if kind == "trigger_acknowledged":
            trigger = str(payload.get("trigger") or "")
            if trigger:
                self.acknowledged.setdefault(trigger, Tick(operator, at))
                self.version += 1
            return
        if kind.startswith("auto_rollback_") or kind == "trigger_cleared":
            if kind == "trigger_cleared":
                gone = self.acknowledged.pop(str(payload.get("trigger") or ""), None)
                self.version += gone is not None
            self.auto.apply(kind, payload, operator, at)
            return
        item = str(payload.get("item") or "")
        phase = str(payload.get("phase") or "")
        if kind == "session_opened":
            if self.opened_at is None:
                self.opened_at = at
            go_live = payload.get("go_live")
            if isinstance(go_live, int | float):
                self.go_live = float(go_live)
        elif kind == "tick":
            ticks = [t for t in self.ticks.get(item, []) if t.operator != operator]
            self.ticks[item] = [*ticks, Tick(operator, at, payload.get("note"))]
        elif kind == "untick":
            self.ticks.pop(item, None)
            self.signoffs.pop(item, None)
            self.lapsed.pop(item, None)
        elif kind == "note":
            self.notes.append(
                Note(operator, at, str(payload.get("text", "")), phase or None, item or None)
            )
        elif kind == "signoff":
            signed = [s for s in self.signoffs.get(item, []) if s.operator != operator]
            self.lapsed.pop(item, None)
            self.signoffs[item] = [
                *signed,
                SignOff(
                    operator,
                    at,
                    str(payload.get("role", "")),
                    str(payload.get("statement", "")),
                    payload.get("bound") or {},
                    payload.get("note"),
                ),
            ]
        elif kind == "signoff_lapsed":
            self.signoffs.pop(item, None)
            self.lapsed[item] = str(payload.get("why", "what it signed changed"))
        elif kind == "phase_started":
            self.started.setdefault(
                phase, PhaseStart(operator, at, bool(payload.get("early")), payload.get("reason"))
            )
        elif kind == "override":
            self.overrides[phase] = PhaseStart(operator, at, True, payload.get("reason"))
        elif kind == "command_approved":
            self.approved.add(item)
        elif kind == "field_set":
            name = str(payload.get("field") or "")
            value = payload.get("value")
            if not name or not isinstance(value, str):
                return
            self.fields.setdefault(name, []).append(FieldValue(operator, at, value))
        elif kind == "verdict":
            if payload.get("verdict") == "pass":
                self.proved.setdefault(item, at)
            return
        else:
            return
        self.version += 1

    def field_value(self, name: str) -> FieldValue | None:
        """The session field's value now (the last set), or None while it is not set."""
        history = self.fields.get(name)
        return history[-1] if history else None

    def tickers(self, item: str) -> list[str]:
        """The distinct people who ticked `item`, in order."""
        return [t.operator for t in self.ticks.get(item, [])]
