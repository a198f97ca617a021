"""The go-live record as values: what a session's journal says happened, ready to be written.

`build_report` folds the journal's records (parsed JSON dicts, in file order) into a `Report`;
the Markdown and HTML writers only format it. The report does not verify the hash chain
itself: the caller passes what the journal's verifier said as a `ChainStatus`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from warroom.report import fields
from warroom.report.drill import Drill, drills_of
from warroom.report.parts import (
    Event,
    Item,
    Mark,
    Override,
    Phase,
    Session,
    SessionField,
    Signoff,
    Summary,
    Trigger,
    Verdict,
)
from warroom.report.series import Series, build_series
from warroom.report.timeline import Names, sentence
from warroom.report.times import when


@dataclass(frozen=True)
class ChainStatus:
    """What the journal's verifier found: whether the hash chain holds, over how many records,
    the head hash, and the one-sentence problem when it does not hold."""

    ok: bool
    records: int
    head: str
    problem: str | None = None


@dataclass(frozen=True)
class Report:
    """A whole session's record; `summary` is counted from the phases' items."""

    session: Session
    phases: tuple[Phase, ...]
    timeline: tuple[Event, ...]
    overrides: tuple[Override, ...]
    triggers: tuple[Trigger, ...]
    signals: tuple[Series, ...]
    chain: ChainStatus
    drills: tuple[Drill, ...] = ()  # each drill the session ran, scored (drill.py)
    summary: Summary = field(init=False)

    def __post_init__(self) -> None:
        counts: dict[str, int] = {}
        every = [item for phase in self.phases for item in phase.items]
        for item in every:
            counts[item.state] = counts.get(item.state, 0) + 1
        summary = Summary(len(every), counts, len(self.overrides), len(self.triggers))
        object.__setattr__(self, "summary", summary)  # frozen: set once, from the phases

    @property
    def is_drill(self) -> bool:
        """A drill's record: the session was opened as one, or a drill ran in it."""
        return self.session.drill or bool(self.drills)

    @property
    def title(self) -> str:
        kind = "Drill" if self.is_drill else "Go-live"
        return f"{kind} record: {self.session.layout}"

    def when(self, at: float | None) -> str:
        """A moment as every part of the report writes it: cluster time, T± from go-live."""
        return when(at, self.session.go_live)


def build_report(records: Iterable[Mapping[str, Any]], chain: ChainStatus) -> Report:
    """The report of a session from its journal's records, in file order."""
    read = [record for record in records if isinstance(record, Mapping)]
    fold = _Fold()
    for record in read:
        fold.add(record)
    return fold.report(chain, drills_of(read))


class _Fold:
    """Reads the records one by one, keeping the latest of everything."""

    def __init__(self) -> None:
        self.names = Names()
        self.session = Session()
        self.operators: list[str] = []
        self.phase_order: list[str] = []
        self.phases: dict[str, Phase] = {}
        self.items: dict[tuple[str, str], Item] = {}
        self.overrides: list[Override] = []
        self.triggers: list[Trigger] = []
        self.timeline: list[Event] = []
        self.signals: Mapping[str, Mapping[str, Any]] = {}
        self.samples: list[tuple[float, Mapping[str, Any]]] = []
        self.fields: dict[str, SessionField] = {}

    def add(self, record: Mapping[str, Any]) -> None:
        kind = fields.text(record, "kind") or "(no kind)"
        payload = fields.mapping(record, "payload")
        at = fields.number(fields.mapping(record, "at"), "cluster")
        operator = fields.text(record, "operator") or "—"
        seq = fields.number(record, "seq")
        if operator != "—" and operator not in self.operators:
            self.operators.append(operator)
        prior = None
        if kind == "verdict":
            known = self.items.get(self._key(payload))
            prior = known.verdicts[-1] if known and known.verdicts else None
        said = sentence(kind, payload, self.names if kind != "session_opened" else Names(), prior)
        handler = getattr(self, f"_{kind}", None) if kind.isidentifier() else None
        if handler is not None:
            handler(payload, Mark(operator, at), at)
        if said is not None:
            text, tone = said
            self.timeline.append(Event(int(seq) if seq is not None else None, at, operator,
                                       kind, text, tone))

    def report(self, chain: ChainStatus, drills: tuple[Drill, ...]) -> Report:
        phases = tuple(
            replace(self.phases[pid], items=tuple(
                self.items[(pid, item.id)] for item in self.phases[pid].items
            ))
            for pid in self.phase_order
        )
        return Report(
            session=replace(
                self.session, operators=tuple(self.operators), fields=tuple(self.fields.values())
            ),
            phases=phases,
            timeline=tuple(self.timeline),
            overrides=tuple(self.overrides),
            triggers=tuple(self.triggers),
            signals=build_series(self.signals, self.samples),
            chain=chain,
            drills=drills,
        )

    # -- where a record lands ------------------------------------------------------------

    @staticmethod
    def _key(payload: Mapping[str, Any]) -> tuple[str, str]:
        return fields.text(payload, "phase") or "—", fields.text(payload, "item") or "—"

    def _phase(self, pid: str) -> Phase:
        """The phase, made up on the spot when session_opened did not declare it (a record of
        a layout changed mid-session, or a journal missing its first line)."""
        if pid not in self.phases:
            self.phases[pid] = Phase(pid, self.names.phase(pid), None, ())
            self.phase_order.append(pid)
        return self.phases[pid]

    def _item(self, key: tuple[str, str]) -> Item:
        if key not in self.items:
            phase = self._phase(key[0])
            item = Item(key[0], key[1], self.names.title(*key), "—", False, None)
            self.phases[key[0]] = replace(phase, items=(*phase.items, item))
            self.items[key] = item
        return self.items[key]

    def _set(self, key: tuple[str, str], **changes: Any) -> None:
        self.items[key] = replace(self._item(key), **changes)

    # -- one method per kind (records.md) -------------------------------------------------

    def _session_opened(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        self.session = Session(
            layout=fields.text(p, "layout") or "—",
            layout_path=fields.text(p, "layout_path"),
            layout_hash=fields.text(p, "layout_hash"),
            context=fields.text(p, "context") or "—",
            server=fields.text(p, "server") or "—",
            namespaces=fields.strings(p, "namespaces"),
            go_live=fields.number(p, "go_live"),
            drill=fields.flag(p, "drill"),
            production=fields.flag(p, "production"),
            warroom=fields.text(p, "warroom"),
            opened=mark,
        )
        signals = fields.mapping(p, "signals")
        self.signals = {str(k): v for k, v in signals.items() if isinstance(v, Mapping)}
        for sid, spec in self.signals.items():
            self.names.signals[sid] = fields.text(spec, "title") or sid
        for trigger in fields.items(p, "triggers"):
            tid = fields.text(trigger, "id") or "—"
            self.names.triggers[tid] = fields.text(trigger, "title") or tid
        for spec in fields.items(p, "session_fields"):
            fid = fields.text(spec, "id") or "—"
            title = self.names.fields[fid] = fields.text(spec, "title") or fid
            known = self.fields.get(fid, SessionField(fid, title))  # a reopen keeps the values
            self.fields[fid] = replace(known, title=title, required=fields.flag(spec, "required"))
        for spec in fields.items(p, "phases"):
            pid = fields.text(spec, "id") or "—"
            self.names.phases[pid] = fields.text(spec, "title") or pid
            items = []
            for raw in fields.items(spec, "items"):
                iid = fields.text(raw, "id") or "—"
                title = fields.text(raw, "title") or iid
                self.names.items[(pid, iid)] = title
                item = Item(pid, iid, title, fields.text(raw, "check") or "—",
                            fields.flag(raw, "required"), fields.text(raw, "role"))
                items.append(item)
                self.items.setdefault((pid, iid), item)
            if pid not in self.phases:
                self.phase_order.append(pid)
            self.phases[pid] = Phase(pid, self.names.phases[pid], fields.text(spec, "at"),
                                     tuple(items))

    def _session_closed(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        self.session = replace(self.session, closed=replace(mark, text=fields.text(p, "reason")))

    def _phase_started(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        pid = fields.text(p, "phase") or "—"
        self.phases[pid] = replace(self._phase(pid), started=replace(
            mark, text=fields.text(p, "reason")), early=fields.flag(p, "early"))

    def _override(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        pid = fields.text(p, "phase") or "—"
        phase = self._phase(pid)
        override = Override(pid, phase.title, mark.operator, at, fields.text(p, "reason") or "",
                            tuple(self.names.title(pid, i) for i in fields.strings(p, "unmet")))
        self.overrides.append(override)
        self.phases[pid] = replace(self.phases[pid], overrides=(*phase.overrides, override))

    def _tick(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        self._set(self._key(p), tick=replace(mark, text=fields.text(p, "note")), untick=None,
                  state="done", state_at=at, cause="tick")

    def _untick(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        self._set(self._key(p), tick=None, untick=replace(mark, text=fields.text(p, "reason")),
                  state="pending", state_at=at, cause="untick")

    def _note(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        if fields.text(p, "item") is None:
            return  # a note on the session or a phase is in the timeline only
        key = self._key(p)
        note = replace(mark, text=fields.text(p, "text"))
        self._set(key, notes=(*self._item(key).notes, note))

    def _signoff(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        bound = fields.mapping(p, "bound")
        evidence = fields.mapping(bound, "evidence")
        signed = Signoff(
            operator=mark.operator, at=at,
            role=fields.text(p, "role") or "—",
            statement=fields.text(p, "statement") or "",
            note=fields.text(p, "note"),
            target=fields.text(bound, "target"),
            revision=fields.text(bound, "revision"),
            image=fields.text(bound, "image"),
            evidence=tuple((str(k), str(v)) for k, v in evidence.items()),
            digest=fields.text(bound, "digest"),
            fields=tuple(
                (self.names.field(str(k)), str(v))
                for k, v in fields.mapping(bound, "fields").items()
            ),
        )
        self._set(self._key(p), signoff=signed, state="done", state_at=at, cause="signoff")

    def _signoff_lapsed(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        key = self._key(p)
        signed = self._item(key).signoff
        lapse = replace(mark, text=fields.text(p, "why"))
        if signed is not None:
            self._set(key, signoff=replace(signed, lapsed=lapse))
        self._set(key, state="pending", state_at=at, cause="signoff_lapsed")

    def _verdict(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        key = self._key(p)
        item = self._item(key)
        verdict = fields.text(p, "verdict") or "unknown"
        history = item.verdicts if item.verdicts[-1:] == (verdict,) else (*item.verdicts, verdict)
        found = Verdict(verdict, fields.text(p, "reason") or "", at, fields.evidence(p))
        self._set(key, verdict=found, verdicts=history, state=verdict, state_at=at,
                  cause="verdict")

    def _trigger_raised(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        tid = fields.text(p, "trigger") or "—"
        title = fields.text(p, "title") or self.names.trigger(tid)
        self.triggers.append(Trigger(tid, title, mark, fields.evidence(p)))

    def _trigger_cleared(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        tid = fields.text(p, "trigger") or "—"
        for i in range(len(self.triggers) - 1, -1, -1):
            if self.triggers[i].id == tid and self.triggers[i].cleared is None:
                self.triggers[i] = replace(self.triggers[i], cleared=mark)
                return

    def _command_approved(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        key = self._key(p)
        approved = replace(mark, text=fields.text(p, "command"))
        self._set(key, commands=(*self._item(key).commands, approved))

    def _field_set(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        fid = fields.text(p, "field") or "—"
        known = self.fields.get(fid, SessionField(fid, self.names.field(fid)))
        value = replace(mark, text=fields.text(p, "value") or "")
        self.fields[fid] = replace(known, values=(*known.values, value))

    def _samples(self, p: Mapping[str, Any], mark: Mark, at: float | None) -> None:
        if at is not None:
            self.samples.append((at, fields.mapping(p, "values")))
