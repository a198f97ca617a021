"""The evaluator: every item, phase and trigger judged from one World, headless and pure.

`Evaluator.evaluate(world)` returns an Evaluation; `changes` in it are the verdicts that moved
since the previous call (what the journal records and the screen redraws). Checks read from the
picture are judged again only when the kinds they read changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from warroom.checklist import kube_checks, signal_checks
from warroom.checklist.pod_index import PodIndexes
from warroom.checklist.session import SessionState, unset_words
from warroom.checklist.verdicts import Evidence, ItemVerdict, PhaseState, TriggerState, Verdict
from warroom.checklist.world import World
from warroom.kinds.deployment import revision_of
from warroom.kinds.objects import Obj, section
from warroom.layout.checklist import Item, Phase
from warroom.layout.checks import RolloutCheck
from warroom.layout.schema import Layout

# The picture kinds each Kubernetes check reads (their versions key the memo). Pods and
# restarts checks are keyed on their selection instead (PodIndex), events on the time too.
_READS = {
    "rollout": ("deployments", "pods"),
    "nodes": ("nodes",),
    "hpa": ("hpas",),
}


@dataclass(frozen=True, slots=True)
class Lapse:
    """A sign-off whose target moved on since it was signed."""

    phase: str
    item: str
    why: str


@dataclass(frozen=True)
class Evaluation:
    """One evaluation: per item, per phase, per trigger, and what changed since the last."""

    now: float
    items: dict[str, ItemVerdict]
    phases: tuple[PhaseState, ...]
    triggers: tuple[TriggerState, ...]
    current: int  # index of the phase in progress (len(phases) once all are done)
    changes: tuple[ItemVerdict, ...] = ()
    trigger_changes: tuple[TriggerState, ...] = ()
    lapses: tuple[Lapse, ...] = ()
    unset: tuple[str, ...] = ()  # titles of the required session fields not set yet

    @property
    def raised(self) -> tuple[TriggerState, ...]:
        return tuple(t for t in self.triggers if t.raised)


@dataclass(frozen=True, slots=True)
class Bound:
    """What a sign-off binds to: the target's revision and image now."""

    target: str
    revision: str | None
    image: str | None
    digest: str | None = None  # what the pods of that image run (imageID), when they report it


@dataclass
class Evaluator:
    layout: Layout
    _last: dict[str, ItemVerdict] = field(default_factory=dict)
    _last_triggers: dict[str, TriggerState] = field(default_factory=dict)
    _memo: dict[str, tuple[object, tuple[Verdict, str, Evidence]]] = field(default_factory=dict)
    _since: dict[str, float] = field(default_factory=dict)  # hpa `for`: in range since
    _pods: PodIndexes = field(default_factory=PodIndexes)
    _scans: signal_checks.Scans = field(default_factory=signal_checks.Scans)
    # An events check's events of its reasons, and the events version they were read at.
    _events: dict[str, tuple[int, list[Obj]]] = field(default_factory=dict)
    # The go-live decision, which a required session field left empty holds: the checklist's
    # last sign-off, else (None) its last phase's gate.
    go: str | None = field(init=False)

    def __post_init__(self) -> None:
        signoffs = [item.id for _, item in self.layout.items() if item.signoff is not None]
        self.go = signoffs[-1] if signoffs else None

    def unset(self, session: SessionState) -> tuple[str, ...]:
        """The titles of the layout's required session fields that have no value yet."""
        return tuple(
            spec.title
            for name, spec in self.layout.session_fields.items()
            if spec.required and session.field_value(name) is None
        )

    def forget(self) -> None:
        """Forget what was last said, so the next evaluation reports every verdict and raised
        trigger as changed (the journal could not take the last ones)."""
        self._last.clear()
        self._last_triggers.clear()

    def follow(self) -> None:
        """Take in the pods that changed since the last call, between evaluations: a busy
        cluster's changes are then read a few at a time, not all at once in the next one."""
        self._pods.catch_up()

    def evaluate(self, world: World) -> Evaluation:
        items: dict[str, ItemVerdict] = {}
        changes: list[ItemVerdict] = []
        lapses: list[Lapse] = []
        unset = self.unset(world.session)
        for phase, item in self.layout.items():
            verdict = self._item(phase, item, world, lapses, unset)
            items[item.id] = verdict
            if not verdict.same(self._last.get(item.id)):
                changes.append(verdict)
        self._last = items
        phases = tuple(self._phase(p, items, world) for p in self.layout.phases)
        if self.go is None and unset and phases:
            last = phases[-1]
            phases = (*phases[:-1], replace(last, complete=False, unset=unset))
        current = next(
            (
                i
                for i, (p, s) in enumerate(zip(self.layout.phases, phases, strict=True))
                if not s.complete and p.id not in world.session.overrides
            ),
            len(phases),
        )
        phases = tuple(
            _started(s, i <= current or s.id in world.session.started) for i, s in enumerate(phases)
        )
        triggers = tuple(self._trigger(tid, world) for tid in self.layout.triggers)
        # No data proves neither way: a raised trigger stays raised until data clears it.
        triggers = tuple(
            replace(t, raised=self._last_triggers[t.id].raised)
            if t.unknown and t.id in self._last_triggers
            else t
            for t in triggers
        )
        trigger_changes = [
            t
            for t in triggers
            if ((prev := self._last_triggers.get(t.id)) is None and t.raised)
            or (prev is not None and prev.raised != t.raised)
        ]
        self._last_triggers = {t.id: t for t in triggers}
        return Evaluation(
            world.now,
            items,
            phases,
            triggers,
            current,
            tuple(changes),
            tuple(trigger_changes),
            tuple(lapses),
            unset,
        )

    # -- items -------------------------------------------------------------------------

    def _item(
        self, phase: Phase, item: Item, world: World, lapses: list[Lapse], unset: tuple[str, ...]
    ) -> ItemVerdict:
        if item.ticked_by_person:
            return self._person(phase, item, world, lapses, unset if item.id == self.go else ())
        proved = world.session.proved.get(item.id)
        if item.once and proved is not None:
            return ItemVerdict(
                phase.id,
                item.id,
                "pass",
                "proved",
                Evidence(item.title, "journal", value="passed", since=proved, taken=proved),
            )
        verdict, reason, evidence, remaining = self._judge(phase, item, world)
        return ItemVerdict(phase.id, item.id, verdict, reason, evidence, remaining)

    def _judge(
        self, phase: Phase, item: Item, world: World
    ) -> tuple[Verdict, str, Evidence, float | None]:
        kind = item.kind
        now = world.now
        if kind == "promql":
            assert item.promql is not None
            signal = world.signals.get(item.promql.signal)
            return signal_checks.threshold(item.promql, signal, now, self._scans, item.id)
        if kind == "soak":
            assert item.soak is not None
            ids = item.soak.signals or tuple(
                s for s, sig in self.layout.signals.items() if sig.slo is not None
            )
            facts = [world.signals[s] for s in ids if s in world.signals]
            if len(facts) < len(ids):
                missing = next(s for s in ids if s not in world.signals)
                ev = Evidence(
                    f"soak of {', '.join(ids)}", "Prometheus", detail=f"{missing} not polled"
                )
                return "unknown", "no data", ev, None
            return signal_checks.soak(item.soak, facts, now, self._scans, item.id)
        if kind in ("http", "ssh", "command", "rollback"):
            return self._probe(item, world)
        return (*self._kube(phase, item, world), None)

    def _probe(self, item: Item, world: World) -> tuple[Verdict, str, Evidence, float | None]:
        result = world.probes.get(item.id)
        check = item.check
        source = item.kind
        query = item.http.shown if item.http is not None else getattr(check, "run", None)
        if result is None or (result.running and result.taken is None):
            if result is not None:
                reason = "running"
            elif item.command is not None:
                reason = "not run: run it to judge it"
            else:
                reason = "not run yet"
            return "pending", reason, Evidence(item.title, source, query), None
        verdict: Verdict = result.verdict if result.verdict in ("pass", "fail") else "unknown"  # type: ignore[assignment]
        evidence = Evidence(
            item.title,
            source,
            result.query or query,
            result.value,
            None,
            taken=result.taken,
            detail=result.detail,
        )
        return verdict, result.reason, evidence, None

    def _kube(self, phase: Phase, item: Item, world: World) -> tuple[Verdict, str, Evidence]:
        kind = item.kind
        check = item.check
        namespace = getattr(check, "namespace", None) or self.layout.cluster.namespace
        if kind in ("exists", "field"):
            assert item.exists is not None or item.field is not None
            ref = item.exists.object if item.exists is not None else item.field.object  # type: ignore[union-attr]
            kept, found = (
                kube_checks.resolve(ref, namespace, world) if world.picture else (False, None)
            )
            if not kept:
                result = world.probes.get(item.id)
                if result is None:
                    return "pending", "not fetched yet", Evidence(item.title, "API server", ref)
                if result.verdict == "unknown":
                    ev = Evidence(item.title, "API server", ref, detail=result.detail)
                    return "unknown", result.reason, ev
                found = result.obj
            elif not world.picture_fresh:
                return self._stale(item, world)
            # Read from the watch, the object is as of now; fetched, as of its fetch.
            taken = world.now if kept else world.probes[item.id].taken
            if item.exists is not None:
                return _taken(kube_checks.exists(item.exists, namespace, found), taken)
            assert item.field is not None
            return _taken(kube_checks.field(item.field, namespace, found), taken)
        if world.picture is None or not world.picture_fresh:
            return self._stale(item, world)
        picture = world.picture
        if item.events is not None:
            version = picture.kind_version("events")
            seen = self._events.get(item.id)
            if seen is None or seen[0] != version:
                wanted = kube_checks.wanted_events(world, namespace, item.events.reasons)
                seen = self._events[item.id] = (version, wanted)
            since = _events_since(item.events.since, phase, world)
            judged = kube_checks.events(item.events, namespace, since, seen[1])
            return _taken(judged, world.now)
        if item.pods is not None or item.restarts is not None:
            index = self._pods.of(picture.cache("pods", namespace))
            selector = item.pods.selector if item.pods is not None else item.restarts.selector  # type: ignore[union-attr]
            chosen = index.select(selector)
            # A replacement's start is timed against the clock: judged on every tick.
            timed = item.pods is not None and item.pods.started_within is not None
            key: tuple[object, ...] = (
                namespace, id(chosen), chosen.version, world.now if timed else None
            )  # fmt: skip
        else:
            if item.rollout is not None:
                namespace = self._rollout_namespace(item.rollout)
            key = (
                namespace,
                tuple(picture.kind_version(k) for k in _READS[kind]),
                world.now if kind == "hpa" else None,
            )
        memo = self._memo.get(item.id)
        if memo is not None and memo[0] == key:
            return _taken(memo[1], world.now)
        judged = self._kube_judge(item, namespace, world)
        self._memo[item.id] = (key, judged)
        return _taken(judged, world.now)

    def _rollout_namespace(self, check: RolloutCheck) -> str:
        """The check's namespace, else its target's, else the layout's first."""
        if check.namespace:
            return check.namespace
        target = self.layout.target_named(check.target)
        return target.namespace if target is not None else self.layout.cluster.namespace

    def _kube_judge(
        self, item: Item, namespace: str, world: World
    ) -> tuple[Verdict, str, Evidence]:
        assert world.picture is not None
        if item.nodes is not None:
            return kube_checks.nodes(item.nodes, world)
        if item.rollout is not None or item.pods is not None or item.restarts is not None:
            index = self._pods.of(world.picture.cache("pods", namespace))
            if item.rollout is not None:
                return kube_checks.rollout(item.rollout, namespace, world, index)
            if item.pods is not None:
                opened = world.session.opened_at
                return kube_checks.pods(item.pods, namespace, index, opened, world.now)
            assert item.restarts is not None
            return kube_checks.restarts(item.restarts, namespace, index)
        assert item.hpa is not None
        verdict, reason, evidence = kube_checks.hpa(item.hpa, namespace, world)
        if item.hpa.for_ is None:
            return verdict, reason, evidence
        if verdict != "pass":
            self._since.pop(item.id, None)
            return verdict, reason, evidence
        since = self._since.setdefault(item.id, world.now)
        need = item.hpa.for_.total_seconds()
        if world.now - since < need:
            return "pending", f"{reason} for {int(world.now - since)}s of {int(need)}s", evidence
        return verdict, reason, evidence

    def _stale(self, item: Item, world: World) -> tuple[Verdict, str, Evidence]:
        detail = world.picture_status or "the cluster's watches are not current"
        return "unknown", "stale", Evidence(item.title, "API server", detail=detail)

    def _person(
        self,
        phase: Phase,
        item: Item,
        world: World,
        lapses: list[Lapse],
        unset: tuple[str, ...] = (),
    ) -> ItemVerdict:
        """A ticked item or a sign-off; `unset` are the required session fields still empty
        when this sign-off is the go-live decision (they hold it until set)."""
        session = world.session
        if item.signoff is None:
            ticks = session.ticks.get(item.id, [])
            evidence = Evidence(
                item.title,
                "operator",
                value=", ".join(t.operator for t in ticks) or None,
                threshold=f"ticked by {item.signers}" if item.signers > 1 else "ticked",
                since=ticks[-1].at if ticks else None,
                detail=next((t.note for t in reversed(ticks) if t.note), None),
            )
            if len(ticks) >= item.signers:
                return ItemVerdict(phase.id, item.id, "done", f"by {ticks[-1].operator}", evidence)
            reason = f"{len(ticks)} of {item.signers} ticked" if ticks else "to tick"
            return ItemVerdict(phase.id, item.id, "pending", reason, evidence)
        role = self.layout.roles.get(item.signoff.role, item.signoff.role)
        signed = list(session.signoffs.get(item.id, []))
        starter = session.started.get(phase.id)
        if not phase.starter_may_sign and starter is not None:
            signed = [s for s in signed if s.operator != starter.operator]
        bound = self.bound(item, world)
        for s in signed:
            why = _lapsed(s.bound, bound)
            if why:
                lapses.append(Lapse(phase.id, item.id, why))
        evidence = Evidence(
            f"sign-off by {role}",
            "operator",
            value=", ".join(s.operator for s in signed) or None,
            threshold=item.signoff.statement,
            since=signed[-1].at if signed else None,
            detail=bound_text(signed[-1].bound)
            if signed
            else (f"waits for the session fields {', '.join(unset)}" if unset else None),
        )
        if item.id in session.lapsed and not signed:
            return ItemVerdict(phase.id, item.id, "pending", "lapsed", evidence)
        if len(signed) >= item.signers and not lapses_for(lapses, item.id):
            return ItemVerdict(
                phase.id, item.id, "done", f"signed by {signed[-1].operator}", evidence
            )
        reason = f"{len(signed)} of {item.signers} signed" if signed else "to sign"
        if unset:
            reason = unset_words(unset) if not signed else f"{reason} · {unset_words(unset)}"
        return ItemVerdict(phase.id, item.id, "pending", reason, evidence)

    def bound(self, item: Item, world: World) -> Bound | None:
        """The target's revision and image a sign-off of `item` would bind to now."""
        assert item.signoff is not None
        target = self.layout.target_named(item.signoff.target)
        if target is None or world.picture is None:
            return None
        name = target.name
        d = world.picture.cache("deployments", target.namespace).get(target.namespace, name)
        if d is None:
            return Bound(f"{target.namespace}/{name}", None, None)
        containers = d.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or [{}]
        chosen = next(
            (c for c in containers if target.container and c.get("name") == target.container),
            containers[0],
        )
        image = str(chosen.get("image") or "") or None
        return Bound(
            f"{target.namespace}/{name}",
            str(revision_of(d)),
            image,
            self._digest(world, target.namespace, d, str(chosen.get("name") or ""), image),
        )

    def _digest(
        self, world: World, namespace: str, d: Mapping[str, Any], container: str, image: str | None
    ) -> str | None:
        """The image digest the Deployment's pods report for `container` running `image`
        (status.containerStatuses[].imageID, `…@sha256:…`): what was really signed."""
        if world.picture is None or image is None:
            return None
        index = self._pods.of(world.picture.cache("pods", namespace))
        for pod in index.pods(index.select(kube_checks.match_labels(d))):
            for cs in section(pod, "status").get("containerStatuses") or ():
                image_id = str(cs.get("imageID") or "")
                if cs.get("name") == container and cs.get("image") == image and "@" in image_id:
                    return image_id.rsplit("@", 1)[1]
        return None

    # -- phases and triggers -----------------------------------------------------------

    def _phase(self, phase: Phase, items: dict[str, ItemVerdict], world: World) -> PhaseState:
        mine = tuple(items[i.id] for i in phase.items)
        required = [items[i.id] for i in phase.items if i.required]
        passed = sum(1 for v in required if v.verdict in ("pass", "done"))
        failed = sum(1 for v in required if v.verdict == "fail")
        unknown = sum(1 for v in required if v.verdict == "unknown")
        starts_at = None
        if phase.offset is not None and world.session.go_live is not None:
            starts_at = world.session.go_live + phase.offset / timedelta(seconds=1)
        return PhaseState(
            phase.id,
            phase.title,
            len(required),
            passed,
            failed,
            unknown,
            passed == len(required),
            starts_at,
            False,
            mine,
        )

    def _trigger(self, tid: str, world: World) -> TriggerState:
        trigger = self.layout.triggers[tid]
        verdict, reason, evidence, _ = signal_checks.threshold(
            trigger, world.signals.get(trigger.signal), world.now, self._scans, ("trigger", tid)
        )
        return TriggerState(
            tid, trigger.title, verdict == "pass", reason, evidence, unknown=verdict == "unknown"
        )


def _taken(
    judged: tuple[Verdict, str, Evidence], at: float | None
) -> tuple[Verdict, str, Evidence]:
    """A picture check's judgement with when its reading was taken: a current watch's
    picture is as of now, so a remembered judgement is still today's."""
    verdict, reason, evidence = judged
    return verdict, reason, replace(evidence, taken=at)


def lapses_for(lapses: list[Lapse], item: str) -> bool:
    return any(lapse.item == item for lapse in lapses)


def _started(state: PhaseState, started: bool) -> PhaseState:
    return replace(state, started=started)


def _events_since(since: object, phase: Phase, world: World) -> float:
    session = world.session
    opened = session.opened_at if session.opened_at is not None else world.now
    if since == "session":
        return opened
    if since == "phase":
        start = session.started.get(phase.id)
        return start.at if start is not None else opened
    assert isinstance(since, timedelta)
    return world.now - since.total_seconds()


def _lapsed(signed: object, now: Bound | None) -> str:
    """Why a sign-off bound to `signed` no longer holds for the target `now`, or ""."""
    if now is None or not isinstance(signed, dict):
        return ""
    was_rev, was_image = signed.get("revision"), signed.get("image")
    if was_rev is not None and now.revision is not None and str(was_rev) != now.revision:
        return f"{now.target} moved from revision {was_rev} to {now.revision}"
    if was_image and now.image and was_image != now.image:
        return f"{now.target} image changed from {was_image} to {now.image}"
    was_digest = signed.get("digest")
    if was_digest and now.digest and was_digest != now.digest:
        return f"{now.target} runs another build of {now.image} ({now.digest[:19]}…)"
    return ""


def bound_text(bound: object) -> str | None:
    """`target ns/name, revision 4, image …, digest …`: what a sign-off was bound to."""
    if not isinstance(bound, dict):
        return None
    parts = [f"{k} {bound[k]}" for k in ("target", "revision", "image", "digest") if bound.get(k)]
    return ", ".join(parts) or None
