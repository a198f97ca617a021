"""The load model, GPU telemetry and faults, read through the sim's /metrics as Prometheus does."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import canary_ingress
from tests.sim.conftest import Kubectl
from warroom.sim.cluster import SimCluster
from warroom.sim.scenario import parse

NS = "bizra-prod"
SERVICE = f"{NS}/bizra-inference"
DEPLOYMENTS = ("apps", "deployments")
PODS = ("", "pods")
NODES = ("", "nodes")
STABLE = "ghcr.io/bizra/inference:2.0.0-production"
REGRESSED = "ghcr.io/bizra/inference:2.0.1-rc2"


async def scrape(sim: SimCluster) -> list[tuple[str, dict[str, str], float]]:
    async with sim.session() as session, session.get(f"{sim.url}/metrics") as resp:
        assert resp.status == 200, await resp.text()
        text = await resp.text()
    return [
        (s.name, s.labels, s.value)
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    ]


def total(samples: list[tuple[str, dict[str, str], float]], name: str, **labels: str) -> float:
    return sum(
        v for n, lbl, v in samples if n == name and all(lbl.get(k) == x for k, x in labels.items())
    )


def ihsan_rate(before: list, after: list, **labels: str) -> float:
    """The share of ihsan checks that passed between two scrapes."""
    passed = total(after, "ihsan_checks_total", result="pass", **labels) - total(
        before, "ihsan_checks_total", result="pass", **labels
    )
    every = total(after, "ihsan_checks_total", **labels) - total(
        before, "ihsan_checks_total", **labels
    )
    return passed / every


def replicas(sim: SimCluster) -> int:
    d = sim.store.get(DEPLOYMENTS, NS, "bizra-inference")
    assert d is not None
    return int(d["spec"]["replicas"])


def error_ratio(before: list, after: list, **labels: str) -> float:
    bad = sum(
        total(after, "http_requests_total", code=c, **labels)
        - total(before, "http_requests_total", code=c, **labels)
        for c in ("500", "503")
    )
    every = total(after, "http_requests_total", **labels) - total(
        before, "http_requests_total", **labels
    )
    return bad / every


def p95_from_buckets(before: list, after: list, **labels: str) -> float:
    """histogram_quantile(0.95, ...) over the increase between two scrapes."""
    bounds: dict[float, float] = {}
    for name, lbl, value in after:
        if name == "http_request_duration_seconds_bucket" and all(
            lbl.get(k) == x for k, x in labels.items()
        ):
            bounds[float(lbl["le"])] = bounds.get(float(lbl["le"]), 0.0) + value
    for name, lbl, value in before:
        if name == "http_request_duration_seconds_bucket" and all(
            lbl.get(k) == x for k, x in labels.items()
        ):
            bounds[float(lbl["le"])] -= value
    ordered = sorted(bounds.items())
    rank = 0.95 * ordered[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in ordered:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (
                count - lower_count
            )
        lower_bound, lower_count = bound, count
    return lower_bound


@pytest.fixture
async def sim():
    async with SimCluster("bizra-inference-10k", manual_clock=True) as cluster:
        yield cluster


async def test_metrics_carry_conventional_names_and_labels(sim: SimCluster) -> None:
    sim.set_users(SERVICE, 1000)
    await sim.advance(30)
    samples = await scrape(sim)
    names = {n for n, _, _ in samples}
    for wanted in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "http_request_duration_seconds_sum",
        "http_request_duration_seconds_count",
        "inference_tokens_generated_total",
        "inference_queue_depth",
        "DCGM_FI_DEV_GPU_UTIL",
        "DCGM_FI_DEV_FB_USED",
        "DCGM_FI_DEV_FB_FREE",
        "DCGM_FI_DEV_GPU_TEMP",
        "DCGM_FI_DEV_POWER_USAGE",
        "DCGM_FI_DEV_XID_ERRORS",
    ):
        assert wanted in names, wanted
    for name, labels, _ in samples:
        if name.startswith(("http_", "inference_")):
            assert {"namespace", "pod", "version"} <= set(labels), (name, labels)
        if name.startswith("DCGM_"):
            assert {"gpu", "UUID", "modelName", "Hostname", "pod", "namespace"} <= set(labels)
    gpu_pods = {lbl["pod"] for n, lbl, _ in samples if n == "DCGM_FI_DEV_GPU_UTIL" and lbl["pod"]}
    assert gpu_pods == {p["metadata"]["name"] for p in sim.store.list(PODS, NS)}
    models = {lbl["modelName"] for n, lbl, _ in samples if n == "DCGM_FI_DEV_GPU_UTIL"}
    assert models == {"NVIDIA GeForce RTX 4090"}
    assert len([1 for n, _, _ in samples if n == "DCGM_FI_DEV_GPU_UTIL"]) == 48


async def test_nominal_load_gives_the_configured_latency_and_errors(sim: SimCluster) -> None:
    sim.set_users(SERVICE, 150)  # 12 rps over 3 pods of 32 rps: well under nominal utilisation
    await sim.advance(20)
    before = await scrape(sim)
    await sim.advance(120)
    after = await scrape(sim)
    served = total(after, "http_requests_total") - total(before, "http_requests_total")
    assert served == pytest.approx(150 * 0.08 * 120, rel=0.02)
    assert 0.4 < p95_from_buckets(before, after) < 0.75
    assert error_ratio(before, after) == pytest.approx(0.002, abs=0.001)
    tokens = total(after, "inference_tokens_generated_total") - total(
        before, "inference_tokens_generated_total"
    )
    assert tokens == pytest.approx(served * 0.998 * 96, rel=0.02)
    # Every answered request is checked for احسان; the scenario's service passes 93 %.
    checked = total(after, "ihsan_checks_total") - total(before, "ihsan_checks_total")
    assert checked == pytest.approx(served * 0.998, rel=0.02)
    assert ihsan_rate(before, after) == pytest.approx(0.93, abs=0.005)


async def test_load_ramp_scales_the_hpa_up_and_new_pods_take_traffic(sim: SimCluster) -> None:
    sim.set_users(SERVICE, 100)
    await sim.advance(120)
    assert replicas(sim) == 3
    sim.set_users(SERVICE, 10_000)
    await sim.until(lambda: replicas(sim) >= 30, timeout=30, step=15)
    await sim.advance(180)  # new pods become Ready and join the Service
    ready = [p for p in sim.store.list(PODS, NS) if p["metadata"]["name"].startswith("bizra")]
    assert len(ready) >= 30
    before = await scrape(sim)
    await sim.advance(60)
    after = await scrape(sim)
    serving = {
        lbl["pod"]
        for n, lbl, v in after
        if n == "http_requests_total"
        and v > total(before, "http_requests_total", pod=lbl["pod"], code=lbl["code"])
    }
    assert len(serving) >= 30
    assert p95_from_buckets(before, after) < 1.0
    hot = [v for n, lbl, v in after if n == "DCGM_FI_DEV_GPU_UTIL" and lbl["pod"]]
    assert min(hot) > 50
    sim.set_users(SERVICE, 500)
    await sim.until(lambda: replicas(sim) <= 5, timeout=30, step=30)
    assert replicas(sim) >= 3
    events = [e for e in sim.store.list(("", "events"), NS) if e["reason"] == "SuccessfulRescale"]
    assert any("above target" in e["message"] for e in events)
    assert any("below target" in e["message"] for e in events)


async def test_a_regressed_canary_is_slower_and_fails_more_than_stable(sim: SimCluster) -> None:
    stable = sim.store.get(DEPLOYMENTS, NS, "bizra-inference")
    assert stable is not None
    canary = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "bizra-inference-canary", "namespace": NS},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "bizra-inference", "track": "canary"}},
            "template": {
                "metadata": {"labels": {"app": "bizra-inference", "track": "canary"}},
                "spec": {
                    **stable["spec"]["template"]["spec"],
                    "containers": [
                        {**stable["spec"]["template"]["spec"]["containers"][0], "image": REGRESSED}
                    ],
                },
            },
        },
    }
    rt = sim.catalogue.get("apps", "v1", "deployments")
    sim.registry.create(rt, NS, canary, dry_run=False)
    sim.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # hold the replica ratio at 3:1
    sim.set_users(SERVICE, 500)
    await sim.advance(120)
    before = await scrape(sim)
    await sim.advance(120)
    after = await scrape(sim)
    stable_rps = total(after, "http_requests_total", version="2.0.0-production") - total(
        before, "http_requests_total", version="2.0.0-production"
    )
    canary_rps = total(after, "http_requests_total", version="2.0.1-rc2") - total(
        before, "http_requests_total", version="2.0.1-rc2"
    )
    assert canary_rps / (stable_rps + canary_rps) == pytest.approx(0.25, abs=0.01)
    assert p95_from_buckets(before, after, version="2.0.1-rc2") > 2 * p95_from_buckets(
        before, after, version="2.0.0-production"
    )
    assert error_ratio(before, after, version="2.0.1-rc2") > 0.05
    assert error_ratio(before, after, version="2.0.0-production") < 0.01
    # The regressed build's answers also fail the احسان check: 0.93 - 0.5 of them pass.
    assert ihsan_rate(before, after, version="2.0.1-rc2") == pytest.approx(0.43, abs=0.01)
    assert ihsan_rate(before, after, version="2.0.0-production") == pytest.approx(0.93, abs=0.01)
    # Clearing the regression makes the canary as good as stable again.
    sim.clear_regression(REGRESSED)
    await sim.advance(10)
    before = await scrape(sim)
    await sim.advance(120)
    after = await scrape(sim)
    assert p95_from_buckets(before, after, version="2.0.1-rc2") == pytest.approx(
        p95_from_buckets(before, after, version="2.0.0-production"), rel=0.05
    )
    assert error_ratio(before, after, version="2.0.1-rc2") < 0.01
    assert ihsan_rate(before, after, version="2.0.1-rc2") == pytest.approx(0.93, abs=0.01)


@pytest.mark.parametrize(
    ("weight", "weight_total", "share"),
    [(20, None, 0.20), (50, 1000, 0.05)],
    ids=["of-100", "of-1000"],
)
async def test_nginx_canary_weight_splits_traffic_by_weight(
    sim: SimCluster, weight: int, weight_total: int | None, share: float
) -> None:
    """The sim routes as ingress-nginx's balancer: canary-weight out of canary-weight-total."""
    rt = sim.catalogue.get
    canary_svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "bizra-inference-canary", "namespace": NS},
        "spec": {"selector": {"track": "canary"}, "ports": [{"port": 80}]},
    }
    sim.registry.create(rt("", "v1", "services"), NS, canary_svc, dry_run=False)
    stable = sim.store.get(DEPLOYMENTS, NS, "bizra-inference")
    assert stable is not None
    template = stable["spec"]["template"]
    sim.registry.create(
        rt("apps", "v1", "deployments"),
        NS,
        {
            "metadata": {"name": "canary", "namespace": NS},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"track": "canary"}},
                "template": {"metadata": {"labels": {"track": "canary"}}, "spec": template["spec"]},
            },
        },
        dry_run=False,
    )
    sim.registry.create(
        rt("networking.k8s.io", "v1", "ingresses"),
        NS,
        canary_ingress("canary", NS, "bizra-inference-canary", weight, weight_total),
        dry_run=False,
    )
    sim.set_hpa_metric(NS, "bizra-inference-hpa", 70)
    sim.set_users(SERVICE, 500)
    await sim.advance(120)
    before = await scrape(sim)
    await sim.advance(60)
    after = await scrape(sim)
    canary_pods = {
        p["metadata"]["name"]
        for p in sim.store.list(PODS, NS)
        if (p["metadata"].get("labels") or {}).get("track") == "canary"
    }
    to_canary = sum(
        total(after, "http_requests_total", pod=p) - total(before, "http_requests_total", pod=p)
        for p in canary_pods
    )
    everything = total(after, "http_requests_total") - total(before, "http_requests_total")
    assert to_canary / everything == pytest.approx(share, abs=0.005)


async def test_error_burst_raises_errors_and_clearing_restores(sim: SimCluster) -> None:
    sim.set_users(SERVICE, 300)
    await sim.advance(30)
    a = await scrape(sim)
    sim.error_burst(0.3, seconds=600)
    await sim.advance(60)
    b = await scrape(sim)
    assert error_ratio(a, b) == pytest.approx(0.302, abs=0.01)
    sim.clear_error_bursts()
    await sim.advance(60)
    c = await scrape(sim)
    assert error_ratio(b, c) < 0.01


async def test_gpu_xid_and_lost_gpu_show_in_telemetry_and_restore(sim: SimCluster) -> None:
    pod = sim.store.list(PODS, NS)[0]
    node = pod["spec"]["nodeName"]
    samples = await scrape(sim)
    index = next(
        int(lbl["gpu"])
        for n, lbl, _ in samples
        if n == "DCGM_FI_DEV_GPU_UTIL" and lbl["pod"] == pod["metadata"]["name"]
    )
    sim.gpu_xid(node, index, 48)
    samples = await scrape(sim)
    assert total(samples, "DCGM_FI_DEV_XID_ERRORS", Hostname=node, gpu=str(index)) == 48
    sim.lose_gpu(node, index)
    await sim.advance(30)
    samples = await scrape(sim)
    assert not [
        1
        for n, lbl, _ in samples
        if n == "DCGM_FI_DEV_GPU_UTIL" and lbl["Hostname"] == node and lbl["gpu"] == str(index)
    ]
    node_obj = sim.store.get(NODES, "", node)
    assert node_obj is not None and node_obj["status"]["allocatable"]["nvidia.com/gpu"] == "3"
    broken = sim.store.get(PODS, NS, pod["metadata"]["name"])
    assert broken is not None
    state = broken["status"]["containerStatuses"][0]
    assert state["restartCount"] >= 1
    sim.restore_gpu(node, index)
    await sim.until(
        lambda: sim.store.get(PODS, NS, pod["metadata"]["name"])["status"]["containerStatuses"][0][
            "ready"
        ],
        timeout=10,
        step=10,
    )
    node_obj = sim.store.get(NODES, "", node)
    assert node_obj is not None and node_obj["status"]["allocatable"]["nvidia.com/gpu"] == "4"
    samples = await scrape(sim)
    assert total(samples, "DCGM_FI_DEV_XID_ERRORS", Hostname=node, gpu=str(index)) == 0


async def test_node_failure_takes_its_gpus_out_of_telemetry(sim: SimCluster) -> None:
    node = sim.store.list(PODS, NS)[0]["spec"]["nodeName"]
    sim.fail_node(node)
    await sim.advance(60)
    samples = await scrape(sim)
    assert not [1 for n, lbl, _ in samples if n.startswith("DCGM_") and lbl["Hostname"] == node]
    sim.recover_node(node)
    await sim.advance(5)
    samples = await scrape(sim)
    assert [1 for n, lbl, _ in samples if n.startswith("DCGM_") and lbl["Hostname"] == node]


async def test_prometheus_outage_makes_the_target_fail_until_cleared(sim: SimCluster) -> None:
    sim.prometheus_outage(True)
    async with sim.session() as session:
        async with session.get(f"{sim.url}/metrics") as resp:
            assert resp.status == 503
        sim.prometheus_outage(False)
        async with session.get(f"{sim.url}/metrics") as resp:
            assert resp.status == 200


async def test_apiserver_restart_drops_watches_and_refuses_then_recovers() -> None:
    async with (
        SimCluster("bizra-inference-10k", speed=20) as sim,
        sim.session() as session,
    ):
        async with session.get(f"{sim.url}/api/v1/pods", params={"watch": "true"}) as watch:
            first = await watch.content.readline()
            assert b'"ADDED"' in first
            async with session.post(
                f"{sim.url}/_sim/faults/apiserver-restart", json={"seconds": 0.5}
            ) as resp:
                assert (await resp.json())["dropped"] == 1
            rest = await watch.content.read()  # the stream ends
            assert watch.content.at_eof()
            # It ends cleanly, between events: whatever was still sent is whole watch events.
            for line in rest.splitlines():
                assert orjson.loads(line)["type"] in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK")
        async with session.get(f"{sim.url}/api/v1/pods") as resp:
            assert resp.status == 503
            assert (await resp.json())["reason"] == "ServiceUnavailable"

        async def back() -> bool:
            async with session.get(f"{sim.url}/api/v1/namespaces") as resp:
                return resp.status == 200

        for _ in range(100):
            if await back():
                break
            await sim.until(lambda: not sim.api.refuse_requests, timeout=5)
        assert await back()


async def test_scenario_load_section_is_validated() -> None:
    with pytest.raises(ValueError, match=r"load\.services\[0\] needs service: NAMESPACE/NAME"):
        parse("load:\n  services:\n    - {service: nope}\n", "bad.yaml")
    with pytest.raises(ValueError, match=r"stages\[0\] needs duration and users"):
        parse("load:\n  services:\n    - {service: a/b, stages: [{users: 3}]}\n", "bad.yaml")
    with pytest.raises(ValueError, match=r"regressions\[img:2\]: unknown keys ihsn"):
        parse("load:\n  regressions:\n    img:2: {ihsn: 0.5}\n", "bad.yaml")


async def test_the_regression_fault_over_http_lowers_the_ihsan_pass_rate(sim: SimCluster) -> None:
    sim.set_users(SERVICE, 300)
    await sim.advance(20)
    async with sim.session() as session:
        async with session.post(
            f"{sim.url}/_sim/faults/regression",
            json={"image": STABLE, "latency": 1, "errors": 0, "ihsan": 0.6},
        ) as resp:
            assert resp.status == 200
            said = await resp.json()
        assert said["regressions"][STABLE] == {"latency": 1.0, "errors": 0.0, "ihsan": 0.6}
        before = await scrape(sim)
        await sim.advance(60)
        after = await scrape(sim)
        assert ihsan_rate(before, after) == pytest.approx(0.33, abs=0.01)
        async with session.delete(
            f"{sim.url}/_sim/faults/regression", json={"image": STABLE}
        ) as resp:
            assert resp.status == 200
    before = await scrape(sim)
    await sim.advance(60)
    after = await scrape(sim)
    assert ihsan_rate(before, after) == pytest.approx(0.93, abs=0.01)


@pytest.mark.kubectl
async def test_a_canary_ingress_in_the_green_namespace_shifts_blues_traffic(
    kubectl_binary: str, tmp_path: Path
) -> None:
    """Seed 002's blue-green: the main Ingress in sap-llm-blue, the canary in sap-llm-green,
    both to a Service named sap-llm-api; the weight set by kubectl moves that share of the
    requests to green's pods, as ingress-nginx merges alternative backends by host."""
    async with SimCluster("sap-llm-blue-green", manual_clock=True) as sim:
        kubectl = Kubectl(kubectl_binary, sim.kubeconfig, tmp_path / "cache")
        await kubectl.ok(
            "annotate", "ingress", "sap-llm-api-canary", "-n", "sap-llm-green", "--overwrite",
            "nginx.ingress.kubernetes.io/canary-weight=20",
        )  # fmt: skip
        await sim.advance(60)
        before = await scrape(sim)
        await sim.advance(120)
        after = await scrape(sim)

        def served(namespace: str) -> float:
            return total(after, "http_requests_total", namespace=namespace) - total(
                before, "http_requests_total", namespace=namespace
            )

        green, blue = served("sap-llm-green"), served("sap-llm-blue")
        assert green / (green + blue) == pytest.approx(0.20, abs=0.005)
