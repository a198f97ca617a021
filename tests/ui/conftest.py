"""The war room against the simulated cluster, over real HTTP, driven by Textual's Pilot."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from textual.pilot import Pilot

from warroom.kube.connection import Connection, connect
from warroom.sim.cluster import SimCluster
from warroom.state.live import ClusterSources
from warroom.state.picture import ClusterPicture
from warroom.ui.app import Targets, WarRoomApp
from warroom.ui.widgets.panels import HeaderInfo

NS = "bizra-prod"


@dataclass
class Room:
    sim: SimCluster
    picture: ClusterPicture
    sources: ClusterSources
    connection: Connection

    def app(self) -> WarRoomApp:
        return WarRoomApp(
            self.picture,
            HeaderInfo("warroom-sim", (NS,), "test", drill=True),
            Targets(
                [(NS, "bizra-inference")],
                [(NS, "bizra-inference-hpa")],
                {(NS, "bizra-inference"): "bizra-inference"},
            ),
            clock=self.sim.clock.now,  # as `warroom demo` runs: the sim's clock runs ahead
        )


@pytest.fixture
async def room() -> AsyncIterator[Room]:
    async with SimCluster("gpu-inference", speed=20) as sim:
        sim.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # hold the HPA still
        connection = await connect(sim.kubeconfig, "warroom-sim")
        picture = ClusterPicture([NS], clock=sim.clock.now)
        sources = ClusterSources(connection, picture, bookmark_interval=1.0)
        for reflector in sources.reflectors:
            reflector.backoff.initial = 0.05
            reflector.backoff.cap = 0.5
        async with sources:
            await sources.wait_synced(10)
            yield Room(sim, picture, sources, connection)
        await connection.close()


async def wait_until(
    pilot: Pilot[None], check: Callable[[], bool], timeout: float = 20.0, what: str = "condition"
) -> None:
    """Let the app run until `check()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        await pilot.pause(0.05)
