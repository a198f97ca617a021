"""Named PromQL signals polled from Prometheus: instant values for gates, ranges for graphs.

    poller = SignalPoller(url, {"p95_latency": "histogram_quantile(0.95, …)"})
    async with poller:
        readings = poller.snapshot()      # immutable; take it on the UI's timer
        readings["p95_latency"].freshness.stale

One poll loop (`warroom.background.Periodic`): check which server answers (buildinfo) when
that is unknown, run every instant query, and, less often, the graphs' range queries — only
the new tail of the window once a graph is filled. Requests of one poll are bounded by
`concurrency`; polls never overlap.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from warroom.background import Periodic
from warroom.metrics.client import PromClient, PromError, RawSeries, ServerInfo
from warroom.metrics.freshness import FreshnessRecorder
from warroom.metrics.history import (
    MAX_POINTS,
    GraphSpec,
    SignalHistory,
    SignalReading,
    graph_spec,
    label_key,
)
from warroom.metrics.targets import ScrapeTargets, TargetsReading
from warroom.state.freshness import Freshness


@dataclass(frozen=True, slots=True)
class SignalQuery:
    """A named PromQL expression; `graph` False skips its range queries (a value only)."""

    id: str
    query: str
    graph: bool = True


@dataclass(frozen=True, slots=True)
class SignalReadings:
    """Every signal at one moment, plus which server answers; `version` grows on any change."""

    signals: Mapping[str, SignalReading]
    server: ServerInfo | None
    version: int
    taken: float
    targets: TargetsReading

    def __getitem__(self, signal_id: str) -> SignalReading:
        return self.signals[signal_id]

    def __iter__(self) -> Iterator[SignalReading]:
        return iter(self.signals.values())

    @property
    def stale(self) -> bool:
        return any(s.freshness.stale for s in self.signals.values())


class SignalPoller(Periodic):
    """Polls named signals from one Prometheus and keeps their history and freshness."""

    def __init__(
        self,
        source: str | PromClient,
        signals: Mapping[str, str] | Iterable[SignalQuery],
        *,
        interval: float = 5.0,
        graph_range: float = 900.0,
        graph_step: float | None = None,
        graph_interval: float | None = None,
        keep: float = 1800.0,
        timeout: float = 10.0,
        concurrency: int = 1,
        headers: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        backfill: Mapping[str, float] | None = None,
    ) -> None:
        """`backfill`: seconds of history to fetch once per signal, after its first poll, for
        the checks that judge a duration (`for`, soaks) from what Prometheus still has."""
        super().__init__(interval)
        self._backfill = {sid: float(s) for sid, s in (backfill or {}).items() if s > 0}
        keep = max(keep, *self._backfill.values(), 0.0) + interval
        if isinstance(signals, Mapping):
            signals = [SignalQuery(k, v) for k, v in signals.items()]
        self.signals: dict[str, SignalQuery] = {}
        for signal in signals:
            if signal.id in self.signals:
                raise ValueError(f"two signals are named {signal.id!r}; give each its own id")
            self.signals[signal.id] = signal
        self._owns_client = not isinstance(source, PromClient)
        self.client = (
            source
            if isinstance(source, PromClient)
            else PromClient(source, timeout=timeout, headers=headers)
        )
        self.clock = clock
        self.concurrency = max(1, concurrency)
        self._graph_interval = graph_interval
        self.spec = graph_spec(graph_range, graph_step)
        self.history = {
            s.id: SignalHistory(s.id, s.query, interval=interval, keep=keep, spec=self.spec)
            for s in self.signals.values()
        }
        # The server itself as a source: failing while it cannot be reached, whatever the
        # queries say (a query can fail alone, its error is the signal's own).
        named = f"Prometheus at {self.client.url}"
        self.reachable = FreshnessRecorder(named, interval, group="Prometheus", named=named)
        self.targets = ScrapeTargets(
            {s.id: s.query for s in self.signals.values()}, interval, clock
        )
        self.server: ServerInfo | None = None
        self._server_version = 0
        self._check_server = True  # ask buildinfo at start and again after losing the server
        self._lost: PromError | None = None  # the server failed us during the current poll
        self._next_graph = 0.0  # monotonic time the graphs are next due

    @property
    def backfilled(self) -> bool:
        """Every history asked for at start has been fetched."""
        return not self._backfill

    @property
    def url(self) -> str:
        return self.client.url

    @property
    def graph_interval(self) -> float:
        """How often graphs refresh: by default every 3 polls, and never faster than a step."""
        if self._graph_interval is not None:
            return self._graph_interval
        return max(3 * self.interval, self.spec.step)

    def set_range(self, seconds: float, step: float | None = None) -> GraphSpec:
        """Zoom the graphs to the last `seconds` (step chosen unless given); fetched at once."""
        self.spec = graph_spec(seconds, step)
        for history in self.history.values():
            history.rescale(self.spec)
        self._next_graph = 0.0
        self.wake()
        return self.spec

    @property
    def version(self) -> int:
        return (
            self._server_version
            + self.targets.recorder.version
            + sum(h.freshness.version + h.graph_version for h in self.history.values())
        )

    def snapshot(self) -> SignalReadings:
        now = self.clock()
        signals = {sid: h.snapshot(now) for sid, h in self.history.items()}
        return SignalReadings(
            MappingProxyType(signals), self.server, self.version, now, self.targets.reading()
        )

    async def close(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    def freshness(self) -> Freshness:
        """Whether the server answered the last poll, and how long ago it last did."""
        return self.reachable.reading(self.clock())

    def crashed(self, sentence: str) -> None:
        now = self.clock()
        self.reachable.failed(now, sentence)
        for history in self.history.values():
            history.failed(sentence, now)

    # ---- one poll ------------------------------------------------------------------------

    async def step(self) -> None:
        """Instant queries for every signal, then the graphs when due."""
        self._lost = None
        if not self._check_server or await self._detect_server():
            await self._each(list(self.signals.values()), self._poll_signal)
            if self._lost is None:
                try:
                    await self.targets.poll(self.client)
                except PromError as err:
                    self._server_lost(err)
            loop = asyncio.get_running_loop()
            if self._lost is None and loop.time() >= self._next_graph:
                await self._each([s for s in self.signals.values() if s.graph], self._poll_graph)
                self._next_graph = loop.time() + self.graph_interval
        if self._lost is not None:
            self.reachable.failed(self.clock(), str(self._lost))
        else:
            self.reachable.succeeded(self.clock())

    async def _detect_server(self) -> bool:
        """Ask buildinfo; False (every signal failed with the reason) if the server is down."""
        try:
            server = await self.client.buildinfo()
        except PromError as err:
            if err.unreachable:
                self._server_lost(err)
                now = self.clock()
                for history in self.history.values():
                    history.failed(str(err), now)
                return False
            server = ServerInfo(self.url, None)  # it answers, just not buildinfo
        if server != self.server:
            self.server = server
            self._server_version += 1
        self._check_server = False
        return True

    def _server_lost(self, err: PromError) -> None:
        self._lost = err
        # It may come back as a different server (a restart, an upgrade): ask again then.
        self._check_server = True

    async def _each(
        self, signals: list[SignalQuery], poll: Callable[[SignalQuery], Awaitable[None]]
    ) -> None:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(signal: SignalQuery) -> None:
            async with gate:
                if self._lost is not None:
                    # The server went away earlier in this poll: say so without asking again.
                    self.history[signal.id].failed(str(self._lost), self.clock())
                    return
                await poll(signal)

        await asyncio.gather(*(one(s) for s in signals))

    async def _poll_signal(self, signal: SignalQuery) -> None:
        history = self.history[signal.id]
        try:
            result = await self.client.instant(signal.query, name=signal.id)
        except PromError as err:
            history.failed(str(err), self.clock())
            if err.unreachable:
                self._server_lost(err)
            return
        history.record(result, self.clock())
        wanted = self._backfill.get(signal.id)
        if wanted is not None:
            await self._fill(signal, wanted)

    async def _fill(self, signal: SignalQuery, seconds: float) -> None:
        history = self.history[signal.id]
        oldest = min((s.points[0][0] for s in history.series.values() if s.points), default=None)
        end = oldest if oldest is not None else self.clock()
        # Prometheus caps a range query's points; a long soak is read at a coarser step.
        step = max(self.interval, seconds / (MAX_POINTS - 10))
        try:
            result = await self.client.range(
                signal.query, end - seconds, end - step / 2, step, name=signal.id
            )
        except PromError:
            return  # asked again after the next poll; the check stays pending meanwhile
        history.record_backfill(result)
        del self._backfill[signal.id]

    async def _poll_graph(self, signal: SignalQuery) -> None:
        history = self.history[signal.id]
        spec = history.spec
        start, end = spec.window(self.clock())
        last = history.graph_end
        full = last is None or last < start
        if last is not None and not full:
            if end <= last:
                return  # no new step yet
            # Re-fetch the last two points too: they were computed before all scrapes landed.
            start = max(start, last - 2 * spec.step)
        result = await self._range(signal, start, end, spec.step)
        if (
            result is not None
            and not full
            and {label_key(labels) for labels, _ in result} - history.graph_keys()
        ):
            # A series appeared in the tail: fetch the whole window so its line is whole.
            full, (start, end) = True, spec.window(self.clock())
            result = await self._range(signal, start, end, spec.step)
        if result is not None and spec is history.spec:  # a zoom meanwhile makes it obsolete
            history.record_graph(result, start, end, full=full)

    async def _range(
        self, signal: SignalQuery, start: float, end: float, step: float
    ) -> list[RawSeries] | None:
        try:
            return await self.client.range(signal.query, start, end, step, name=signal.id)
        except PromError as err:
            self.history[signal.id].graph_failed(str(err))
            if err.unreachable:
                self._server_lost(err)
            return None
