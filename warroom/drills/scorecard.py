"""A drill's timeline and scorecard, derived from its session journal's records (docs/drills.md):
nothing is typed in. The impact is the first fault after the release rehearsed; the first
breach, the detection (a trigger raised), the acknowledgement (its banner's key), the decision
(an action confirmed), the mitigation (every SLO green and every trigger clear again) and the
recovery (every item that passed at the impact passes again) are read from the records, on the
cluster's clock; so are the responses expected, met or missed.

Pure: the live timers, `warroom drill --headless` and `warroom report` all fold the same
records the same way. A record is read as a journal line (a mapping with `kind`, `payload`,
`at.cluster`) or as the journal's `Record` (the same names as attributes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

# What the drill runner journals (live/drill.py), and what of the rest a scorecard reads.
STARTED, FAULT, UNDONE, SLO, HALTED, FINISHED = (
    "drill_started",
    "drill_fault",
    "drill_fault_undone",
    "drill_slo",
    "drill_halted",
    "drill_finished",
)
READ = frozenset(
    {
        STARTED,
        FAULT,
        UNDONE,
        SLO,
        HALTED,
        FINISHED,
        "trigger_raised",
        "trigger_cleared",
        "trigger_acknowledged",
        "action_started",
        "action_done",
        "verdict",
        "override",
        "samples",
    }
)

State = Literal["met", "missed", "running", "pending", "none"]


@dataclass(frozen=True, slots=True)
class Said:
    """One record as the scorecard reads it."""

    kind: str
    payload: Mapping[str, Any]
    at: float  # cluster seconds
    operator: str = ""


def said(record: Any) -> Said:
    """A journal line (mapping: its time at `at.cluster`) or a journal Record, read alike."""
    if isinstance(record, Mapping):
        payload, at = record.get("payload"), record.get("at")
        cluster = at.get("cluster") if isinstance(at, Mapping) else None
        return Said(
            str(record.get("kind", "")),
            payload if isinstance(payload, Mapping) else {},
            float(cluster) if isinstance(cluster, int | float) else 0.0,
            str(record.get("operator") or ""),
        )
    return Said(record.kind, record.payload, float(record.at_cluster), record.operator)


@dataclass(frozen=True, slots=True)
class Moment:
    """One line of the drill's derived timeline."""

    at: float  # cluster seconds
    what: str  # "start", "fault", "breach", "detected", … "finished"
    words: str


@dataclass(frozen=True, slots=True)
class Measure:
    """One timer of the scorecard: seconds from the impact, against its target."""

    name: str  # detect, acknowledge, decide, mitigate, recover
    seconds: float | None  # None: not reached (yet)
    target: float | None
    state: State
    words: str = ""  # what ended it ("latency_sustained raised", "undo confirmed by ana")


@dataclass(frozen=True, slots=True)
class Judged:
    """One expected response, met or missed (or pending while the drill runs)."""

    id: str
    title: str
    state: State
    points: int
    due: float | None  # cluster seconds by which it was expected; None: its anchor never came
    at: float | None  # when it happened
    words: str  # in one sentence


@dataclass(frozen=True, slots=True)
class Scorecard:
    scenario: str
    says: str
    layout: str
    staging: bool
    started: float
    now: float  # when it was judged: the drill's end, or now while it runs
    finished: bool
    why_finished: str
    halted: str  # the guard that stopped it, in words ("" when none did)
    impact: float | None
    measures: tuple[Measure, ...]
    responses: tuple[Judged, ...]
    timeline: tuple[Moment, ...]
    slo_seconds: float  # cluster seconds during which an SLO was breached
    budget_burnt: float | None  # % of the error budget, None when the scenario sets none
    budget_words: str
    completion: tuple[int, int] | None  # checklist items passing, of those judged
    overrides: int
    operators: tuple[str, ...] = field(default=())

    @property
    def met(self) -> bool:
        """Every scored response met (one worth no points is a step of the go-live the
        people take, shown but not scored)."""
        return all(r.state == "met" for r in self.responses if r.points)

    @property
    def points(self) -> tuple[int, int]:
        return (
            sum(r.points for r in self.responses if r.state == "met"),
            sum(r.points for r in self.responses),
        )

    def clock(self, at: float) -> str:
        """T+m:ss of a cluster time."""
        return f"T{signed(at - self.started)}"


def signed(seconds: float) -> str:
    sign = "-" if seconds < 0 else "+"
    return f"{sign}{minsec(abs(seconds))}"


def minsec(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60}:{rest % 60:02d}"


def drills_in(records: Iterable[Any]) -> list[list[Said]]:
    """The records each drill of a session read, from its drill_started on (to the next)."""
    out: list[list[Said]] = []
    for record in records:
        one = said(record)
        if one.kind == STARTED:
            out.append([one])
        elif out and one.kind in READ:
            out[-1].append(one)
    return out


# ---- the fold ----------------------------------------------------------------------------


class _Fold:
    """The records of one drill read in order, keeping what the scorecard needs."""

    def __init__(self, started: Said) -> None:
        self.started = started
        p = started.payload
        self.targets: Mapping[str, Any] = p.get("targets") or {}
        self.expected: Sequence[Mapping[str, Any]] = p.get("responses") or []
        self.budget: Mapping[str, Any] | None = p.get("error_budget")
        self.faults: dict[str, float] = {}  # fault id → injected at
        self.impact: float | None = None
        self.timeline: list[Moment] = [
            Moment(started.at, "start", f"drill {p.get('scenario', '')} started")
        ]
        self.raised: set[str] = set()
        self.breached: set[str] = set()
        self.first_breach: float | None = None
        self.baseline: set[str] = set()  # what breached when the impact came
        self.was_hurting = False
        self.detected: tuple[float, str] | None = None
        self.acked: tuple[float, str] | None = None
        self.decided: tuple[float, str] | None = None
        self.mitigated: tuple[float, str] | None = None
        self.recovered: tuple[float, str] | None = None
        self.verdicts: dict[str, str] = {str(i): "pass" for i in p.get("passing") or ()}
        self.passing_at_impact: set[str] | None = None
        self.failed_since: set[str] = set()
        self.slo_seconds = 0.0
        self._slo_since: float | None = None
        self.samples: list[tuple[float, float | None]] = []  # the budget signal's samples
        self.overrides = 0
        self.operators: list[str] = []
        self.acks: list[tuple[float, str]] = []  # (at, trigger)
        # (at, action, target, its namespace, ok)
        self.done: list[tuple[float, str, str, str, bool]] = []
        self.started_actions: list[tuple[float, str, str, str, bool]] = []
        # (at, item, verdict): what passed when the drill started, then every change
        self.verdict_log: list[tuple[float, str, str]] = [
            (started.at, str(item), "pass") for item in p.get("passing") or ()
        ]
        self.halted = ""
        self.finished: Said | None = None

    def add(self, r: Said) -> None:
        if self.finished is not None:
            return
        p, at = r.payload, r.at
        acted = r.kind in ("trigger_acknowledged", "action_started", "override")
        if acted and r.operator and r.operator not in self.operators:
            self.operators.append(r.operator)
        if r.kind == FAULT:
            fid = str(p.get("id") or f"fault {int(p.get('index', 0)) + 1}")
            self.faults[fid] = at
            self.timeline.append(Moment(at, "fault", f"fault {fid}: {p.get('says', '')}"))
            took = not p.get("failed") and not p.get("declined")
            if self.impact is None and p.get("impact", True) and took:
                self.impact = at
                self.baseline = self._hurting()
                self.passing_at_impact = {i for i, v in self.verdicts.items() if v == "pass"}
        elif r.kind == UNDONE:
            self.timeline.append(Moment(at, "undone", f"undone: {p.get('says', '')}"))
        elif r.kind == SLO:
            now = set(p.get("breached") or ())
            self._breach(at, now, self.raised)
        elif r.kind == "trigger_raised":
            tid = str(p.get("trigger", ""))
            self._breach(at, self.breached, self.raised | {tid})
            if self.impact is not None and self.detected is None:
                self.detected = (at, f"{p.get('title') or tid} raised")
                self.timeline.append(Moment(at, "detected", self.detected[1]))
        elif r.kind == "trigger_cleared":
            self._breach(at, self.breached, self.raised - {str(p.get("trigger", ""))})
        elif r.kind == "trigger_acknowledged":
            tid = str(p.get("trigger", ""))
            self.acks.append((at, tid))
            if self.impact is not None and self.acked is None:
                self.acked = (at, f"{p.get('title') or tid} acknowledged by {r.operator}")
                self.timeline.append(Moment(at, "acknowledged", self.acked[1]))
        elif r.kind == "action_started":
            where = p.get("target")
            namespace = str(where.get("namespace") or "") if isinstance(where, Mapping) else ""
            self.started_actions.append((at, str(p.get("action", "")), _target(p), namespace, True))
            if self.impact is not None and self.decided is None:
                because = str(p.get("because") or "")
                by = "automatically" if because.startswith("automatic") else f"by {r.operator}"
                self.decided = (at, f"{p.get('action')} of {_target(p)} confirmed {by}")
                self.timeline.append(Moment(at, "decided", self.decided[1]))
        elif r.kind == "action_done":
            ok = bool(p.get("ok"))
            where = p.get("target")
            namespace = str(where.get("namespace") or "") if isinstance(where, Mapping) else ""
            self.done.append((at, str(p.get("action", "")), _target(p), namespace, ok))
            if ok:
                self.timeline.append(
                    Moment(at, "action", f"{p.get('action')} of {_target(p)} done")
                )
        elif r.kind == "verdict":
            item, verdict = str(p.get("item", "")), str(p.get("verdict", ""))
            self.verdicts[item] = verdict
            self.verdict_log.append((at, item, verdict))
            self._recovery(at, item, verdict)
        elif r.kind == "override":
            self.overrides += 1
        elif r.kind == "samples" and self.budget is not None:
            values = p.get("values") or {}
            value = values.get(self.budget.get("signal"))
            self.samples.append((at, float(value) if isinstance(value, int | float) else None))
        elif r.kind == HALTED:
            self.halted = str(p.get("why", ""))
            self.timeline.append(Moment(at, "halted", f"halted: {self.halted}"))
        elif r.kind == FINISHED:
            self.finished = r
            self._close_slo(at)
            self.timeline.append(Moment(at, "finished", f"drill over: {p.get('why', '')}"))

    def _hurting(self) -> set[str]:
        """What breaches now: its SLOs (slo:ID) and triggers raised (trigger:ID)."""
        return {f"slo:{s}" for s in self.breached} | {f"trigger:{t}" for t in self.raised}

    def _breach(self, at: float, breached: set[str], raised: set[str]) -> None:
        """SLOs and triggers moved. What already breached when the impact came is the
        baseline, not the drill's doing: it counts again only once it has cleared."""
        self.breached, self.raised = breached, raised
        if self.impact is None:
            return
        everything = self._hurting()
        self.baseline &= everything
        hurting = everything - self.baseline
        was, self.was_hurting = self.was_hurting, bool(hurting)
        if any(h.startswith("slo:") for h in hurting):
            if self._slo_since is None:
                self._slo_since = at
        else:
            self._close_slo(at)
        if hurting and not was and self.first_breach is None:
            self.first_breach = at
            what = ", ".join(sorted(h.partition(":")[2] for h in hurting))
            self.timeline.append(Moment(at, "breach", f"first breach: {what}"))
        if was and not hurting and self.first_breach is not None and self.mitigated is None:
            self.mitigated = (at, "every SLO green and every trigger clear")
            self.timeline.append(Moment(at, "mitigated", self.mitigated[1]))
        if hurting and self.mitigated is not None and self.recovered is None:
            # It broke again before the checklist recovered: mitigation is still to come.
            self.mitigated = None

    def _close_slo(self, at: float) -> None:
        if self._slo_since is not None:
            self.slo_seconds += max(0.0, at - self._slo_since)
            self._slo_since = None

    def _recovery(self, at: float, item: str, verdict: str) -> None:
        passing = self.passing_at_impact
        if passing is None or item not in passing:
            return
        if verdict != "pass":
            self.failed_since.add(item)
            if self.recovered is not None:
                self.recovered = None
            return
        self.failed_since.discard(item)
        if not self.failed_since and self.recovered is None and self.mitigated is not None:
            self.recovered = (at, "every item that passed at the impact passes again")
            self.timeline.append(Moment(at, "recovered", self.recovered[1]))

    # ---- judging ------------------------------------------------------------------------

    def card(self, now: float, completion: tuple[int, int] | None) -> Scorecard:
        p = self.started.payload
        end = self.finished.at if self.finished is not None else now
        slo = self.slo_seconds + (max(0.0, end - self._slo_since) if self._slo_since else 0.0)
        if self.finished is not None:
            done = self.finished.payload.get("completion")
            if isinstance(done, Sequence) and len(done) == 2:
                completion = (int(done[0]), int(done[1]))
        burnt, budget_words = self._budget(end)
        return Scorecard(
            scenario=str(p.get("scenario", "")),
            says=str(p.get("says", "")),
            layout=str(p.get("layout", "")),
            staging=bool(p.get("staging")),
            started=self.started.at,
            now=end,
            finished=self.finished is not None,
            why_finished=str(self.finished.payload.get("why", "")) if self.finished else "",
            halted=self.halted,
            impact=self.impact,
            measures=self._measures(end),
            responses=self._judged(end),
            timeline=tuple(sorted(self.timeline, key=lambda m: m.at)),
            slo_seconds=slo,
            budget_burnt=burnt,
            budget_words=budget_words,
            completion=completion,
            overrides=self.overrides,
            operators=tuple(self.operators),
        )

    def _none_failed(self) -> bool:
        return not any(
            v != "pass" for at, item, v in self.verdict_log
            if self.passing_at_impact and item in self.passing_at_impact
            and self.impact is not None and at >= self.impact
        )  # fmt: skip

    def _measures(self, end: float) -> tuple[Measure, ...]:
        out = []
        ended = {
            "detect": self.detected,
            "acknowledge": self.acked,
            "decide": self.decided,
            "mitigate": self.mitigated,
            "recover": self.recovered,
        }
        for name, reached in ended.items():
            target = self.targets.get(name)
            goal = float(target) if isinstance(target, int | float) else None
            if self.impact is None:
                out.append(Measure(name, None, goal, "none", "no fault has come yet"))
                continue
            if reached is not None:
                took = reached[0] - self.impact
                state: State = "met" if goal is None or took <= goal else "missed"
                out.append(Measure(name, took, goal, state, reached[1]))
                continue
            if name == "mitigate" and self.first_breach is None:
                why = "nothing breached" if self.finished else "no breach yet"
                out.append(Measure(name, None, goal, "none", why))
                continue
            if name == "recover" and self.mitigated is not None and self._none_failed():
                out.append(Measure(name, None, goal, "none", "no item that passed failed"))
                continue
            running = end - self.impact
            if self.finished is not None:
                out.append(Measure(name, None, goal, "missed" if goal else "none", "never"))
            elif goal is not None and running > goal:
                out.append(Measure(name, running, goal, "missed", "still running"))
            else:
                out.append(Measure(name, running, goal, "running", "still running"))
        return tuple(out)

    def anchor(self, after: str) -> float | None:
        if after == "start":
            return self.started.at
        if after == "first_breach":
            return self.first_breach
        return self.faults.get(after)

    def _judged(self, end: float) -> tuple[Judged, ...]:
        self._used: set[tuple[bool, int]] = (
            set()
        )  # the actions done that answered a response so far
        return tuple(self._judge(r, end) for r in self.expected)

    def _judge(self, expected: Mapping[str, Any], end: float) -> Judged:
        rid, title = str(expected.get("id", "")), str(expected.get("title", ""))
        points = int(expected.get("points") or 0)
        within = float(expected.get("within") or 0.0)
        after = str(expected.get("after", "first_breach"))
        anchor = self.anchor(after)
        if anchor is None:
            what = "the first breach" if after == "first_breach" else f"fault {after}"
            if self.finished is not None:
                return Judged(rid, title, "missed", points, None, None, f"{what} never came")
            return Judged(rid, title, "pending", points, None, None, f"waits for {what}")
        due = anchor + within
        at = self._happened(expected, anchor)
        if at is not None and at <= due:
            took = minsec(at - anchor)
            return Judged(rid, title, "met", points, due, at, f"met {took} after {_anchor(after)}")
        if at is not None:
            late = minsec(at - due)
            return Judged(rid, title, "missed", points, due, at, f"done {late} too late")
        if end > due or self.finished is not None:
            if expected.get("kind") == "checklist":
                _, failed, passing = self._item(str(expected.get("item", "")), anchor)
                if passing and not failed:
                    return Judged(rid, title, "met", points, due, anchor,
                                  "it passed throughout")  # fmt: skip
            return Judged(rid, title, "missed", points, due, None, "not done in time")
        return Judged(rid, title, "pending", points, due, None, f"due in {minsec(due - end)}")

    def _happened(self, expected: Mapping[str, Any], anchor: float) -> float | None:
        kind = expected.get("kind")
        if kind == "acknowledged":
            trigger = expected.get("trigger")
            return next((at for at, t in self.acks if at >= anchor and t == trigger), None)
        if kind in ("action", "drained", "cordoned"):
            on_node = kind in ("drained", "cordoned")
            action = {"drained": "drain", "cordoned": "cordon"}.get(kind, expected.get("action"))
            target = expected.get("node") if on_node else expected.get("target")
            # Each action done answers one response: two responses of the same action (two
            # promotions of a shift) are met by two actions, in their order.
            namespace = expected.get("namespace")
            confirmed = bool(expected.get("confirmed"))
            log = self.started_actions if confirmed else self.done
            for i, (at, a, t, ns, ok) in enumerate(log):
                if (confirmed, i) in self._used or not ok or at < anchor or a != action:
                    continue
                if (not target or t == target) and (not namespace or ns == namespace):
                    self._used.add((confirmed, i))
                    return at
            return None
        if kind == "checklist":
            return self._item(str(expected.get("item", "")), anchor)[0]
        return None

    def _item(self, item: str, anchor: float) -> tuple[float | None, bool, bool]:
        """When `item` passed again at or after `anchor`, having not passed at some moment
        since the impact; whether it had not; and whether it passes now."""
        since = self.impact if self.impact is not None else anchor
        before = ""  # the verdict in force when the impact came
        failed, passing = False, False
        for at, one, verdict in self.verdict_log:
            if one != item:
                continue
            if at < since:
                before = verdict
                passing = verdict == "pass"
                continue
            failed = failed or before != "pass"
            passing = verdict == "pass"
            if not passing:
                failed = True
            elif failed and at >= anchor:
                return at, True, True
        return None, failed or before != "pass", passing

    def _budget(self, end: float) -> tuple[float | None, str]:
        budget = self.budget
        if budget is None:
            return None, "the scenario sets no error budget"
        signal = str(budget.get("signal", ""))
        objective = float(budget.get("objective") or 99.9)
        window = float(budget.get("window") or 30 * 86400)
        scale = 0.01 if budget.get("unit") in ("%", "percent") else 1.0
        bad = 0.0  # error-seconds: the ratio integrated over the drill
        points = [(at, v) for at, v in self.samples if at >= self.started.at]
        ends = [at for at, _ in points[1:]] + ([end] if points else [])
        for (at, value), nxt in zip(points, ends, strict=True):
            if value is not None:
                bad += value * scale * max(0.0, min(nxt, end) - at)
        allowed = (1 - objective / 100) * window
        burnt = 100 * bad / allowed if allowed > 0 else 0.0
        days = window / 86400
        return burnt, f"{burnt:.2f} % of the {objective:g} % SLO's {days:g}-day budget ({signal})"


def _anchor(after: str) -> str:
    """A response's anchor in words."""
    if after == "start":
        return "the start"
    if after == "first_breach":
        return "the first breach"
    return f"fault {after}"


def _target(payload: Mapping[str, Any]) -> str:
    target = payload.get("target")
    if isinstance(target, Mapping):
        return str(target.get("name", ""))
    return str(target or "")


def scorecard(
    records: Iterable[Any], now: float | None = None, completion: tuple[int, int] | None = None
) -> Scorecard | None:
    """The scorecard of the last drill in `records` (journal lines or Records), judged at `now`
    (cluster seconds; the drill's end once it finished, else the last record's time); None
    when no drill started. `completion` is the checklist's (passing, judged) while it runs."""
    runs = drills_in(records)
    if not runs:
        return None
    return card_of(runs[-1], now, completion)


def card_of(
    run: Sequence[Said], now: float | None = None, completion: tuple[int, int] | None = None
) -> Scorecard:
    """The scorecard of one drill's records (drills_in's), judged at `now`."""
    fold = _Fold(run[0])
    for one in run[1:]:
        fold.add(one)
    return fold.card(now if now is not None else run[-1].at, completion)


__all__ = [
    "READ",
    "Judged",
    "Measure",
    "Moment",
    "Said",
    "Scorecard",
    "card_of",
    "drills_in",
    "minsec",
    "said",
    "scorecard",
]
