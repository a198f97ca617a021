"""Simulated time: runs `speed` times faster than the wall clock, or stands still until stepped."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime


def rfc3339(seconds: float) -> str:
    """Kubernetes timestamps: whole seconds, UTC, `Z` suffix."""
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> float:
    return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()


class SimClock:
    """The time every controller reads.

    In running mode simulated time is `start + elapsed_real * speed`. In manual mode (tests)
    it moves only when `set()` is called, which the controller manager does while stepping.
    """

    def __init__(
        self, *, start: float | None = None, speed: float = 1.0, manual: bool = False
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be greater than zero")
        self.speed = speed
        self.manual = manual
        self._base_sim = time.time() if start is None else start
        self._base_real = time.monotonic()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        if self.manual:
            return self._base_sim
        return self._base_sim + (time.monotonic() - self._base_real) * self.speed

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def timestamp(self) -> str:
        return rfc3339(self.now())

    def real_delay(self, deadline: float) -> float | None:
        """Wall-clock seconds until `deadline`, or None when only stepping moves time."""
        if self.manual:
            return None
        return max(0.0, (deadline - self.now()) / self.speed)

    def set(self, sim_time: float) -> None:
        """Move a manual clock to `sim_time` (never backwards)."""
        if not self.manual:
            raise RuntimeError("only a manual clock can be stepped")
        self._base_sim = max(self._base_sim, sim_time)
        for listener in list(self._listeners):
            listener()

    def run(self, speed: float | None = None) -> None:
        """Let a manual clock run on from where it stands, `speed` times real time."""
        if speed is not None:
            if speed <= 0:
                raise ValueError("speed must be greater than zero")
            self.speed = speed
        self._base_sim = self.now()
        self._base_real = time.monotonic()
        self.manual = False
        for listener in list(self._listeners):
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)
