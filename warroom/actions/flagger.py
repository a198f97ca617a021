"""The flagger strategy: a Deployment a Flagger Canary drives (seed 003). Flagger moves the
traffic itself, one step per analysis interval; what an operator does is answer its gates.

- promote: open the Canary's confirm-promotion gate on its loadtester (POST /gate/open through
  the API server's service proxy, body {"name", "namespace"}); Flagger then copies the
  target's template to the primary and routes all traffic back to it.
- rollback: open its rollback gate (/rollback/open): at its next run Flagger routes all traffic
  to the primary, scales the canary to zero and marks the Canary Failed.
- promote-full: where the layout allows it, a merge patch of `spec.skipAnalysis: true`: Flagger
  promotes at its next run with no analysis and no gate.
- emergency-rollback: the seed's runbook, for when Flagger itself is stuck (see
  flagger_canary.stuck): set the target's image to the digest its
  `flagger.app/last-stable-revision` annotation holds, as `kubectl set image` does.

The gates come from the Canary's own webhooks (what Flagger asks), not from a guess; a layout
that names the loadtester must agree with them. A proxy call cannot be dry-run, and the
preflight says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from warroom.actions import flagger_canary as fc
from warroom.actions.calls import Call, Permission
from warroom.actions.lease import Target
from warroom.actions.others import flagger_owner
from warroom.actions.plan import ActionArgs, ActionRefused, Plan, Progress, as_abort
from warroom.actions.readiness import RollbackReady, during
from warroom.actions.rolling import (
    DeploymentState,
    Rolling,
    StatusWords,
    containers,
    deployments,
    images,
)
from warroom.kinds.deployment import rollout_status
from warroom.kinds.objects import as_int, section
from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError
from warroom.kube.resource import Resource
from warroom.kube.writes import PatchType, get
from warroom.layout.flagger import FlaggerSettings, service_parts

Obj = dict[str, Any]
UNTRIED = (
    "the loadtester's gate cannot be dry-run (the API server refuses dryRun on a service "
    "proxy, and the loadtester would act on the call): only the permission was checked"
)


def canaries(namespace: str) -> Resource:
    return Resource("flagger.app", "v1beta1", "canaries", namespace=namespace)


@dataclass(frozen=True, slots=True)
class FlaggerState:
    """The Canary, its target and primary Deployments, and the cluster's time of the read."""

    canary: Obj
    target: Obj
    primary: Obj | None
    read_at: float
    # The weight the canary Ingress routes now (NGINX; None without an ingressRef): Flagger's
    # status says 0 while it waits for promotion, though the traffic stays where it was.
    routed: int | None = None

    @property
    def phase(self) -> str:
        return fc.phase(self.canary)

    @property
    def weight(self) -> int:
        return as_int(fc.status(self.canary).get("canaryWeight"))


def _image(deployment: Obj | None) -> str:
    return images(deployment) if deployment is not None else "?"


def digest_image(image: str, digest: str) -> str:
    """REPO@DIGEST of an image named REPO:TAG or REPO@OLD (a registry's :port kept)."""
    repo = image.split("@", 1)[0]
    head, _, last = repo.rpartition("/")
    if ":" in last:
        last = last.split(":", 1)[0]
    return f"{head}/{last}@{digest}" if head else f"{last}@{digest}"


class Flagger:
    """Plans for the target of one Flagger Canary."""

    strategy: str = "flagger"
    actions: tuple[str, ...] = (
        "promote",
        "promote-full",
        "pause",
        "resume",
        "abort",
        "rollback",
        "emergency-rollback",
    )

    def __init__(
        self, namespace: str, name: str, container: str, settings: FlaggerSettings
    ) -> None:
        self.namespace = namespace
        self.name = name
        self.container = container
        self.settings = settings
        self.canary_name = settings.canary
        self.target = Target("Deployment", name, namespace)
        self.primary_name = f"{name}-primary"

    def writes(self) -> tuple[Permission, ...]:
        """A patch of the Canary (skipAnalysis, suspend) and a POST through the service proxy
        to the loadtester's gates: the layout's loadtester, else any in the target's
        namespace (the Canary's webhooks, read later, name the one)."""
        namespace, service = self.namespace, ""
        if self.settings.loadtester is not None:
            namespace, name, port = service_parts(self.settings.loadtester)
            service = f"{name}:{port}" if port else ""
        return (
            Permission.on("patch", canaries(self.namespace), self.canary_name),
            Permission("create", "services", "", namespace, service, "proxy"),
        )

    async def read(self, connection: Connection) -> FlaggerState:
        canary = await get(connection, canaries(self.namespace), self.canary_name)
        target = await get(connection, deployments(self.namespace), self.name)
        try:
            primary: Obj | None = await get(
                connection, deployments(self.namespace), self.primary_name
            )
        except ApiError as exc:
            if exc.code != 404:
                raise
            primary = None
        return FlaggerState(
            canary, target, primary, connection.clock.now(), await self._routed(connection, canary)
        )

    async def _routed(self, connection: Connection, canary: Obj) -> int | None:
        """The canary-weight of `<ingressRef>-canary`, the Ingress Flagger routes the canary by."""
        ingress = str(section(section(canary, "spec"), "ingressRef").get("name") or "")
        if not ingress:
            return None
        path = Resource("networking.k8s.io", "v1", "ingresses", namespace=self.namespace)
        try:
            routed = await get(connection, path, f"{ingress}-canary")
        except ApiError as exc:
            if exc.code in (403, 404):
                return None
            raise
        notes = section(section(routed, "metadata"), "annotations")
        return as_int(notes.get("nginx.ingress.kubernetes.io/canary-weight"))

    def plan(self, action: str, state: FlaggerState, args: ActionArgs, now: float) -> Plan:
        self._check_target(state)
        if action == "promote":
            return self.promote(state)
        if action == "promote-full":
            return self.promote_full(state)
        if action == "rollback":
            return self.rollback(state)
        if action == "abort":
            return as_abort(
                self.rollback(state),
                f"{self.name} keeps its template ({_image(state.target)}) for inspection: "
                "Flagger only scales it to zero, and the next release starts a new analysis",
            )
        if action in ("pause", "resume"):
            return self.suspend(state, action == "pause")
        if action == "emergency-rollback":
            return self.emergency_rollback(state, now)
        raise ActionRefused(
            f"the flagger strategy has no action {action!r}; its actions: {', '.join(self.actions)}"
        )

    def _check_target(self, state: FlaggerState) -> None:
        ref = section(section(state.canary, "spec"), "targetRef")
        if ref.get("kind") != "Deployment" or ref.get("name") != self.name:
            raise ActionRefused(
                f"canary {self.namespace}/{self.canary_name} targets {ref.get('kind')} "
                f"{ref.get('name')}, not deployment {self.name}; fix the target's flagger.canary "
                "in the layout"
            )

    # -- status --------------------------------------------------------------------------

    def status(self, state: FlaggerState) -> StatusWords:
        cd = state.canary
        st = fc.status(cd)
        phase = state.phase or "Initializing"
        every = fc.span(fc.interval_seconds(cd))
        plan = fc.steps(cd)
        ladder = " → ".join(str(w) for w in plan) if plan else "blue/green"
        weight = state.weight if state.routed is None else state.routed
        step = f"canary weight {weight} % ({ladder}), analysis every {every}"
        shown = f"{weight} %"
        if state.routed is not None and state.routed != state.weight:
            shown += (
                f" routed by its canary Ingress (Flagger's status says {state.weight} % "
                f"while {phase})"
            )
        facts = {
            "phase": phase,
            "canary weight": shown,
            "iterations": str(as_int(st.get("iterations"))),
            "failed checks": (
                f"{as_int(st.get('failedChecks'))} of {as_int(fc.analysis(cd).get('threshold'))}"
            ),
            "last stable revision": self._last_stable(state) or "none recorded",
            "canary image": _image(state.target),
            "primary image": _image(state.primary),
            "last transition": str(st.get("lastTransitionTime") or "never"),
        }
        if section(cd, "spec").get("skipAnalysis"):
            facts["analysis"] = "skipped (spec.skipAnalysis is true)"
        if section(cd, "spec").get("suspend"):
            facts["suspended"] = "spec.suspend is true: Flagger skips every run"
        stuck = fc.stuck(cd, state.read_at, self.settings.stuck_intervals)
        if stuck:
            return StatusWords(
                "stuck",
                step,
                "Flagger",
                f"{stuck}; emergency-rollback sets {self.name}'s image to the last stable "
                "digest, as the seed's runbook does",
                facts,
            )
        waiting, then = self._waiting_and_next(state, every)
        return StatusWords(phase, step, waiting, then, facts)

    def _waiting_and_next(self, state: FlaggerState, every: str) -> tuple[str, str]:
        cd, phase = state.canary, state.phase
        gate = self._promotion_gate(state, strict=False)
        gate_words = (
            f"the confirm-promotion gate {gate.hook} on {gate.where} (promote opens it)"
            if gate is not None
            else "nothing: the Canary has no confirm-promotion gate"
        )
        if phase in ("Initialized", "Succeeded", ""):
            return (
                f"a new revision of {self.name} (its pod template changing)",
                f"Flagger starts an analysis within {every} of {self.name}'s template changing",
            )
        if phase == "Failed":
            return (
                f"a new revision of {self.name}",
                f"nothing: {self.primary_name} kept {_image(state.primary)}; release a fix to "
                "start again",
            )
        if phase == "Waiting":
            return "the confirm-rollout gate", "Flagger scales the canary up once it opens"
        if phase == "Progressing":
            ahead = fc.weights_ahead(cd)
            if ahead:
                return (
                    f"the next analysis (every {every})",
                    f"with the checks passing, Flagger takes the canary to {ahead[0]} %"
                    + (f", then {' → '.join(str(w) for w in ahead[1:])} %" if ahead[1:] else "")
                    + f"; then {gate_words}",
                )
            return gate_words, "Flagger asks the gate at its next analysis"
        if phase == "WaitingPromotion":
            return (
                gate_words,
                f"once open, Flagger copies {self.name}'s template ({_image(state.target)}) to "
                f"{self.primary_name} and routes all traffic back to the primary",
            )
        if phase == "Promoting":
            return (
                f"{self.primary_name} rolling out {_image(state.target)}",
                "then all traffic goes to the primary and the canary is scaled to zero",
            )
        if phase == "Finalising":
            return "the canary scaled to zero", "then the Canary is Succeeded"
        return "", ""

    def _last_stable(self, state: FlaggerState) -> str:
        notes = section(section(state.target, "metadata"), "annotations")
        return str(notes.get(fc.LAST_STABLE, ""))

    # -- gates ---------------------------------------------------------------------------

    def _promotion_gate(self, state: FlaggerState, *, strict: bool = True) -> fc.Gate | None:
        hook = fc.webhook(state.canary, "confirm-promotion")
        if hook is None:
            if strict:
                raise ActionRefused(
                    f"canary {self.canary_name} has no confirm-promotion webhook, so there is no "
                    "gate to open: Flagger promotes on its own after the last step (use "
                    "promote-full to skip the analysis where the layout allows it)"
                )
            return None
        try:
            gate = fc.gate_of(hook, self.namespace)
        except fc.GateProblem as exc:
            if strict:
                raise ActionRefused(str(exc)) from None
            return None
        if strict and self.settings.loadtester is not None:
            ns, name, port = service_parts(self.settings.loadtester)
            named = f"{ns}/{name}:{port}" if port else f"{ns}/{name}"
            if (ns, name) != (gate.namespace, gate.service.rsplit(":", 1)[0]) or (
                port and gate.service.rsplit(":", 1)[1] != port
            ):
                raise ActionRefused(
                    f"the layout's loadtester {named} is not the one canary {self.canary_name}'s "
                    f"gate {gate.hook} asks ({gate.where}); fix flagger.loadtester in the layout"
                )
        return gate

    def _rollback_gate(self, state: FlaggerState) -> fc.Gate:
        hook = fc.webhook(state.canary, "rollback")
        if hook is None:
            raise ActionRefused(
                f"canary {self.canary_name} has no rollback webhook, so Flagger reads no rollback "
                "gate: add one (type: rollback, url: http://LOADTESTER/rollback/check), or wait "
                "for its failed checks to reach the threshold"
            )
        try:
            return fc.gate_of(hook, self.namespace)
        except fc.GateProblem as exc:
            raise ActionRefused(str(exc)) from None

    def _open(self, gate: fc.Gate, which: str) -> Call:
        return Call(
            "proxy",
            Resource("", "v1", "services", namespace=gate.namespace),
            gate.service,
            f"open the {which} gate {gate.hook} of canary {self.canary_name} on {gate.where}",
            {"name": self.canary_name, "namespace": self.namespace},
            subresource="proxy",
            path=gate.open_path,
            untried=UNTRIED,
        )

    def _plan(self, state: FlaggerState, action: str, doing: str, **more: Any) -> Plan:
        return Plan(action=action, doing=doing, target=self.target, **more)

    # -- plans ---------------------------------------------------------------------------

    def _refuse_idle(self, state: FlaggerState, action: str) -> None:
        if state.phase in ("Initialized", "Succeeded", ""):
            raise ActionRefused(
                f"canary {self.canary_name} runs no analysis ({state.phase or 'Initializing'}): "
                f"there is nothing to {action}; release a new image of {self.name} first"
            )
        if state.phase == "Failed":
            raise ActionRefused(
                f"canary {self.canary_name} has failed and was rolled back: there is nothing to "
                f"{action}; release a new image of {self.name} to start again"
            )

    def promote(self, state: FlaggerState) -> Plan:
        self._refuse_idle(state, "promote")
        if state.phase in fc.PROMOTION:
            return self._plan(
                state,
                "promote",
                "promoting",
                preview=(),
                calls=(),
                nothing_to_do=f"canary {self.canary_name} is already {state.phase}",
            )
        gate = self._promotion_gate(state)
        assert gate is not None
        cd = state.canary
        every = fc.span(fc.interval_seconds(cd))
        preview = [
            f"open the confirm-promotion gate {gate.hook} of canary "
            f"{self.namespace}/{self.canary_name} ({gate.where}{gate.open_path})"
        ]
        ahead = fc.weights_ahead(cd)
        if state.phase == "Progressing" and ahead:
            preview.append(
                f"the canary is at {state.weight} %: Flagger still takes it to "
                f"{' → '.join(str(w) for w in ahead)} % one step per analysis ({every}), and at "
                "the last step finds the gate open and promotes without waiting"
            )
        preview.append(
            f"Flagger then copies {self.name}'s template ({_image(state.target)}) to "
            f"{self.primary_name} (now {_image(state.primary)}) and routes all traffic back to "
            "the primary"
        )
        warnings = (
            f"the gate stays open until closed (POST {gate.close_path} on {gate.where}): a later "
            f"release of {self.name} is promoted without waiting for approval",
        )
        timeout = (len(ahead) + 3) * fc.interval_seconds(cd) + fc.progress_deadline(cd)
        return self._plan(
            state,
            "promote",
            "promoting",
            preview=tuple(preview),
            calls=(self._open(gate, "confirm-promotion"),),
            warnings=warnings,
            expect=self._promoted(_image(state.target)),
            expect_says=f"canary {self.canary_name} is promoted",
            timeout=timeout,
        )

    def promote_full(self, state: FlaggerState) -> Plan:
        if not self.settings.allow_skip_analysis:
            raise ActionRefused(
                f"the layout does not allow skipping canary {self.canary_name}'s analysis: set "
                "flagger.allow_skip_analysis: true on the target to permit promote-full"
            )
        self._refuse_idle(state, "promote")
        spec = section(state.canary, "spec")
        if spec.get("skipAnalysis") or state.phase in fc.PROMOTION:
            return self._plan(
                state,
                "promote-full",
                "promoting",
                preview=(),
                calls=(),
                nothing_to_do=f"canary {self.canary_name} is already being promoted "
                f"({state.phase}{', skipAnalysis set' if spec.get('skipAnalysis') else ''})",
            )
        call = Call(
            "patch",
            canaries(self.namespace),
            self.canary_name,
            f"set spec.skipAnalysis of canary {self.canary_name} to true",
            {"spec": {"skipAnalysis": True}},
            PatchType.MERGE,
        )
        preview = (
            f"set spec.skipAnalysis: true on canary {self.namespace}/{self.canary_name} (now "
            f"{state.phase} at {state.weight} %)",
            f"at its next run (within {fc.span(fc.interval_seconds(state.canary))}) Flagger "
            f"copies {self.name}'s template ({_image(state.target)}) to {self.primary_name}, "
            f"routes all traffic to the primary and scales {self.name} to zero, with no analysis "
            "and no gate",
        )
        warnings = (
            f"skipAnalysis stays true: every later release of {self.name} is promoted without "
            "analysis until it is set back to false",
        )
        cd = state.canary
        return self._plan(
            state,
            "promote-full",
            "promoting",
            preview=preview,
            calls=(call,),
            warnings=warnings,
            expect=self._promoted(_image(state.target)),
            expect_says=f"canary {self.canary_name} is promoted",
            timeout=3 * fc.interval_seconds(cd) + fc.progress_deadline(cd),
            after=self._after_skip,
        )

    def _after_skip(self, answers: Sequence[Obj]) -> list[str]:
        if not answers:
            return []
        skip = section(answers[-1], "spec").get("skipAnalysis")
        return [f"the dry run says: canary {self.canary_name} will have skipAnalysis {skip}"]

    def rollback(self, state: FlaggerState) -> Plan:
        if state.phase == "Failed":
            return self._plan(
                state,
                "rollback",
                "rolling back",
                preview=(),
                calls=(),
                nothing_to_do=f"canary {self.canary_name} has already been rolled back (Failed)",
            )
        self._refuse_idle(state, "roll back")
        if state.phase not in fc.ROLLBACK_READ:
            raise ActionRefused(
                f"canary {self.canary_name} is {state.phase}: Flagger no longer reads its rollback "
                f"gate; once it is Succeeded, release the previous image of {self.name}"
            )
        gate = self._rollback_gate(state)
        every = fc.span(fc.interval_seconds(state.canary))
        stable = _image(state.primary)
        preview = (
            f"open the rollback gate {gate.hook} of canary {self.namespace}/{self.canary_name} "
            f"({gate.where}{gate.open_path})",
            f"at its next run (within {every}) Flagger routes all traffic to {self.primary_name} "
            f"({stable}), scales {self.name} ({_image(state.target)}, now {state.weight} %) to "
            "zero and marks the canary Failed",
        )
        warnings = (
            f"the rollback gate stays open until closed (POST {gate.close_path} on "
            f"{gate.where}): Flagger rolls back every later release of {self.name} at its first "
            "analysis",
        )
        return self._plan(
            state,
            "rollback",
            "rolling back",
            preview=preview,
            calls=(self._open(gate, "rollback"),),
            warnings=warnings,
            destructive=True,
            expect=self._rolled_back(stable),
            expect_says=f"canary {self.canary_name} is rolled "
            f"back and {self.primary_name} keeps {stable}",
            timeout=3 * fc.interval_seconds(state.canary),
        )

    def rollback_ready(self, state: FlaggerState, expected: str = "") -> RollbackReady:
        """Before a release (no analysis running) the rollback to come is the rollback gate
        Flagger reads during one, back to the primary's image; during one, that gate opened."""
        stable = _image(state.primary)
        says = f"rollback returns all traffic to {self.primary_name} ({stable})"
        try:
            gate = self._rollback_gate(state)
        except ActionRefused as refused:
            return RollbackReady("rollback", False, "", stable, (), problem=str(refused))
        permissions = (self._open(gate, "rollback").permission,)
        if state.phase in ("Initialized", "Succeeded", ""):
            return RollbackReady("rollback", True, says, stable, permissions)
        return during(lambda: self.rollback(state), says, stable, permissions)

    def suspend(self, state: FlaggerState, on: bool) -> Plan:
        """Pause or resume the analysis by the Canary's `spec.suspend`, as `kubectl patch`
        does it: while it is true Flagger skips every run, advancing and rolling back alike."""
        action, doing = ("pause", "pausing") if on else ("resume", "resuming")
        where = f"{state.phase or 'Initializing'} at {state.weight} %"
        if bool(section(state.canary, "spec").get("suspend")) == on:
            already = "suspended" if on else "not suspended"
            return self._plan(
                state, action, doing, preview=(), calls=(),
                nothing_to_do=f"canary {self.canary_name} is already {already} ({where})",
            )  # fmt: skip
        call = Call(
            "patch",
            canaries(self.namespace),
            self.canary_name,
            f"set spec.suspend of canary {self.canary_name} to {str(on).lower()}",
            {"spec": {"suspend": on}},
            PatchType.MERGE,
        )
        every = fc.span(fc.interval_seconds(state.canary))
        if on:
            preview: tuple[str, ...] = (
                f"set spec.suspend: true on canary {self.namespace}/{self.canary_name} (now "
                f"{where})",
                f"Flagger skips every run while it is set: the canary stays at {state.weight} % "
                "with no step, check, promotion or rollback until resume",
            )
            warnings: tuple[str, ...] = (
                "while suspended Flagger does not roll back a failing canary either: watch it, "
                "or use rollback",
            )
        else:
            preview = (
                f"set spec.suspend: false on canary {self.namespace}/{self.canary_name}",
                f"Flagger's next run (within {every}) carries the analysis on from {where}",
            )
            warnings = ()
        return self._plan(
            state,
            action,
            doing,
            preview=preview,
            calls=(call,),
            warnings=warnings,
            expect=self._suspended(on),
            expect_says=f"canary {self.canary_name} is {'suspended' if on else 'running'}",
            timeout=2 * fc.interval_seconds(state.canary),
        )

    def _suspended(self, on: bool) -> Any:
        async def check(connection: Connection) -> Progress:
            cd = await get(connection, canaries(self.namespace), self.canary_name)
            now = bool(section(cd, "spec").get("suspend"))
            phase, weight = fc.phase(cd), as_int(fc.status(cd).get("canaryWeight"))
            return Progress(now == on, f"spec.suspend {str(now).lower()}; {phase} at {weight} %")

        return check

    def emergency_rollback(self, state: FlaggerState, now: float) -> Plan:
        why = fc.stuck(state.canary, now, self.settings.stuck_intervals)
        if not why:
            still = fc.seconds_still(state.canary, now)
            since = f" (its status changed {fc.span(still)} ago)" if still is not None else ""
            raise ActionRefused(
                f"Flagger is not stuck on canary {self.canary_name}{since}: use rollback, which "
                "opens its rollback gate; emergency-rollback is for when Flagger stops writing the "
                f"canary's status for {self.settings.stuck_intervals} analysis intervals",
                instead="rollback",
            )
        digest = self._last_stable(state)
        if not digest:
            raise ActionRefused(
                f"deployment {self.name} has no {fc.LAST_STABLE} annotation, so there is no last "
                f"stable digest to go back to; set its image by hand to {self.primary_name}'s "
                f"({_image(state.primary)})"
            )
        rolling = Rolling(self.namespace, self.name, self.container)
        as_deployment = DeploymentState(state.target, canaries=(state.canary,))
        name = rolling.container_of(as_deployment)
        current = next(
            str(c.get("image", "")) for c in containers(state.target) if c.get("name") == name
        )
        stable = digest_image(current, digest)
        planned = rolling.set_image(as_deployment, stable)
        if planned.nothing_to_do:
            return replace(planned, action="emergency-rollback", doing="rolling back")
        preview = (
            f"{why}: the seed's emergency rollback, {fc.LAST_STABLE} of deployment {self.name}",
            *planned.preview,
            f"the canary's share of traffic ({state.weight} %) then runs the last stable version; "
            f"{self.primary_name} keeps {_image(state.primary)}",
        )
        owner = flagger_owner(state.target, (state.canary,))
        warnings = (
            f"{owner}: when Flagger runs again it sees a new revision of {self.name} and starts "
            "its analysis over with this image",
        )
        return replace(
            planned,
            action="emergency-rollback",
            doing="rolling back",
            preview=preview,
            warnings=warnings,
            destructive=True,
        )

    # -- verification --------------------------------------------------------------------

    def _promoted(self, image: str) -> Any:
        async def check(connection: Connection) -> Progress:
            cd = await get(connection, canaries(self.namespace), self.canary_name)
            phase, weight = fc.phase(cd), as_int(fc.status(cd).get("canaryWeight"))
            if phase == "Failed":
                return Progress(
                    False,
                    "Failed",
                    failed=f"Flagger rolled canary {self.canary_name} back instead (Failed)",
                )
            primary = await get(connection, deployments(self.namespace), self.primary_name)
            rollout = rollout_status(primary)
            words = (
                f"{phase} at canary weight {weight} %; {self.primary_name} runs {images(primary)}"
            )
            done = phase == "Succeeded" and images(primary) == image and rollout.done
            return Progress(done, words)

        return check

    def _rolled_back(self, stable: str) -> Any:
        async def check(connection: Connection) -> Progress:
            cd = await get(connection, canaries(self.namespace), self.canary_name)
            phase, weight = fc.phase(cd), as_int(fc.status(cd).get("canaryWeight"))
            primary = await get(connection, deployments(self.namespace), self.primary_name)
            words = (
                f"{phase} at canary weight {weight} %; {self.primary_name} runs {images(primary)}"
            )
            if images(primary) != stable:
                return Progress(
                    False,
                    words,
                    failed=f"{self.primary_name} now runs {images(primary)}, not {stable}",
                )
            if phase == "Succeeded":
                return Progress(False, words, failed="Flagger promoted the canary first")
            return Progress(phase == "Failed" and weight == 0, words)

        return check
