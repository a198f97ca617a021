"""`warroom check --backtest`: each rollback trigger replayed over Prometheus' history.

Every signal a trigger reads is fetched with range queries over the window (split so no query
asks more than Prometheus' 11,000 points per series). The range's steps are then walked as the
war room's poller would have seen them, one instant poll per step: each step's series go into
the poller's own `SignalHistory`, become `SignalFacts` as the live checklist builds them, and
the live `Evaluator` judges the triggers. The same op semantics, the same "every series must
breach", the same `for` counted from the first breaching point, and a step without data
leaving a trigger as it was, because it is the same code.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from warroom.checklist.evaluator import Evaluator
from warroom.checklist.signal_checks import wanted
from warroom.checklist.world import SignalFacts, World
from warroom.layout import Layout
from warroom.layout.checklist import Trigger
from warroom.live.checklist import signal_facts
from warroom.live.room import held_history
from warroom.metrics.client import Point, PromClient, PromError, RawSeries
from warroom.metrics.history import GraphSpec, LabelKey, SignalHistory, label_key

#: Steps a window may be judged at, finest first: the finest giving at most MOST_STEPS.
STEPS = (15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
MOST_STEPS = 10_080  # a week of minutes: 7d is judged every 60 s
#: Points per range query: under Prometheus' limit of 11,000 per series.
CHUNK_POINTS = 10_000
#: Steps a backtest may walk at all (a finer --step over a long window asks too much).
MAX_STEPS = 500_000
#: How long the live poller keeps a signal's points at least (SignalPoller's `keep`).
POLLER_KEEP = 1800.0


class BacktestError(Exception):
    """The backtest could not run; str() is one sentence saying what to do."""


def choose_step(window: float) -> float:
    """The finest of STEPS that judges `window` in at most MOST_STEPS steps."""
    for step in STEPS:
        if window / step <= MOST_STEPS:
            return step
    return math.ceil(window / MOST_STEPS / STEPS[-1]) * STEPS[-1]


def chunks(start: float, end: float, step: float) -> list[tuple[float, float]]:
    """`start` to `end` on the step grid as ranges of at most CHUNK_POINTS points each,
    sharing no point."""
    out = []
    at = start
    while at <= end + 1e-9:
        last = min(end, at + (CHUNK_POINTS - 1) * step)
        out.append((at, last))
        at = last + step
    return out


@dataclass(frozen=True, slots=True)
class Episode:
    """One time a trigger would have been raised: from the step its `for` was satisfied
    (`raised`) to the step it cleared (`cleared`, None while still raised at the end)."""

    raised: float
    cleared: float | None
    breaching_since: float | None  # the first breaching point the `for` counted from
    worst: float  # the value furthest past the threshold while raised
    worst_series: str  # the series it came from ("" for a signal of one series)


@dataclass(frozen=True, slots=True)
class Gap:
    """Steps of the window where the signal's query returned nothing."""

    start: float
    end: float  # the first step with data again, or the window's end


@dataclass(frozen=True)
class TriggerReplay:
    """What one trigger would have done over the window."""

    id: str
    title: str
    signal: str
    query: str
    threshold: str  # in words, in the signal's unit
    unit: str
    episodes: tuple[Episode, ...] = ()
    covered: int = 0  # steps of the window with data
    steps: int = 0  # steps in the window
    gaps: tuple[Gap, ...] = ()
    error: str | None = None  # the query failed: nothing could be replayed

    @property
    def coverage(self) -> float:
        """The share of the window's steps that had data."""
        return self.covered / self.steps if self.steps else 0.0

    def raised_seconds(self, start: float, end: float) -> float:
        """How long it was raised inside the window [start, end]."""
        return sum(
            max(0.0, min(e.cleared if e.cleared is not None else end, end) - max(e.raised, start))
            for e in self.episodes
        )


@dataclass(frozen=True)
class Backtest:
    """Every trigger of a layout replayed over [start, end], judged every `step` seconds."""

    layout: str
    prometheus: str
    start: float
    end: float
    step: float
    replays: tuple[TriggerReplay, ...]


def _grid(now: float, window: float, step: float) -> tuple[float, float]:
    end = math.floor(now / step) * step
    return end - math.ceil(window / step - 1e-9) * step, end


def _lookback(layout: Layout, step: float) -> float:
    """History before the window so a `for` already running at its start is counted."""
    longest = max((t.held.total_seconds() for t in layout.triggers.values()), default=0.0)
    return math.ceil(longest / step) * step + step


async def fetch(
    client: PromClient, name: str, query: str, start: float, end: float, step: float
) -> list[RawSeries]:
    """A range query over [start, end] in chunks Prometheus accepts, each series' points
    joined in time order."""
    joined: dict[LabelKey, tuple[dict[str, str], list[Point]]] = {}
    for first, last in chunks(start, end, step):
        for labels, points in await client.range(query, first, last, step, name=name):
            joined.setdefault(label_key(labels), (labels, []))[1].extend(points)
    return list(joined.values())


async def backtest(
    layout: Layout,
    window: float,
    *,
    step: float | None = None,
    now: float | None = None,
    timeout: float = 60.0,
) -> Backtest:
    """Fetch every trigger's signal over the `window` seconds before `now` and replay them.

    Raises BacktestError when Prometheus cannot be reached; a query Prometheus refuses is
    that trigger's `error`."""
    url = layout.prometheus.url
    if not url:
        raise BacktestError(
            f"layout {layout.name} names no Prometheus (prometheus.url); give --prometheus URL"
        )
    step = step or choose_step(window)
    if window / step > MAX_STEPS:
        raise BacktestError(
            f"a backtest over {window:g} s every {step:g} s is more than {MAX_STEPS:,} steps; "
            "choose a larger --step or a shorter window"
        )
    start, end = _grid(time.time() if now is None else now, window, step)
    first = start - _lookback(layout, step)
    wanted_signals = dict.fromkeys(t.signal for t in layout.triggers.values())
    results: dict[str, list[RawSeries]] = {}
    errors: dict[str, str] = {}
    client = PromClient(url, timeout=timeout)
    try:
        for sid in wanted_signals:
            try:
                results[sid] = await fetch(client, sid, layout.signals[sid].query, first, end, step)
            except PromError as err:
                if err.unreachable:
                    raise BacktestError(str(err)) from None
                errors[sid] = str(err)
    finally:
        await client.aclose()
    replays = replay(layout, results, start, end, step, first=first, errors=errors)
    return Backtest(layout.name, url, start, end, step, replays)


@dataclass
class _Walk:
    """One trigger's episodes, coverage and gaps, gathered step by step."""

    trigger: Trigger
    episodes: list[Episode] = field(default_factory=list)
    raised: float | None = None
    since: float | None = None
    worst: tuple[float, float, str] | None = None  # (how far past, value, series)
    covered: int = 0
    steps: int = 0
    gaps: list[Gap] = field(default_factory=list)
    gap_from: float | None = None

    def step(
        self,
        t: float,
        in_window: bool,
        raised: bool,
        facts: SignalFacts | None,
        since: float | None,
    ) -> None:
        has_data = facts is not None and facts.fresh and bool(facts.series)
        if in_window:
            self.steps += 1
            if has_data:
                self.covered += 1
                if self.gap_from is not None:
                    self.gaps.append(Gap(self.gap_from, t))
                    self.gap_from = None
            elif self.gap_from is None:
                self.gap_from = t
        if raised and self.raised is None:
            self.raised, self.since, self.worst = t, since, None
        elif not raised and self.raised is not None:
            self._close(t)
        if raised and has_data and facts is not None:
            for legend, points in facts.series:
                value = points[-1][1]
                past = _past(value, self.trigger)
                if self.worst is None or past > self.worst[0]:
                    self.worst = (past, value, legend if len(facts.series) > 1 else "")

    def _close(self, cleared: float | None) -> None:
        assert self.raised is not None
        worst = self.worst or (0.0, math.nan, "")
        self.episodes.append(Episode(self.raised, cleared, self.since, worst[1], worst[2]))
        self.raised = self.since = self.worst = None

    def finish(self, end: float, start: float) -> None:
        if self.raised is not None:
            self._close(None)
        if self.gap_from is not None:
            self.gaps.append(Gap(self.gap_from, end))
            self.gap_from = None
        self.episodes = [e for e in self.episodes if e.cleared is None or e.cleared > start]


def _past(value: float, trigger: Trigger) -> float:
    """How far past its threshold a value is (larger is worse), to pick an episode's worst."""
    if math.isnan(value):
        return -math.inf
    if trigger.op == "between" and trigger.between is not None:
        low, high = trigger.between
        return min(value - low, high - value)  # the deepest inside the band
    v = trigger.value or 0.0
    if trigger.op in (">", ">="):
        return value - v
    if trigger.op in ("<", "<="):
        return v - value
    if trigger.op == "==":
        return -abs(value - v)
    return abs(value - v)


def _by_step(series: Iterable[RawSeries], first: float, step: float) -> dict[int, list[RawSeries]]:
    """Each step's answer, as an instant query at that step would have given it."""
    out: dict[int, list[RawSeries]] = {}
    for labels, points in series:
        for ts, value in points:
            out.setdefault(round((ts - first) / step), []).append((labels, [(ts, value)]))
    return out


def replay(
    layout: Layout,
    results: Mapping[str, Sequence[RawSeries]],
    start: float,
    end: float,
    step: float,
    *,
    first: float | None = None,
    errors: Mapping[str, str] | None = None,
) -> tuple[TriggerReplay, ...]:
    """Walk the steps from `first` (history before the window) to `end`, polling each
    signal's answer at that step into a `SignalHistory` and judging the triggers with the
    live `Evaluator`; what happened from `start` on is reported."""
    errors = errors or {}
    first = start if first is None else first
    held = held_history(layout)
    histories = {
        sid: SignalHistory(
            sid,
            layout.signals[sid].query,
            interval=step,
            # As the live poller keeps them: its half hour, or the longest `for` reading it.
            keep=max(POLLER_KEEP, held.get(sid, 0.0)) + step,
            spec=GraphSpec(step, step),
        )
        for sid in results
    }
    answers = {sid: _by_step(series, first, step) for sid, series in results.items()}
    # Only the triggers: the phases' items are not replayed, and judging them costs.
    evaluator = Evaluator(layout.model_copy(update={"phases": ()}))
    walks = {tid: _Walk(t) for tid, t in layout.triggers.items() if t.signal in results}
    source = f"Prometheus at {layout.prometheus.url}"
    count = round((end - first) / step)
    for k in range(count + 1):
        t = first + k * step
        facts: dict[str, SignalFacts] = {}
        for sid, history in histories.items():
            history.record(answers[sid].get(k, []), t)
            facts[sid] = signal_facts(sid, layout.signals[sid], history.snapshot(t), source, 1.0)
        evaluation = evaluator.evaluate(World(t, None, False, signals=facts))
        for state in evaluation.triggers:
            walk = walks.get(state.id)
            if walk is not None:
                signal = walk.trigger.signal
                walk.step(
                    t, t >= start - 1e-9, state.raised, facts.get(signal), state.evidence.since
                )
    out = []
    for tid, trigger in layout.triggers.items():
        spec = layout.signals[trigger.signal]
        base = TriggerReplay(
            tid,
            trigger.title or tid,
            trigger.signal,
            spec.query,
            wanted(trigger, spec.unit),
            spec.unit,
        )
        walk = walks.get(tid)
        if walk is None:
            out.append(replace(base, error=errors.get(trigger.signal, "")))
            continue
        walk.finish(end, start)
        out.append(
            replace(
                base,
                episodes=tuple(walk.episodes),
                covered=walk.covered,
                steps=walk.steps,
                gaps=tuple(walk.gaps),
            )
        )
    return tuple(out)
