"""The rolling strategy: a plain Deployment its controller rolls (seeds 000 and 001). Pause,
resume, restart, scale, set image and undo are the calls kubectl makes:

- pause / resume: a strategic merge patch of `spec.paused` (`kubectl rollout pause|resume`);
- restart: the `kubectl.kubernetes.io/restartedAt` template annotation (`rollout restart`);
- scale: a merge patch of the `scale` subresource (`kubectl scale`);
- set image: a strategic merge patch of the container's image (`kubectl set image`);
- undo: kubectl's JSON patch copying the chosen ReplicaSet's template back
  (kinds/rollout_history.py). kubectl refuses to undo a paused Deployment; so does this, and
  it offers `resume-undo`, both calls in one confirmed action.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from warroom.actions.calls import Call, Permission
from warroom.actions.lease import Target
from warroom.actions.others import warnings
from warroom.actions.plan import ActionArgs, ActionRefused, MissingArgument, Plan, Progress
from warroom.actions.readiness import RollbackReady
from warroom.kinds.deployment import rollout_status
from warroom.kinds.objects import as_int, section
from warroom.kinds.rollout_history import (
    RollbackError,
    history,
    revision,
    rollback_target,
    same_template,
    undo_patch,
)
from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError
from warroom.kube.resource import Resource
from warroom.kube.writes import PatchType, get

Obj = dict[str, Any]
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def deployments(namespace: str) -> Resource:
    return Resource("apps", "v1", "deployments", namespace=namespace)


@dataclass(frozen=True, slots=True)
class DeploymentState:
    """What the plans read: the Deployment, its ReplicaSets, and the other actors near it."""

    deployment: Obj
    replicasets: tuple[Obj, ...] = ()
    hpas: tuple[Obj, ...] = ()
    canaries: tuple[Obj, ...] = ()

    @property
    def name(self) -> str:
        return str(section(self.deployment, "metadata").get("name", ""))

    @property
    def namespace(self) -> str:
        return str(section(self.deployment, "metadata").get("namespace", ""))

    @property
    def paused(self) -> bool:
        return bool(section(self.deployment, "spec").get("paused"))


@dataclass(frozen=True, slots=True)
class StatusWords:
    """A strategy's status in words: where it is, what it waits for, what happens next."""

    phase: str
    step: str
    waiting_for: str = ""
    next: str = ""
    facts: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The status as a person reads it: where it stands, what it waits for, what next."""
        out = [f"{self.phase}: {self.step}" if self.step else self.phase]
        if self.waiting_for:
            out.append(f"waiting for {self.waiting_for}")
        if self.next:
            out.append(f"next: {self.next}")
        return out


def containers(deployment: Mapping[str, Any]) -> list[Obj]:
    return list(
        section(section(section(deployment, "spec"), "template"), "spec").get("containers") or ()
    )


def images(template_owner: Mapping[str, Any]) -> str:
    return ", ".join(str(c.get("image", "")) for c in containers(template_owner))


async def _canaries(connection: Connection, namespace: str) -> tuple[Obj, ...]:
    """The Flagger Canaries of the namespace (none where Flagger's CRD is not installed)."""
    path = Resource("flagger.app", "v1beta1", "canaries", namespace=namespace).path
    try:
        listed = await connection.get_json(path)
    except ApiError as exc:
        if exc.code == 404:
            return ()
        raise
    return tuple(listed.get("items") or ())


async def read_state(connection: Connection, namespace: str, name: str) -> DeploymentState:
    """The Deployment, the ReplicaSets it controls, and the HPAs and Flagger Canaries of its
    namespace."""
    deployment = await get(connection, deployments(namespace), name)
    selector = section(section(deployment, "spec"), "selector").get("matchLabels") or {}
    labels = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    rs_path = Resource("apps", "v1", "replicasets", namespace=namespace).path
    listed = await connection.get_json(rs_path, [("labelSelector", labels)] if labels else [])
    hpa_path = Resource("autoscaling", "v2", "horizontalpodautoscalers", namespace=namespace).path
    hpas = await connection.get_json(hpa_path)
    return DeploymentState(
        deployment,
        tuple(listed.get("items") or ()),
        tuple(hpas.get("items") or ()),
        await _canaries(connection, namespace),
    )


def _rollout_check(namespace: str, name: str, want_replicas: int | None = None) -> Any:
    async def check(connection: Connection) -> Progress:
        d = await get(connection, deployments(namespace), name)
        status = rollout_status(d)
        if status.error:
            return Progress(False, status.error, failed=status.error)
        replicas = as_int(section(d, "spec").get("replicas"))
        if want_replicas is not None and replicas != want_replicas:
            return Progress(False, f"spec.replicas is {replicas}, not {want_replicas}")
        return Progress(status.done, status.printed)

    return check


def _paused_check(namespace: str, name: str, paused: bool) -> Any:
    async def check(connection: Connection) -> Progress:
        d = await get(connection, deployments(namespace), name)
        meta, spec, status = section(d, "metadata"), section(d, "spec"), section(d, "status")
        seen = as_int(status.get("observedGeneration")) >= as_int(meta.get("generation"))
        now = bool(spec.get("paused"))
        words = (
            f"{'paused' if now else 'not paused'}, observed by the controller"
            if seen
            else ("waiting for the controller to observe the change")
        )
        return Progress(seen and now == paused, words)

    return check


class Rolling:
    """Plans for one Deployment rolled by its controller."""

    strategy: str = "rolling"
    actions: tuple[str, ...] = (
        "pause",
        "resume",
        "restart",
        "scale",
        "set-image",
        "undo",
        "resume-undo",
    )

    def __init__(self, namespace: str, name: str, container: str = "") -> None:
        self.namespace = namespace
        self.name = name
        self.container = container
        self.target = Target("Deployment", name, namespace)
        self.resource = deployments(namespace)

    async def read(self, connection: Connection) -> DeploymentState:
        return await read_state(connection, self.namespace, self.name)

    def writes(self) -> tuple[Permission, ...]:
        """A patch of the Deployment (pause, resume, restart, set-image, undo) and of its
        scale subresource (scale)."""
        return (
            Permission.on("patch", self.resource, self.name),
            Permission.on("patch", self.resource, self.name, "scale"),
        )

    def plan(self, action: str, state: DeploymentState, args: ActionArgs, now: float) -> Plan:
        """The plan of `action` (one of `actions`); ActionRefused when it cannot be made."""
        if action == "pause":
            return self.pause(state)
        if action == "resume":
            return self.resume(state)
        if action == "restart":
            return self.restart(state, now)
        if action == "scale":
            if args.replicas is None:
                raise MissingArgument("scale needs --replicas N")
            return self.scale(state, args.replicas)
        if action == "set-image":
            if not args.image:
                raise MissingArgument("set-image needs --image REPO:TAG")
            return self.set_image(state, args.image)
        if action in ("undo", "resume-undo"):
            return self.undo(state, args.to_revision, resume=action == "resume-undo")
        raise ActionRefused(
            f"the rolling strategy has no action {action!r}; its actions: {', '.join(self.actions)}"
        )

    # -- status --------------------------------------------------------------------------

    def status(self, state: DeploymentState) -> StatusWords:
        d = state.deployment
        rollout = rollout_status(d)
        spec, st = section(d, "spec"), section(d, "status")
        want = as_int(spec.get("replicas"))
        step = (
            f"revision {revision(d) or '?'}: {as_int(st.get('updatedReplicas'))} of {want} "
            f"updated, {as_int(st.get('availableReplicas'))} available ({images(d)})"
        )
        if state.paused:
            return StatusWords(
                "paused", step, "resume", "on resume the controller goes on replacing old pods"
            )
        if rollout.error:
            return StatusWords("stuck", step, "", rollout.error + "; roll back or fix the image")
        if rollout.done:
            return StatusWords("rolled out", step, "", "nothing until the next change")
        return StatusWords(
            "rolling", step, rollout.message, "old pods are replaced as new ones become available"
        )

    # -- plans ---------------------------------------------------------------------------

    def _plan(
        self,
        state: DeploymentState,
        action: str,
        doing: str,
        calls: Sequence[Call],
        preview: Sequence[str],
        **more: Any,
    ) -> Plan:
        replicas = bool(more.pop("replicas", False))
        return Plan(
            action=action,
            doing=doing,
            target=self.target,
            preview=tuple(preview),
            calls=tuple(calls),
            warnings=warnings(
                state.deployment, hpas=state.hpas, canaries=state.canaries, replicas=replicas
            ),
            **more,
        )

    def _patch(
        self,
        says: str,
        body: Any,
        patch_type: PatchType = PatchType.STRATEGIC,
        subresource: str = "",
    ) -> Call:
        return Call("patch", self.resource, self.name, says, body, patch_type, subresource)

    def pause(self, state: DeploymentState) -> Plan:
        if state.paused:
            return self._plan(
                state,
                "pause",
                "pausing",
                (),
                (),
                nothing_to_do=(f"deployment {self.name} is already paused"),
            )
        call = self._patch(f"pause deployment {self.name}", {"spec": {"paused": True}})
        return self._plan(
            state,
            "pause",
            "pausing",
            [call],
            [
                f"pause deployment {self.namespace}/{self.name}: the controller stops replacing "
                "pods where the rollout stands"
            ],
            expect=_paused_check(self.namespace, self.name, True),
            expect_says="the controller sees it paused",
            timeout=60,
        )

    def resume(self, state: DeploymentState) -> Plan:
        if not state.paused:
            return self._plan(
                state,
                "resume",
                "resuming",
                (),
                (),
                nothing_to_do=(f"deployment {self.name} is not paused"),
            )
        call = self._patch(f"resume deployment {self.name}", {"spec": {"paused": None}})
        return self._plan(
            state,
            "resume",
            "resuming",
            [call],
            [f"resume deployment {self.namespace}/{self.name}: the rollout goes on"],
            expect=_rollout_check(self.namespace, self.name),
            expect_says="the rollout completes",
        )

    def restart(self, state: DeploymentState, now: float) -> Plan:
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        call = self._patch(f"restart deployment {self.name}", body)
        return self._plan(
            state,
            "restart",
            "restarting",
            [call],
            [
                f"restart deployment {self.namespace}/{self.name}: every pod is replaced, "
                f"{images(state.deployment)} kept"
            ],
            expect=_rollout_check(self.namespace, self.name),
            expect_says="the rollout completes",
        )

    def scale(self, state: DeploymentState, replicas: int) -> Plan:
        if replicas < 0:
            raise ActionRefused(f"a Deployment cannot have {replicas} replicas; give 0 or more")
        now = as_int(section(state.deployment, "spec").get("replicas"))
        if now == replicas:
            return self._plan(
                state,
                "scale",
                "scaling",
                (),
                (),
                nothing_to_do=(f"deployment {self.name} already has {replicas} replicas"),
            )
        call = self._patch(
            f"scale deployment {self.name} {now} → {replicas}",
            {"spec": {"replicas": replicas}},
            PatchType.MERGE,
            "scale",
        )
        return self._plan(
            state,
            "scale",
            "scaling",
            [call],
            [f"scale deployment {self.namespace}/{self.name} {now} → {replicas} pods"],
            replicas=True,
            destructive=replicas == 0,
            expect=_rollout_check(self.namespace, self.name, replicas),
            expect_says=f"{replicas} pods are available",
        )

    def container_of(self, state: DeploymentState) -> str:
        names = [str(c.get("name", "")) for c in containers(state.deployment)]
        if self.container:
            if self.container not in names:
                raise ActionRefused(
                    f"deployment {self.name} has no container {self.container!r} "
                    f"(it has {', '.join(names)}); fix the target's container in the layout"
                )
            return self.container
        if len(names) != 1:
            raise ActionRefused(
                f"deployment {self.name} has {len(names)} containers ({', '.join(names)}); "
                "name the one to set in the target's container"
            )
        return names[0]

    def set_image(self, state: DeploymentState, image: str) -> Plan:
        container = self.container_of(state)
        was = next(
            str(c.get("image", ""))
            for c in containers(state.deployment)
            if c.get("name") == container
        )
        if was == image:
            return self._plan(
                state,
                "set-image",
                "updating",
                (),
                (),
                nothing_to_do=(f"container {container} already runs {image}"),
            )
        body = {
            "spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}}
        }
        call = self._patch(f"set image of deployment {self.name} {container}={image}", body)
        return self._plan(
            state,
            "set-image",
            "updating",
            [call],
            [f"roll deployment {self.namespace}/{self.name} from {was} to {image}"],
            expect=_rollout_check(self.namespace, self.name),
            expect_says="the rollout completes",
        )

    def undo(self, state: DeploymentState, to_revision: int = 0, *, resume: bool = False) -> Plan:
        """`kubectl rollout undo [--to-revision=N]`; with `resume`, resume first (the one
        confirmed action offered when the Deployment is paused)."""
        d = state.deployment
        try:
            rs = rollback_target(d, state.replicasets, to_revision)
        except RollbackError as exc:
            raise ActionRefused(f"{exc}; see the revisions with kubectl rollout history") from None
        if state.paused and not resume:
            raise ActionRefused(
                "you cannot rollback a paused deployment; resume it first with 'kubectl rollout "
                "resume' and try again, or use resume-undo, which does both",
                instead="resume-undo",
            )
        back_to = revision(rs)
        action = "resume-undo" if resume else "undo"
        if same_template(d, rs):
            return self._plan(
                state,
                action,
                "rolling back",
                (),
                (),
                nothing_to_do=(
                    f"skipped rollback (current template already matches revision {back_to})"
                ),
            )
        calls = []
        preview = []
        if resume:
            calls.append(self._patch(f"resume deployment {self.name}", {"spec": {"paused": None}}))
            preview.append(f"resume deployment {self.namespace}/{self.name} (it is paused)")
        calls.append(
            self._patch(
                f"roll back deployment {self.name} to revision {back_to}",
                undo_patch(d, rs),
                PatchType.JSON,
            )
        )
        preview.append(
            f"roll deployment {self.namespace}/{self.name} back from revision "
            f"{revision(d)} ({images(d)}) to revision {back_to} ({images(rs)})"
        )
        return self._plan(
            state,
            action,
            "rolling back",
            calls,
            preview,
            destructive=True,
            expect=_rollout_check(self.namespace, self.name),
            expect_says="the rollout completes",
            after=_after_undo,
        )

    def rollback_ready(self, state: DeploymentState, expected: str = "") -> RollbackReady:
        """Before the release (its image is still `expected`, or only one revision exists) an
        undo of the release to come returns to the revision running now, kept while
        revisionHistoryLimit is above 0; during it, the undo kubectl would make now."""
        d = state.deployment
        limit = as_int(section(d, "spec").get("revisionHistoryLimit", 10))
        running = images(d)
        permission = self._patch("roll back", []).permission
        problem = (
            f"deployment {self.name} has revisionHistoryLimit 0: its old ReplicaSets are "
            "deleted, so there is no revision to undo to; set it to 2 or more"
            if limit == 0
            else ""
        )
        listed = self.revisions(state)
        current = revision(d)
        if (expected and expected in running.split(", ")) or len(listed) <= 1:
            return RollbackReady(
                "undo",
                True,
                f"revision {current} ({running}) is what an undo of the next release returns "
                f"to (revisionHistoryLimit {limit} keeps it)",
                running,
                (permission,),
                problem=problem,
            )
        try:
            plan = self.undo(state, resume=state.paused)
            rs = rollback_target(d, state.replicasets)
        except ActionRefused as refused:
            return RollbackReady(
                "undo", False, "", "", (permission,), refused=str(refused), problem=problem
            )
        says = (
            f"undo returns deployment {self.name} from revision {current} to revision "
            f"{revision(rs)} ({images(rs)}), within revisionHistoryLimit {limit}"
        )
        return RollbackReady("undo", False, says, images(rs), (permission,), plan, problem=problem)

    def revisions(self, state: DeploymentState) -> list[tuple[int, str]]:
        """(revision, images) as `kubectl rollout history` lists them, oldest first."""
        return [(number, images(rs)) for number, rs in history(state.deployment, state.replicasets)]


def _after_undo(answers: Sequence[Obj]) -> list[str]:
    """What the dry run says the Deployment becomes."""
    if not answers:
        return []
    last = answers[-1]
    return [
        f"the dry run says: deployment {section(last, 'metadata').get('name')} will run "
        f"{images(last)}"
    ]
