"""Garbage collection for the war room's big, long-lived heap of parsed objects.

The picture holds tens of thousands of parsed JSON objects (10,000 pods are a few million
Python objects) for as long as the room is open. CPython's collector scans its whole oldest
generation whenever that generation has grown by a quarter, which under a rollout's churn
meant a 0.35–0.45 s pause every two seconds in benchmarks/war_room.py: the screen froze
mid-keypress.

Parsed JSON holds no reference cycles, so an object the picture replaces is freed by
reference counting the moment it is dropped, collector or not. So every `interval` seconds
the young generations are collected (milliseconds) and everything that has survived is moved
out of the collector's sight (`gc.freeze`, which costs nothing); the collector then only ever
scans what arrived in the last second (its full runs fell to about 25 ms).

Other things do build cycles: Textual's rendered lines (a Strip caches itself) are alive in
the widgets' render caches at any moment, and once frozen they could not be reclaimed when
replaced; a demo leaked about 0.4 MB a second that way. So every `full_every` seconds the
heap is thawed, collected in full (one pause, as long as one of the collector's own full
runs) and frozen again, in a pause between keypresses: what leaks in between is reclaimed.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable

from warroom.background import Periodic

log = logging.getLogger(__name__)
DEFER_LIMIT = 5  # full-pass periods a busy keyboard may put the full pass off for


class HeapFreezer(Periodic):
    """Moves the surviving heap out of the collector's scans, now and every `interval` s."""

    def __init__(self, interval: float = 1.0, full_every: float = 60.0) -> None:
        super().__init__(interval)
        self.full_every = full_every
        # Whether someone is typing: the full pass waits for a pause in the keys (up to
        # DEFER_LIMIT periods), so its stop falls while the engineer watches, not mid-key.
        self.busy: Callable[[], bool] = lambda: False
        self.runs = 0
        self.full_runs = 0
        self.last_pause = 0.0  # seconds the last run held the event loop
        self._last_full = time.monotonic()

    def freeze_now(self) -> float:
        """Collect the young generations, then freeze what survived; returns the pause."""
        started = time.perf_counter()
        gc.collect(1)  # young garbage, cycles included, goes first
        gc.freeze()
        self.runs += 1
        self.last_pause = time.perf_counter() - started
        return self.last_pause

    def collect_all_now(self) -> float:
        """Thaw, collect everything (cycles that died while frozen too), freeze again."""
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.full_runs += 1
        self._last_full = time.monotonic()
        self.last_pause = time.perf_counter() - started
        return self.last_pause

    async def step(self) -> None:
        since = time.monotonic() - self._last_full
        due = since >= self.full_every and not self.busy()
        if due or since >= DEFER_LIMIT * self.full_every:
            self.collect_all_now()
        else:
            self.freeze_now()

    def crashed(self, sentence: str) -> None:
        log.error("heap freezer: %s", sentence)

    async def close(self) -> None:
        # What was frozen goes back to the collector, so a process that carries on after the
        # room (tests, the demo's shutdown) collects it as usual.
        gc.unfreeze()
