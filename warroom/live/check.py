"""`warroom check`: the automatic checks evaluated once, headless, as a CI gate.

It waits (within a deadline) for every watch to list, every signal's first answer and the
history its `for`s and soaks judge from, and every probe's first result; then judges once.
Exit codes: 0 all pass, 1 any fails (or has not held long enough yet), 2 any unknown (no
data), 3 a source unreachable (the API server, Prometheus); the CLI adds 4 for a layout or
command line it cannot use (warroom/cli.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from warroom.checklist.evaluator import Evaluation
from warroom.checklist.verdicts import ItemVerdict
from warroom.layout import Layout
from warroom.live.checklist import ChecklistRun
from warroom.live.probing import ProbeRunner
from warroom.live.room import Room

ALL_PASS, ANY_FAIL, ANY_UNKNOWN, UNREACHABLE = 0, 1, 2, 3


@dataclass(frozen=True)
class CheckOutcome:
    evaluation: Evaluation
    verdicts: tuple[ItemVerdict, ...]  # the automatic items checked, in the layout's order
    manual: tuple[ItemVerdict, ...]  # items a person ticks: listed, not judged here
    unreachable: tuple[str, ...]  # one sentence per source that could not be reached
    code: int


async def settle(room: Room, probes: ProbeRunner | None, deadline: float) -> list[str]:
    """Wait until the sources have answered once (or the deadline); the sentences of those
    that could not be reached."""
    left = max(0.1, deadline - time.monotonic())
    with contextlib.suppress(TimeoutError):
        await room.sources.wait_synced(left)
    poller = room.signals
    while time.monotonic() < deadline:
        # Listed is not enough: a reflector is current (not stale) once its watch is open,
        # and judging before that makes every Kubernetes item unknown.
        waiting = any(s.stale and not s.failing for s in room.picture.sources())
        if poller is not None and poller.freshness().state != "failed":
            readings = poller.snapshot()
            waiting = waiting or any(r.freshness.state == "pending" for r in readings)
            waiting = waiting or not poller.backfilled
        if probes is not None:
            waiting = waiting or any(r.running for r in probes.results.values())
            waiting = waiting or len(probes.results) < probes.automatic
        if not waiting:
            break
        await asyncio.sleep(0.05)
    unreachable = []
    for source in room.picture.sources():
        if source.failing:
            unreachable.append(source.error or f"{source.source} could not be read")
            break  # one API server: its sentence once is enough
    if poller is not None and poller.freshness().state == "failed":
        unreachable.append(poller.freshness().error or f"Prometheus at {poller.url} did not answer")
    return unreachable


def exit_code(verdicts: tuple[ItemVerdict, ...], unreachable: tuple[str, ...]) -> int:
    if unreachable:
        return UNREACHABLE
    if any(v.verdict in ("fail", "pending") for v in verdicts):
        return ANY_FAIL
    if any(v.verdict == "unknown" for v in verdicts):
        return ANY_UNKNOWN
    return ALL_PASS


async def check_once(
    room: Room,
    probes: ProbeRunner | None,
    *,
    phase: str | None = None,
    timeout: float = 60.0,
    pace: float | None = None,
) -> CheckOutcome:
    layout: Layout = room.layout
    deadline = time.monotonic() + timeout
    unreachable = tuple(await settle(room, probes, deadline))
    run = ChecklistRun(room, None, probes, pace=(lambda: pace) if pace is not None else None)
    evaluation = run.tick()
    chosen = [(p, i) for p, i in layout.items() if phase is None or p.id == phase]
    automatic = tuple(evaluation.items[i.id] for _, i in chosen if not i.ticked_by_person)
    manual = tuple(evaluation.items[i.id] for _, i in chosen if i.ticked_by_person)
    # Commands run only when asked (--run-commands); otherwise they are listed, not judged.
    judged = tuple(
        v
        for v in automatic
        if not (run.find(v.item).item.command and v.reason.startswith("not run"))
    )
    return CheckOutcome(evaluation, automatic, manual, unreachable, exit_code(judged, unreachable))
