"""Times as Kubernetes prints them: RFC 3339 timestamps and `HumanDuration` ages.

`human_duration` is k8s.io/apimachinery/pkg/util/duration.HumanDuration, the function behind
every AGE column kubectl shows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any


def human_duration(seconds: float) -> str:
    """Format a duration the way ``duration.HumanDuration`` does (~2-3 significant figures)."""
    # Go truncates toward zero here, so -1.9s still counts as "almost now".
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m" if rem == 0 else f"{minutes}m{rem}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h" if rem == 0 else f"{hours}h{rem}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d" if rem == 0 else f"{hours // 24}d{rem}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = divmod(hours // 24, 365)
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=65536)
def parse_timestamp(value: str) -> float | None:
    """Epoch seconds of an RFC3339 timestamp, None for an unset (zero) time.

    Raises ValueError when the text is not a timestamp. Cached: a LIST repeats timestamps a lot.
    """
    if not value or value == "null":
        return None
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    if dt == _ZERO_TIME:
        return None
    return dt.timestamp()


def timestamp_of(value: Any) -> float | None:
    """Like :func:`parse_timestamp` but a missing or malformed value counts as unset."""
    if not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def elapsed(now: float, then: float) -> str:
    """How long ago `then` was, as an AGE column shows it, never `<invalid>`: a clock
    estimated from the server's answers may trail a fresh timestamp by a fraction of a
    second, which is "0s", not an error to shout about."""
    return human_duration(max(0.0, now - then))


def since(value: Any, now: float) -> str:
    """``translateTimestampSince``: the age of a timestamp, ``<unknown>`` when unset."""
    t = timestamp_of(value)
    if t is None:
        return "<unknown>"
    return human_duration(now - t)
