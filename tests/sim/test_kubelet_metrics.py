"""The node-side series the sim exposes beside the applications' (warroom/sim/kubelet_metrics.py),
read from its /metrics exposition as a Prometheus scrapes it: cAdvisor's container memory
agrees with what `kubectl top pod` prints, kube-state-metrics' limits with the pod spec, the
kubelet's volume stats with `kubectl get pvc`'s CAPACITY, and a drill fills a volume over the
control API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.sim.conftest import Kubectl
from tests.waiting import until_value
from warroom.sim.cluster import SimCluster

NS = "gpu-platform"
Series = dict[tuple[tuple[str, str], ...], float]


@pytest.fixture
async def platform() -> AsyncIterator[SimCluster]:
    async with SimCluster("gpu-inference-platform", speed=20) as cluster:
        yield cluster


async def scrape(sim: SimCluster, family: str) -> Series:
    async with sim.session() as session, session.get(f"{sim.url}/metrics") as resp:
        text = await resp.text()
    out: Series = {}
    for parsed in text_string_to_metric_families(text):
        for sample in parsed.samples:
            if sample.name == family:
                out[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def where(series: Series, **labels: str) -> float:
    found = [v for k, v in series.items() if set(labels.items()) <= set(k)]
    assert len(found) == 1, f"{labels}: {found}"
    return found[0]


@pytest.mark.kubectl
async def test_container_memory_is_what_kubectl_top_prints(
    kubectl_binary: str, platform: SimCluster, tmp_path: Path
) -> None:
    kubectl = Kubectl(kubectl_binary, platform.kubeconfig, tmp_path / "kube-cache")
    top = await kubectl.ok("top", "pod", "-n", NS, "--containers", "--no-headers")
    memory = await scrape(platform, "container_memory_working_set_bytes")
    rows = [line.split() for line in top.splitlines()]
    served = [r for r in rows if r[0].startswith(("inference-api-", "inference-worker-"))]
    assert len(served) == 11  # 3 API pods and 8 workers
    for pod, container, _cpu, mebibytes in served:
        # kubectl top prints the working set in whole Mi (bytes / 2^20); the load moves
        # between the two reads, so within 1 %.
        value = where(memory, namespace=NS, pod=pod, container=container)
        assert mebibytes.endswith("Mi")
        assert value / 2**20 == pytest.approx(int(mebibytes[:-2]), rel=0.01)
    # Pods the load model does not serve (the database, kube-system) are not in the scrape.
    assert not [k for k in memory if ("namespace", "kube-system") in k]


@pytest.mark.kubectl
async def test_memory_limits_are_the_pod_specs(
    kubectl_binary: str, platform: SimCluster, tmp_path: Path
) -> None:
    kubectl = Kubectl(kubectl_binary, platform.kubeconfig, tmp_path / "kube-cache")
    pod = await kubectl.ok("get", "pods", "-n", NS, "-l", "app=inference-worker", "-o", "name")
    name = pod.split()[0].removeprefix("pod/")
    limit = await kubectl.ok(
        "get", "pod", name, "-n", NS, "-o", "jsonpath={.spec.containers[0].resources.limits.memory}"
    )
    assert limit == "28Gi"
    limits = await scrape(platform, "kube_pod_container_resource_limits")
    value = where(limits, pod=name, container="worker", resource="memory", unit="byte")
    assert value == 28 * 2**30


@pytest.mark.kubectl
async def test_volume_stats_follow_the_claims_and_a_drill_fills_one(
    kubectl_binary: str, platform: SimCluster, tmp_path: Path
) -> None:
    kubectl = Kubectl(kubectl_binary, platform.kubeconfig, tmp_path / "kube-cache")
    claims = await kubectl.ok("get", "pvc", "-n", NS, "--no-headers")
    capacity_of = {row.split()[0]: row.split()[3] for row in claims.splitlines()}
    assert capacity_of == {"postgres-data": "100Gi", "redis-data": "10Gi"}
    capacity = await scrape(platform, "kubelet_volume_stats_capacity_bytes")
    available = await scrape(platform, "kubelet_volume_stats_available_bytes")
    assert where(capacity, persistentvolumeclaim="postgres-data") == 100 * 2**30
    assert where(available, persistentvolumeclaim="postgres-data") == pytest.approx(70 * 2**30)

    async with platform.session() as session:
        body = {"claim": f"{NS}/postgres-data", "used": 0.95}
        async with session.post(f"{platform.url}/_sim/faults/volume", json=body) as resp:
            assert resp.status == 200
            assert (await resp.json())["volumes"] == {f"{NS}/postgres-data": 0.95}
        wrong = {"claim": f"{NS}/pg-data", "used": 0.95}
        async with session.post(f"{platform.url}/_sim/faults/volume", json=wrong) as resp:
            assert resp.status == 400
            assert "no PersistentVolumeClaim 'gpu-platform/pg-data'" in await resp.text()

    async def free() -> float:
        return where(await scrape(platform, "kubelet_volume_stats_available_bytes"),
                     persistentvolumeclaim="postgres-data")  # fmt: skip

    left = await until_value(free, lambda v: v < 6 * 2**30, what="postgres-data filled")
    assert left == pytest.approx(5 * 2**30)
