"""A drill's timeline played forward: which faults are due, from the cluster seconds since the
drill started and what the war room knows now (triggers raised, phases started, the new
version's share of each target's traffic, actions done). Pure: the runner hands it the facts
and injects what it returns, each fault once, in the scenario's order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from warroom.drills.scenario import Condition, Fault, Scenario


@dataclass(frozen=True)
class Facts:
    """What the drill's conditions are judged on, at one moment."""

    elapsed: float  # cluster seconds since the drill started
    raised: frozenset[str] = frozenset()  # triggers raised now
    started: frozenset[str] = frozenset()  # phases started
    shares: Mapping[str, float] = field(default_factory=dict)  # target (ns/name) → new %
    done: frozenset[tuple[str, str]] = frozenset()  # (action, target) done and verified


def holds(condition: Condition, facts: Facts) -> bool:
    """Whether a fault's `when` holds on `facts`."""
    if condition.trigger is not None:
        return condition.trigger in facts.raised
    if condition.phase is not None:
        return condition.phase in facts.started
    if condition.share is not None:
        asked = condition.share
        key = f"{asked.namespace}/{asked.target}" if asked.namespace else asked.target
        share = facts.shares.get(key)
        return share is not None and share >= asked.at_least
    assert condition.action is not None
    wanted, target = condition.action.action, condition.action.target
    return any(a == wanted and (target is None or t == target) for a, t in facts.done)


class Timeline:
    """The faults not yet injected; `due` hands out each one once, when its time comes."""

    def __init__(self, scenario: Scenario) -> None:
        self.pending: list[tuple[int, Fault]] = list(enumerate(scenario.faults))

    def due(self, facts: Facts) -> list[tuple[int, Fault]]:
        """The faults due at `facts` (their index in the scenario and the fault), in order;
        they are no longer pending."""
        now = [
            (i, fault)
            for i, fault in self.pending
            if (fault.at is not None and facts.elapsed >= fault.at.total_seconds())
            or (fault.when is not None and holds(fault.when, facts))
        ]
        self.pending = [p for p in self.pending if p not in now]
        return now

    def next_at(self) -> float | None:
        """The cluster seconds since the start at which the next timed fault is due."""
        times = [f.at.total_seconds() for _, f in self.pending if f.at is not None]
        return min(times, default=None)

    @property
    def finished(self) -> bool:
        return not self.pending


__all__ = ["Facts", "Timeline", "holds"]
