"""The reflector against the simulated API server over real HTTP.

Cases port client-go's tools/cache/reflector_test.go; each names the Go test it follows.
Requests are counted on the wire (aiohttp tracing), so a relist that should not happen fails
the test. Back-off is asserted by lower bounds on the gaps between attempts, never by speed.
"""

from __future__ import annotations

import itertools
import random

import pytest

from tests.kube.conftest import (
    CONFIGMAPS,
    SLACK,
    RecordingSink,
    Traffic,
    World,
    cache_state,
    configmaps,
    fast_backoff,
    reflector,
    traced,
)
from tests.waiting import until
from warroom.kube import Connection
from warroom.sim.cluster import SimCluster
from warroom.state.store import ObjectCache


def gaps(sent: list) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(sent)]


# --- TestReflectorListAndWatch, TestReflectorWatchHandler, TestWatchTimeout -------------------


async def test_lists_then_watches_from_the_lists_resource_version(
    conn: Connection, world: World, traffic: Traffic
) -> None:
    for name in ("a", "b", "c"):
        world.create(name)
    cache = ObjectCache()
    async with reflector(conn, cache) as r:
        await r.wait_synced(5)
        assert cache_state(cache) == world.state()
        await until(lambda: len(traffic.watches()) == 1, what="the watch")

        [listed] = traffic.lists()
        assert listed.query == {"limit": "500"}  # a consistent read, paged by 500
        [watch] = traffic.watches()
        assert watch.query["resourceVersion"] == cache.resource_version
        assert watch.query["allowWatchBookmarks"] == "true"
        # client-go's minWatchTimeout of 5 min, spread up to twice that.
        assert 300 <= int(watch.query["timeoutSeconds"]) < 600

        world.delete("a")
        world.update("b", "55")
        last = world.create("d")
        await until(lambda: cache_state(cache) == world.state(), what="the events")
        assert r.resource_version == last["metadata"]["resourceVersion"]
        assert len(traffic.lists()) == 1


@pytest.mark.parametrize(("minimum", "low", "high"), [(30, 30, 60), (1, 1, 2)])
async def test_watch_timeout_is_spread_between_min_and_twice_min(
    conn: Connection, traffic: Traffic, minimum: float, low: int, high: int
) -> None:
    async with reflector(conn, ObjectCache(), min_watch_timeout=minimum):
        await until(lambda: len(traffic.watches()) >= 1, what="the watch")
    assert low <= int(traffic.watches()[0].query["timeoutSeconds"]) < high


class FixedRandom(random.Random):
    """A random source that always draws `value`: the spread's two ends, and its middle."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(("draw", "seconds"), [(0.0, "300"), (0.5, "450"), (0.9999, "599")])
async def test_watch_timeout_is_min_times_one_plus_the_random_draw(
    conn: Connection, traffic: Traffic, draw: float, seconds: str
) -> None:
    """client-go: timeoutSeconds = minWatchTimeout * (rand.Float64() + 1.0), truncated, so that
    many clients do not all re-watch at once; the draw comes from the injected source."""
    async with reflector(conn, ObjectCache(), rng=FixedRandom(draw)):
        await until(lambda: len(traffic.watches()) >= 1, what="the watch")
    assert traffic.watches()[0].query["timeoutSeconds"] == seconds


# --- clean ends: re-watch from the last resourceVersion, no relist ----------------------------


@pytest.mark.parametrize("ending", ["timeoutSeconds", "drop_watches"])
async def test_clean_end_of_the_stream_rewatches_from_last_rv_without_relisting(
    sim: SimCluster, conn: Connection, world: World, traffic: Traffic, ending: str
) -> None:
    sink = RecordingSink()
    minimum = 1 if ending == "timeoutSeconds" else 300
    async with reflector(conn, sink, min_watch_timeout=minimum) as r:
        # Healthy once the 200 has arrived, which the server sends after registering the watch.
        await until(lambda: r.healthy, what="the watch to open")
        changed = world.create("during-first-watch")
        await until(lambda: sink.get("team", "during-first-watch") is not None)
        if ending == "drop_watches":
            sim.drop_watches()
        await until(lambda: len(traffic.watches()) >= 2, what="the re-watch")
        second = traffic.watches()[1]
        assert second.query["resourceVersion"] == changed["metadata"]["resourceVersion"]
        world.delete("during-first-watch")
        await until(lambda: cache_state(sink) == world.state(), what="the delete")
    assert len(traffic.lists()) == 1
    assert sink.count("replace") == 1


# --- 410 Gone -> relist -----------------------------------------------------------------------


async def test_relists_after_410_on_the_watch_request(
    sim: SimCluster, conn: Connection, world: World, traffic: Traffic
) -> None:
    world.create("before")
    sink = RecordingSink()
    async with reflector(conn, sink) as r:
        await until(lambda: r.healthy, what="the watch to open")
        sim.fail_requests(410, 1, CONFIGMAPS, "watch")
        sim.drop_watches()
        world.create("while-away")
        await until(lambda: len(traffic.lists()) == 2, what="the relist")
        await until(lambda: r.healthy and cache_state(sink) == world.state())
    assert [w.status for w in traffic.watches()[:2]] == [200, 410]
    assert sink.count("replace") == 2


async def test_relists_after_an_expired_error_event_and_drops_what_was_deleted(
    sim: SimCluster, conn: Connection, world: World, traffic: Traffic
) -> None:
    for name in ("keep", "doomed"):
        world.create(name)
    cache = ObjectCache()
    async with reflector(conn, cache) as r:
        await until(lambda: r.healthy, what="the watch to open")
        # In one step of the loop: the watch drops, changes it will never stream happen,
        # and etcd compacts them away, so the re-watch is answered with ERROR 410 Expired.
        sim.drop_watches()
        world.delete("doomed")
        world.create("born")
        world.update("keep", "changed")
        sim.store.compact()
        await until(lambda: len(traffic.lists()) == 2, what="the relist")
        await until(lambda: r.healthy and cache_state(cache) == world.state())
    assert cache.get("team", "doomed") is None  # no ghost
    # The 410 came inside a 200 stream, not as an HTTP status.
    assert all(w.status == 200 for w in traffic.watches())


# --- back-off ---------------------------------------------------------------------------------


async def test_429_on_watch_backs_off_honours_retry_after_and_never_relists(
    sim: SimCluster, conn: Connection, traffic: Traffic
) -> None:
    """TestNoRelistOnTooManyRequests and TestBackoffOnTooManyRequests."""
    async with reflector(conn, ObjectCache(), backoff=fast_backoff(initial=0.01)) as r:
        await until(lambda: r.healthy, what="the watch to open")
        sim.fail_requests(429, 2, CONFIGMAPS, "watch")
        sim.drop_watches()
        await until(lambda: r.last_error is not None, what="the 429")
        assert "429 Too Many Requests" in (r.last_error or "")
        assert not r.healthy and r.synced
        await until(lambda: len(traffic.watches()) == 4 and r.healthy, timeout=15)
    statuses = [w.status for w in traffic.watches()]
    assert statuses == [200, 429, 429, 200]
    # The sim asks for Retry-After: 1; the back-off alone would wait 0.01 s, then 0.02 s.
    assert all(gap >= 1.0 * SLACK for gap in gaps(traffic.watches()[1:]))
    assert len(traffic.lists()) == 1


@pytest.mark.parametrize("code", [500, 503])
async def test_5xx_on_watch_backs_off_exponentially_then_rewatches_without_relist(
    sim: SimCluster, conn: Connection, traffic: Traffic, code: int
) -> None:
    async with reflector(conn, ObjectCache()) as r:
        await until(lambda: r.healthy, what="the watch to open")
        sim.fail_requests(code, 3, CONFIGMAPS, "watch")
        sim.drop_watches()
        await until(lambda: len(traffic.watches()) == 5 and r.healthy)
    attempts = traffic.watches()[1:]
    assert [w.status for w in attempts] == [code, code, code, 200]
    for gap, delay in zip(gaps(attempts), (0.05, 0.1, 0.2), strict=True):
        assert gap >= delay * SLACK
    assert len(traffic.lists()) == 1


async def test_failed_list_backs_off_then_lists_again(
    sim: SimCluster, conn: Connection, world: World, traffic: Traffic
) -> None:
    """TestReflectorListAndWatchWithErrors: a list error, then recovery with the right state."""
    world.create("x")
    sim.fail_requests(500, 2, CONFIGMAPS, "list")
    cache = ObjectCache()
    r = reflector(conn, cache)
    async with r:
        await until(lambda: len(traffic.lists()) >= 1 and r.last_error is not None)
        assert not r.synced
        assert "500 Internal Server Error" in (r.last_error or "")
        await r.wait_synced(5)
    lists = traffic.lists()
    assert [s.status for s in lists] == [500, 500, 200]
    assert all(g >= d * SLACK for g, d in zip(gaps(lists), (0.05, 0.1), strict=True))
    assert cache_state(cache) == world.state()


async def test_very_short_watches_back_off_instead_of_spinning(
    sim: SimCluster, conn: Connection, traffic: Traffic
) -> None:
    """TestReflectorHandleWatchResultChanClosedBefore/After: VeryShortWatchError backs off."""
    cut = 0

    def cut_at_once(sent: object) -> None:
        nonlocal cut
        if getattr(sent, "verb", "") == "watch" and cut < 3:
            cut += 1
            sim.drop_watches()  # the stream ends before any event

    traffic.on_answer.append(cut_at_once)
    async with reflector(conn, ObjectCache(), short_watch=1.0) as r:
        await until(lambda: "closed the watch" in (r.last_error or ""))
        await until(lambda: len(traffic.watches()) == 4 and r.healthy)
    for gap, delay in zip(gaps(traffic.watches()), (0.05, 0.1, 0.2), strict=True):
        assert gap >= delay * SLACK
    assert len(traffic.lists()) == 1


# --- bookmarks --------------------------------------------------------------------------------


async def test_bookmarks_advance_the_rv_so_a_rewatch_after_compaction_needs_no_relist() -> None:
    """TestReflectorResourceVersionUpdate, with bookmarks earning their keep."""
    traffic = Traffic()
    async with (
        SimCluster(None, manual_clock=True, bookmark_interval=0.1) as sim,
        await traced(sim, traffic) as conn,
    ):
        world = World(sim)
        world.create("seen", {"app": "seen"})
        sink = RecordingSink()
        resource = configmaps(label_selector="app=seen")
        async with reflector(conn, sink, resource=resource) as r:
            await until(lambda: r.healthy, what="the watch to open")
            version = sink.version
            unseen = world.create("unseen", {"app": "other"})  # filtered out of the watch
            unseen_rv = int(unseen["metadata"]["resourceVersion"])
            await until(lambda: int(r.resource_version) >= unseen_rv, what="a bookmark")
            assert sink.count("BOOKMARK") >= 1
            assert sink.resource_version == r.resource_version
            assert sink.version == version  # progress, but nothing to redraw
            # Compaction now would expire the list's version; the bookmark's is still served.
            sim.store.compact()
            sim.drop_watches()
            await until(lambda: len(traffic.watches()) >= 2 and r.healthy)
            assert int(traffic.watches()[1].query["resourceVersion"]) >= unseen_rv
            world.update("seen", "after")
            await until(lambda: sink.count("MODIFIED") == 1)
        assert len(traffic.lists()) == 1
        rvs = [int(rv) for _, _, rv in sink.calls]
        assert rvs == sorted(rvs)


# --- paging -----------------------------------------------------------------------------------


async def test_paged_list_respects_the_limit_and_gets_every_object(
    conn: Connection, world: World, traffic: Traffic
) -> None:
    """TestReflectorWatchListPageSize."""
    for i in range(10):
        world.create(f"cm-{i}")
    sink = RecordingSink()
    async with reflector(conn, sink, page_size=4) as r:
        await r.wait_synced(5)
    lists = traffic.lists()
    assert [s.query["limit"] for s in lists] == ["4", "4", "4"]
    assert ["continue" in s.query for s in lists] == [False, True, True]
    assert cache_state(sink) == world.state()
    assert sink.calls[0] == ("replace", "10", sink.resource_version)
    assert all(o["kind"] == "ConfigMap" and o["apiVersion"] == "v1" for o in sink)


async def test_expired_continue_token_falls_back_to_one_full_list(
    sim: SimCluster, conn: Connection, world: World, traffic: Traffic
) -> None:
    """TestReflectorFullListIfExpired: client-go's pager (FullListIfExpired) answers a continue
    token that expired between pages with one list without paging, not a new paged list."""
    for i in range(10):
        world.create(f"cm-{i}")

    def expire_after_first_page(sent: object) -> None:
        if getattr(sent, "verb", "") == "list" and len(traffic.lists()) == 1:
            sim.fail_requests(410, 1, CONFIGMAPS, "list")

    traffic.on_answer.append(expire_after_first_page)
    sink = RecordingSink()
    async with reflector(conn, sink, page_size=4) as r:
        await r.wait_synced(5)
        await until(lambda: r.healthy, what="the watch after the list")
        assert r.last_error is None  # no relist, no alarm: the list simply finished
    lists = traffic.lists()
    assert [(s.query.get("limit"), "continue" in s.query, s.status) for s in lists] == [
        ("4", False, 200),
        ("4", True, 410),
        (None, False, 200),  # the full list: no limit, no continue
    ]
    assert sink.count("replace") == 1
    assert cache_state(sink) == world.state()
    assert len(sink) == 10


# --- the client read timeout ------------------------------------------------------------------


async def test_quiet_watch_is_reopened_from_the_same_rv_without_relist_or_alarm(
    conn: Connection, traffic: Traffic
) -> None:
    """No byte for the read timeout (no bookmarks here): the connection may be dead, re-open."""
    errors: list[str | None] = []
    r = reflector(conn, ObjectCache(), read_timeout=0.3)
    traffic.on_answer.append(lambda _: errors.append(r.last_error))
    async with r:
        await until(lambda: len(traffic.watches()) >= 3, what="quiet re-watches")
    assert len({w.query["resourceVersion"] for w in traffic.watches()}) == 1
    assert len(traffic.lists()) == 1
    assert errors == [None] * len(errors)


async def test_bookmarks_keep_a_quiet_watch_open_past_the_read_timeout() -> None:
    traffic = Traffic()
    async with (
        SimCluster(None, manual_clock=True, bookmark_interval=0.1) as sim,
        await traced(sim, traffic) as conn,
    ):
        World(sim)
        sink = RecordingSink()
        async with reflector(conn, sink, read_timeout=0.5):
            # Eight bookmarks span more than the read timeout.
            await until(lambda: sink.count("BOOKMARK") >= 8, what="bookmarks")
        assert len(traffic.watches()) == 1
