"""Reading journal payloads without trusting them: a wrong type reads as missing, never raises.

The journal is written by other versions of warroom too (records.md: unknown extra keys must be
tolerated, later issues add kinds), and a report of a broken journal is the one most needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def mapping(obj: Any, key: str) -> Mapping[str, Any]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def text(obj: Any, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    if value is None or isinstance(value, Mapping | list):
        return None
    return value if isinstance(value, str) else str(value)


def number(obj: Any, key: str) -> float | None:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def flag(obj: Any, key: str) -> bool:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value is True


def strings(obj: Any, key: str) -> tuple[str, ...]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value if v is not None)


def items(obj: Any, key: str) -> tuple[Mapping[str, Any], ...]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, Mapping))


@dataclass(frozen=True)
class Evidence:
    """What a check measured (records.md's evidence shape), as the journal recorded it."""

    measured: str
    source: str
    query: str | None = None
    value: str | None = None
    threshold: str | None = None
    since: float | None = None
    taken: float | None = None
    detail: str | None = None

    def summary(self) -> str:
        """One line a reader takes in at a glance: `p99 latency = 412 ms (threshold ≤ 300 ms)`."""
        line = self.measured or "—"
        if self.value is not None:
            line += f" = {self.value}"
        if self.threshold is not None:
            line += f" (threshold {self.threshold})"
        if self.detail:
            line += f"; {self.detail}"
        if self.source:
            line += f" [{self.source}]"
        return line


def evidence(obj: Any, key: str = "evidence") -> Evidence | None:
    found = mapping(obj, key)
    if not found:
        return None
    return Evidence(
        measured=text(found, "measured") or "",
        source=text(found, "source") or "",
        query=text(found, "query"),
        value=text(found, "value"),
        threshold=text(found, "threshold"),
        since=number(found, "since"),
        taken=number(found, "taken"),
        detail=text(found, "detail"),
    )
