"""Exponential back-off with jitter, as client-go's reflector waits between failed attempts.

Defaults are client-go's: 0.8 s, doubling, capped at 30 s, reset after 2 min without a
failure. The cap bounds the base delay; jitter adds up to `jitter` × base on top (client-go's
wait.Jitter adds up to 100 %; 20 % keeps the longest wait near the cap on a screen that shows it).

One departure, for a screen someone is watching: for the first `early_for` seconds of a
series the delay is capped at `early_cap` (2 s), so the war room is back within about two
seconds of a server that restarted; an outage that lasts longer backs off as client-go does.
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
    early_cap: float = 2.0
    early_for: float = 60.0
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0
    _free_spent: bool = False
    _resumed: float | None = None
    _began: float | None = None  # when the current series of failures began
    _late: int = 0  # attempts after the early spell

    def next(self) -> float:
        """The delay before the next attempt; each call lengthens the one after."""
        now = self._settle()
        if self._began is None:
            self._began = now
        if now - self._began < self.early_for:
            base = min(self.early_cap, self.initial * self.factor**self.attempts)
        else:  # a long outage: from the early cap, doubling to the cap
            self._late += 1
            base = min(self.cap, self.early_cap * self.factor**self._late)
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
        self._began = None
        self._late = 0

    def _settle(self) -> float:
        now = self.clock()
        # Healthy for a while since the last wait ended: this failure starts a new series.
        if self._resumed is not None and now - self._resumed >= self.reset_after:
            self.reset()
        return now
