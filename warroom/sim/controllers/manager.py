"""Runs the controllers: work queues fed by store changes, and timers on the simulated clock.

Each controller says which keys a change concerns and reconciles one key at a time
(level-triggered, like kube-controller-manager). `sync` may ask to be called again after a
number of simulated seconds. In manual-clock mode `advance()` steps time from timer to timer,
so a test can run minutes of cluster life in milliseconds and still see every step.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import OrderedDict
from collections.abc import Iterable
from typing import Protocol

from warroom.background import Background
from warroom.sim.clock import SimClock
from warroom.sim.store import Change, Store

log = logging.getLogger(__name__)

# Yield to the event loop after this many syncs, so the API keeps answering during a storm.
BATCH = 200


class Controller(Protocol):
    name: str

    def keys_for(self, change: Change) -> Iterable[str]:
        """The keys this controller must reconcile because of `change`."""
        ...

    def sync(self, key: str) -> float | None:
        """Reconcile `key`; return simulated seconds after which to sync it again, or None."""
        ...


class ControllerManager(Background):
    """The controllers' loop: a background task (`start()`/`stop()`) or stepped by tests."""

    def __init__(self, store: Store, clock: SimClock, controllers: Iterable[Controller]) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.controllers = list(controllers)
        # FIFO and de-duplicated; OrderedDict pops from the front in O(1), a dict does not.
        self._queue: OrderedDict[tuple[int, str], None] = OrderedDict()
        self._timers: list[tuple[float, int, int, str]] = []
        # One pending timer per key (the earliest), so requeues never multiply.
        self._scheduled: dict[tuple[int, str], float] = {}
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self.errors = 0
        store.subscribe(self._on_change)
        clock.on_change(self._wake.set)

    # ---- queueing ------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        for index, controller in enumerate(self.controllers):
            for key in controller.keys_for(change):
                self._queue[(index, key)] = None
        if self._queue:
            self._wake.set()

    def enqueue(self, controller: Controller, key: str, after: float = 0.0) -> None:
        index = self.controllers.index(controller)
        if after <= 0:
            self._queue[(index, key)] = None
        else:
            self._schedule(index, key, self.clock.now() + after)
        self._wake.set()

    def _schedule(self, index: int, key: str, deadline: float) -> None:
        current = self._scheduled.get((index, key))
        if current is not None and current <= deadline:
            return
        self._scheduled[(index, key)] = deadline
        heapq.heappush(self._timers, (deadline, next(self._seq), index, key))

    def enqueue_all(self, controller: Controller, keys: Iterable[str]) -> None:
        for key in keys:
            self.enqueue(controller, key)

    def next_deadline(self) -> float | None:
        self._drop_stale()
        return self._timers[0][0] if self._timers else None

    def _drop_stale(self) -> None:
        while self._timers:
            deadline, _, index, key = self._timers[0]
            if self._scheduled.get((index, key)) == deadline:
                return
            heapq.heappop(self._timers)

    # ---- processing ----------------------------------------------------------------------

    def _promote_due(self) -> None:
        now = self.clock.now()
        self._drop_stale()
        while self._timers and self._timers[0][0] <= now:
            _, _, index, key = heapq.heappop(self._timers)
            del self._scheduled[(index, key)]
            self._queue[(index, key)] = None
            self._drop_stale()

    def _sync_one(self, index: int, key: str) -> None:
        controller = self.controllers[index]
        try:
            again = controller.sync(key)
        except Exception:
            # A controller bug must not stop the cluster; retry later like a work queue does.
            self.errors += 1
            log.exception("controller %s failed to sync %s", controller.name, key)
            again = 5.0
        if again is not None:
            self._schedule(index, key, self.clock.now() + max(again, 0.001))

    def drain(self, limit: int | None = None) -> int:
        """Process queued keys (and timers already due) now; returns how many were synced."""
        done = 0
        self._promote_due()
        while self._queue and (limit is None or done < limit):
            (index, key), _ = self._queue.popitem(last=False)
            self._sync_one(index, key)
            done += 1
            if not self._queue:
                self._promote_due()
        return done

    async def run(self) -> None:
        while True:
            while self.drain(BATCH):  # noqa: ASYNC110 - yields to the API between batches
                await asyncio.sleep(0)
            self._wake.clear()
            if self._queue:
                continue
            deadline = self.next_deadline()
            delay = None if deadline is None else self.clock.real_delay(deadline)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    @property
    def task_name(self) -> str:
        return "sim-controllers"

    def settle(self, max_syncs: int = 1_000_000) -> None:
        """Run every queued and due sync until nothing is left at the current time."""
        self.drain(max_syncs)

    def advance(self, seconds: float) -> None:
        """Step a manual clock forward by `seconds`, firing each timer at its own time."""
        target = self.clock.now() + seconds
        self.settle()
        while True:
            deadline = self.next_deadline()
            if deadline is None or deadline > target:
                break
            self.clock.set(deadline)
            self.settle()
        self.clock.set(target)
        self.settle()
