"""The API server's wall clock, estimated from the `Date` header of its answers.

Ages on screen must agree with kubectl's, which the server computes against its own clock, and
a cluster's clock is not the laptop's: it may be minutes off, and a simulated one may run ten
times faster. Each answer says, to the second, what time it was on the server at some moment
between sending the request and reading the answer. With the server's clock running at our
pace, those observations bound its offset from ours: intersected, they pin it to well under a
second. When they cannot all hold (the server's clock runs at another pace, or jumped), the
clock is re-fitted from the observations of the last few minutes: rate and offset by least
squares, anchored at the newest.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

WINDOW = 300.0  # seconds of observations the clock is fitted from
KEEP = 256  # observations kept at most
# A pace this far from ours, over at least SPAN seconds of observations, is not noise.
PACE_TOLERANCE = 0.05
SPAN = 5.0


@dataclass(frozen=True, slots=True)
class Observation:
    sent: float  # our clock when the request left
    received: float  # our clock when the answer's headers arrived
    server: float  # the server's second, as its Date header gave it

    @property
    def middle(self) -> float:
        return (self.sent + self.received) / 2


def date_seconds(header: str | None) -> float | None:
    """Epoch seconds of an HTTP Date header (RFC 9110 IMF-fixdate), None if absent or bad."""
    if not header:
        return None
    try:
        return parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


class ServerClock:
    """`now()` is the server's time; our own until its first answer has been seen."""

    def __init__(self, local: Callable[[], float] = time.time) -> None:
        self.local = local
        self.observations: deque[Observation] = deque(maxlen=KEEP)
        self.rate = 1.0  # server seconds per second of ours
        self._offset = 0.0  # at rate 1: server = local + offset
        self._anchor: tuple[float, float] | None = None  # (local, server) at another rate

    @property
    def known(self) -> bool:
        return bool(self.observations)

    def observe(self, date: str | None, sent: float, received: float) -> None:
        """An answer's Date header, and our clock when its request left and its answer came."""
        server = date_seconds(date)
        if server is None or received < sent:
            return
        self.observations.append(Observation(sent, received, server))
        self._fit()

    def now(self) -> float:
        local = self.local()
        if self._anchor is None:
            return local + self._offset
        anchor_local, anchor_server = self._anchor
        return anchor_server + self.rate * (local - anchor_local)

    def _fit(self) -> None:
        newest = self.observations[-1]
        recent = [o for o in self.observations if newest.received - o.received <= WINDOW]
        # At our pace the server read `server` (floored to its second) at some local moment in
        # [sent, received]: offset in (server - received, server + 1 - sent).
        low = max(o.server - o.received for o in recent)
        high = min(o.server + 1 - o.sent for o in recent)
        if low <= high:
            self.rate, self._offset, self._anchor = 1.0, (low + high) / 2, None
            return
        rate = _pace(recent)
        if rate is not None and abs(rate - 1) > PACE_TOLERANCE:
            self.rate = rate
            self._anchor = (newest.middle, newest.server + 0.5)
            return
        if rate is not None or newest.received - recent[0].received >= SPAN:
            # At our pace yet in disagreement, or no pace fits: the server's clock jumped.
            # Start over from the newest observation.
            self.observations = deque([newest], maxlen=KEEP)
        # (Too short a span to tell a pace from a jump: follow the newest observation.)
        self.rate, self._anchor = 1.0, None
        self._offset = newest.server + 0.5 - newest.middle


def _pace(observations: list[Observation]) -> float | None:
    """The server's seconds per second of ours, by least squares, once the observations span
    SPAN s and a line fits them all (within a second, plus what their latency allows); None
    while too short to tell, or when no line fits (the clock jumped rather than ran fast)."""
    xs = [o.middle for o in observations]
    if len(xs) < 2 or xs[-1] - xs[0] < SPAN:
        return None
    ys = [o.server + 0.5 for o in observations]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var <= 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var
    if slope <= 0:
        return None
    latency = max(o.received - o.sent for o in observations)
    worst = max(abs(y - (my + slope * (x - mx))) for x, y in zip(xs, ys, strict=True))
    return slope if worst <= 1.0 + slope * latency else None
