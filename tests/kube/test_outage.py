"""Losing the API server and getting it back: back-off, recovery, and a cache with no ghosts.

Changes are written into the sim while the reflector cannot see them, deletions included;
after recovery the cache must equal the sim's store exactly (same uids, same versions).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.kube.conftest import (
    SLACK,
    Traffic,
    World,
    cache_state,
    reflector,
)
from tests.kube.proxy import Proxy
from tests.waiting import until
from warroom.kube import Connection, connect
from warroom.sim.cluster import CONTEXT, SimCluster
from warroom.state.store import ObjectCache


def change_everything(world: World) -> None:
    world.delete("a")
    world.update("b", "changed")
    world.create("d")


@pytest.mark.parametrize("compacted", [False, True], ids=["history-kept", "compacted"])
async def test_apiserver_restart_backs_off_then_recovers_without_ghosts(
    sim: SimCluster, conn: Connection, world: World, traffic: Traffic, compacted: bool
) -> None:
    for name in ("a", "b", "c"):
        world.create(name)
    cache = ObjectCache()
    async with reflector(conn, cache) as r:
        await until(lambda: r.healthy)
        sim.restart_apiserver(1.0)
        change_everything(world)
        if compacted:
            sim.store.compact()  # the watch cannot resume: 410, then a relist
        await until(lambda: not r.healthy, what="the outage to show")
        down, heard_down = r.freshness(), r.last_heard
        assert r.synced and down.stale and down.state == "failed"
        assert "503 Service Unavailable" in (down.error or "")
        await until(lambda: r.healthy and cache_state(cache) == world.state())
        up, heard_up = r.freshness(), r.last_heard
    assert up.error is None and not up.stale and up.state == "ok"
    assert (heard_up or 0) > (heard_down or 0)
    assert cache.get("team", "a") is None
    assert 503 in [w.status for w in traffic.watches()]
    assert len(traffic.lists()) == (2 if compacted else 1)


@pytest.fixture
async def proxy(sim: SimCluster) -> AsyncIterator[Proxy]:
    forwarder = Proxy(sim.port)
    await forwarder.restore()
    try:
        yield forwarder
    finally:
        await forwarder.cut()


async def through(sim: SimCluster, proxy: Proxy, tmp_path: Path, traffic: Traffic) -> Connection:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(sim.kubeconfig_text(inline=True, url=proxy.url), encoding="utf-8")
    return await connect(kubeconfig, CONTEXT, check=False, trace_configs=[traffic.config])


def refused(error: BaseException | None) -> bool:
    return isinstance(error, aiohttp.ClientConnectorError) and isinstance(
        error.os_error, ConnectionRefusedError
    )


async def test_connection_refused_backs_off_then_recovers_without_ghosts(
    world: World, proxy: Proxy, tmp_path: Path
) -> None:
    """TestReflectorListAndWatchInitConnBackoff: refused connections wait longer each time."""
    traffic = Traffic()
    for name in ("a", "b", "c"):
        world.create(name)
    cache = ObjectCache()
    conn = await through(world.sim, proxy, tmp_path, traffic)
    async with conn, reflector(conn, cache) as r:
        await until(lambda: r.healthy)
        await proxy.cut()  # the open watch breaks mid-stream; new connections are refused
        change_everything(world)
        await until(lambda: sum(refused(w.error) for w in traffic.watches()) >= 4)
        assert not r.healthy and r.synced
        assert "connection refused" in (r.last_error or "")
        frozen = r.last_heard
        await proxy.restore()
        await until(lambda: r.healthy and cache_state(cache) == world.state())
    failed = [w for w in traffic.watches() if refused(w.error)]
    # After the broken stream (0.05 s), each refusal doubles the wait up to the 0.4 s cap.
    for gap, delay in zip(itertools.pairwise(failed), (0.1, 0.2, 0.4), strict=False):
        assert gap[1].at - gap[0].at >= delay * SLACK
    assert (r.last_heard or 0) > (frozen or 0)
    assert len(traffic.lists()) == 1


async def test_starting_while_the_server_is_unreachable_lists_once_it_is_back(
    world: World, proxy: Proxy, tmp_path: Path
) -> None:
    traffic = Traffic()
    world.create("there-all-along")
    await proxy.cut()
    cache = ObjectCache()
    conn = await through(world.sim, proxy, tmp_path, traffic)
    async with conn, reflector(conn, cache) as r:
        await until(lambda: sum(refused(s.error) for s in traffic.lists()) >= 2)
        fresh = r.freshness()
        assert not r.synced and r.last_heard is None and fresh.age is None and fresh.stale
        assert fresh.error is not None and fresh.state == "failed"
        assert fresh.error.startswith(f"cannot list configmaps in namespace team on {proxy.url}")
        assert "(connection refused)" in fresh.error
        await proxy.restore()
        await r.wait_synced(10)
    assert cache_state(cache) == world.state()


async def test_the_age_of_lost_data_counts_from_the_failure_not_the_last_quiet_byte(
    sim: SimCluster, conn: Connection, world: World
) -> None:
    """A live watch may be quiet for a minute (bookmarks every 60 s): its data is current all
    that time. When it breaks, its data is as old as the moment it broke."""
    world.create("a")
    async with reflector(conn, ObjectCache(), bookmark_interval=60.0) as r:
        await until(lambda: r.healthy, what="the watch")
        await asyncio.sleep(2.5)  # a quiet spell, which is what the test is about
        assert r.last_heard is not None and time.monotonic() - r.last_heard >= 2.4
        sim.restart_apiserver(1.0)
        await until(lambda: not r.healthy, what="the loss")
        lost = r.freshness()
        assert lost.state == "failed" and lost.age is not None and lost.age < 1.0
        assert lost.group == "API server" and lost.summary
