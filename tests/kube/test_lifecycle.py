"""Starting and stopping reflectors, their health readings, and refusals worded for the user.

Stop cases port client-go's TestRunUntil, TestReflectorWatchStoppedBefore/After and
TestCloseWatchChannelOnError: a stopped reflector leaves no task and no open watch behind.
"""

from __future__ import annotations

import asyncio

from tests.kube.conftest import (
    CONFIGMAPS,
    Traffic,
    World,
    cache_state,
    configmaps,
    fast_backoff,
    reflector,
    traced,
)
from tests.waiting import until
from warroom.kube import Connection, Resource
from warroom.sim.cluster import SimCluster
from warroom.state.store import ObjectCache

MERGE_PATCH = "application/merge-patch+json"


def reflector_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("reflector ")]


async def test_stop_closes_the_watch_on_the_server_and_leaves_no_task(
    sim: SimCluster, conn: Connection, traffic: Traffic
) -> None:
    r = reflector(conn, ObjectCache())
    async with r:
        await until(lambda: r.healthy and len(sim.api.hub.watchers) == 1)
        assert len(reflector_tasks()) == 1
    assert reflector_tasks() == []
    assert r.phase == "stopped" and not r.healthy
    await until(lambda: not sim.api.hub.watchers, what="the server to see the watch closed")
    assert len(traffic.watches()) == 1


async def test_stop_before_the_first_request_sends_nothing(
    conn: Connection, traffic: Traffic
) -> None:
    r = reflector(conn, ObjectCache())
    r.start()
    await r.stop()
    assert traffic.lists() == [] and traffic.watches() == []
    assert reflector_tasks() == []


async def test_stop_while_backing_off_does_not_wait_out_the_delay(
    sim: SimCluster, conn: Connection
) -> None:
    sim.fail_requests(500, 1, CONFIGMAPS, "list")
    r = reflector(conn, ObjectCache(), backoff=fast_backoff(initial=600.0, cap=600.0))
    r.start()
    await until(lambda: r.phase == "waiting")
    assert r.retry_at is not None
    async with asyncio.timeout(5):  # far less than the 600 s back-off
        await r.stop()
    assert reflector_tasks() == []


async def test_freshness_before_and_after_the_first_sync(conn: Connection, world: World) -> None:
    world.create("one")
    r = reflector(conn, ObjectCache())
    fresh = r.freshness()
    assert (r.phase, r.synced, r.healthy) == ("starting", False, False)
    assert (fresh.state, fresh.age, fresh.stale) == ("pending", None, True)
    assert r.last_heard is None
    async with r:
        await until(lambda: r.healthy)
        live = r.freshness()
        assert r.last_heard is not None
        heard = r.last_heard
    assert live.state == "ok" and live.error is None and not live.stale
    assert live.source == "configmaps in namespace team"
    # A live watch that has been quiet for longer than the read timeout is suspect.
    assert r.freshness(now=heard + r.read_timeout + 1).stale
    assert not r.freshness(now=heard + r.read_timeout - 1).stale or not r.healthy
    assert r.read_timeout > 60  # longer than the server's bookmark interval


async def test_rbac_denial_is_one_sentence_and_recovers_when_granted(
    sim: SimCluster, conn: Connection, world: World
) -> None:
    world.create("secret-plans")
    sim.deny({"verbs": ["list"], "resources": ["configmaps"]})
    cache = ObjectCache()
    async with reflector(conn, cache) as r:
        await until(lambda: r.last_error is not None)
        error = r.last_error or ""
        assert error.startswith('context "warroom-sim" may not list configmaps in namespace team')
        assert "\n" not in error and "Traceback" not in error
        sim.access.clear()
        await r.wait_synced(5)
    assert cache_state(cache) == world.state()


async def test_unserved_resource_says_so(conn: Connection) -> None:
    r = reflector(conn, ObjectCache(), resource=Resource("example.com", "v1", "widgets"))
    async with r:
        await until(lambda: r.last_error is not None)
    assert "does not serve widgets.example.com in all namespaces (404 Not Found)" in (
        r.last_error or ""
    )


async def test_label_selector_reflects_only_matching_objects(
    conn: Connection, world: World
) -> None:
    world.create("mine", {"team": "a"})
    world.create("theirs", {"team": "b"})
    cache = ObjectCache()
    async with reflector(conn, cache, resource=configmaps(label_selector="team in (a)")) as r:
        await r.wait_synced(5)
        assert {o["metadata"]["name"] for o in cache} == {"mine"}
        world.create("also-mine", {"team": "a"})
        await until(lambda: cache.get("team", "also-mine") is not None)
    assert cache.get("team", "theirs") is None


async def test_pod_cache_follows_the_controllers_with_its_indexes() -> None:
    """The bizra-inference-10k cluster at 20× speed: scale a deployment, compare with the store."""
    traffic = Traffic()
    async with (
        SimCluster("bizra-inference-10k", speed=20) as sim,
        await traced(sim, traffic) as conn,
    ):
        cache = ObjectCache()
        store = sim.store

        def versions(pods: object) -> dict[str, str]:
            return {p["metadata"]["uid"]: p["metadata"]["resourceVersion"] for p in pods}  # type: ignore[attr-defined]

        def in_step() -> bool:
            return versions(cache) == versions(store.list(("", "pods")))

        async with reflector(conn, cache, resource=Resource("", "v1", "pods"), page_size=10) as r:
            await r.wait_synced(10)
            rt = sim.catalogue.get("apps", "v1", "deployments")
            assert rt is not None
            sim.registry.patch(
                rt, "kube-system", "coredns", MERGE_PATCH, {"spec": {"replicas": 4}}, dry_run=False
            )

            def coredns() -> int:
                pods = cache.in_namespace("kube-system")
                return sum(p["metadata"]["name"].startswith("coredns-") for p in pods)

            assert coredns() == 2
            await until(lambda: coredns() == 4, what="two more coredns pods")
            # The controllers keep writing; compare in the same step of the loop as the check.
            await until(in_step)
            for node in list(store.items(("", "nodes"))):
                name = node[1]["metadata"]["name"]
                expected = {p["metadata"]["uid"] for p in store.pods_on_node(name)}
                assert {p["metadata"]["uid"] for p in cache.on_node(name)} == expected
            for _, rs in list(store.items(("apps", "replicasets"))):
                uid = rs["metadata"]["uid"]
                expected = {p["metadata"]["uid"] for p in store.owned_by(uid, ("", "pods"))}
                assert {p["metadata"]["uid"] for p in cache.owned_by(uid)} == expected
        assert len(traffic.of("list", "/api/v1/pods")) >= 2  # paged by 10
