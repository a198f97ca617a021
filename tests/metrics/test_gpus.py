"""GPU readings from the DCGM series in the sim's built-in Prometheus match the sim's GPUs."""

from __future__ import annotations

from tests.metrics.conftest import SERVICE
from tests.waiting import until
from warroom.metrics import GpuRecord, PrometheusGpus
from warroom.sim.cluster import SimCluster
from warroom.sim.gpus import GpuReading


def agrees(records: tuple[GpuRecord, ...], readings: list[GpuReading]) -> bool:
    """The same GPUs, with the numbers of one scrape (the load moves between scrapes)."""
    by_key = {(r.node, r.index): r for r in records}
    if set(by_key) != {(r.node, r.index) for r in readings}:
        return False
    for reading in readings:
        record = by_key[(reading.node, reading.index)]
        if (record.uuid, record.model, record.pod) != (reading.uuid, reading.model, reading.pod):
            return False
        if record.memory_total != reading.fb_used + reading.fb_free:
            return False
        assert record.util is not None and record.memory_used is not None
        if abs(record.util - reading.util) > 0.5 or abs(record.memory_used - reading.fb_used) > 1:
            return False
    return True


async def test_gpu_readings_via_prometheus_match_the_sim(sim: SimCluster) -> None:
    sim.set_users(SERVICE, 600)  # steady load, so the numbers settle
    async with PrometheusGpus(sim.prometheus_url, interval=0.1) as gpus:
        await until(
            lambda: agrees(gpus.snapshot().gpus, sim.gpus.readings()),
            what="the GPU records agree with the sim's GPUs",
        )
        snap = gpus.snapshot()
    assert snap.freshness.state == "ok" and not snap.freshness.stale
    assert snap.source == f"GPUs from Prometheus at {sim.prometheus_url}"
    busy = [g for g in snap.gpus if g.pod]
    assert busy and all(g.namespace == "bizra-prod" and g.util is not None for g in busy)
    first = snap.gpus[0]
    assert first.temp is not None and first.power is not None and first.xid == 0
    assert first.memory_percent is not None and 0 < first.memory_percent < 100
    assert [(g.node, g.index) for g in snap.gpus] == sorted((g.node, g.index) for g in snap.gpus)


async def test_a_lost_gpu_disappears_and_an_xid_shows(sim: SimCluster) -> None:
    node = sim.gpus.readings()[0].node
    async with PrometheusGpus(sim.prometheus_url, interval=0.1) as gpus:
        await until(lambda: len(gpus.snapshot().on_node(node)) > 2, what="GPUs read")
        sim.gpu_xid(node, 2, 48)
        await until(
            lambda: any(g.index == 2 and g.xid == 48 for g in gpus.snapshot().on_node(node)),
            what="the XID reported",
        )
        before = gpus.snapshot()
        sim.lose_gpu(node, 1)
        await until(
            lambda: all(g.index != 1 for g in gpus.snapshot().on_node(node)),
            what="the lost GPU gone",
        )
        after = gpus.snapshot()
    assert len(after.gpus) == len(before.gpus) - 1
    assert after.version > before.version
    assert after.freshness.state == "ok"


async def test_gpu_readings_go_stale_in_an_outage(sim: SimCluster) -> None:
    async with PrometheusGpus(sim.prometheus_url, interval=0.1) as gpus:
        await until(lambda: gpus.snapshot().freshness.state == "ok", what="GPUs read")
        sim.prometheus_outage(True)
        await until(lambda: gpus.snapshot().freshness.state == "failed", what="outage seen")
        down = gpus.snapshot()
        assert down.freshness.stale and down.gpus  # the last readings stay, marked stale
        assert down.freshness.error is not None and "503" in down.freshness.error
        sim.prometheus_outage(False)
        await until(lambda: not gpus.snapshot().freshness.stale, what="recovered")
