"""Whether the data behind the signals is current: the scrape targets Prometheus reads them from.

Prometheus answering is not its data being current. When a target it scrapes goes down, its
`up` series turns 0 and its other series go stale; for a while queries still return the last
values (the lookback), then nothing, which reads like "no traffic". So the jobs behind each
signal are learnt from the series its selectors match, and every poll asks how those jobs'
targets are: down (`up == 0`), or not scraped for longer than a few intervals. Either makes
the signals that read them unknown.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import promql_parser

from warroom.metrics.client import PromClient, PromError
from warroom.metrics.freshness import FreshnessRecorder
from warroom.state.freshness import Freshness

SOURCE = "the scrape targets behind the signals"
DISCOVER_EVERY = 30.0  # seconds between asking which jobs each signal's series come from
STALE_SCRAPE = 30.0  # a target's last scrape older than this (and 3 polls) is not current


def selectors(query: str) -> tuple[str, ...]:
    """The vector selectors of a PromQL expression, as PromQL (`rate(x{a="b"}[1m])` has
    `x{a="b"}`); () when it cannot be parsed (the layout check reports that)."""
    try:
        node = promql_parser.parse(query)
    except BaseException as err:  # pyo3's PanicException is a BaseException
        if isinstance(err, KeyboardInterrupt | SystemExit):
            raise
        return ()
    found: list[str] = []
    _walk(node, found)
    return tuple(dict.fromkeys(found))


def _walk(node: Any, found: list[str]) -> None:
    if isinstance(node, promql_parser.VectorSelector):
        matchers = [str(m) for m in node.matchers.matchers] if node.matchers else []
        name = node.name or ""
        found.append(f"{name}{{{','.join(matchers)}}}" if matchers else name)
        return
    if isinstance(node, promql_parser.MatrixSelector):
        _walk(node.vector_selector, found)
        return
    for child in ("expr", "lhs", "rhs", "param"):
        if hasattr(node, child) and getattr(node, child) is not None:
            _walk(getattr(node, child), found)
    for arg in getattr(node, "args", None) or ():
        _walk(arg, found)


def _any_of(values: Iterable[str]) -> str:
    """A fully anchored PromQL regex matching exactly `values`."""
    return "|".join(re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", v) for v in sorted(values))


@dataclass(frozen=True, slots=True)
class TargetsReading:
    """How current the jobs behind the signals are; `down` names the jobs not current."""

    freshness: Freshness
    down: Mapping[str, str]  # job -> why it is not current ("down", "not scraped for 95 s")
    jobs: Mapping[str, frozenset[str]]  # signal id -> the jobs its series come from

    def unknown(self, signal_id: str) -> str:
        """Why a signal is unknown, in a few words ("job warroom-sim is down"), or ""."""
        for job in sorted(self.jobs.get(signal_id, frozenset())):
            if job in self.down:
                return f"job {job} is {self.down[job]}"
        return ""


class ScrapeTargets:
    """Learns the jobs behind each signal and checks their targets on every poll."""

    def __init__(
        self,
        queries: Mapping[str, str],
        interval: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.selectors = {sid: selectors(q) for sid, q in queries.items()}
        self.jobs: dict[str, set[str]] = {sid: set() for sid in queries}
        self.interval = interval
        self.clock = clock
        self.recorder = FreshnessRecorder(SOURCE, interval, group="Prometheus targets")
        self.down: dict[str, str] = {}
        self._discovered_at: float | None = None

    def reading(self) -> TargetsReading:
        return TargetsReading(
            self.recorder.reading(self.clock()),
            dict(self.down),
            {sid: frozenset(jobs) for sid, jobs in self.jobs.items()},
        )

    async def poll(self, client: PromClient) -> None:
        """Learn jobs when due, then judge their targets. A server that cannot be reached
        raises PromError for the caller to record; other query errors are recorded here."""
        try:
            await self._discover(client)
            await self._judge(client)
        except PromError as err:
            if err.unreachable:
                raise
            self.recorder.failed(self.clock(), str(err))

    async def _discover(self, client: PromClient) -> None:
        now = time.monotonic()
        unknown = any(not jobs for sid, jobs in self.jobs.items() if self.selectors[sid])
        due = self._discovered_at is None or now - self._discovered_at >= DISCOVER_EVERY
        if not (due or (unknown and not self.down)):
            return
        self._discovered_at = now
        for sid, found in self.selectors.items():
            if not found:
                continue
            query = f"count by (job) ({' or '.join(found)})"
            for labels, _ in await client.instant(query, name=f"jobs of {sid}"):
                if labels.get("job"):
                    self.jobs[sid].add(labels["job"])

    async def _judge(self, client: PromClient) -> None:
        jobs = set().union(*self.jobs.values())
        now = self.clock()
        if not jobs:
            self.down = {}
            self.recorder.succeeded(now, empty=True)  # nothing read yet: nothing to judge
            return
        matcher = f'{{job=~"{_any_of(jobs)}"}}'
        ups = await client.instant(f"up{matcher}", name="scrape targets")
        ages = await client.instant(f"time() - timestamp(up{matcher})", name="scrape ages")
        limit = max(STALE_SCRAPE, 3 * self.interval)
        down_jobs = {
            labels.get("job", "") for labels, points in ups if points and not points[-1][1]
        }
        stale = {
            labels.get("job", "")
            for labels, points in ages
            if points and points[-1][1] > limit and labels.get("job", "") not in down_jobs
        }
        down = sum(1 for _, points in ups if points and not points[-1][1])
        oldest = max((points[-1][1] for _, points in ages if points), default=0.0)
        self.down = {job: "down" for job in down_jobs}
        self.down |= {job: f"not scraped for {oldest:.0f} s" for job in stale}
        if down:
            names = ", ".join(sorted(down_jobs))
            sentence = (
                f"Prometheus is up but {down} of {len(ups)} scrape targets are down "
                f"(job {names}); signals from them are unknown"
            )
            self.recorder.failed(now, sentence)
        elif stale:
            sentence = (
                f"Prometheus is up but has not scraped job {', '.join(sorted(stale))} for "
                f"{oldest:.0f} s; signals from it are unknown"
            )
            self.recorder.failed(now, sentence)
        elif not ups:
            missing = ", ".join(sorted(jobs))
            self.recorder.failed(
                now,
                f"Prometheus has no scrape target of job {missing} any more; signals "
                "from it are unknown",
            )
            self.down = {job: "gone from Prometheus' targets" for job in jobs}
        else:
            self.recorder.succeeded(now)
