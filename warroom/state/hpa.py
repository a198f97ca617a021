"""HorizontalPodAutoscalers the layout names, and their replica counts over time."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from warroom.kinds.hpa import format_hpa_metrics
from warroom.kinds.objects import Obj, as_int, section

HISTORY_STEP = 5.0  # seconds between two samples of the replica sparkline, by the cluster clock
HISTORY_LENGTH = 120  # samples kept: ten minutes


@dataclass(frozen=True, slots=True)
class HpaView:
    namespace: str
    name: str
    target: str
    current: int
    desired: int
    minimum: int
    maximum: int
    metrics: str  # kubectl's TARGETS column, e.g. "cpu: 45%/70%"
    at_max: bool
    limited: str  # the ScalingLimited reason when true, else ""
    history: tuple[int, ...] = ()  # current replicas, one sample every HISTORY_STEP s, oldest first

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


def hpa_view(hpa: Obj) -> HpaView:
    meta, spec, status = section(hpa, "metadata"), section(hpa, "spec"), section(hpa, "status")
    ref = section(spec, "scaleTargetRef")
    limited = ""
    for cond in status.get("conditions") or ():
        if cond.get("type") == "ScalingLimited" and cond.get("status") == "True":
            limited = str(cond.get("reason", ""))
    current = as_int(status.get("currentReplicas"))
    maximum = as_int(spec.get("maxReplicas"))
    return HpaView(
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        target=f"{ref.get('kind', '')}/{ref.get('name', '')}",
        current=current,
        desired=as_int(status.get("desiredReplicas")),
        minimum=as_int(spec.get("minReplicas", 1)),
        maximum=maximum,
        metrics=format_hpa_metrics(spec.get("metrics") or (), status.get("currentMetrics") or ()),
        at_max=maximum > 0 and current >= maximum,
        limited=limited,
    )


class HpaHistory:
    """Replica counts of each HPA (by namespace and name), sampled on a fixed cadence of the
    cluster's clock: one point per HISTORY_STEP seconds, so the sparkline's time axis is even
    however often the HPA changes. A gap in time (the room paused) is not filled in."""

    def __init__(self, step: float = HISTORY_STEP, length: int = HISTORY_LENGTH) -> None:
        self.step = step
        self.length = length
        self._samples: dict[tuple[str, str], deque[int]] = {}
        self._next: float | None = None
        self.version = 0

    def sample(self, views: Iterable[HpaView], now: float) -> bool:
        """Record each HPA's current replicas if a step is due at `now`; True if it was."""
        if self._next is not None and now < self._next:
            return False
        # The next sample falls on the step grid, not `step` after a late tick.
        self._next = now + self.step if self._next is None else self._next + self.step
        if self._next <= now:
            self._next = now + self.step
        for view in views:
            self._samples.setdefault(view.key, deque(maxlen=self.length)).append(view.current)
        self.version += 1
        return True

    def of(self, key: tuple[str, str]) -> tuple[int, ...]:
        return tuple(self._samples.get(key, ()))
