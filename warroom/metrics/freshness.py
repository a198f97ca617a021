"""How fresh a source's data is: last attempt, last success, last error, and staleness.

A source is *stale* when it has never answered, when its last attempt failed, or when its
newest data is older than `STALE_FACTOR` poll intervals. A gate whose evidence is stale is
unknown, never pass, so the rule lives here once for every source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Data older than this many poll intervals is stale (one slow poll is not yet a problem).
STALE_FACTOR = 3.0

#: pending: never polled yet; ok: data; empty: the query worked but matched nothing;
#: failed: the last attempt failed (the error says why).
State = Literal["pending", "ok", "empty", "failed"]


@dataclass(frozen=True, slots=True)
class Health:
    """A source's freshness at the moment a snapshot was taken (times are unix seconds)."""

    state: State
    error: str | None
    last_attempt: float | None
    last_success: float | None
    age: float | None  # seconds since the last success: the age of the newest data
    stale: bool


class Freshness:
    """The mutable record behind `Health`; `version` counts changes worth a redraw."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.state: State = "pending"
        self.error: str | None = None
        self.last_attempt: float | None = None
        self.last_success: float | None = None
        self.version = 0

    def touch(self) -> None:
        """New data arrived: a renderer should redraw."""
        self.version += 1

    def succeeded(self, now: float, *, empty: bool = False) -> None:
        """Record a good answer at `now` (our clock, so a server's clock skew does not count)."""
        state: State = "empty" if empty else "ok"
        if state != self.state or self.error is not None:
            self.version += 1
        self.state = state
        self.error = None
        self.last_attempt = self.last_success = now

    def failed(self, now: float, sentence: str) -> None:
        """Record a failure; the data kept so far stays, but is now stale."""
        if self.state != "failed" or self.error != sentence:
            self.version += 1
        self.state = "failed"
        self.error = sentence
        self.last_attempt = now

    def health(self, now: float) -> Health:
        age = None if self.last_success is None else max(0.0, now - self.last_success)
        stale = (
            self.state in ("pending", "failed") or age is None or age > STALE_FACTOR * self.interval
        )
        return Health(
            state=self.state,
            error=self.error,
            last_attempt=self.last_attempt,
            last_success=self.last_success,
            age=age,
            stale=stale,
        )
