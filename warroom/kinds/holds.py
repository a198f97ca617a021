"""Other warrooms' holds now in force: the war room's Leases (kinds/lease.py) read for the
screen: who holds a target (the operator named in holderIdentity, "ana" of
"ana@laptop:4121"), doing what (`warroom/action`), on which target (`warroom/target`), for how
long (since acquireTime), each on the cluster's clock.

A lease counts while it names a holder and renewTime + leaseDurationSeconds is after now, the
rule the lock itself refuses by (`LeaseRecord.held`, as lease_record.decide judges it), so
the screen refuses exactly what the lock would. Our own process's holds (their identity ends
with its `@host:pid`, whoever has the keyboard) are not another warroom's and are left out.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from warroom.kinds.lease import ACTION, TARGET, LeaseRecord, Obj, annotation

LeaseKey = tuple[str, str]  # (namespace, name) of the Lease


def operator_of(identity: str) -> str:
    """The operator of a holder identity: "ana" of "ana@laptop:4121" (an operator may hold an
    @ itself: only the last one parts it from the host); the whole identity without one."""
    operator, at, _ = identity.rpartition("@")
    return operator if at and operator else identity


def seconds_words(seconds: float) -> str:
    """How long a hold has lasted, as the screen says it: "12 s", "4 min 5 s", "2 h 3 min"."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s" if s % 60 else f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60} min" if s % 3600 // 60 else f"{s // 3600} h"


@dataclass(frozen=True, slots=True)
class Hold:
    """One Lease another warroom holds now, with the cluster's time it was read at."""

    lease: LeaseKey
    holder: str  # holderIdentity: "ana@laptop:4121"
    action: str  # "rolling back"; "" when the Lease does not say
    target: str  # "Deployment bizra-prod/bizra-inference"; "" when the Lease does not say
    acquired: float | None  # acquireTime, the cluster's epoch seconds
    until: float  # renewTime + leaseDurationSeconds: it lapses then unless renewed
    now: float

    @property
    def operator(self) -> str:
        return operator_of(self.holder)

    @property
    def held_for(self) -> float | None:
        """Seconds since it was taken; None when the Lease has no acquireTime."""
        return None if self.acquired is None else max(0.0, self.now - self.acquired)

    def _doing(self, name: str) -> str:
        if self.action:
            return f"{self.operator} is {self.action} {name}"
        return f"{self.operator} is acting on {name}"

    def line(self, name: str) -> str:
        """The screen's line: "ana is rolling back bizra-inference (12 s)"."""
        held = self.held_for
        return self._doing(name) + ("" if held is None else f" ({seconds_words(held)})")

    def refusal(self, name: str) -> str:
        """Why a mutating key refuses: who, doing what, since when, and what to do."""
        held = self.held_for
        since = (
            ""
            if held is None or self.acquired is None
            else f" (for {seconds_words(held)}, since {_clock(self.acquired)})"
        )
        return f"{self._doing(name)}{since} from another warroom ({self.holder}); wait or ask them"


def _clock(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(seconds))


def hold_of(lease: Obj, now: float, ours: str = "") -> Hold | None:
    """The hold a Lease is at `now`, or None: free (no holder), lapsed, or ours (its holder
    identity ends with `ours`, this process's `@host:pid`)."""
    record = LeaseRecord.of(lease)
    if not record.held(now) or record.until is None:
        return None
    if ours and record.holder.endswith(ours):
        return None
    meta = lease.get("metadata") or {}
    key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
    return Hold(
        key,
        record.holder,
        annotation(lease, ACTION),
        annotation(lease, TARGET),
        record.acquired,
        record.until,
        now,
    )


def holds_in_force(leases: Iterable[Obj], now: float, ours: str = "") -> dict[LeaseKey, Hold]:
    """Every other warroom's hold at `now`, by its Lease's (namespace, name)."""
    holds = {}
    for lease in leases:
        hold = hold_of(lease, now, ours)
        if hold is not None:
            holds[hold.lease] = hold
    return holds
