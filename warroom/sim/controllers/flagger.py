"""A Flagger-like canary controller (flagger.app/v1beta1 Canary, Deployment target, NGINX).

Followed: fluxcd/flagger pkg/controller/scheduler.go (advanceCanary, checkCanaryStatus,
runCanary, runPromotionTrafficShift, rollback, setPhaseInitialized), scheduler_hooks.go,
job.go (a canary runs once when it is seen, then every analysis.interval) and
pkg/canary/status.go (syncCanaryStatus, setStatusPhase, MakeStatusConditions). Events are
Flagger's: reason Synced, component flagger, Normal or Warning. Canary (stepWeight/maxWeight
or stepWeights) and blue/green (iterations) strategies; A/B (match) and mirroring are not
modelled, as the sim's NGINX splits traffic by weight only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from warroom.sim.controllers.context import PODS, Context, key_of, split_key
from warroom.sim.controllers.flagger_checks import (
    Prometheus,
    Webhooks,
    interval_of,
    metric_checks,
    providers_available,
)
from warroom.sim.controllers.flagger_objects import (
    FlaggerError,
    FlaggerObjects,
    deployment_ready,
)
from warroom.sim.controllers.runtime import image_id
from warroom.sim.pods import is_ready
from warroom.sim.store import Change, Obj, clone

CANARIES = ("flagger.app", "canaries")
FLAGGER_LABEL = ("app.kubernetes.io/name", "flagger")
COMPONENT = "flagger"
REASON = "Synced"
TOTAL = 100
# What the seed's rollback command reads: Flagger itself writes no such annotation.
LAST_STABLE = "flagger.app/last-stable-revision"

INITIALIZED = "Initialized"
WAITING = "Waiting"
PROGRESSING = "Progressing"
WAITING_PROMOTION = "WaitingPromotion"
PROMOTING = "Promoting"
FINALISING = "Finalising"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
ACTIVE = (PROGRESSING, WAITING, WAITING_PROMOTION, PROMOTING, FINALISING)

_CONDITIONS = {
    "Initializing": ("Unknown", "New {kind} detected, starting initialization."),
    INITIALIZED: ("True", "{kind} initialization completed."),
    WAITING: ("Unknown", "Waiting for approval."),
    WAITING_PROMOTION: ("Unknown", "Waiting for approval."),
    PROGRESSING: ("Unknown", "New revision detected, progressing canary analysis."),
    PROMOTING: ("Unknown", "Canary analysis completed, starting primary rolling update."),
    FINALISING: ("Unknown", "Canary analysis completed, routing all traffic to primary."),
    SUCCEEDED: ("True", "Canary analysis completed successfully, promotion finished."),
    FAILED: ("False", "Canary analysis failed, {kind} scaled to zero."),
}


class Halt(Exception):
    """advanceCanary returns early: this run is over."""


class FlaggerController:
    """Runs each Canary's analysis on the simulated clock, as Flagger's scheduler does."""

    name = "flagger"

    def __init__(self, ctx: Context, prometheus: Prometheus, webhooks: Webhooks) -> None:
        self.ctx = ctx
        self.prometheus = prometheus
        self.webhooks = webhooks

    def keys_for(self, change: Change) -> Iterable[str]:
        # job.go: a canary's job runs when the canary is first seen, then on its own ticker.
        if change.type_key == CANARIES and change.old is None and change.type == "ADDED":
            meta = change.obj["metadata"]
            yield key_of(meta["namespace"], meta["name"])

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        cd = self.ctx.store.get(CANARIES, ns, name)
        if cd is None:
            return None
        interval = interval_of(((cd.get("spec") or {}).get("analysis") or {}).get("interval"))
        if not self._running():
            return interval  # no Flagger pod: nothing runs the canary, its status stands still
        try:
            self._advance(cd)
        except Halt:
            pass
        except FlaggerError as err:
            self._warn(self._current(cd), str(err))
        return interval

    def _running(self) -> bool:
        """Whether Flagger itself runs: a scenario that deploys it (a Deployment labelled
        app.kubernetes.io/name=flagger) needs one of its pods Ready; one that does not is
        served as if it did."""
        deployed = [
            d
            for d in self.ctx.store.list(("apps", "deployments"))
            if (d["metadata"].get("labels") or {}).get(FLAGGER_LABEL[0]) == FLAGGER_LABEL[1]
        ]
        if not deployed:
            return True
        return any(
            is_ready(p)
            for p in self.ctx.store.list(PODS)
            if (p["metadata"].get("labels") or {}).get(FLAGGER_LABEL[0]) == FLAGGER_LABEL[1]
        )

    # ---- events and status ---------------------------------------------------------------

    def _info(self, cd: Obj, message: str) -> None:
        self.ctx.recorder.normal(cd, REASON, message, COMPONENT)

    def _warn(self, cd: Obj, message: str) -> None:
        self.ctx.recorder.warning(cd, REASON, message, COMPONENT)

    def _current(self, cd: Obj) -> Obj:
        meta = cd["metadata"]
        return self.ctx.store.get(CANARIES, meta["namespace"], meta["name"]) or cd

    def _write_status(self, cd: Obj, change: dict[str, Any], phase: str | None = None) -> Obj:
        new = clone(self._current(cd))
        status = new.setdefault("status", {})
        status.update(change)
        status["lastTransitionTime"] = self.ctx.clock.timestamp()
        if phase is not None:
            conditions = self._conditions(new, phase)
            if conditions is not None:
                status["conditions"] = conditions
        return self.ctx.store.update(CANARIES, new)

    def _conditions(self, cd: Obj, phase: str) -> list[dict[str, Any]] | None:
        """MakeStatusConditions: one condition of type Promoted, None when it is unchanged."""
        kind = str(((cd.get("spec") or {}).get("targetRef") or {}).get("kind", "Deployment"))
        state, message = _CONDITIONS.get(phase, ("Unknown", ""))
        current = next(
            (
                c
                for c in (cd.get("status") or {}).get("conditions") or ()
                if c.get("type") == "Promoted"
            ),
            None,
        )
        if (
            current is not None
            and current.get("status") == state
            and current.get("reason") == phase
        ):
            return None
        now = self.ctx.clock.timestamp()
        since = current["lastTransitionTime"] if current and current.get("status") == state else now
        return [
            {
                "type": "Promoted",
                "status": state,
                "lastUpdateTime": now,
                "lastTransitionTime": since,
                "reason": phase,
                "message": message.format(kind=kind),
            }
        ]

    def _sync_status(self, cd: Obj, objs: FlaggerObjects, phase: str, weight: int = 0) -> Obj:
        """syncCanaryStatus: phase, weight, zero checks and iterations, lastAppliedSpec."""
        spec_hash = objs.template_hash()
        change: dict[str, Any] = {
            "phase": phase,
            "canaryWeight": weight,
            "failedChecks": 0,
            "iterations": 0,
            "lastAppliedSpec": spec_hash,
        }
        if phase == INITIALIZED:
            change["lastPromotedSpec"] = spec_hash
        return self._write_status(cd, change, phase)

    def _set_phase(self, cd: Obj, phase: str) -> Obj:
        """setStatusPhase."""
        current = self._current(cd)
        status = current.get("status") or {}
        change: dict[str, Any] = {"phase": phase}
        if phase not in (PROGRESSING, WAITING, PROMOTING):
            change["canaryWeight"] = 0
            change["iterations"] = 0
            if phase == WAITING_PROMOTION:
                iterations = int(
                    ((current.get("spec") or {}).get("analysis") or {}).get("iterations", 0) or 0
                )
                change["iterations"] = iterations - 1
        if phase in (INITIALIZED, SUCCEEDED):
            change["lastPromotedSpec"] = status.get("lastAppliedSpec", "")
        return self._write_status(current, change, phase)

    # ---- hooks ---------------------------------------------------------------------------

    def _hooks(self, cd: Obj, kind: str) -> list[dict[str, Any]]:
        hooks = ((cd.get("spec") or {}).get("analysis") or {}).get("webhooks") or ()
        if kind == "rollout":
            return [h for h in hooks if h.get("type", "") in ("", "rollout")]
        return [h for h in hooks if h.get("type") == kind]

    def _approved(self, cd: Obj, kind: str, sent: str, waiting: str, halt: str) -> bool:
        """runConfirmRolloutHooks / runConfirmPromotionHooks: a hook refusing moves the
        canary to `waiting` (once, with the `halt` event); all approving lets it go on."""
        for hook in self._hooks(cd, kind):
            name = str(hook.get("name", ""))
            if self.webhooks.call(cd, sent, hook) is not None:
                if str((self._current(cd).get("status") or {}).get("phase", "")) != waiting:
                    self._set_phase(cd, waiting)
                    self._warn(cd, halt.format(canary=_dotted(cd), name=name))
                return False
            self._info(cd, f"{kind.capitalize()} check {name} passed")
        return True

    def _confirm_rollout(self, cd: Obj) -> bool:
        phase = str((cd.get("status") or {}).get("phase", ""))
        return self._approved(
            cd,
            "confirm-rollout",
            phase,
            WAITING,
            "Halt {canary} advancement waiting for approval {name}",
        )

    def _confirm_promotion(self, cd: Obj) -> bool:
        was = str((self._current(cd).get("status") or {}).get("phase", ""))
        approved = self._approved(
            cd,
            "confirm-promotion",
            PROGRESSING,
            WAITING_PROMOTION,
            "Halt {canary} advancement waiting for promotion approval {name}",
        )
        if not approved and was == WAITING_PROMOTION:
            iterations = int(_analysis_of(cd).get("iterations", 0) or 0)
            self._write_status(cd, {"iterations": iterations - 1})
        return approved

    def _run_hooks(self, cd: Obj, kind: str, phase: str, halt: str, passed: str) -> bool:
        """Call each hook of `kind`; the first error records `halt` ({name}, {err}) and
        stops, each success records `passed` ({name})."""
        for hook in self._hooks(cd, kind):
            name = str(hook.get("name", ""))
            err = self.webhooks.call(cd, phase, hook)
            if err is not None:
                self._warn(cd, halt.format(canary=_dotted(cd), name=name, err=err))
                return False
            self._info(cd, passed.format(name=name))
        return True

    def _confirm_traffic_increase(self, cd: Obj) -> bool:
        return self._run_hooks(
            cd,
            "confirm-traffic-increase",
            PROGRESSING,
            "Halt {canary} advancement waiting for traffic increase approval {name}",
            "Confirm-traffic-increase check {name} passed",
        )

    def _pre_rollout(self, cd: Obj) -> bool:
        return self._run_hooks(
            cd,
            "pre-rollout",
            PROGRESSING,
            "Halt {canary} advancement pre-rollout check {name} failed {err}",
            "Pre-rollout check {name} passed",
        )

    def _post_rollout(self, cd: Obj, phase: str) -> None:
        self._run_hooks(
            cd,
            "post-rollout",
            phase,
            "Post-rollout hook {name} failed {err}",
            "Post-rollout check {name} passed",
        )

    def _rollback_requested(self, cd: Obj, phase: str) -> bool:
        for hook in self._hooks(cd, "rollback"):
            if self.webhooks.call(cd, phase, hook) is not None:
                self._info(cd, f"Rollback hook {hook.get('name', '')} not signaling a rollback")
            else:
                self._warn(cd, f"Rollback check {hook.get('name', '')} passed")
                return True
        return False

    def _analysis(self, cd: Obj) -> bool:
        """runAnalysis: rollout webhooks, then the metrics."""
        for hook in self._hooks(cd, "rollout"):
            err = self.webhooks.call(cd, PROGRESSING, hook)
            if err is not None:
                self._warn(
                    cd,
                    f"Halt {_dotted(cd)} advancement external check "
                    f"{hook.get('name', '')} failed {err}",
                )
                return False
        breach = metric_checks(cd, self.ctx.store, self.prometheus)
        if breach is not None:
            self._warn(cd, breach)
            return False
        return True

    # ---- the run -------------------------------------------------------------------------

    def _advance(self, cd: Obj) -> None:
        spec = cd.get("spec") or {}
        if spec.get("suspend"):
            self._info(cd, "skipping canary run as object is suspended")
            return
        objs = FlaggerObjects(self.ctx, cd)
        target = objs.target()
        label, value = objs.selector_label(target)
        objs.ensure_services(label, value)
        status = cd.get("status") or {}
        phase = str(status.get("phase", ""))
        initializing = phase in ("", "Initializing")
        if initializing and not spec.get("skipAnalysis"):
            unavailable = providers_available(cd, self.ctx.store, self.prometheus)
            if unavailable is None:
                self._info(cd, "all the metrics providers are available!")
            else:
                self._warn(cd, f"Error checking metric providers: {unavailable}")
        if objs.ensure_primary(label, value) or initializing:
            primary = objs.primary()
            assert primary is not None
            retriable, reason = deployment_ready(primary, _primary_threshold(cd))
            if reason:
                self._warn(cd, f"{objs.primary_name}.{objs.ns} not ready: {reason}")
                raise Halt
        objs.ensure_primary_hpa()
        if initializing:
            objs.scale_target(0)
        objs.ensure_canary_ingress()
        if initializing:
            cd = self._sync_status(cd, objs, INITIALIZED)
            self._info(cd, f"Initialization done! {_dotted(cd)}")
            self._mark_stable(objs)
            return
        if not self._should_advance(cd, objs, phase):
            return
        primary = objs.primary()
        assert primary is not None
        retriable, reason = deployment_ready(primary, _primary_threshold(cd))
        if reason and not spec.get("skipAnalysis"):
            self._warn(cd, f"{objs.primary_name}.{objs.ns} not ready: {reason}")
            if not retriable:
                self._rollback(cd, objs)
            return
        canary_weight = objs.canary_weight()
        if phase not in (PROGRESSING, WAITING_PROMOTION, PROMOTING, FINALISING):
            self._start(cd, objs)
            return
        if phase in (PROGRESSING, WAITING_PROMOTION) and objs.template_hash() != status.get(
            "lastAppliedSpec"
        ):
            self._info(
                cd, f"New revision detected! Restarting analysis for {objs.target_name}.{objs.ns}"
            )
            objs.set_weight(0)
            self._write_status(
                cd,
                {"phase": PROGRESSING, "canaryWeight": 0, "failedChecks": 0, "iterations": 0},
                PROGRESSING,
            )
            return
        retriable, reason = deployment_ready(objs.target(), _canary_threshold(cd))
        if reason:
            self._warn(cd, f"canary deployment {objs.target_name}.{objs.ns} not ready: {reason}")
            if not retriable:
                self._rollback(cd, objs)
            return
        if spec.get("skipAnalysis"):
            self._skip_analysis(cd, objs)
            return
        if phase in (PROGRESSING, WAITING, WAITING_PROMOTION) and self._rollback_requested(
            cd, phase
        ):
            self._warn(cd, f"Rolling back {_dotted(cd)} manual webhook invoked")
            self._rollback(cd, objs)
            return
        if phase == PROMOTING:
            self._info(cd, "Routing all traffic to primary")
            objs.set_weight(0)
            self._set_phase(cd, FINALISING)
            return
        if phase == FINALISING:
            self._finalise(cd, objs)
            return
        threshold = int(((spec.get("analysis") or {}).get("threshold", 0)) or 0)
        if int(status.get("failedChecks", 0)) >= threshold:
            self._rollback(cd, objs)
            return
        iterations = int(status.get("iterations", 0))
        if canary_weight == 0 and iterations == 0:
            self._info(cd, f"Starting canary analysis for {objs.target_name}.{objs.ns}")
            if not self._pre_rollout(cd):
                self._failed_check(cd)
                return
        elif not self._analysis(cd):
            self._failed_check(cd)
            return
        cd = self._current(cd)
        if int(_analysis_of(cd).get("iterations", 0) or 0) > 0:
            self._run_blue_green(cd, objs)
            return
        if _next_step(cd, canary_weight) > 0:
            if phase not in (WAITING_PROMOTION,) and not self._confirm_traffic_increase(cd):
                return
            self._run_canary(cd, objs, canary_weight)

    def _should_advance(self, cd: Obj, objs: FlaggerObjects, phase: str) -> bool:
        """shouldAdvance: an analysis under way, or a target whose pod template changed
        (hasSpecChanged: not to the spec last promoted, which a manual rollback restores)."""
        if phase in ACTIVE:
            return True
        status = cd.get("status") or {}
        current = objs.template_hash()
        if not status.get("lastAppliedSpec"):
            return True
        if current == status.get("lastPromotedSpec"):
            return False
        return current != status.get("lastAppliedSpec")

    def _start(self, cd: Obj, objs: FlaggerObjects) -> None:
        """checkCanaryStatus for a new revision: confirm-rollout, scale up, Progressing."""
        if not self._confirm_rollout(cd):
            return
        self._info(cd, f"New revision detected! Scaling up {objs.target_name}.{objs.ns}")
        objs.scale_target(objs.scale_up_replicas())
        self._sync_status(cd, objs, PROGRESSING)

    def _failed_check(self, cd: Obj) -> None:
        status = self._current(cd).get("status") or {}
        self._write_status(cd, {"failedChecks": int(status.get("failedChecks", 0)) + 1})

    def _run_canary(self, cd: Obj, objs: FlaggerObjects, canary_weight: int) -> None:
        max_weight = _max_weight(cd)
        if canary_weight < max_weight:
            weight = min(TOTAL, canary_weight + _next_step(cd, canary_weight))
            objs.set_weight(weight)
            self._write_status(cd, {"canaryWeight": weight})
            self._info(cd, f"Advance {_dotted(cd)} canary weight {weight}")
            return
        if self._confirm_promotion(cd):
            self._promote(cd, objs)

    def _run_blue_green(self, cd: Obj, objs: FlaggerObjects) -> None:
        """runBlueGreen (no mirroring): count the iterations, then behind the promotion
        gate route all traffic to the canary for one more, then promote."""
        wanted = int(_analysis_of(cd).get("iterations", 0) or 0)
        done = int((cd.get("status") or {}).get("iterations", 0))
        if wanted > done:
            self._write_status(cd, {"iterations": done + 1})
            self._info(cd, f"Advance {_dotted(cd)} canary iteration {done + 1}/{wanted}")
            return
        if not self._confirm_promotion(cd):
            return
        done = int((self._current(cd).get("status") or {}).get("iterations", 0))
        if wanted == done:
            self._info(cd, "Routing all traffic to canary")
            objs.set_weight(TOTAL)
            self._write_status(cd, {"iterations": done + 1})
            return
        self._promote(cd, objs)

    def _promote(self, cd: Obj, objs: FlaggerObjects) -> None:
        label, value = objs.selector_label(objs.target())
        self._info(
            cd,
            f"Copying {objs.target_name}.{objs.ns} template spec to {objs.primary_name}.{objs.ns}",
        )
        objs.promote(label, value)
        self._set_phase(cd, PROMOTING)

    def _finalise(self, cd: Obj, objs: FlaggerObjects) -> None:
        objs.scale_target(0)
        cd = self._set_phase(cd, SUCCEEDED)
        self._mark_stable(objs)
        self._post_rollout(cd, SUCCEEDED)
        self._info(cd, f"Promotion completed! Scaling down {objs.target_name}.{objs.ns}")

    def _skip_analysis(self, cd: Obj, objs: FlaggerObjects) -> None:
        """shouldSkipAnalysis: all traffic to the primary, the target's spec copied to it, the
        target scaled to zero, and Succeeded, with no analysis and no promotion gate."""
        objs.set_weight(0)
        label, value = objs.selector_label(objs.target())
        self._info(
            cd,
            f"Copying {objs.target_name}.{objs.ns} template spec to {objs.primary_name}.{objs.ns}",
        )
        objs.promote(label, value)
        objs.scale_target(0)
        cd = self._set_phase(cd, SUCCEEDED)
        self._mark_stable(objs)
        self._post_rollout(cd, SUCCEEDED)
        self._info(
            cd,
            f"Promotion completed! Canary analysis was skipped for {objs.target_name}.{objs.ns}",
        )

    def _rollback(self, cd: Obj, objs: FlaggerObjects) -> None:
        status = self._current(cd).get("status") or {}
        threshold = int((((cd.get("spec") or {}).get("analysis") or {}).get("threshold", 0)) or 0)
        failed = int(status.get("failedChecks", 0))
        if failed >= threshold:
            self._warn(cd, f"Rolling back {_dotted(cd)} failed checks threshold reached {failed}")
        objs.set_weight(0)
        self._warn(cd, f"Canary failed! Scaling down {_dotted(cd)}")
        objs.scale_target(0)
        cd = self._sync_status(cd, objs, FAILED)
        self._post_rollout(cd, FAILED)

    def _mark_stable(self, objs: FlaggerObjects) -> None:
        """The sim's own addition for the seed's runbook: the target's annotation
        flagger.app/last-stable-revision holds the digest of the image now on the primary
        (the kubelet's imageID digest of it)."""
        primary = objs.primary()
        if primary is None:
            return
        containers = ((primary.get("spec") or {}).get("template") or {}).get("spec", {}).get(
            "containers"
        ) or [{}]
        image = str(containers[0].get("image", ""))
        digest = image.split("@", 1)[1] if "@" in image else image_id(image).split("@", 1)[1]
        target = objs.target()
        if (target["metadata"].get("annotations") or {}).get(LAST_STABLE) == digest:
            return
        new = clone(target)
        new["metadata"].setdefault("annotations", {})[LAST_STABLE] = digest
        self.ctx.store.update(("apps", "deployments"), new)


def _dotted(cd: Obj) -> str:
    return f"{cd['metadata']['name']}.{cd['metadata']['namespace']}"


def _analysis_of(cd: Obj) -> dict[str, Any]:
    return dict((cd.get("spec") or {}).get("analysis") or {})


def _primary_threshold(cd: Obj) -> int:
    return int(_analysis_of(cd).get("primaryReadyThreshold", 100) or 100)


def _canary_threshold(cd: Obj) -> int:
    return int(_analysis_of(cd).get("canaryReadyThreshold", 100) or 100)


def _max_weight(cd: Obj) -> int:
    analysis = _analysis_of(cd)
    steps = [int(s) for s in analysis.get("stepWeights") or ()]
    if steps:
        return min(TOTAL, steps[-1])
    return int(analysis.get("maxWeight", 0) or 0) or TOTAL


def _next_step(cd: Obj, weight: int) -> int:
    """nextStepWeight."""
    analysis = _analysis_of(cd)
    steps = [int(s) for s in analysis.get("stepWeights") or ()]
    step = int(analysis.get("stepWeight", 0) or 0)
    if step > 0 or not steps:
        return step
    room = TOTAL - weight
    if room == 0:
        return 1
    if weight == 0:
        return min(room, steps[0])
    for i in range(len(steps) - 1):
        if steps[i] == weight:
            return min(room, steps[i + 1] - weight)
    return room
