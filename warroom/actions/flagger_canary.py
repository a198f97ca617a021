"""What a Flagger Canary (flagger.app/v1beta1) says of itself, read as its controller reads it
(fluxcd/flagger pkg/controller/scheduler.go, scheduler_hooks.go, pkg/canary/status.go): the
phase, the canary's weight and the steps ahead, the analysis interval, its gates (the
loadtester webhooks Flagger asks before promoting or to roll back), and whether Flagger itself
has stopped moving it.

Flagger writes the Canary's status (and `status.lastTransitionTime` with it) on every run of
an analysis in Progressing (a weight step, a failed check) and WaitingPromotion (the iteration
count, each interval the gate stays closed). A Canary in one of those phases whose
lastTransitionTime has not moved for `stuck_intervals` analysis intervals is one Flagger is not
running: it is down, or wedged. Promoting and Finalising wait for the primary's rollout,
so their patience is the progress deadline as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from warroom.kinds.objects import as_int, section
from warroom.kinds.times import parse_timestamp
from warroom.layout.durations import parse_duration

Obj = dict[str, Any]
LAST_STABLE = "flagger.app/last-stable-revision"
TOTAL = 100
IDLE = ("Initialized", "Succeeded", "Failed", "")
# The phases whose status Flagger writes every analysis interval.
TICKING = ("Progressing", "WaitingPromotion")
PROMOTION = ("Promoting", "Finalising")
ROLLBACK_READ = ("Progressing", "Waiting", "WaitingPromotion")  # runRollbackHooks' phases
DEFAULT_PROGRESS_DEADLINE = 600


def analysis(canary: Mapping[str, Any]) -> Mapping[str, Any]:
    return section(section(canary, "spec"), "analysis")


def status(canary: Mapping[str, Any]) -> Mapping[str, Any]:
    return section(canary, "status")


def phase(canary: Mapping[str, Any]) -> str:
    return str(status(canary).get("phase", ""))


def interval_seconds(canary: Mapping[str, Any]) -> float:
    """analysis.interval in seconds (Flagger's default, 60 s, when unset or unreadable)."""
    try:
        return parse_duration(str(analysis(canary).get("interval") or "1m")).total_seconds()
    except ValueError:
        return 60.0


def progress_deadline(canary: Mapping[str, Any]) -> float:
    spec = section(canary, "spec")
    return float(as_int(spec.get("progressDeadlineSeconds")) or DEFAULT_PROGRESS_DEADLINE)


def steps(canary: Mapping[str, Any]) -> list[int]:
    """The weights the canary goes through (stepWeights, or stepWeight up to maxWeight)."""
    a = analysis(canary)
    listed = [as_int(w) for w in a.get("stepWeights") or ()]
    if listed:
        return [min(TOTAL, w) for w in listed]
    step = as_int(a.get("stepWeight"))
    most = as_int(a.get("maxWeight")) or TOTAL
    if step <= 0:
        return []
    return list(range(step, most + 1, step)) or [most]


def weights_ahead(canary: Mapping[str, Any]) -> list[int]:
    weight = as_int(status(canary).get("canaryWeight"))
    return [w for w in steps(canary) if w > weight]


@dataclass(frozen=True, slots=True)
class Gate:
    """A loadtester gate a Canary's webhook asks: its Service as the API server's proxy names
    it (NAME:PORT), and the path to open it."""

    hook: str
    namespace: str
    service: str  # NAME:PORT, or https:NAME:PORT
    check: str  # /gate/check, /rollback/check

    @property
    def open_path(self) -> str:
        return self.check.removesuffix("/check") + "/open"

    @property
    def close_path(self) -> str:
        return self.check.removesuffix("/check") + "/close"

    @property
    def where(self) -> str:
        return f"{self.namespace}/{self.service}"


class GateProblem(ValueError):
    """The Canary's webhook is not a loadtester gate warroom can open; one sentence."""


def webhook(canary: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for hook in analysis(canary).get("webhooks") or ():
        if hook.get("type") == kind:
            return dict(hook)
    return None


def gate_of(hook: Mapping[str, Any], namespace: str) -> Gate:
    """The gate a webhook's URL asks (http://NAME[.NAMESPACE[.svc…]][:PORT]/gate/check); the
    namespace defaults to the Canary's, as in-cluster DNS resolves a bare name."""
    url = str(hook.get("url", ""))
    name = str(hook.get("name", ""))
    parts = urlsplit(url)
    labels = (parts.hostname or "").split(".")
    path = parts.path.rstrip("/")
    loadtester_path = path in ("/gate/check", "/rollback/check")
    if parts.scheme not in ("http", "https") or not labels[0] or not loadtester_path:
        raise GateProblem(
            f"webhook {name} asks {url}, which is not a loadtester gate (/gate/check or "
            "/rollback/check on a Service) that warroom can open; approve it where it is served"
        )
    service_ns = labels[1] if len(labels) > 1 and labels[1] else namespace
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise GateProblem(f"webhook {name} has a URL whose port is not a number: {url}") from None
    scheme = "https:" if parts.scheme == "https" else ""
    return Gate(name, service_ns, f"{scheme}{labels[0]}:{port}", path)


def seconds_still(canary: Mapping[str, Any], now: float) -> float | None:
    """Seconds since Flagger last wrote the Canary's status (None when it never did)."""
    try:
        last = parse_timestamp(str(status(canary).get("lastTransitionTime") or ""))
    except ValueError:
        return None
    return None if last is None else max(0.0, now - last)


def patience(canary: Mapping[str, Any], stuck_intervals: int) -> float | None:
    """How long the status may stand still in its phase before Flagger counts as stuck (None:
    a phase in which Flagger writes nothing while all is well)."""
    current = phase(canary)
    if current in TICKING:
        return stuck_intervals * interval_seconds(canary)
    if current in PROMOTION:
        return progress_deadline(canary) + stuck_intervals * interval_seconds(canary)
    return None


def stuck(canary: Mapping[str, Any], now: float, stuck_intervals: int) -> str:
    """Why Flagger counts as stuck on this Canary, in words ("" when it is not)."""
    wait = patience(canary, stuck_intervals)
    still = seconds_still(canary, now)
    if wait is None or still is None or still < wait:
        return ""
    every = interval_seconds(canary)
    return (
        f"Flagger has not written the canary's status for {span(still)} in phase "
        f"{phase(canary)} (more than {span(wait)}, {stuck_intervals} analysis intervals of "
        f"{span(every)}"
        + (" after the progress deadline" if phase(canary) in PROMOTION else "")
        + "): Flagger is down or wedged"
    )


def span(seconds: float) -> str:
    """A duration as the status words say it: 45s, 3m, 2m30s, 1h5m."""
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m" + (f"{s % 60}s" if s % 60 and s < 600 else "")
    return f"{s // 3600}h{(s % 3600) // 60}m"
