"""Poll, record, re-arm: the one loop every metrics source runs in.

The next poll is armed only after the previous one has finished and been recorded, so a slow
server never has two polls from one source in flight and requests never pile up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

log = logging.getLogger(__name__)


class PollLoop(ABC):
    """A background task calling `poll_once()` every `interval` seconds after the last ended."""

    def __init__(self, interval: float) -> None:
        if interval <= 0:
            raise ValueError(f"the poll interval must be positive, not {interval:g} s")
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @abstractmethod
    async def poll_once(self) -> None:
        """One poll: query, then record results and failures (it must not raise for them)."""

    @abstractmethod
    def internal_error(self, sentence: str) -> None:
        """Record a bug that escaped `poll_once`, so it shows as a failure, not silence."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections; called once the loop has stopped."""

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

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start polling in the background (needs a running event loop)."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"{type(self).__name__}.poll"
            )

    async def stop(self) -> None:
        """Stop polling, cancelling a poll in flight, and release connections."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.close()

    def wake(self) -> None:
        """Poll now, or right after the poll in flight; never two polls at once."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            # Cleared before the poll: a wake() that arrives during it polls again right after.
            self._wake.clear()
            try:
                await self.poll_once()
            except Exception as err:  # a bug must not end the polling, nor pass unseen
                log.exception("%s poll failed", type(self).__name__)
                self.internal_error(f"internal error while polling: {err!r}; please report it")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
