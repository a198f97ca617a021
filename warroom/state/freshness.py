"""How current one source's data is, in one type for every source (reflectors, Prometheus,
GPU readers, SSH hosts), so the banner, the panels and the gates read them all alike.

A source is *stale* when it has no data yet, when its last attempt failed, or when its newest
data is older than the source allows (a few poll intervals; a quiet watch's read timeout). A
gate whose evidence is stale is unknown, never pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

#: pending: nothing heard yet; ok: current data; empty: the source answered with nothing (a
#: query matching no series); failed: the last attempt failed (`error` says why; data kept).
State = Literal["pending", "ok", "empty", "failed"]


@dataclass(frozen=True, slots=True)
class Freshness:
    """One source at the moment it was read."""

    source: str  # what the data is, as a sentence names it: "pods in namespace bizra-prod"
    state: State
    age: float | None  # seconds since the source last had current data; None: never had any
    stale: bool
    error: str | None = None  # one sentence while failing, cleared on recovery
    group: str = ""  # the server behind the source ("API server", "Prometheus"): one banner line
    summary: str = ""  # the failure in a few words, shared by the group ("connection refused")

    @property
    def failing(self) -> bool:
        return self.state == "failed"


def pending(source: str) -> Freshness:
    """A source that has not been heard from yet."""
    return Freshness(source, "pending", None, True)


def data_age(sources: Iterable[Freshness]) -> float | None:
    """How old a picture built from `sources` may be: 0 while all are current, else the age of
    the stalest failing one's data; None until every source has had data once."""
    ages = []
    for source in sources:
        if source.age is None:
            return None
        if source.failing or source.stale:
            ages.append(source.age)
    return max(ages, default=0.0)
