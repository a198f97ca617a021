"""What a check says: a verdict, a short reason, and the evidence behind it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

#: pass and fail are proved; pending: not run yet or a timer running; unknown: the evidence is
#: missing or stale (never shown as passed, nor as failed); done: ticked by a person.
Verdict = Literal["pass", "fail", "pending", "unknown", "done"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "pending", "unknown", "done")


def countdown(seconds: float) -> str:
    """`45s`, `4m07s`, `5m`, `12m`, `1h05m`: a duration or a timer, short."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 10 and rest:
        return f"{minutes}m{rest:02d}s"
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h{minutes % 60:02d}m"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What was measured and how: enough for a reader to check the verdict by hand."""

    measured: str  # "p95 latency", "rollout of bizra-prod/bizra-inference"
    source: str  # "Prometheus", "API server", "http", "operator"
    query: str | None = None  # the PromQL, the URL, the command, the JSONPath
    value: str | None = None  # what was found, as text
    threshold: str | None = None  # what it must be
    since: float | None = None  # cluster time the current verdict has held since
    taken: float | None = None  # cluster time of the reading
    detail: str | None = None  # command output, response body excerpt, pods listed

    def record(self) -> dict[str, Any]:
        """The journal's shape of it (docs/journal.md)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ItemVerdict:
    """One item judged at one moment."""

    phase: str
    item: str
    verdict: Verdict
    reason: str  # one word or a short phrase: "complete", "p95 1.4s", "stale", "2 of 3 ready"
    evidence: Evidence
    # Seconds of a timer still to run (soak, `for`), for the countdown; None without one.
    remaining: float | None = None

    def same(self, other: ItemVerdict | None) -> bool:
        """Whether `other` has the same verdict: values and timers move every tick, and the
        journal records a verdict when it changes, with the evidence of that moment."""
        return other is not None and other.verdict == self.verdict


@dataclass(frozen=True, slots=True)
class TriggerState:
    """A rollback trigger: raised while its threshold has held for its duration."""

    id: str
    title: str
    raised: bool
    reason: str
    evidence: Evidence
    unknown: bool = False  # no current data: neither raised nor cleared


@dataclass(frozen=True, slots=True)
class PhaseState:
    """A phase's progress: how many required items pass, and whether it is complete."""

    id: str
    title: str
    required: int
    passed: int
    failed: int
    unknown: int
    complete: bool
    starts_at: float | None = None  # cluster time, when the layout schedules it (at: T-6h)
    started: bool = False
    items: tuple[ItemVerdict, ...] = field(default_factory=tuple)
    # The required session fields still empty that keep this phase (the go-live's last, in a
    # checklist without a sign-off) from completing; their titles.
    unset: tuple[str, ...] = ()
