"""The checklist of a live room: evaluated on a tick, recorded in the session journal.

`ChecklistRun` builds the evaluator's World from the room (picture, signals, probes), judges
it, and journals what changed (verdicts with evidence, triggers raised and cleared, sign-offs
that lapsed) and what the operator does (tick, note, override, sign off, run a command, set a
session field). Each
operator act is written (fsync'd) to the journal *before* it counts: a write that fails raises
JournalWriteError and nothing changes. Records another process appended to the same session
(a second engineer) are folded in on every tick.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from warroom.checklist.evaluator import Evaluation, Evaluator
from warroom.checklist.session import SessionState
from warroom.checklist.verdicts import ItemVerdict
from warroom.checklist.world import SignalFacts, World
from warroom.journal.journal import Journal, JournalError, JournalWriteError
from warroom.journal.records import Record
from warroom.layout import Layout
from warroom.layout import Signal as LayoutSignal
from warroom.layout.checklist import Item, Phase
from warroom.live.probing import ProbeRunner
from warroom.live.readings import signal_status
from warroom.live.room import Room
from warroom.metrics.history import SignalReading

SAMPLE_EVERY = 30.0  # cluster seconds between the signal samples the report graphs


class Refused(Exception):
    """An operator act the checklist does not allow; str() says why and what to do."""


@dataclass(frozen=True)
class Found:
    phase: Phase
    item: Item


def signal_facts(
    sid: str,
    spec: LayoutSignal,
    reading: SignalReading,
    source: str,
    pace: float,
    unknown: str = "",
) -> SignalFacts:
    """One polled signal as the checks read it: its live series' points, current only when
    the last poll answered with data and the targets behind it are up (`unknown` says why
    not). `warroom check --backtest` builds the same from each step of a range query."""
    fresh = reading.freshness.state == "ok" and not reading.freshness.stale and not unknown
    by = spec.by or ""
    series = tuple(
        (s.labels.get(by, "") if by else s.title, s.points)
        for s in reading.series
        if s.live and s.points
    )
    newest = max((pts[-1][0] for _, pts in series), default=None)
    return SignalFacts(
        sid,
        spec.query,
        series,
        fresh,
        (f"unknown: {unknown}" if unknown else signal_status(reading.freshness)) or "ok",
        source,
        spec.unit,
        spec.title or sid,
        spec.slo.min if spec.slo else None,
        spec.slo.max if spec.slo else None,
        pace,
        newest,
    )


class ChecklistRun:
    """One room's checklist, its session state and its journal."""

    def __init__(
        self,
        room: Room,
        journal: Journal | None,
        probes: ProbeRunner | None = None,
        *,
        pace: Callable[[], float] | None = None,
    ) -> None:
        self.room = room
        self.layout: Layout = room.layout
        self.journal = journal
        self.probes = probes
        self.evaluator = Evaluator(self.layout)
        self.session = SessionState()
        self.pace = pace or (lambda: room.connection.clock.rate)
        self.evaluation: Evaluation | None = None
        # The journal's last write failure (one sentence), until a write succeeds again.
        self.write_error = ""
        self.version = 0
        self._next_sample = -math.inf
        self._auto_asked: set[str] = set()  # auto commands this process has started
        for record in journal.records if journal is not None else ():
            self._fold(record)

    # -- the tick ------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.room.picture.clock()

    def world(self) -> World:
        picture = self.room.picture
        failing = [s for s in picture.sources() if s.failing or s.stale]
        status = failing[0].error or f"{failing[0].source} is not current" if failing else ""
        return World(
            now=self.now,
            picture=picture,
            picture_fresh=not failing,
            picture_status=status,
            signals=self._signals(),
            probes=dict(self.probes.results) if self.probes is not None else {},
            session=self.session,
        )

    def _signals(self) -> dict[str, SignalFacts]:
        poller = self.room.signals
        if poller is None:
            return {}
        readings = poller.snapshot()
        pace, source = self.pace(), f"Prometheus at {poller.url}"
        return {
            sid: signal_facts(sid, spec, reading, source, pace, readings.targets.unknown(sid))
            for sid, spec in self.layout.signals.items()
            if (reading := readings.signals.get(sid)) is not None
        }

    def follow(self) -> None:
        """Between ticks: read what changed in the cluster since (Evaluator.follow)."""
        self.evaluator.follow()

    def tick(self) -> Evaluation:
        """Fold in others' records, judge everything, journal what changed."""
        if self.journal is not None:
            for record in self.journal.poll():
                self._fold(record)
        self._run_auto()
        evaluation = self.evaluator.evaluate(self.world())
        if self.journal is not None and not self.journal.read_only:
            try:
                self._record(evaluation)
            except JournalError as failed:
                self.write_error = str(failed)
                # What could not be written is written once the journal takes writes again.
                self.evaluator.forget()
        self.evaluation = evaluation
        self.version += 1
        return evaluation

    def _run_auto(self) -> None:
        """`auto: true` commands run by themselves once approved in this session (the screen
        asked, `r`), and again each time warroom opens the session."""
        if self.probes is None:
            return
        for _, item in self.layout.items():
            command = item.command
            if (
                command is not None
                and command.auto
                and item.id in self.session.approved
                and item.id not in self._auto_asked
            ):
                self._auto_asked.add(item.id)
                self.probes.ask(item.id)

    def _record(self, ev: Evaluation) -> None:
        for verdict in ev.changes:
            self._append("verdict", _verdict_payload(verdict))
        for trigger in ev.trigger_changes:
            if trigger.raised:
                self._append(
                    "trigger_raised",
                    {
                        "trigger": trigger.id,
                        "title": trigger.title,
                        "evidence": trigger.evidence.record(),
                    },
                )
            else:
                self._append("trigger_cleared", {"trigger": trigger.id})
        for lapse in ev.lapses:
            self._append(
                "signoff_lapsed", {"phase": lapse.phase, "item": lapse.item, "why": lapse.why}
            )
        for i, phase in enumerate(ev.phases):
            if i <= ev.current and i < len(ev.phases) and phase.id not in self.session.started:
                early = i > 0 and not ev.phases[i - 1].complete
                self._append(
                    "phase_started",
                    {
                        "phase": phase.id,
                        "early": early,
                        "reason": self.session.overrides[ev.phases[i - 1].id].reason
                        if early and ev.phases[i - 1].id in self.session.overrides
                        else None,
                    },
                )
        if ev.now >= self._next_sample and self.layout.signals:
            values = {}
            for sid, facts in self._signals().items():
                latest = [pts[-1][1] for _, pts in facts.series if pts]
                values[sid] = latest[0] if facts.fresh and len(latest) == 1 else None
            self._append("samples", {"values": values})
            self._next_sample = ev.now + SAMPLE_EVERY

    def _append(self, kind: str, payload: dict[str, object]) -> Record:
        if self.journal is None:
            raise Refused("this run keeps no journal, so nothing can be recorded")
        try:
            record = self.journal.append(kind, payload)
        except JournalWriteError as failed:
            self.write_error = str(failed)
            raise
        self.write_error = ""
        self._fold(record)
        return record

    def claim(
        self,
        kind: str,
        payload: dict[str, object],
        taken: Callable[[Sequence[Record]], bool],
    ) -> Record | None:
        """Append unless another process's record not yet folded in decided it first
        (`Journal.claim`); those records are folded in either way."""
        if self.journal is None:
            raise Refused("this run keeps no journal, so nothing can be recorded")
        try:
            record = self.journal.claim(kind, payload, taken)
        except JournalWriteError as failed:
            self.write_error = str(failed)
            raise
        self.write_error = ""
        for other in self.journal.poll():
            self._fold(other)
        if record is not None:
            self._fold(record)
        return record

    def _fold(self, record: Record) -> None:
        self.session.apply(record.kind, record.payload, record.operator, record.at_cluster)

    # -- what the operator does ----------------------------------------------------------

    def find(self, item_id: str) -> Found:
        for phase, item in self.layout.items():
            if item.id == item_id:
                return Found(phase, item)
        raise Refused(f"there is no item {item_id!r} in this layout")

    def tick_item(self, item_id: str, note: str | None = None) -> Record:
        """Tick a manual item (recorded before it shows as done)."""
        found = self.find(item_id)
        if found.item.signoff is not None:
            raise Refused(f"{found.item.title} is a sign-off; sign it rather than tick it")
        if not found.item.ticked_by_person:
            raise Refused(
                f"{found.item.title} is proved by its check ({found.item.kind}); "
                "it cannot be ticked by hand — override the phase if you must go on"
            )
        return self._append(
            "tick", {"phase": found.phase.id, "item": item_id, "note": note or None}
        )

    def untick_item(self, item_id: str, reason: str | None = None) -> Record:
        found = self.find(item_id)
        if item_id not in self.session.ticks and item_id not in self.session.signoffs:
            raise Refused(f"{found.item.title} is not ticked")
        return self._append(
            "untick", {"phase": found.phase.id, "item": item_id, "reason": reason or None}
        )

    def note(self, text: str, item_id: str | None = None) -> Record:
        text = text.strip()
        if not text:
            raise Refused("the note is empty; type what you want recorded")
        phase = self.find(item_id).phase.id if item_id else None
        return self._append("note", {"text": text, "phase": phase, "item": item_id})

    def override(self, phase_id: str, reason: str) -> Record:
        """Go on past `phase_id` though its required items do not all pass."""
        reason = reason.strip()
        if not reason:
            raise Refused("an override needs a reason; type why it is safe to go on")
        # Judged now, not from the last tick: an item ticked a moment ago is not unmet.
        ev = self.tick()
        state = next((p for p in ev.phases if p.id == phase_id), None)
        if state is None:
            raise Refused(f"there is no phase {phase_id!r} in this layout")
        if state.complete:
            raise Refused(f"{state.title} is complete; nothing to override")
        unmet = [v.item for v in state.items if v.verdict not in ("pass", "done")]
        return self._append("override", {"phase": phase_id, "reason": reason, "unmet": unmet})

    def sign(self, item_id: str, note: str | None = None) -> Record:
        """Sign off `item_id` as the current operator, bound to what it signs now."""
        found = self.find(item_id)
        signoff = found.item.signoff
        if signoff is None:
            raise Refused(f"{found.item.title} is not a sign-off")
        operator = self.operator
        starter = self.session.started.get(found.phase.id)
        if (
            not found.phase.starter_may_sign
            and starter is not None
            and starter.operator == operator
        ):
            raise Refused(
                f"{operator} started {found.phase.title}, and this layout forbids the one who "
                "started a phase from signing its gate; hand over to someone else"
            )
        if any(s.operator == operator for s in self.session.signoffs.get(item_id, [])):
            raise Refused(f"{operator} has already signed {found.item.title}")
        unset = self.evaluator.unset(self.session) if item_id == self.evaluator.go else ()
        if unset:
            plural = "s" if len(unset) > 1 else ""
            raise Refused(
                f"{found.item.title} decides the go-live: set the session field{plural} "
                f"{', '.join(unset)} first"
            )
        world = self.world()
        bound = self.evaluator.bound(found.item, world)
        ev = self.tick()  # what the phase says at the moment of signing, not at the last tick
        evidence = {
            v.item: v.verdict
            for p in ev.phases
            if p.id == found.phase.id
            for v in p.items
            if v.item != item_id
        }
        role = self.layout.roles.get(signoff.role, signoff.role)
        return self._append(
            "signoff",
            {
                "phase": found.phase.id,
                "item": item_id,
                "role": role,
                "statement": signoff.statement,
                "note": note or None,
                "bound": {
                    "target": bound.target if bound else None,
                    "revision": bound.revision if bound else None,
                    "image": bound.image if bound else None,
                    "digest": bound.digest if bound else None,
                    "evidence": evidence,
                    # The go-live record's facts as they stood when it was signed.
                    "fields": {
                        name: value.value
                        for name in self.layout.session_fields
                        if (value := self.session.field_value(name)) is not None
                    },
                },
            },
        )

    def set_field(self, name: str, typed: str) -> Record:
        """Set session field `name` to what the operator typed (recorded before it shows)."""
        spec = self.layout.session_fields.get(name)
        if spec is None:
            raise Refused(f"there is no session field {name!r} in this layout")
        try:
            value = spec.accept(typed)
        except ValueError as wrong:
            raise Refused(str(wrong)) from None
        now = self.session.field_value(name)
        if now is not None and now.value == value:
            raise Refused(f"{spec.title} is already {value}")
        return self._append("field_set", {"field": name, "value": value})

    def run_now(self, item_id: str) -> str:
        """Run an item's probe now; a command needs approval first (see `approve`)."""
        found = self.find(item_id)
        if self.probes is None or not self.probes.ask(item_id):
            raise Refused(
                f"{found.item.title} has nothing to run; it is judged from what the room watches"
            )
        self._auto_asked.add(item_id)
        return f"running {found.item.title}"

    def needs_approval(self, item_id: str) -> str | None:
        """The exact command to show before an item's command first runs this session."""
        item = self.find(item_id).item
        if item.command is None or item_id in self.session.approved:
            return None
        return item.command.run

    def approve(self, item_id: str) -> Record:
        found = self.find(item_id)
        assert found.item.command is not None
        return self._append(
            "command_approved",
            {"phase": found.phase.id, "item": item_id, "command": found.item.command.run},
        )

    def acknowledge(self, trigger_id: str) -> Record:
        """Say on the record that a person has seen a raised trigger and is on it (the
        banner's key): once per time it is raised, signed by whoever has the keyboard."""
        ev = self.evaluation
        state = next((t for t in ev.triggers if t.id == trigger_id), None) if ev else None
        if state is None or not state.raised:
            raise Refused("that trigger does not hold now; there is nothing to acknowledge")
        seen = self.session.acknowledged.get(trigger_id)
        if seen is not None:
            raise Refused(f"{state.title} is already acknowledged by {seen.operator}")
        return self._append("trigger_acknowledged", {"trigger": trigger_id, "title": state.title})

    def set_operator(self, name: str) -> Record:
        name = name.strip()
        if not name:
            raise Refused("give the name of who takes the keyboard")
        old = self.operator
        if name == old:
            raise Refused(f"{name} is already signing")
        record = self._append("operator_changed", {"from": old, "to": name})
        assert self.journal is not None
        self.journal.operator = name
        return record

    @property
    def operator(self) -> str:
        return self.journal.operator if self.journal is not None else ""

    def record_action(self, kind: str, payload: dict[str, object]) -> Record:
        """An action's record (actions/run.py's), signed by whoever has the keyboard; Refused
        when this run keeps no journal, so that no action runs unrecorded."""
        return self._append(kind, payload)


def _verdict_payload(v: ItemVerdict) -> dict[str, object]:
    return {
        "phase": v.phase,
        "item": v.item,
        "verdict": v.verdict,
        "reason": v.reason,
        "evidence": v.evidence.record(),
    }
