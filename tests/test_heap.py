"""HeapFreezer: the surviving heap leaves the collector's scans, and dropped objects still go."""

from __future__ import annotations

import gc
import time
import weakref

from tests.waiting import until
from warroom.heap import HeapFreezer


class Parsed:
    """Stands in for a reflected object: data with no reference cycle."""

    def __init__(self, n: int) -> None:
        self.items = [{"n": i} for i in range(n)]


async def test_frozen_objects_are_skipped_by_the_collector_and_freed_when_dropped() -> None:
    freezer = HeapFreezer(interval=3600)
    held = Parsed(10_000)
    ref = weakref.ref(held)
    freezer.start()
    try:
        # The first run happens as the task starts.
        await until(lambda: freezer.runs > 0, what="the first run")
        assert freezer.runs == 1
        assert gc.get_freeze_count() >= 10_000  # the parsed items are out of the collector's sight
        del held  # the picture replaces an object: reference counting frees it, frozen or not
        assert ref() is None
    finally:
        await freezer.stop()
    assert gc.get_freeze_count() == 0  # back to the collector once the room is closed


async def test_young_garbage_cycles_are_collected_before_freezing() -> None:
    freezer = HeapFreezer(interval=3600)
    cycle = Parsed(1)
    cycle.items.append(cycle)  # type: ignore[arg-type]
    ref = weakref.ref(cycle)
    del cycle
    try:
        freezer.freeze_now()
        assert ref() is None
    finally:
        await freezer.stop()


async def test_a_cycle_that_dies_while_frozen_is_reclaimed_by_the_next_full_pass() -> None:
    freezer = HeapFreezer(interval=3600, full_every=3600)
    cycle = Parsed(1)
    cycle.items.append(cycle)  # type: ignore[arg-type]
    ref = weakref.ref(cycle)
    try:
        freezer.freeze_now()  # alive now: frozen with the rest
        del cycle
        freezer.freeze_now()
        assert ref() is not None  # dead, but out of the collector's sight
        freezer.collect_all_now()
        assert ref() is None
        assert gc.get_freeze_count() > 0  # and the survivors are frozen again
    finally:
        await freezer.stop()


async def test_the_full_pass_waits_for_a_pause_in_the_keys_but_not_for_ever() -> None:
    freezer = HeapFreezer(interval=3600, full_every=60)
    typing = True
    freezer.busy = lambda: typing
    try:
        freezer._last_full = time.monotonic() - 61  # a full pass is due
        await freezer.step()
        assert freezer.full_runs == 0  # keys are coming: only the cheap freeze
        typing = False
        await freezer.step()
        assert freezer.full_runs == 1  # the first quiet moment takes it
        typing = True
        freezer._last_full = time.monotonic() - 5 * 60  # put off for five periods
        await freezer.step()
        assert freezer.full_runs == 2
    finally:
        await freezer.stop()
