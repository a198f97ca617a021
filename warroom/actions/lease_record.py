"""The pairing lock's record and its rule, ported from client-go's leader election
(tools/leaderelection: resourcelock.LeaseLock, LeaderElector.tryAcquireOrRenew, tryRelease).

A Lease's spec says who holds it (holderIdentity), for how long after its last renewal
(leaseDurationSeconds), since when (acquireTime), when it was last renewed (renewTime) and how
often it changed hands (leaseTransitions). `decide` is tryAcquireOrRenew's rule: take a lease
that is absent, free, expired or already ours; refuse one another holder renewed within its
duration. `released` is what tryRelease writes. The record itself, and what it says of a
Lease on its own (held, until when), is `kinds/lease.py`'s, which the screen reads too.

One deliberate difference: client-go judges expiry by when *it* last saw the record change
(its own clock), so a newcomer waits a whole duration before it may take over. Every warroom
writes renewTime on the API server's clock (kube/clock.py's estimate from the Date headers),
so a second warroom can judge at once from renewTime: a lease is valid while
renewTime + leaseDurationSeconds is after now, as client-go's isLeaseValid compares them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from warroom.kinds.lease import LeaseRecord, micro_time

__all__ = ["Decision", "LeaseRecord", "Refuse", "Take", "decide", "micro_time", "released",
           "renewed"]  # fmt: skip

# What tryRelease writes: no holder, a one-second duration, the transitions kept.
RELEASED_DURATION = 1


@dataclass(frozen=True, slots=True)
class Take:
    """Write `record`: create the Lease when there is none, else update it."""

    record: LeaseRecord
    create: bool
    transition: bool = False  # the lease changes hands (leaseTransitions counted up)


@dataclass(frozen=True, slots=True)
class Refuse:
    """Another holder renewed the lease within its duration: leave it to them."""

    holder: LeaseRecord


Decision = Take | Refuse


def decide(observed: LeaseRecord | None, me: str, now: float, duration: int) -> Decision:
    """tryAcquireOrRenew's rule for identity `me` at `now` (the server's clock)."""
    fresh = LeaseRecord(holder=me, duration=duration, acquired=now, renewed=now)
    if observed is None:
        return Take(fresh, create=True)
    if observed.held(now) and observed.holder != me:
        return Refuse(observed)
    if observed.holder == me:
        # A renewal: the acquisition and the count of hand-overs stay as they were.
        kept = replace(fresh, acquired=observed.acquired, transitions=observed.transitions)
        return Take(kept, create=False)
    taken = replace(fresh, transitions=observed.transitions + 1)
    return Take(taken, create=False, transition=True)


def renewed(record: LeaseRecord, now: float) -> LeaseRecord:
    """The fast path of a holder renewing what it last wrote."""
    return replace(record, renewed=now)


def released(observed: LeaseRecord, me: str, now: float) -> LeaseRecord | None:
    """tryRelease: what to write to give the lease up, or None when it is not ours to give."""
    if observed.holder != me:
        return None
    return LeaseRecord(
        holder="",
        duration=RELEASED_DURATION,
        acquired=now,
        renewed=now,
        transitions=observed.transitions,
    )
