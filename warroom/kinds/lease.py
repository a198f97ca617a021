"""What a war room's Lease (coordination.k8s.io/v1) says: its spec read as client-go's
leader election reads it (`LeaseRecord`: who holds it, since when, renewed when, for how
long), and the name and marks every warroom gives the Lease of an action's target.

A Lease is held while it names a holder and renewTime + leaseDurationSeconds is after now, on
the API server's clock (client-go's isLeaseValid). The actions' lock (actions/lease.py,
actions/lease_record.py) writes these Leases; the screen reads them (kinds/holds.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from warroom.kinds.times import timestamp_of

Obj = Mapping[str, Any]  # a Lease as parsed (read-only)
GROUP = "coordination.k8s.io"
MAX_NAME = 63  # a DNS-1123 label: short enough to read in `kubectl get leases`
HASH_CHARS = 10
MANAGED_BY = "app.kubernetes.io/managed-by"
LABELS = {MANAGED_BY: "warroom"}
SELECTOR = f"{MANAGED_BY}=warroom"  # the war room's own Leases, as a labelSelector
ACTION = "warroom/action"  # what the holder is doing, in words ("rolling back")
TARGET = "warroom/target"  # the target in full, for a lease whose name was shortened
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def lease_name(kind: str, name: str) -> str:
    """`warroom-node-gpu-node-3`; a name too long or not DNS-1123 keeps a readable head and a
    hash of the whole target, so two targets never share a lease."""
    base = f"warroom-{kind.lower()}-{name}"
    if len(base) <= MAX_NAME and _SUBDOMAIN.fullmatch(base):
        return base
    digest = hashlib.sha256(f"{kind}/{name}".encode()).hexdigest()[:HASH_CHARS]
    head = re.sub(r"[^a-z0-9-]+", "-", base.lower())[: MAX_NAME - HASH_CHARS - 1].rstrip("-")
    return f"{head}-{digest}"


def annotation(lease: Obj | None, key: str) -> str:
    """One of the Lease's annotations, "" when absent or not a string."""
    annotations = ((lease or {}).get("metadata") or {}).get("annotations") or {}
    value = annotations.get(key) if isinstance(annotations, dict) else None
    return value if isinstance(value, str) else ""


def micro_time(seconds: float) -> str:
    """metav1.MicroTime as the server encodes it: UTC, six fractional digits."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class LeaseRecord:
    """A Lease's spec (LeaderElectionRecord), times in epoch seconds of the server's clock."""

    holder: str = ""
    duration: int = 0
    acquired: float | None = None
    renewed: float | None = None
    transitions: int = 0

    @classmethod
    def of(cls, lease: Obj) -> LeaseRecord:
        """LeaseSpecToLeaderElectionRecord: absent fields read as zero values."""
        spec = lease.get("spec") or {}

        def number(key: str) -> int:
            value = spec.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        holder = spec.get("holderIdentity")
        return cls(
            holder=holder if isinstance(holder, str) else "",
            duration=number("leaseDurationSeconds"),
            acquired=timestamp_of(spec.get("acquireTime")),
            renewed=timestamp_of(spec.get("renewTime")),
            transitions=number("leaseTransitions"),
        )

    def spec(self) -> dict[str, Any]:
        """LeaderElectionRecordToLeaseSpec: every field written, an empty holder included."""
        spec: dict[str, Any] = {
            "holderIdentity": self.holder,
            "leaseDurationSeconds": self.duration,
            "leaseTransitions": self.transitions,
        }
        if self.acquired is not None:
            spec["acquireTime"] = micro_time(self.acquired)
        if self.renewed is not None:
            spec["renewTime"] = micro_time(self.renewed)
        return spec

    @property
    def until(self) -> float | None:
        """When the lease lapses unless renewed: renewTime + leaseDurationSeconds."""
        return None if self.renewed is None else self.renewed + self.duration

    def valid(self, now: float) -> bool:
        """isLeaseValid: renewed, and its duration not yet run out at `now`."""
        until = self.until
        return until is not None and until > now

    def held(self, now: float) -> bool:
        """Someone holds it at `now`: a holder named and the lease still valid."""
        return bool(self.holder) and self.valid(now)
