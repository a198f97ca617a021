"""The pieces of a go-live record: items and their final state, sign-offs, overrides, triggers,
the timeline's lines and the session's facts. Frozen values; `model.build_report` makes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from warroom.report.fields import Evidence
from warroom.report.timeline import word


@dataclass(frozen=True)
class Mark:
    """Someone did something at a time, with what they wrote (a note, a reason, a why)."""

    operator: str
    at: float | None
    text: str | None = None


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reason: str
    at: float | None
    evidence: Evidence | None


@dataclass(frozen=True)
class Signoff:
    """A sign-off and what it was bound to; `lapsed` says when and why it stopped holding."""

    operator: str
    at: float | None
    role: str
    statement: str
    note: str | None
    target: str | None
    revision: str | None
    image: str | None
    evidence: tuple[tuple[str, str], ...]
    lapsed: Mark | None = None
    digest: str | None = None  # the image digest the target's pods ran when signed
    fields: tuple[tuple[str, str], ...] = ()  # (title, value) of the session fields set then


@dataclass(frozen=True)
class Item:
    """One checklist item and its final state: the last thing that happened to it decides
    `state` (a verdict, a tick → done, an untick → pending, a sign-off → done, a lapse →
    pending); an item nothing happened to is unknown."""

    phase: str
    id: str
    title: str
    check: str
    required: bool
    role: str | None
    state: str = "unknown"
    state_at: float | None = None
    cause: str | None = None  # the kind of the record that set `state`
    verdict: Verdict | None = None
    verdicts: tuple[str, ...] = ()
    tick: Mark | None = None
    untick: Mark | None = None
    signoff: Signoff | None = None
    notes: tuple[Mark, ...] = ()
    commands: tuple[Mark, ...] = ()

    @property
    def by(self) -> str | None:
        """Who stands behind the item: the signer (with role), else the ticker or unticker."""
        if self.signoff is not None:
            lapsed = ", lapsed" if self.signoff.lapsed is not None else ""
            return f"{self.signoff.operator} ({self.signoff.role}){lapsed}"
        if self.tick is not None:
            return self.tick.operator
        if self.untick is not None:
            return self.untick.operator
        return None


@dataclass(frozen=True)
class Override:
    phase: str
    phase_title: str
    operator: str
    at: float | None
    reason: str
    unmet: tuple[str, ...]


@dataclass(frozen=True)
class Phase:
    id: str
    title: str
    planned: str | None
    items: tuple[Item, ...]
    started: Mark | None = None
    early: bool = False
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True)
class Trigger:
    """One time a trigger was raised, and when (if ever) it was cleared."""

    id: str
    title: str
    raised: Mark
    evidence: Evidence | None
    cleared: Mark | None = None


@dataclass(frozen=True)
class Event:
    """One line of the timeline; `tone` is a verdict word when the line has one."""

    seq: int | None
    at: float | None
    operator: str
    kind: str
    text: str
    tone: str | None = None

    @property
    def word(self) -> str | None:
        """The word its colour carries: the verdict, or what happened (raised, lapsed…)."""
        return None if self.tone is None else word(self.kind, self.tone)


@dataclass(frozen=True)
class SessionField:
    """A session field the layout declared (or a record named) and every value it was set to,
    in order (each a Mark whose text is the value): the last one counts."""

    id: str
    title: str
    required: bool = False
    values: tuple[Mark, ...] = ()

    @property
    def value(self) -> Mark | None:
        return self.values[-1] if self.values else None


@dataclass(frozen=True)
class Session:
    layout: str = "—"
    layout_path: str | None = None
    layout_hash: str | None = None
    context: str = "—"
    server: str = "—"
    namespaces: tuple[str, ...] = ()
    go_live: float | None = None
    drill: bool = False
    production: bool = False
    warroom: str | None = None
    opened: Mark | None = None
    closed: Mark | None = None
    operators: tuple[str, ...] = ()
    fields: tuple[SessionField, ...] = ()


@dataclass(frozen=True)
class Summary:
    items: int
    counts: Mapping[str, int]
    overrides: int
    triggers: int

    def line(self) -> str:
        parts = [f"{self.counts.get(v, 0)} {word}" for v, word in _SUMMARY_WORDS]
        return (
            f"{self.items} items: " + ", ".join(parts)
            + f"; {self.overrides} override{'s' if self.overrides != 1 else ''}"
            + f", {self.triggers} trigger{'s' if self.triggers != 1 else ''} raised"
        )


_SUMMARY_WORDS = (
    ("pass", "passed"), ("fail", "failed"), ("unknown", "unknown"),
    ("pending", "pending"), ("done", "done"),
)
