"""What the evaluator judges from, at one moment: the cluster picture, each signal's history,
the latest probe results and what the session recorded (ticks, sign-offs, phase starts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warroom.checklist.session import SessionState
from warroom.state.picture import ClusterPicture

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class SignalFacts:
    """One signal as the checks read it: each series' points oldest first (the polled points,
    after any history fetched from Prometheus' range API), and whether they are current.

    Point times are Prometheus' (its host's wall clock); `pace` is how many seconds of the
    cluster's clock pass in one of them (1 on a real cluster, the speed on a fast sim)."""

    id: str
    query: str
    series: tuple[tuple[str, tuple[Point, ...]], ...] = ()
    fresh: bool = False
    status: str = "no data yet"  # why it is not fresh, in a few words
    source: str = "Prometheus"
    unit: str = ""
    title: str = ""
    slo_min: float | None = None
    slo_max: float | None = None
    pace: float = 1.0
    now: float | None = None  # Prometheus' time of the latest successful poll


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The newest outcome of an item's probe (http, ssh, command, a fetched object)."""

    verdict: str  # pass, fail, unknown (it could not be run)
    reason: str
    value: str | None = None
    detail: str | None = None
    query: str | None = None
    taken: float | None = None  # cluster time
    running: bool = False
    # An object fetched for an exists/field check on a kind the picture does not keep.
    obj: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class World:
    """Everything one evaluation reads; the evaluator changes none of it."""

    now: float  # the cluster's clock
    picture: ClusterPicture | None
    picture_fresh: bool  # every watch current (a stale picture proves nothing)
    picture_status: str = ""  # why not, in a few words
    signals: Mapping[str, SignalFacts] = field(default_factory=dict)
    probes: Mapping[str, ProbeResult] = field(default_factory=dict)
    session: SessionState = field(default_factory=SessionState)
