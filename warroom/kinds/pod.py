"""A pod as `kubectl get pods` prints it: READY, STATUS, RESTARTS and the last restart.

`pod_status` is printPod of k8s.io/kubernetes/pkg/printers/internalversion, returning a record
rather than cells: the sim's server-side table and the war room's pod rows are both built from
it, and each formats what it shows (ages against its own clock) only when it shows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warroom.kinds.objects import Obj, as_int, section
from warroom.kinds.times import human_duration, timestamp_of


@dataclass(frozen=True, slots=True)
class PodStatus:
    """kubectl's reading of one pod."""

    ready: int  # containers ready (sidecars included)
    total: int  # containers (restartable init containers, i.e. sidecars, included)
    reason: str  # the STATUS column: Running, CrashLoopBackOff, Init:0/2, Terminating, …
    restarts: int
    last_restart: float | None  # epoch seconds the newest counted container last terminated

    @property
    def ready_text(self) -> str:
        """The READY column: `1/2`."""
        return f"{self.ready}/{self.total}"

    def restarts_text(self, now: float) -> str:
        """The RESTARTS column at `now`: `3`, or `3 (5m ago)` once a restart time is known."""
        if self.restarts == 0 or self.last_restart is None:
            return str(self.restarts)
        return f"{self.restarts} ({human_duration(now - self.last_restart)} ago)"


def _last_finished(cs: Obj) -> float | None:
    term = section(cs, "lastState").get("terminated")
    return timestamp_of(term.get("finishedAt")) if isinstance(term, Mapping) else None


def _condition_true(conditions: Sequence[Obj], type_: str) -> bool:
    return any(c.get("type") == type_ and c.get("status") == "True" for c in conditions)


def _terminated_reason(term: Obj, prefix: str) -> str:
    signal = term.get("signal") or 0
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{term.get('exitCode') or 0}"


def _later(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None or a >= b else b


def pod_status(pod: Obj) -> PodStatus:
    """READY, STATUS and RESTARTS of `pod`, as printPod computes them."""
    meta, spec, status = section(pod, "metadata"), section(pod, "spec"), section(pod, "status")
    conditions: Sequence[Any] = status.get("conditions") or ()
    init_specs: Sequence[Any] = spec.get("initContainers") or ()
    total = len(spec.get("containers") or ())
    ready = restarts = sidecar_restarts = 0
    last_restart: float | None = None
    last_sidecar_restart: float | None = None

    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for cond in conditions:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    # Init containers with restartPolicy Always are sidecars: they count as pod containers.
    sidecars = set()
    for c in init_specs:
        if c.get("restartPolicy") == "Always":
            sidecars.add(c.get("name"))
            total += 1

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or ()):
        count = cs.get("restartCount") or 0
        restarts += count
        finished = _last_finished(cs)
        last_restart = _later(last_restart, finished)
        sidecar = cs.get("name") in sidecars
        if sidecar:
            sidecar_restarts += count
            last_sidecar_restart = _later(last_sidecar_restart, finished)
        state = section(cs, "state")
        term, waiting = state.get("terminated"), state.get("waiting")
        if term is not None and (term.get("exitCode") or 0) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready"):
                ready += 1
            continue
        if term is not None:
            reason = (
                f"Init:{term['reason']}"
                if term.get("reason")
                else _terminated_reason(term, "Init:")
            )
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or ()):
            restarts += cs.get("restartCount") or 0
            last_restart = _later(last_restart, _last_finished(cs))
            state = section(cs, "state")
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                reason = _terminated_reason(term, "")
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        # A completed container beside a still-running one does not make the pod Completed.
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(conditions, "Ready") else "NotReady"

    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return PodStatus(ready, total, str(reason), int(restarts), last_restart)


def unschedulable(pod: Obj) -> str:
    """The scheduler's message when it could not place the pod (PodScheduled False,
    reason Unschedulable), else "": kubectl shows such a pod as plain Pending."""
    for cond in section(pod, "status").get("conditions") or ():
        if (
            cond.get("type") == "PodScheduled"
            and cond.get("status") == "False"
            and cond.get("reason") == "Unschedulable"
        ):
            return str(cond.get("message") or "Unschedulable")
    return ""


def pod_gpus(pod: Obj) -> int:
    """The GPUs a pod's containers ask for (nvidia.com/gpu limits, else requests, as the
    scheduler counts them)."""
    total = 0
    for c in section(pod, "spec").get("containers") or ():
        resources = section(c, "resources")
        value = section(resources, "limits").get("nvidia.com/gpu") or section(
            resources, "requests"
        ).get("nvidia.com/gpu")
        total += as_int(value)
    return total


def pod_finished(pod: Obj) -> bool:
    """Succeeded or Failed: kubectl describe node's "Non-terminated Pods" leaves these out."""
    return section(pod, "status").get("phase") in ("Succeeded", "Failed")
