"""The scenarios shaped like seeds 001, 002 and 004: each is served by `warroom sim
--scenario NAME`, has settled when its warm-up ends (every pod Running and Ready, claims
bound, load balancers addressed) with few enough pods for a fast first screen, and meets its
seed's latency target at the seed's load."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.sim.conftest import Kubectl
from tests.sim.test_kubectl import read_until
from warroom.sim.cluster import SimCluster
from warroom.sim.pods import is_ready

PODS = ("", "pods")
SERVICES = ("", "services")
PVCS = ("", "persistentvolumeclaims")
DEPLOYMENTS = ("apps", "deployments")

# Scenario → (its load Service, simulated seconds into the load at the seed's nominal load,
# the seed's p95 target in seconds).
SLOS = {
    # Seed 001: "Load test with 1000 concurrent requests", "Verify latency < 100ms (API)".
    "gpu-inference-platform": ("inference-api", 700, 0.1),
    # Seed 002: "P95 latency <1.5s verified" at "5K docs/hour sustained".
    "sap-llm-blue-green": ("sap-llm-api", 600, 1.5),
    # Seed 004: "Load test: P95 latency < 200ms" with 100 locust users.
    "hsc-jit-slow-roll": ("hsc-jit-backend", 300, 0.2),
}


@pytest.mark.parametrize("name", sorted(SLOS))
async def test_the_scenario_has_settled_when_its_warm_up_ends(name: str) -> None:
    async with SimCluster(name, manual_clock=True) as sim:
        pods = sim.store.list(PODS)
        assert 0 < len(pods) <= 40
        assert [p["metadata"]["name"] for p in pods if not is_ready(p)] == []
        for dep in sim.store.list(DEPLOYMENTS):
            status, want = dep.get("status") or {}, dep["spec"]["replicas"]
            assert status.get("availableReplicas", 0) == want, dep["metadata"]["name"]
        for svc in sim.store.list(SERVICES):
            if svc["spec"]["type"] == "LoadBalancer":
                assert svc["status"]["loadBalancer"]["ingress"][0]["ip"]
        assert {c["status"]["phase"] for c in sim.store.list(PVCS)} <= {"Bound"}
        # A drill can roll out a regressed and a broken image.
        assert sim.scenario.regressions and sim.scenario.broken_images


@pytest.mark.parametrize("name", sorted(SLOS))
async def test_the_scenario_meets_its_seeds_latency_target_at_the_seeds_load(name: str) -> None:
    service, seconds, target = SLOS[name]
    async with SimCluster(name, manual_clock=True) as sim:
        await sim.advance(seconds)
        serving = [s for s in sim.load.pods.values() if s.service == service and s.rps > 0]
        assert serving, f"no pod of {service} serves"
        assert max(s.p95 for s in serving) < target


async def test_the_hsc_jit_peak_hour_takes_the_hpa_to_five_or_six_pods() -> None:
    # Seed 004, T+1 hour: 500 locust users, "HPA scaled to 5-6 pods", "P95 latency < 500ms".
    async with SimCluster("hsc-jit-slow-roll", manual_clock=True) as sim:
        await sim.advance(1300)
        backend = [s for s in sim.load.pods.values() if s.service == "hsc-jit-backend"]
        hpa = sim.store.get(("autoscaling", "horizontalpodautoscalers"), "hsc-jit",
                            "hsc-jit-backend")
        assert hpa is not None and hpa["status"]["currentReplicas"] in (5, 6)
        assert max(s.p95 for s in backend if s.rps > 0) < 0.5


@pytest.mark.parametrize("name", sorted(SLOS))
async def test_warroom_sim_serves_the_scenario(
    name: str, kubectl_binary: str, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "sim.kubeconfig"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "warroom", "sim", "--scenario", name,
        "--kubeconfig", str(kubeconfig),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        line = await read_until(proc.stdout, r"kubectl --kubeconfig", timeout=30)
        assert f"warroom sim: scenario {name} at" in line
        kubectl = Kubectl(kubectl_binary, kubeconfig, tmp_path / "cache")
        out = (await kubectl.ok("get", "deployments", "-A")).splitlines()
        assert out[0].split()[:3] == ["NAMESPACE", "NAME", "READY"]
        assert len(out) > 1
    finally:
        proc.send_signal(2)
        async with asyncio.timeout(20):
            _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()


# Each seed's health checks, through the Service proxy: (scenario, path, answer's JSON part).
HEALTH = [
    # Seed 001: "/health endpoint returns 200", "/health/detailed shows all components healthy".
    ("gpu-inference-platform", "gpu-platform/inference-api:http/proxy/health", '"healthy"'),
    ("gpu-inference-platform", "gpu-platform/inference-api:http/proxy/health/detailed",
     '"components":{"database":{"status":"healthy"},"redis":{"status":"healthy"},'
     '"workers":{"status":"healthy"}}'),
    # Seed 002: green's smoke tests, `/health` and the readiness check `/health/ready`.
    ("sap-llm-blue-green", "sap-llm-green/sap-llm-api:http/proxy/health", '"healthy"'),
    ("sap-llm-blue-green", "sap-llm-green/sap-llm-api:http/proxy/health/ready", '"ready"'),
    # Seed 004: `# Response: {"status": "healthy"}` and `{"status": "ready"}`.
    ("hsc-jit-slow-roll", "hsc-jit/hsc-jit-backend:http/proxy/health", '{"status":"healthy"}'),
    ("hsc-jit-slow-roll", "hsc-jit/hsc-jit-backend:http/proxy/ready", '"status":"ready"'),
]


@pytest.mark.parametrize(("name", "path", "answer"), HEALTH)
async def test_the_seeds_health_checks_answer_through_the_service_proxy(
    name: str, path: str, answer: str, kubectl_binary: str, tmp_path: Path
) -> None:
    namespace, _, rest = path.partition("/")
    async with SimCluster(name, manual_clock=True) as sim:
        kubectl = Kubectl(kubectl_binary, sim.kubeconfig, tmp_path / "cache")
        out = await kubectl.ok("get", "--raw", f"/api/v1/namespaces/{namespace}/services/{rest}")
        assert answer in out


async def test_the_blue_green_switch_service_finds_no_pods_across_namespaces(
    kubectl_binary: str, tmp_path: Path
) -> None:
    # As in Kubernetes: sap-llm-prod's Service selects pods of sap-llm-prod only.
    async with SimCluster("sap-llm-blue-green", manual_clock=True) as sim:
        kubectl = Kubectl(kubectl_binary, sim.kubeconfig, tmp_path / "cache")
        result = await kubectl(
            "get", "--raw", "/api/v1/namespaces/sap-llm-prod/services/sap-llm-api:http/proxy/health"
        )
        assert result.returncode == 1
        assert 'no endpoints available for service "sap-llm-api"' in result.stderr
