"""How fresh a polled source's data is: the record behind each `state.Freshness` reading.

A polled source is stale when it has never answered, when its last attempt failed, or when its
newest data is older than `STALE_FACTOR` poll intervals. The rule lives here once for every
Prometheus and GPU source; the reading it gives is the type every source shares.
"""

from __future__ import annotations

from warroom.state.freshness import Freshness, State

#: Data older than this many poll intervals is stale (one slow poll is not yet a problem).
STALE_FACTOR = 3.0


class FreshnessRecorder:
    """Attempts, successes and errors of one polled source; `version` counts changes worth a
    redraw. Times are the poller's clock (ours, so a server's clock skew does not count)."""

    def __init__(self, source: str, interval: float, group: str = "", named: str = "") -> None:
        """`group`: the server behind the source, whose failures share one banner line;
        `named`: how its error sentences name that server at their start (left out of the
        banner's summary, which names the group)."""
        self.source = source
        self.group = group
        self.named = named
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
        """Record a good answer at `now`."""
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

    def reading(self, now: float) -> Freshness:
        age = None if self.last_success is None else max(0.0, now - self.last_success)
        stale = (
            self.state in ("pending", "failed") or age is None or age > STALE_FACTOR * self.interval
        )
        summary = summarize(self.error, self.named) if self.error else ""
        return Freshness(
            self.source, self.state, age, stale, self.error, group=self.group, summary=summary
        )


def summarize(sentence: str, named: str = "") -> str:
    """A failure sentence in a few words: without the server's name it begins with (the
    banner names the server) and without the advice after its first semicolon."""
    if named and sentence.startswith(f"{named}: "):
        sentence = sentence[len(named) + 2 :]
    return sentence.split("; ", 1)[0]
