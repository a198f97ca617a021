"""Prometheus-style durations (`5s`, `1m`, `1h30m`) read into `timedelta` and written back."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

# Units in Prometheus' order; each may appear once, largest first, as in `1h30m`.
_UNITS: tuple[tuple[str, timedelta], ...] = (
    ("w", timedelta(weeks=1)),
    ("d", timedelta(days=1)),
    ("h", timedelta(hours=1)),
    ("m", timedelta(minutes=1)),
    ("s", timedelta(seconds=1)),
    ("ms", timedelta(milliseconds=1)),
)
_DURATION_RE = re.compile(
    "".join(rf"(?:(?P<{'ms_' if u == 'ms' else u}>\d+){u})?" for u, _ in _UNITS)
)
EXAMPLES = "5s, 1m, 15m, 2h or 1h30m"


def parse_duration(text: str) -> timedelta:
    """`1h30m` → 90 minutes; raises ValueError with a sentence saying how to write one."""
    match = _DURATION_RE.fullmatch(text.strip()) if text.strip() else None
    if match is None:
        raise ValueError(f"{text!r} is not a duration; write it like {EXAMPLES}")
    total = timedelta()
    for unit, size in _UNITS:
        count = match.group("ms_" if unit == "ms" else unit)
        if count is not None:
            total += int(count) * size
    if total <= timedelta():
        raise ValueError(f"{text!r} is zero; a duration must be longer than that, like 5s")
    return total


def format_duration(value: timedelta) -> str:
    """The shortest Prometheus spelling: 90 minutes → `1h30m`, usable inside PromQL."""
    remaining = value // timedelta(milliseconds=1)
    if remaining <= 0:
        return "0s"
    parts = []
    for unit, size in _UNITS:
        step = size // timedelta(milliseconds=1)
        count, remaining = divmod(remaining, step)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _coerce(value: object) -> timedelta:
    # timedelta passes through so that a dumped layout validates again (with_overrides).
    if isinstance(value, timedelta):
        if value <= timedelta():
            raise ValueError("a duration must be longer than zero, like 5s")
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected a duration like {EXAMPLES}")
    if not isinstance(value, str):
        # A bare number is ambiguous (seconds? minutes?), so ask for the unit.
        raise ValueError(f"{value} has no unit; write it like {value}s or {value}m")
    return parse_duration(value)


#: A layout field holding a duration; dumps back to its Prometheus spelling in JSON mode.
Duration = Annotated[
    timedelta,
    BeforeValidator(_coerce),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]
