"""`kubectl rollout status` for a Deployment, in kubectl's own words (DeploymentStatusViewer).

Kept to kubectl's branches and sentences so that what the war room says about a rollout is
what an engineer would read in their own terminal, warnings about stuck pods included.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from warroom.kinds.objects import Obj, as_int, section
from warroom.kinds.pod import unschedulable

REVISION = "deployment.kubernetes.io/revision"
# Container waiting reasons kubectl warns about while a rollout waits.
STUCK_REASONS = (
    "ImagePullBackOff",
    "ErrImagePull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
)


@dataclass(frozen=True, slots=True)
class RolloutStatus:
    """What `kubectl rollout status` would print: a message, or an error it would exit with."""

    message: str  # kubectl's sentence without its warning; "" when `error` is set
    done: bool
    error: str = ""  # e.g. 'deployment "api" exceeded its progress deadline'
    warning: str = ""  # why a pod cannot start: "CrashLoopBackOff - back-off 40s …", or ""

    @property
    def printed(self) -> str:
        """The line kubectl prints (without its newline), warning included."""
        return f"{self.message} (Warning: {self.warning})" if self.warning else self.message


def revision_of(obj: Obj) -> int:
    """The `deployment.kubernetes.io/revision` annotation of a Deployment or ReplicaSet."""
    return as_int(section(section(obj, "metadata"), "annotations").get(REVISION))


def _warning(pods: Iterable[Obj]) -> str:
    """kubectl's appendWarning: the first pod that cannot be scheduled or cannot start."""
    for pod in pods:
        message = unschedulable(pod)
        if message:
            return message
        for cs in section(pod, "status").get("containerStatuses") or ():
            waiting = section(cs, "state").get("waiting") or {}
            if waiting.get("reason") in STUCK_REASONS:
                return f"{waiting['reason']} - {waiting.get('message') or ''}"
    return ""


def rollout_status(d: Obj, pods: Iterable[Obj] = (), revision: int = 0) -> RolloutStatus:
    """The rollout of Deployment `d`; `pods` are those its selector picks (for the warnings),
    `revision` a revision to insist on (as `--revision`)."""
    meta, spec, status = section(d, "metadata"), section(d, "spec"), section(d, "status")
    name = meta.get("name", "")
    if revision > 0 and revision != revision_of(d):
        running = revision_of(d)
        error = f"desired revision ({revision}) is different from the running revision ({running})"
        return RolloutStatus("", False, error)
    if as_int(meta.get("generation")) > as_int(status.get("observedGeneration")):
        message = "Waiting for deployment spec update to be observed..."
        return RolloutStatus(message, False, warning=_warning(pods))
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            return RolloutStatus("", False, f'deployment "{name}" exceeded its progress deadline')
    replicas = spec.get("replicas")
    updated = as_int(status.get("updatedReplicas"))
    total = as_int(status.get("replicas"))
    available = as_int(status.get("availableReplicas"))
    waiting = f'Waiting for deployment "{name}" rollout to finish: '
    if replicas is not None and updated < as_int(replicas):
        message = f"{updated} out of {as_int(replicas)} new replicas have been updated..."
    elif total > updated:
        message = f"{total - updated} old replicas are pending termination..."
    elif available < updated:
        message = f"{available} of {updated} updated replicas are available..."
    else:
        return RolloutStatus(f'deployment "{name}" successfully rolled out', True)
    return RolloutStatus(waiting + message, False, warning=_warning(pods))
