"""The one way tests wait: for a condition, with a deadline, never a bare sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def until(
    check: Callable[[], bool],
    *,
    timeout: float = 10.0,
    what: str = "",
    pause: Callable[[], Awaitable[None]] | None = None,
    every: float = 0.02,
) -> None:
    """Return once `check()` holds; fail naming `what` after `timeout` seconds.

    `pause` lets something else run between checks (a Pilot's `pause`, so the app redraws);
    by default the event loop runs for `every` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what or check}")
        await (pause() if pause is not None else asyncio.sleep(every))


async def until_value(
    fetch: Callable[[], Awaitable[T]],
    check: Callable[[T], bool],
    *,
    timeout: float = 10.0,
    what: str = "",
    every: float = 0.5,
) -> T:
    """Fetch until the value passes `check`, and return it; fail with the last one seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = await fetch()
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}; last value {value!r}")
        await asyncio.sleep(every)


def until_sync(
    check: Callable[[], bool], *, timeout: float = 30.0, what: str = "", every: float = 0.2
) -> None:
    """`until` for what happens in another process (tmux, a child): there is no event to wait
    on, so the other side is polled every `every` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what or check}")
        time.sleep(every)
