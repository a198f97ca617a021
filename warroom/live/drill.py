"""A drill run beside a live checklist: its timeline played on the cluster's clock, its faults
injected and journalled, its SLOs watched, its halt guards kept, and (unattended) its
expected responses performed by the scenario's scripted responder through the same actions a
person's keys run.

`DrillRun` steps four times a second. Each step reads the checklist's last evaluation and the
session journal's new records, and builds the `Facts` the scenario's conditions are judged on
(triggers raised, phases started, each target's new-version share of the traffic, actions
done). It injects what `Timeline.due` hands out (each confirmed first, against staging), takes
back a fault whose `for` has run out, journals which SLOs are breached whenever that changes
(`drill_slo`), and ends the drill (`drill_finished`) once every expected response is judged or
the scenario's `ends` has come. The scorecard is never kept here: it is folded from the
journal (drills/scorecard.py), so the screen's timers, the headless run and `warroom report`
say the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any

from warroom.actions.flagger import Flagger
from warroom.actions.plan import ActionArgs, ActionRefused
from warroom.background import Periodic
from warroom.drills.scenario import Fault, Guard, Response, Scenario
from warroom.drills.scorecard import READ, Said, Scorecard, card_of, said
from warroom.drills.timeline import Facts, Timeline
from warroom.journal.journal import JournalError
from warroom.kinds.ingress import canary_for
from warroom.kinds.objects import section
from warroom.kube.errors import KubeError
from warroom.layout import Layout
from warroom.live.actions import RoomActions
from warroom.live.checklist import ChecklistRun, Refused
from warroom.live.drill_faults import FaultError, FaultInjector, Injected
from warroom.state.rollout import rollout_view

log = logging.getLogger(__name__)

STEP = 0.25  # real seconds between looks
PREREQUISITES_WAIT = 600.0  # cluster seconds a drill waits for its prerequisites to pass
Confirm = Callable[[str], Awaitable[bool]]


class DrillRefused(Exception):
    """A drill that may not run as asked, in one sentence (refused before anything happens)."""


def production_refusal(layout: Layout, context: str, server: str) -> str:
    """Why a drill against a real context must not run ("" when it may): the layout marks its
    cluster production, or the context's name or server URL says prod."""
    if layout.cluster.production:
        return (
            f"the layout {layout.name} marks its cluster production, and a drill never runs "
            "against production: use a layout whose cluster is staging (production: false), "
            "or rehearse on the simulated cluster (--sim)"
        )
    for what, value in (("context", context), ("server", server)):
        if "prod" in value.lower():
            return (
                f"the {what} {value!r} looks like production (it contains 'prod'), and a drill "
                "never runs against production: pick a staging context, or use --sim"
            )
    return ""


def staging_refusal(scenario: Scenario) -> str:
    """Why a scenario cannot run against a real context ("" when it can): a fault only the
    simulated cluster can take."""
    unsafe = [
        f"{fault.id or f'fault {i + 1}'} ({fault.kind})"
        for i, fault in enumerate(scenario.faults)
        if not fault.staging_safe
    ]
    if not unsafe:
        return ""
    return (
        f"the scenario {scenario.name} has faults only the simulated cluster can take: "
        f"{', '.join(unsafe)}; against staging a drill may only delete a pod, cordon a node "
        "or scale a Deployment — run it with --sim"
    )


def started_payload(
    scenario: Scenario, layout: Layout, *, staging: bool, speed: float
) -> dict[str, Any]:
    """What `drill_started` records: the scenario as the scorecard will judge it."""
    targets = scenario.targets
    budget = scenario.error_budget
    return {
        "scenario": scenario.name,
        "says": scenario.says,
        "layout": layout.name,
        "staging": staging,
        "speed": speed,
        "ends": scenario.ends.total_seconds(),
        "targets": {
            name: getattr(targets, name).total_seconds()
            for name in ("detect", "acknowledge", "decide", "mitigate", "recover")
            if getattr(targets, name) is not None
        },
        "faults": [
            {"index": i, "id": f.id, "kind": f.kind, "when": _when(f)}
            for i, f in enumerate(scenario.faults)
        ],
        "responses": [_expected(r) for r in scenario.responses],
        "error_budget": None
        if budget is None
        else {
            "signal": budget.signal,
            "objective": budget.objective,
            "window": budget.window.total_seconds(),
            "unit": layout.signals[budget.signal].unit if budget.signal in layout.signals else "",
        },
        "halt": [_guard_words(g) for g in scenario.halt],
        "requires": list(scenario.requires),
    }


def _when(fault: Fault) -> str:
    if fault.at is not None:
        return f"at T+{int(fault.at.total_seconds())} s"
    when = fault.when
    assert when is not None
    if when.trigger is not None:
        return f"when {when.trigger} is raised"
    if when.phase is not None:
        return f"when phase {when.phase} starts"
    if when.share is not None:
        return f"when {when.share.target} has {when.share.at_least:g} % of the traffic"
    assert when.action is not None
    return f"when {when.action.action} of {when.action.target or 'a target'} is done"


def _expected(r: Response) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id,
        "title": r.title,
        "kind": r.kind,
        "within": r.within.total_seconds(),
        "after": r.after,
        "points": r.points,
    }
    if r.action is not None:
        out |= {
            "action": r.action.action,
            "target": r.action.target,
            "namespace": r.action.namespace,
            "confirmed": r.action.confirmed,
        }
    elif r.acknowledged is not None:
        out["trigger"] = r.acknowledged.trigger
    elif r.drained is not None:
        out["node"] = r.drained.node
    elif r.cordoned is not None:
        out["node"] = r.cordoned.node
    elif r.checklist is not None:
        out["item"] = r.checklist.item
    return out


def _guard_words(g: Guard) -> str:
    if g.signal is not None:
        return f"{g.signal} {g.op} {g.value:g}"
    return "a namespace outside the layout touched"


def _compare(value: float, op: str, limit: float) -> bool:
    return {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
    }[op]


@dataclass
class _Live:
    """A fault injected and not yet taken back."""

    index: int
    fault: Fault
    injected: Injected
    at: float  # cluster seconds


class DrillRun(Periodic):
    """Plays one scenario on one room's checklist; `confirm` asks a person before each fault
    against staging (None on the simulated cluster); `scripted` performs the expected
    responses itself (`--headless`)."""

    def __init__(
        self,
        scenario: Scenario,
        checklist: ChecklistRun,
        actions: RoomActions,
        injector: FaultInjector,
        *,
        staging: bool,
        speed: float,
        confirm: Confirm | None = None,
        scripted: bool = False,
        interval: float = STEP,
    ) -> None:
        super().__init__(interval)
        self.step_every = interval
        self.scenario = scenario
        self.checklist = checklist
        self.actions = actions
        self.injector = injector
        self.staging = staging
        self.speed = speed
        self.confirm = confirm
        self.timeline = Timeline(scenario)
        self.responder = ScriptedResponder(self) if scripted else None
        self.records: list[Said] = []  # this drill's records, as the scorecard reads them
        self._seen = 0  # journal records read so far
        self.started: float | None = None
        self.asked = False  # begin() was called: it starts once its prerequisites pass
        self.asked_at = 0.0
        self.waiting = ""  # what it waits for before it starts, in one sentence
        self.live: list[_Live] = []
        self.breached: frozenset[str] | None = None
        self.finished = asyncio.Event()
        self.problem = ""  # the last thing that went wrong, in one sentence (the screen shows it)
        self.halted = ""

    @property
    def task_name(self) -> str:
        return "drill"

    # ---- start and end ------------------------------------------------------------------

    def begin(self) -> None:
        """Ask for the drill to start: its clock starts (`drill_started`) at the first step
        where every prerequisite item passes on evidence (at once when it names none).
        DrillRefused (one sentence) without a journal to write, or against staging with
        nobody to confirm the faults."""
        if self.asked:
            return
        journal = self.checklist.journal
        if journal is None or journal.read_only:
            raise DrillRefused(
                "a drill needs a session journal it can write; pick another --session"
            )
        if self.staging and self.confirm is None:
            raise DrillRefused(
                "against staging every fault is confirmed by a person, and nothing here can "
                "ask; run it on the screen, or --headless with --yes"
            )
        self.asked = True
        self.asked_at = self.checklist.now
        self._seen = len(journal.records)
        self._start_when_ready()

    def _start_when_ready(self) -> None:
        ev = self.checklist.evaluation
        if ev is None:
            self.waiting = "waiting for the checklist's first evaluation"
            return
        unproved = [
            f"{item} ({ev.items[item].verdict}: {ev.items[item].reason})"
            for item in self.scenario.requires
            if item in ev.items and ev.items[item].verdict != "pass"
        ]
        if unproved:
            self.waiting = f"waiting for its prerequisites: {', '.join(unproved)}"
            return
        self.waiting = ""
        payload = started_payload(
            self.scenario, self.checklist.layout, staging=self.staging, speed=self.speed
        )
        # What passes when the drill starts: the verdicts journalled before it are not its.
        payload["passing"] = sorted(item for item, v in ev.items.items() if v.verdict == "pass")
        journal = self.checklist.journal
        assert journal is not None
        record = self.checklist.record_action("drill_started", payload)
        self.started = record.at_cluster
        self.records = [said(record)]
        self._seen = len(journal.records)

    def card(self) -> Scorecard | None:
        """The scorecard now (its timers running while the drill does)."""
        if self.started is None:
            return None
        self._read()
        now = None if self.finished.is_set() else self.checklist.now
        return card_of(self.records, now, self.completion())

    def completion(self) -> tuple[int, int] | None:
        ev = self.checklist.evaluation
        if ev is None:
            return None
        return sum(p.passed for p in ev.phases), sum(p.required for p in ev.phases)

    async def stop_drill(self, why: str) -> None:
        """End it now (the operator's `q`, or the run being stopped): what was injected is
        taken back, and the end journalled."""
        if self.started is None or self.finished.is_set():
            return
        await self._undo_all()
        self._finish(why)

    def _finish(self, why: str) -> None:
        if self.finished.is_set():
            return
        try:
            self._journal("drill_finished", {"why": why, "completion": self.completion()})
        finally:
            self.finished.set()

    # ---- the loop -----------------------------------------------------------------------

    async def step(self) -> None:
        if self.started is None and self.asked and not self.finished.is_set():
            self._start_when_ready()
            if self.started is None and self.checklist.now - self.asked_at > PREREQUISITES_WAIT:
                unproved = self.waiting.removeprefix("waiting for its prerequisites: ")
                self.waiting = f"its prerequisites were never proved in 10 min: {unproved}"
                self.finished.set()  # it never started: nothing to journal, nothing to undo
        if self.started is None or self.finished.is_set():
            return
        run = self.checklist
        evaluation = run.evaluation
        if evaluation is None:
            return
        self._read()
        now = run.now
        elapsed = now - self.started
        self._watch_slos()
        guard = self._guard_holding()
        if guard:
            await self._halt(guard)
            return
        await self._take_back(now)
        facts = Facts(
            elapsed=elapsed,
            raised=frozenset(t.id for t in evaluation.triggers if t.raised),
            started=frozenset(run.session.started),
            shares=await self.shares() if self._share_pending() else {},
            done=self._done(),
        )
        for index, fault in self.timeline.due(facts):
            if not await self._inject(index, fault):
                return
        self.interval = self._next_look(elapsed)
        if self.responder is not None:
            await self.responder.step(now)
        self._read()
        card = card_of(self.records, now, self.completion())
        pending = any(r.state == "pending" for r in card.responses)
        if (
            not pending and self.timeline.finished
        ) or elapsed >= self.scenario.ends.total_seconds():
            if self.responder is not None:
                await self.responder.settle()
            await self._undo_all()
            why = (
                "every expected response judged"
                if not pending
                else f"its time ran out ({int(self.scenario.ends.total_seconds() // 60)} min)"
            )
            self._finish(why)

    def _next_look(self, elapsed: float) -> float:
        """Real seconds to the next step: every `STEP`, sooner when a timed fault is due
        before then (the sim's clock may run many times faster than ours)."""
        due = self.timeline.next_at()
        if due is None:
            return self.step_every
        return max(0.01, min(self.step_every, (due - elapsed) / max(self.speed, 1e-6)))

    def _read(self) -> None:
        journal = self.checklist.journal
        if journal is None:
            return
        fresh = journal.records[self._seen :]
        self._seen = len(journal.records)
        self.records.extend(said(r) for r in fresh if r.kind in READ)

    def _done(self) -> frozenset[tuple[str, str]]:
        out = set()
        for r in self.records:
            if r.kind == "action_done" and r.payload.get("ok"):
                target = r.payload.get("target") or {}
                out.add((str(r.payload.get("action", "")), str(target.get("name", ""))))
        return frozenset(out)

    def _journal(self, kind: str, payload: dict[str, Any]) -> None:
        try:
            self.checklist.record_action(kind, payload)
        except (JournalError, Refused) as failed:
            self.problem = f"the drill could not journal {kind}: {failed}"
            raise

    # ---- faults ---------------------------------------------------------------------------

    async def _inject(self, index: int, fault: Fault) -> bool:
        """Inject one due fault (confirmed first against staging); False when the drill halted."""
        namespace = self.injector.namespace_of(fault)
        outside = (
            namespace is not None and namespace not in self.checklist.layout.cluster.namespaces
        )
        if outside and any(g.outside_namespaces for g in self.scenario.halt):
            await self._halt(
                f"fault {fault.id or index + 1} would touch namespace {namespace}, "
                "outside the layout"
            )
            return False
        if self.confirm is not None:
            name = fault.id or f"fault {index + 1}"
            context = self.checklist.room.connection.context
            what = f"inject {fault.kind} ({name}) into {context}?"
            if not await self.confirm(what):
                self._journal(
                    "drill_fault",
                    {
                        "index": index,
                        "id": fault.id,
                        "kind": fault.kind,
                        "says": "declined by the operator",
                        "declined": True,
                    },
                )
                return True
        try:
            injected = await self.injector.inject(fault)
        except FaultError as exc:
            self.problem = str(exc)
            self._journal(
                "drill_fault",
                {
                    "index": index,
                    "id": fault.id,
                    "kind": fault.kind,
                    "says": str(exc),
                    "failed": True,
                },
            )
            return True
        self._journal(
            "drill_fault",
            {
                "index": index,
                "id": fault.id,
                "kind": fault.kind,
                "says": injected.says,
                "impact": fault.is_impact,
            },
        )
        self.live.append(_Live(index, fault, injected, self.checklist.now))
        return True

    async def _take_back(self, now: float) -> None:
        for one in list(self.live):
            lasts = one.injected.lasts
            if lasts is not None and now >= one.at + lasts:
                await self._undo(one)

    async def _undo(self, one: _Live) -> None:
        self.live.remove(one)
        if one.injected.undo is None:
            return
        try:
            says = await one.injected.undo()
        except (FaultError, KubeError) as exc:
            self.problem = f"could not take back {one.fault.kind}: {exc}"
            self._journal(
                "drill_fault_undone",
                {"index": one.index, "id": one.fault.id, "says": self.problem, "failed": True},
            )
            return
        self._journal("drill_fault_undone", {"index": one.index, "id": one.fault.id, "says": says})

    async def _undo_all(self) -> None:
        for one in reversed(list(self.live)):
            if one.injected.undo is not None:
                await self._undo(one)
            else:
                self.live.remove(one)

    # ---- SLOs and guards ----------------------------------------------------------------

    def _values(self) -> dict[str, float]:
        """Each signal's newest value, where it is current (the worst of several series)."""
        poller = self.checklist.room.signals
        if poller is None:
            return {}
        out: dict[str, float] = {}
        readings = poller.snapshot()
        for sid, reading in readings.signals.items():
            if reading.freshness.state != "ok" or reading.freshness.stale:
                continue
            if readings.targets.unknown(sid):
                continue
            values = [s.points[-1][1] for s in reading.series if s.live and s.points]
            if values:
                out[sid] = max(values)
        return out

    def _watch_slos(self) -> None:
        values = self._values()
        breached = set()
        for sid, spec in self.checklist.layout.signals.items():
            value = values.get(sid)
            if spec.slo is None or value is None:
                continue
            if (spec.slo.max is not None and value > spec.slo.max) or (
                spec.slo.min is not None and value < spec.slo.min
            ):
                breached.add(sid)
        now = frozenset(breached)
        if now != self.breached:
            self.breached = now
            self._journal("drill_slo", {"breached": sorted(now)})

    def _guard_holding(self) -> str:
        values = self._values()
        for guard in self.scenario.halt:
            if guard.signal is None or guard.value is None:
                continue
            value = values.get(guard.signal)
            if value is not None and _compare(value, guard.op, guard.value):
                return f"{guard.signal} is {value:g}, {guard.op} {guard.value:g}"
        return ""

    async def _halt(self, why: str) -> None:
        """Stop injecting, take back what can be, and journal why."""
        self.halted = why
        undone = [one.fault.id or one.fault.kind for one in self.live if one.injected.undo]
        await self._undo_all()
        self._journal("drill_halted", {"why": why, "undone": undone})
        self._finish(f"halted: {why}")

    # ---- facts ----------------------------------------------------------------------------

    def _share_pending(self) -> bool:
        return any(
            f.when is not None and f.when.share is not None for _, f in self.timeline.pending
        )

    async def shares(self) -> dict[str, float]:
        """Each target's new version's share of the traffic, in %: by name where the name is
        the layout's only one of it, and by namespace/name always."""
        layout = self.checklist.layout
        primary = layout.cluster.namespaces[0]
        out: dict[str, float] = {}
        for target in layout.targets:
            ns = target.namespace or primary
            share = await self._share(layout.target_key(target), target.name, ns)
            if share is None:
                continue
            out[f"{ns}/{target.name}"] = share
            if layout.target_key(target) == target.name:
                out[target.name] = share
        return out

    async def _share(self, key: str, name: str, ns: str) -> float | None:
        """The slow roll's and blue-green's from their traffic signal; Flagger's the weight
        its canary Ingress routes (else its status's); a canary Ingress's weight in front of
        the Deployment; else the new ReplicaSet's share of the Ready pods."""
        layout = self.checklist.layout
        strategy = self.actions.strategy(key)
        if isinstance(strategy, Flagger):
            try:
                state = await strategy.read(self.checklist.room.connection)
            except (KubeError, ActionRefused):
                return None
            return float(state.routed if state.routed is not None else state.weight)
        signal = getattr(strategy, "traffic_signal", None)
        if signal is not None:
            value = self.actions.latest(signal)
            if value is None:
                return None
            unit = layout.signals[signal].unit if signal in layout.signals else ""
            return value if unit == "%" else 100 * value
        picture = self.checklist.room.picture
        d = picture.cache("deployments", ns).get(ns, name)
        if d is None:
            return None
        uid = str(section(d, "metadata").get("uid", ""))
        service = self.checklist.room.targets.services.get((ns, name))
        ingresses = chain.from_iterable(picture.cache("ingresses", n) for n in picture.namespaces)
        canary = canary_for(ingresses, service, ns) if service else None
        if canary is not None:
            return 100 * canary.share
        view = rollout_view(d, picture.cache("replicasets", ns).owned_by(uid))
        new = next((v for v in view.versions if v.role == "new"), None)
        return 100 * new.share if new is not None and new.share is not None else 0.0


class ScriptedResponder:
    """The scenario's expected responses, performed on time through the same actions a
    person's keys run (`--headless`): each `respond_in` after its anchor (half its `within`
    by default), tried again while it cannot be done yet, until it is due."""

    RETRY = 2.0  # cluster seconds between tries

    def __init__(self, drill: DrillRun) -> None:
        self.drill = drill
        self.done: set[str] = set()
        self.tried: dict[str, float] = {}
        self.running: dict[str, asyncio.Task[None]] = {}
        self.said: dict[str, str] = {}  # why a response could not be performed (yet)

    async def step(self, now: float) -> None:
        card = card_of(self.drill.records, now)
        for response, judged in zip(self.drill.scenario.responses, card.responses, strict=True):
            rid = response.id
            if rid in self.done or rid in self.running or judged.state != "pending":
                continue
            if judged.due is None:
                continue  # its anchor has not come
            anchor = judged.due - response.within.total_seconds()
            wait = response.respond_in or response.within / 2
            if now < anchor + wait.total_seconds():
                continue
            if now - self.tried.get(rid, -1e18) < self.RETRY:
                continue
            self.tried[rid] = now
            await self._perform(response)

    async def settle(self) -> None:
        """Wait for the actions still running (the drill is ending)."""
        for task in list(self.running.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _perform(self, response: Response) -> None:
        run = self.drill.checklist
        if response.acknowledged is not None:
            try:
                run.acknowledge(response.acknowledged.trigger)
            except Refused as exc:
                self.said[response.id] = str(exc)
                return
            self.done.add(response.id)
            return
        if response.checklist is not None:
            self.done.add(response.id)  # nothing to do: the checklist proves it
            return
        if response.action is not None:
            key = self._target(response.action.target, response.action.namespace)
            action, args = response.action.action, ActionArgs(replicas=response.action.replicas)
        elif response.cordoned is not None:
            key, action, args = RoomActions.node(response.cordoned.node), "cordon", ActionArgs()
        else:
            assert response.drained is not None
            key = RoomActions.node(response.drained.node)
            action = "drain"
            args = ActionArgs(delete_emptydir_data=True, force=True)
        self.running[response.id] = asyncio.get_running_loop().create_task(
            self._act(response, key, action, args), name=f"drill response {response.id}"
        )

    def _target(self, name: str | None, namespace: str | None) -> str:
        layout = self.drill.checklist.layout
        target = layout.target_named(name, namespace)
        if target is None:
            return name or ""
        return layout.target_key(target)

    async def _act(self, response: Response, key: str, action: str, args: ActionArgs) -> None:
        actions = self.drill.actions
        try:
            plan = await actions.plan(key, action, args)
            plan = replace(plan, because=f"the drill's scripted responder: {response.title}")
            checked = await actions.preflight(plan)
            outcome = await actions.run(plan, checked, progress=lambda words: None)
        except (ActionRefused, KubeError, Refused, JournalError) as exc:
            self.said[response.id] = str(exc)
            return
        except Exception as exc:  # a bug: said, and the drill goes on
            log.exception("the scripted responder failed on %s", response.id)
            self.said[response.id] = f"internal error: {exc!r}; please report it"
            return
        finally:
            self.running.pop(response.id, None)
        if plan.nothing_to_do:
            self.said[response.id] = plan.nothing_to_do  # skipped, and tried again
        else:
            # Run once: an action that ran and failed is not tried again (a promotion
            # retried would promote further).
            self.done.add(response.id)
            if outcome.ok:
                self.said.pop(response.id, None)
            else:
                self.said[response.id] = outcome.sentence


__all__ = [
    "DrillRefused",
    "DrillRun",
    "ScriptedResponder",
    "production_refusal",
    "staging_refusal",
    "started_payload",
]
