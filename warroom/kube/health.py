"""How fresh a reflector's data is: what it is doing, whether the watch is live, what went wrong.

The UI reads a `Health` snapshot on its own cadence to show the age of the data and a banner
when the watch is lost; a gate whose evidence is stale is unknown, never pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

Phase = Literal["starting", "listing", "watching", "waiting", "stopped"]


@dataclass(frozen=True, slots=True)
class Health:
    """One immutable reading of a reflector's state."""

    phase: Phase
    synced: bool  # the first full list has reached the sink (it stays true after)
    healthy: bool  # a watch is open and nothing has failed since it opened
    last_error: str | None  # one sentence, cleared when a watch is live again
    last_heard: float | None  # time.monotonic() of the last byte from the server
    last_heard_wall: float | None  # time.time() of the same moment, for display
    resource_version: str
    retry_at: float | None  # time.monotonic() of the next attempt while waiting
    stale_after: float  # a live watch that is quiet for longer than this is suspect

    def age(self, now: float | None = None) -> float | None:
        """Seconds since the server was last heard from, or None if it never was."""
        if self.last_heard is None:
            return None
        return max(0.0, (time.monotonic() if now is None else now) - self.last_heard)

    def stale(self, now: float | None = None) -> bool:
        """True when the data cannot be trusted as current."""
        age = self.age(now)
        return not (self.synced and self.healthy) or age is None or age > self.stale_after
