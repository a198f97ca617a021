"""The war room against the simulated cluster, over real HTTP, driven by Textual's Pilot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from warroom.kube.connection import Connection, connect
from warroom.kube.logs import log_source
from warroom.live.sources import ClusterSources
from warroom.sim.cluster import SimCluster
from warroom.state.model import RoomModel
from warroom.state.picture import ClusterPicture
from warroom.state.room import HeaderInfo, RoomSnapshot, Targets
from warroom.ui.app import WarRoomApp
from warroom.ui.keys import Keymap

NS = "bizra-prod"
TARGETS = Targets(
    ((NS, "bizra-inference"),),
    ((NS, "bizra-inference-hpa"),),
    {(NS, "bizra-inference"): "bizra-inference"},
)


def cluster_snapshot(picture: ClusterPicture) -> RoomSnapshot:
    """A room with only its reflectors: the cluster and how current each watch is."""
    return RoomSnapshot(picture, sources=tuple(picture.sources()), prometheus=False)


@dataclass
class Room:
    sim: SimCluster
    picture: ClusterPicture
    sources: ClusterSources
    connection: Connection

    def app(self, keymap: Keymap | None = None) -> WarRoomApp:
        # As `warroom demo` runs: the sim's clock runs ahead of ours.
        model = RoomModel(lambda: cluster_snapshot(self.picture), TARGETS, clock=self.sim.clock.now)
        header = HeaderInfo("warroom-sim", (NS,), "test", drill=True)
        return WarRoomApp(model, header, keymap=keymap, logs=log_source(self.connection))


@pytest.fixture
async def room() -> AsyncIterator[Room]:
    async with SimCluster("bizra-inference-10k", speed=20) as sim:
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
