"""Snapshots of every view: the sim on a fixed seed and a frozen clock, no live sources.

The state shown is a go-live in trouble, so that every alarm is drawn: a rollout whose new
image crashes (failing pods), a node gone NotReady, p95 latency above its SLO, and a watch
that has failed (the banner)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from warroom.live.sources import RESOURCES
from warroom.sim.cluster import SimCluster
from warroom.state.freshness import Freshness
from warroom.state.model import RoomModel
from warroom.state.picture import NAMESPACED, ClusterPicture
from warroom.state.room import HeaderInfo, RoomSnapshot, Targets
from warroom.state.signals import SignalsView, SignalView
from warroom.ui.app import WarRoomApp

NS = "bizra-prod"
FROZEN = 1_795_000_000.0  # 2026-11-18T07:06:40Z
TARGETS = Targets(((NS, "bizra-inference"),), ((NS, "bizra-inference-hpa"),))


async def frozen_picture() -> tuple[ClusterPicture, float]:
    """The bizra-inference-10k scenario mid-rollout, copied into a picture without reflectors."""
    async with SimCluster(
        "bizra-inference-10k", manual_clock=True, start_time=FROZEN, seed=7
    ) as sim:
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
        await sim.advance(30)
        sim.fail_node("gpu-node-7")
        await sim.advance(60)
        picture = ClusterPicture([NS])
        for kind, resource in RESOURCES.items():
            for ns in [NS] if kind in NAMESPACED else [""]:
                objects = sim.store.list((resource.group, resource.plural), ns or None)
                picture.cache(kind, ns).replace(list(objects), str(sim.store.rv))
        return picture, sim.clock.now()


def signals(now: float) -> SignalsView:
    """p95 latency climbing through its 1 s SLO over the last ten minutes; errors fine."""
    latency = tuple((now - 600 + 15 * i, 0.4 + 0.025 * i) for i in range(41))
    errors = tuple((now - 600 + 15 * i, 0.002) for i in range(41))
    return SignalsView(
        version=1,
        signals=(
            SignalView(
                "p95_latency",
                "p95 latency",
                "s",
                (("", latency),),
                (("", 1.4),),
                slo_max=1.0,
                age=2.0,
            ),
            SignalView(
                "errors",
                "5xx error rate",
                "ratio",
                (("", errors),),
                (("", 0.002),),
                slo_max=0.01,
                age=2.0,
            ),
        ),
        server="Prometheus 2.45.3",
    )


WATCH_LOST = Freshness(
    "events in namespace bizra-prod",
    "failed",
    42.0,
    True,
    "lost the watch of events in namespace bizra-prod (connection reset); retrying in 3.2 s",
    group="API server",
    summary="connection reset",
)


def make_app(picture: ClusterPicture, now: float) -> WarRoomApp:
    snapshot = RoomSnapshot(picture, signals(now), sources=(WATCH_LOST,))
    model = RoomModel(lambda: snapshot, TARGETS, clock=lambda: now, wall=lambda: now)
    return WarRoomApp(model, HeaderInfo("warroom-sim", (NS,), "snapshot", drill=True))


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


def test_graphs_snapshot(snap_compare, frozen) -> None:
    picture, now = frozen
    assert snap_compare(make_app(picture, now), terminal_size=(100, 30), press=["4"])
