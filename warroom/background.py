"""The one way a long-lived loop runs: a task of the running event loop that its owner starts
and stops, and that a bug cannot end in silence.

Reflectors, pollers, the heap freezer and the sim's controllers and scraper all run on this.
`stop()` cancels the task and waits for it, so no request or connection outlives the call.
An exception escaping `run()` is a bug: it is logged with its traceback, reported through
`crashed()` (so the source shows as failing rather than silently frozen) and `run()` starts
again after `restart_delay`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Self

log = logging.getLogger(__name__)


class Background(ABC):
    """A loop in a task of its own, started by `start()` and ended by `stop()`."""

    restart_delay = 5.0  # seconds before `run()` starts again after a bug escaped it

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    @property
    def task_name(self) -> str:
        return type(self).__name__

    @abstractmethod
    async def run(self) -> None:
        """The loop itself; it runs until cancelled (returning ends the task quietly)."""

    def crashed(self, sentence: str) -> None:  # noqa: B027 - optional hook, default logs only
        """Record a bug that escaped `run()`, so that it shows; `sentence` says what happened."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the loop held (connections, files); called once it has stopped."""

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the loop in a task of the running event loop (idempotent)."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(
                self._guarded(), name=self.task_name
            )

    async def stop(self) -> None:
        """Cancel the loop, wait until it has ended, then `close()`."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.close()

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _guarded(self) -> None:
        while True:
            try:
                await self.run()
                return
            except Exception as err:
                log.exception("%s failed", self.task_name)
                self.crashed(f"internal error in {self.task_name}: {err!r}; please report it")
            await asyncio.sleep(self.restart_delay)


class Periodic(Background):
    """Calls `step()` every `interval` seconds after the previous call ended: poll, record,
    re-arm, so a slow server never has two calls from one source in flight."""

    def __init__(self, interval: float) -> None:
        super().__init__()
        if interval <= 0:
            raise ValueError(f"the interval must be positive, not {interval:g} s")
        self.interval = interval
        self._wake = asyncio.Event()

    @abstractmethod
    async def step(self) -> None:
        """One round: query, then record results and failures (it should not raise for them)."""

    def wake(self) -> None:
        """Run a step now, or right after the one in flight; never two at once."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            # Cleared before the step: a wake() that arrives during it runs another right after.
            self._wake.clear()
            try:
                await self.step()
            except Exception as err:  # one bad round must not end the loop, nor pass unseen
                log.exception("%s step failed", self.task_name)
                self.crashed(f"internal error in {self.task_name}: {err!r}; please report it")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)


class Repeat(Periodic):
    """Calls a plain function every `interval` seconds (the first call at once)."""

    def __init__(self, interval: float, call: Callable[[], object], name: str) -> None:
        super().__init__(interval)
        self.call = call
        self.name = name

    @property
    def task_name(self) -> str:
        return self.name

    async def step(self) -> None:
        self.call()
