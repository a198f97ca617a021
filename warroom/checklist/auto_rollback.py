"""What a session's journal says about its automatic rollbacks, folded record by record.

A trigger with `auto: true` is armed when it holds (`auto_rollback_armed`: its countdown and
the moment it runs out); the countdown ends cancelled by a named operator with a reason,
disarmed when the trigger clears first, or fired (`auto_rollback_fired`, then the action's own
records and `auto_rollback_finished`). One arm per time a trigger holds: after it ends, the
trigger must clear before it arms again, so a cancelled or finished rollback is not retried
while the same breach goes on. Every war room on the session folds the same records, so both
of a pair show the same countdown and a cancel in one stops it in the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

State = Literal["counting", "cancelled", "disarmed", "firing", "done"]
ENDED: frozenset[State] = frozenset({"cancelled", "disarmed", "done"})
# The records that end a countdown before it fires: whoever writes one first decides.
STOPS = frozenset({"auto_rollback_cancelled", "auto_rollback_disarmed", "auto_rollback_fired"})


@dataclass(frozen=True, slots=True)
class Countdown:
    """One arm of a trigger's automatic rollback, as the journal tells it."""

    arm: str
    trigger: str
    title: str
    target: str
    action: str
    armed_by: str
    armed_at: float
    fires_at: float  # cluster time
    state: State = "counting"
    ended_by: str = ""
    ended_at: float | None = None
    reason: str = ""  # a cancel's reason, a disarm's why, a finished rollback's outcome
    ok: bool | None = None  # a finished rollback: done and verified, or not

    def left(self, now: float) -> float:
        """Seconds of the countdown still to run at `now` (0 once it ran out)."""
        return max(0.0, self.fires_at - now)


@dataclass
class AutoRollbacks:
    """The automatic rollbacks of one session, by trigger. Apply records in journal order."""

    latest: dict[str, Countdown] = field(default_factory=dict)
    # Triggers that cleared after their latest arm (or never armed): they may arm again.
    cleared: set[str] = field(default_factory=set)
    version: int = 0

    def apply(self, kind: str, payload: Mapping[str, Any], operator: str, at: float) -> None:
        trigger = str(payload.get("trigger") or "")
        if not trigger:
            return
        if kind == "trigger_cleared":
            self.cleared.add(trigger)
            return
        if kind == "auto_rollback_armed":
            now = self.latest.get(trigger)
            if now is not None and now.state not in ENDED:
                return  # a second war room armed it at the same moment: the first counts
            fires_at = payload.get("fires_at")
            self.latest[trigger] = Countdown(
                arm=str(payload.get("arm") or ""),
                trigger=trigger,
                title=str(payload.get("title") or trigger),
                target=str(payload.get("target") or ""),
                action=str(payload.get("action") or "rollback"),
                armed_by=operator,
                armed_at=at,
                fires_at=float(fires_at) if isinstance(fires_at, int | float) else at,
            )
            self.cleared.discard(trigger)
            self.version += 1
            return
        now = self.latest.get(trigger)
        if now is None or str(payload.get("arm") or "") != now.arm:
            return
        if kind == "auto_rollback_cancelled" and now.state == "counting":
            reason = str(payload.get("reason") or "")
            self.latest[trigger] = replace(
                now, state="cancelled", reason=reason, ended_by=operator, ended_at=at
            )
        elif kind == "auto_rollback_disarmed" and now.state == "counting":
            why = str(payload.get("why") or "the trigger cleared")
            self.latest[trigger] = replace(
                now, state="disarmed", reason=why, ended_by=operator, ended_at=at
            )
            self.cleared.add(trigger)
        elif kind == "auto_rollback_fired" and now.state == "counting":
            self.latest[trigger] = replace(now, state="firing", ended_by=operator, ended_at=at)
        elif kind == "auto_rollback_finished" and now.state == "firing":
            ok = payload.get("ok") is True
            outcome = str(payload.get("outcome") or "")
            self.latest[trigger] = replace(now, state="done", ok=ok, reason=outcome, ended_at=at)
        else:
            return
        self.version += 1

    def may_arm(self, trigger: str) -> bool:
        """Whether a trigger that holds now starts a countdown: never armed this session, or
        its last arm ended and the trigger has cleared since."""
        now = self.latest.get(trigger)
        return now is None or (now.state in ENDED and trigger in self.cleared)

    def counting(self, trigger: str) -> Countdown | None:
        now = self.latest.get(trigger)
        return now if now is not None and now.state == "counting" else None


__all__ = ["STOPS", "AutoRollbacks", "Countdown"]
