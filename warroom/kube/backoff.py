"""Exponential back-off with jitter, as client-go's reflector waits between failed attempts.

Defaults are client-go's: 0.8 s, doubling, capped at 30 s, reset after 2 min without a
failure. The cap bounds the base delay; jitter adds up to `jitter` × base on top (client-go's
wait.Jitter adds up to 100 %; 20 % keeps the longest wait near the cap on a screen that shows it).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Successive delays for one reflector; `reset()` or a quiet spell starts over."""

    initial: float = 0.8
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.2
    reset_after: float = 120.0
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0
    _free_spent: bool = False
    _resumed: float | None = None

    def next(self) -> float:
        """The delay before the next attempt; each call lengthens the one after."""
        now = self._settle()
        base = min(self.cap, self.initial * self.factor**self.attempts)
        self.attempts += 1
        delay = base * (1.0 + self.jitter * self.rng.random())
        self._resumed = now + delay
        return delay

    def first_free(self) -> float:
        """No wait for the first failure of a series (a 410 relist), the usual delays after."""
        now = self._settle()
        if self.attempts == 0 and not self._free_spent:
            self._free_spent = True
            self._resumed = now
            return 0.0
        return self.next()

    def reset(self) -> None:
        self.attempts = 0
        self._free_spent = False
        self._resumed = None

    def _settle(self) -> float:
        now = self.clock()
        # Healthy for a while since the last wait ended: this failure starts a new series.
        if self._resumed is not None and now - self._resumed >= self.reset_after:
            self.reset()
        return now
