"""Snapshots of the main screen: the sim on a fixed seed and a frozen clock, no live sources."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from warroom.sim.cluster import SimCluster
from warroom.state.picture import CLUSTER, NAMESPACED, ClusterPicture
from warroom.ui.app import Targets, WarRoomApp
from warroom.ui.widgets.panels import HeaderInfo

NS = "bizra-prod"
FROZEN = 1_795_000_000.0  # 2026-11-18T07:06:40Z
PLURALS = {
    **{k: (r.group, r.plural) for k, r in NAMESPACED.items()},
    **{k: (r.group, r.plural) for k, r in CLUSTER.items()},
}


async def frozen_picture() -> tuple[ClusterPicture, float]:
    """The gpu-inference scenario mid-rollout, copied into a picture without reflectors."""
    async with SimCluster("gpu-inference", manual_clock=True, start_time=FROZEN, seed=7) as sim:
        sim.set_hpa_metric(NS, "bizra-inference-hpa", 70)
        sim.set_image_broken("ghcr.io/bizra/inference:2.0.1-rc1")
        deployments = sim.catalogue.get("apps", "v1", "deployments")
        sim.registry.patch(
            deployments,
            NS,
            "bizra-inference",
            "application/strategic-merge-patch+json",
            {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "inference-server",
                                    "image": "ghcr.io/bizra/inference:2.0.1-rc1",
                                }
                            ]
                        }
                    }
                }
            },
            dry_run=False,
        )
        await sim.advance(90)
        picture = ClusterPicture([NS])
        for kind, tk in PLURALS.items():
            namespaces = [NS] if kind in NAMESPACED else [""]
            for ns in namespaces:
                picture.cache(kind, ns).replace(
                    [o for o in sim.store.list(tk, ns or None)], str(sim.store.rv)
                )
        return picture, sim.clock.now()


def make_app(picture: ClusterPicture, now: float) -> WarRoomApp:
    return WarRoomApp(
        picture,
        HeaderInfo("warroom-sim", (NS,), "snapshot", drill=True),
        Targets([(NS, "bizra-inference")], [(NS, "bizra-inference-hpa")]),
        clock=lambda: now,
    )


@pytest.fixture
def frozen() -> Iterator[tuple[ClusterPicture, float]]:
    import asyncio

    yield asyncio.run(frozen_picture())


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_overview_snapshot(snap_compare, frozen, size) -> None:
    picture, now = frozen
    assert snap_compare(make_app(picture, now), terminal_size=size)


def test_pods_snapshot(snap_compare, frozen) -> None:
    picture, now = frozen
    assert snap_compare(make_app(picture, now), terminal_size=(100, 30), press=["2"])


def test_nodes_snapshot(snap_compare, frozen) -> None:
    picture, now = frozen
    assert snap_compare(make_app(picture, now), terminal_size=(100, 30), press=["3"])
