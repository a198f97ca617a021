"""The slow-roll strategy (seed 004): a new Deployment scaled up beside the stable one, both
behind one Service that selects the pods of both, so the new version's share of the traffic
is its share of the Ready pods. Each call is the seed's own, `kubectl patch deployment NAME
-p '{"spec": {"replicas": N}}'`, a strategic merge patch of the Deployment:

- promote: the next step's split of the release's pods (actions/canary_split.py: 1 new beside
  3 stable is 25 %), the new Deployment scaled up before the stable one is scaled down;
- promote-full: straight to 100 % (the stable at 0 pods, kept for a rollback);
- rollback: the new Deployment to 0 and the stable back to the count it had when the roll
  began, both in one action;
- pause and resume: nothing to send, and said so: a slow roll moves only when promoted.

The release's size (the stable's count before the first step) is kept on the new Deployment
as the annotation `warroom/slow-roll-replicas`, written with the first step, so a rollback
knows what to restore and a second warroom reads the same roll.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warroom.actions.calls import Call, Permission
from warroom.actions.canary_split import share, split
from warroom.actions.lease import Target
from warroom.actions.others import argo_tracking, flagger_owner
from warroom.actions.plan import ActionArgs, ActionRefused, Check, Plan, Progress, as_abort
from warroom.actions.readiness import RollbackReady, during
from warroom.actions.rolling import StatusWords, deployments, images
from warroom.kinds.deployment import rollout_status
from warroom.kinds.objects import as_int, section
from warroom.kube.connection import Connection
from warroom.kube.resource import Resource
from warroom.kube.writes import get
from warroom.layout.schema import Target as LayoutTarget

Obj = dict[str, Any]
RELEASE_REPLICAS = "warroom/slow-roll-replicas"


def _name(obj: Mapping[str, Any]) -> str:
    return str(section(obj, "metadata").get("name", ""))


def replicas(deployment: Mapping[str, Any]) -> int:
    return as_int(section(deployment, "spec").get("replicas"))


def ready(deployment: Mapping[str, Any]) -> int:
    return as_int(section(deployment, "status").get("readyReplicas"))


def percent(value: float) -> str:
    return f"{value:.0f} %"


@dataclass(frozen=True, slots=True)
class SlowRollState:
    """The new and the stable Deployment as the cluster has them, and the namespace's HPAs."""

    new: Obj
    stable: Obj
    hpas: tuple[Obj, ...] = ()
    canaries: tuple[Obj, ...] = ()

    @property
    def counts(self) -> tuple[int, int]:
        """(new, stable) replicas as their specs ask."""
        return replicas(self.new), replicas(self.stable)

    @property
    def release(self) -> int | None:
        """The release's pods: the stable's count before the roll began; None when the new
        Deployment runs pods that no step of warroom's started (the count is then unknown)."""
        new, stable = self.counts
        if new == 0:
            return stable
        recorded = as_int(section(section(self.new, "metadata"), "annotations").get(
            RELEASE_REPLICAS))  # fmt: skip
        return recorded if recorded > 0 else None


def hpa_owning(deployment: Obj, hpas: Sequence[Obj]) -> Obj | None:
    """The HorizontalPodAutoscaler that scales `deployment`, if one does."""
    name = _name(deployment)
    for hpa in hpas:
        ref = section(hpa, "spec").get("scaleTargetRef") or {}
        if ref.get("kind") == "Deployment" and ref.get("name") == name:
            return hpa
    return None


def hpa_bounds(hpa: Obj) -> tuple[int, int]:
    spec = section(hpa, "spec")
    return as_int(spec.get("minReplicas") or 1), as_int(spec.get("maxReplicas"))


def hpa_kept(hpa: Obj, want: int) -> int:
    """The count the HPA leaves of `want`: within its bounds, or 0 (the HPA controller stops
    scaling a target scaled to zero)."""
    low, high = hpa_bounds(hpa)
    return 0 if want == 0 else min(max(want, low), high)


def hpa_sentence(hpa: Obj, name: str, want: int, shares: str) -> str:
    """What the HPA will do to a count of `want` for Deployment `name` ("" at 0). `shares`
    is the new version's share should the HPA win ("40 %, not 50 %")."""
    low, high = hpa_bounds(hpa)
    owner = f"HorizontalPodAutoscaler {_name(hpa)}"
    if want == 0:
        return ""
    if want < low:
        return (
            f"{owner} keeps {name} at {low} pods at least (minReplicas): it will scale it "
            f"back from {want} to {low}, and the new version's share will be {shares}; "
            "lower its minReplicas before this step"
        )
    if want > high:
        return (
            f"{owner} keeps {name} at {high} pods at most (maxReplicas): it will scale it "
            f"back from {want} to {high}, and the new version's share will be {shares}; "
            "raise its maxReplicas before this step"
        )
    return (
        f"{owner} owns {name}'s replica count ({low}–{high}): it may move it from {want} "
        "on its metrics, and the share with it"
    )


def _counts_check(namespace: str, wanted: Mapping[str, int]) -> Check:
    """Each Deployment at its count (as asked: anything else scaled it) and rolled out."""

    async def check(connection: Connection) -> Progress:
        waiting = []
        for name, want in wanted.items():
            d = await get(connection, deployments(namespace), name)
            now = replicas(d)
            if now != want:
                failed = (
                    f"deployment {name} is at {now} replicas, not {want}: something else "
                    "scaled it (its HorizontalPodAutoscaler?)"
                )
                return Progress(False, failed, failed=failed)
            status = rollout_status(d)
            if status.error:
                return Progress(False, status.error, failed=status.error)
            if not status.done:
                waiting.append(f"{name}: {ready(d)} of {want} pods ready")
        if waiting:
            return Progress(False, "; ".join(waiting))
        return Progress(True, ", ".join(f"{n} {w} pods ready" for n, w in wanted.items()))

    return check


def _after(answers: Sequence[Obj]) -> list[str]:
    return [
        f"the dry run says: deployment {_name(a)} will have {replicas(a)} replicas"
        for a in answers
        if a.get("kind") == "Deployment"
    ]


class SlowRollStrategy:
    """Plans for a new Deployment rolled out beside a stable one by scaling both."""

    strategy: str = "slow-roll"
    actions: tuple[str, ...] = ("promote", "promote-full", "pause", "resume", "abort", "rollback")

    def __init__(
        self,
        namespace: str,
        name: str,
        stable: str,
        steps: Sequence[int] = (25, 50, 75, 100),
        traffic_signal: str | None = None,
    ) -> None:
        self.namespace = namespace
        self.name = name
        self.stable = stable
        self.steps = tuple(steps)
        self.traffic_signal = traffic_signal
        self.target = Target("Deployment", name, namespace)
        self.resource = deployments(namespace)

    @classmethod
    def for_target(cls, target: LayoutTarget) -> SlowRollStrategy:
        settings = target.slow_roll
        if settings is None:  # the layout's validation makes this impossible
            raise ValueError(f"target {target.name} has strategy slow-roll but no slow_roll")
        return cls(
            target.namespace, target.name, settings.stable, settings.steps,
            settings.traffic_signal,
        )  # fmt: skip

    def writes(self) -> tuple[Permission, ...]:
        """A patch of each Deployment's replicas: the new one and the stable one."""
        return tuple(Permission.on("patch", self.resource, n) for n in (self.name, self.stable))

    async def read(self, connection: Connection) -> SlowRollState:
        new = await get(connection, self.resource, self.name)
        stable = await get(connection, self.resource, self.stable)
        hpa_path = Resource(
            "autoscaling", "v2", "horizontalpodautoscalers", namespace=self.namespace
        ).path
        hpas = await connection.get_json(hpa_path)
        return SlowRollState(new, stable, tuple(hpas.get("items") or ()))

    # -- where it stands ------------------------------------------------------------------

    def step_of(self, state: SlowRollState) -> int | None:
        """The step (1-based) the counts stand at, 0 before the first, None off the steps."""
        release = state.release
        if release is None:
            return None
        if state.counts == (0, release):
            return 0
        for index, weight in enumerate(self.steps, 1):
            if split(release, weight) == state.counts:
                return index
        return None

    def status(self, state: SlowRollState, traffic: float | None = None) -> StatusWords:
        """Where the roll stands; `traffic` is the layout's traffic_signal now (a ratio of the
        requests the new version answers), when the caller reads it."""
        new, stable = state.counts
        pods = share(new, stable)
        facts = {
            "new version's share of pods": percent(pods),
            "pods": f"{self.name} {new} ({ready(state.new)} ready), "
            f"{self.stable} {stable} ({ready(state.stable)} ready)",
        }
        if traffic is not None:
            facts["new version's share of requests"] = percent(100 * traffic)
        waiting = "; ".join(
            f"{_name(d)}: {ready(d)} of {replicas(d)} pods ready"
            for d in (state.new, state.stable)
            if ready(d) < replicas(d)
        )
        step = self.step_of(state)
        total = len(self.steps)
        if state.release is None:
            return StatusWords(
                "unknown",
                f"{self.name} runs {new} pods, not scaled up by warroom",
                waiting,
                "the count to restore on a rollback is unknown: scale it to 0, or annotate "
                f"it {RELEASE_REPLICAS}=N with the stable's count before the roll",
                facts,
            )
        if step == 0:
            return StatusWords(
                "not started", f"0 of {total} steps: {self.stable} serves everything", waiting,
                f"promote: {self._moves(state, self.steps[0])}", facts,
            )  # fmt: skip
        if step is None:
            upcoming = self._next_weight(state)
            return StatusWords(
                "between steps",
                f"{percent(pods)} of the pods, on none of the steps "
                f"({', '.join(map(str, self.steps))} %)",
                waiting,
                f"promote: {self._moves(state, upcoming)}" if upcoming else "nothing further",
                facts,
            )
        if step == total:
            return StatusWords(
                "promoted",
                f"step {step} of {total}: {percent(pods)}, {self.stable} at {stable} pods",
                waiting,
                f"nothing further; rollback: {self._moves(state, 0)}",
                facts,
            )
        return StatusWords(
            "rolling", f"step {step} of {total}: {percent(pods)}", waiting,
            f"promote: {self._moves(state, self.steps[step])}", facts,
        )  # fmt: skip

    def _split(self, state: SlowRollState, weight: int) -> tuple[int, int]:
        release = state.release or 0
        return (0, release) if weight == 0 else split(release, weight)

    def _moves(self, state: SlowRollState, weight: int) -> str:
        new, stable = state.counts
        to_new, to_stable = self._split(state, weight)
        moves = [f"{self.name} {new} → {to_new}"] if to_new != new else []
        moves += [f"{self.stable} {stable} → {to_stable}"] if to_stable != stable else []
        return f"scale {' and '.join(moves) or 'nothing'} pods ({weight} %)"

    def _next_weight(self, state: SlowRollState) -> int | None:
        now = share(*state.counts)
        return next((w for w in self.steps if w > now + 1e-9), None)

    # -- plans ----------------------------------------------------------------------------

    def plan(self, action: str, state: SlowRollState, args: ActionArgs, now: float) -> Plan:
        if action in ("pause", "resume"):
            return self._hold(action, state)
        if state.release is None:
            raise ActionRefused(
                f"deployment {self.name} runs {state.counts[0]} pods that warroom did not "
                "scale up, so the stable count a rollback restores is unknown; scale it to 0 "
                f"first, or annotate it {RELEASE_REPLICAS}=N with the stable's count"
            )
        if state.release == 0:
            raise ActionRefused(
                f"deployment {self.stable} has 0 replicas, so the release has no pods to "
                f"split; scale {self.stable} to its size first"
            )
        if action == "promote":
            upcoming = self._next_weight(state)
            if upcoming is None:
                return self._nothing(action, "promoting", "the new version already has 100 %")
            return self._scale(action, "promoting", state, upcoming)
        if action == "promote-full":
            if share(*state.counts) >= 100:
                return self._nothing(action, "promoting", "the new version already has 100 %")
            return self._scale(action, "promoting", state, 100)
        if action == "abort":
            rollback = self.plan("rollback", state, args, now)
            return as_abort(
                rollback,
                "abort is the rollback here: the new version's pods behind the Service take "
                "their share while they run, so the traffic is back on the stable only once "
                "they are gone",
            )
        if action == "rollback":
            if state.counts == (0, state.release):
                return self._nothing(
                    action, "rolling back",
                    f"{self.name} has 0 pods and {self.stable} its {state.release}: nothing "
                    "to roll back",
                )  # fmt: skip
            return self._scale(action, "rolling back", state, 0)
        raise ActionRefused(
            f"the slow-roll strategy has no action {action!r}; its actions: "
            f"{', '.join(self.actions)}"
        )

    def rollback_ready(self, state: SlowRollState, expected: str = "") -> RollbackReady:
        """Before the roll the new Deployment has no pods and the stable all of them; during it,
        the rollback that scales the new one to 0 and the stable back to its count."""
        permissions = (
            self._patch(self.name, {}, "").permission,
            self._patch(self.stable, {}, "").permission,
        )
        stable_image = images(state.stable)
        new, stable = state.counts
        says = f"rollback returns to deployment {self.stable} ({stable_image}) alone"
        if new == 0:
            return RollbackReady(
                "rollback", True, f"{says}; it runs all {stable} pods now", stable_image,
                permissions,
            )  # fmt: skip
        return during(
            lambda: self.plan("rollback", state, ActionArgs(), 0.0), says, stable_image, permissions
        )

    def _nothing(self, action: str, doing: str, why: str) -> Plan:
        return Plan(action, doing, self.target, (), (), nothing_to_do=why)

    def _hold(self, action: str, state: SlowRollState) -> Plan:
        step = self.step_of(state)
        where = (
            f"step {step} of {len(self.steps)}"
            if step
            else ("before its first step" if step == 0 else "off its steps")
        )
        pods = percent(share(*state.counts))
        why = (
            f"a slow roll moves only when promoted: it holds at {pods} of the pods ({where}) "
            "until the next promote, so there is nothing to pause"
            if action == "pause"
            else f"a slow roll is never paused: it holds at {pods} of the pods ({where}); "
            "promote takes the next step"
        )
        return self._nothing(action, "pausing" if action == "pause" else "resuming", why)

    def _patch(self, name: str, body: Obj, says: str) -> Call:
        return Call("patch", self.resource, name, says, body)

    def _scale(self, action: str, doing: str, state: SlowRollState, weight: int) -> Plan:
        release = state.release or 0
        new, stable = state.counts
        to_new, to_stable = self._split(state, weight)
        before, after = percent(share(new, stable)), percent(share(to_new, to_stable))
        recorded = section(section(state.new, "metadata"), "annotations").get(RELEASE_REPLICAS)
        calls = []
        if to_new != new or (weight and recorded != str(release)):
            keep = None if weight == 0 else str(release)
            calls.append(self._patch(
                self.name,
                {"metadata": {"annotations": {RELEASE_REPLICAS: keep}},
                 "spec": {"replicas": to_new}},
                f"scale deployment {self.name} {new} → {to_new}",
            ))  # fmt: skip
        if to_stable != stable:
            stable_call = self._patch(
                self.stable, {"spec": {"replicas": to_stable}},
                f"scale deployment {self.stable} {stable} → {to_stable}",
            )  # fmt: skip
            # Up before down: the pods that come are ready before the others go (the seed's
            # step 1 adds its pod before step 6 takes the old ones away).
            calls.insert(0 if to_stable > stable else len(calls), stable_call)
        moves = [f"{self.name} {new} → {to_new} pods"] if to_new != new else []
        moves += [f"{self.stable} {stable} → {to_stable} pods"] if to_stable != stable else []
        step = self.steps.index(weight) + 1 if weight in self.steps else 0
        where = f" (step {step} of {len(self.steps)})" if step else ""
        preview = [f"scale {' and '.join(moves)}; new version's share {before} → {after}{where}"]
        if weight == 0:
            back = "goes back to" if to_stable != stable else "keeps"
            preview.append(
                f"{self.name} keeps its Deployment and ReplicaSet for inspection, with no pods; "
                f"{self.stable} {back} the {release} pods it had before the roll"
            )
        warnings = []
        for deployment, want in ((state.new, to_new), (state.stable, to_stable)):
            hpa = hpa_owning(deployment, state.hpas)
            if hpa is not None and want != replicas(deployment):
                kept = hpa_kept(hpa, want)
                counts = (kept, to_stable) if deployment is state.new else (to_new, kept)
                shares = f"{percent(share(*counts))}, not {after}"
                warnings.append(hpa_sentence(hpa, _name(deployment), want, shares))
            warnings += [flagger_owner(deployment, state.canaries), argo_tracking(deployment)]
        return Plan(
            action=action,
            doing=doing,
            target=self.target,
            preview=tuple(preview),
            calls=tuple(calls),
            warnings=tuple(w for w in warnings if w),
            destructive=weight == 0,
            expect=_counts_check(self.namespace, {self.name: to_new, self.stable: to_stable}),
            expect_says=f"{self.name} and {self.stable} run their pods, ready",
            timeout=300.0,
            after=_after,
        )
