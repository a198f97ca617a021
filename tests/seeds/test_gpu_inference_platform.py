"""Seed 001, end to end: layouts/gpu-inference-platform.yaml on its simulated cluster. The
healthy platform proves the infrastructure, services and health items; the 1,000-request load
test proves API latency < 100 ms and GPU utilisation > 70 %; then the faults the seed's
critical alerts name — Redis gone, the database's disk full, a GPU failing, the queue past
1,000 — each fail their items and raise their triggers, and clear again when mended."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.seeds.harness import seed_run

pytestmark = pytest.mark.kubectl

NS = "gpu-platform"
API = f"{NS}/inference-api"
WORKERS = f"{NS}/inference-worker"
TRIGGERS = ("error_rate_high", "latency_high", "queue_depth_high", "gpu_failure",
            "disk_space_low", "memory_high")  # fmt: skip


async def test_the_platform_passes_its_checks_then_each_critical_alert_fires_on_its_fault(
    kubectl_binary: str, tmp_path: Path
) -> None:
    async with seed_run("gpu-inference-platform", kubectl_binary, tmp_path) as seed:
        # Pre-Deployment and Deployment on the cluster as the scenario built it.
        await seed.until_all(
            ["gpu-servers-with-nvidia-gpus-cuda-11-8", "load-balancer-configured",
             "rate-limiting-configured", "cors-policies-defined", "ssl-certificates-installed",
             "postgresql-installed-and-configured", "configmaps-created-k8s",
             "resource-limits-defined", "health-check-endpoints-configured", "database-running",
             "redis-running", "api-servers-running-3-replicas", "gpu-workers-running-1-per-gpu",
             "nginx-load-balancer-running", "monitoring-stack-running",
             "health-endpoint-returns-200", "health-detailed-shows-all-components-healthy",
             "database-connection-successful", "redis-connection-successful",
             "verify-gpu-processing"],
            "pass",
        )  # fmt: skip
        # Monitoring: every key metric has data, and no critical alert's condition holds.
        await seed.until_all(
            ["prometheus-installed-and-running", "retention-policy-set-30-days",
             "request-rate-req-s", "request-latency-p50-p95-p99", "error-rate", "queue-depth",
             "gpu-utilization", "gpu-memory-usage", "memory-usage", "disk-usage",
             "service-down", "high-error-rate-5", "high-latency-500ms", "queue-depth-1000",
             "gpu-failure", "disk-space-10", "memory-usage-90", "database-connection-failure",
             "hpa-configured-for-api", "min-max-replicas-defined", "auto-restart-on-failure"],
            "pass",
        )  # fmt: skip
        for trigger in TRIGGERS:
            await seed.until_trigger(trigger, raised=False, timeout=5)
        # On demand, by kubectl: the server's version, kubectl's access, and a Secret (its
        # name, and no data).
        for item in ("kubernetes-1-28-if-using-k8s", "kubectl-configured",
                     "jwt-secret-key-generated"):  # fmt: skip
            seed.run.approve(item)
            seed.run.run_now(item)
        version = await seed.until("kubernetes-1-28-if-using-k8s", "pass", 30)
        assert '"gitVersion": "v1.32' in (version.evidence.detail or "")
        await seed.until("kubectl-configured", "pass", 30)
        secret = await seed.until("jwt-secret-key-generated", "pass", 30)
        assert "secret/jwt-secret" in (secret.evidence.detail or "")

        # The load test at 1,000 concurrent requests: the API stays under 100 ms at p95 and
        # the GPUs run above 70 %, held 2 minutes.
        seed.sim.set_users(API, 1000)
        seed.sim.set_users(WORKERS, 1000)
        await seed.until_all(["verify-gpu-utilization-70", "verify-latency-100ms-api"], "pass", 90)

        # Redis gone: its component of /health/detailed fails, the database's still passes.
        await seed.kubectl.ok("scale", "deployment/redis", "-n", NS, "--replicas=0")
        redis = await seed.until("redis-connection-successful", "fail", 60)
        assert "unhealthy" in (redis.evidence.value or "") + redis.reason
        await seed.until("health-detailed-shows-all-components-healthy", "fail", 10)
        await seed.until("database-connection-successful", "pass", 10)
        await seed.kubectl.ok("scale", "deployment/redis", "-n", NS, "--replicas=1")
        await seed.until("redis-connection-successful", "pass", 90)

        # The database's volume 95 % full: the free-disk item fails and its trigger fires.
        seed.sim.fill_volume(f"{NS}/postgres-data", 0.95)
        await seed.until_trigger("disk_space_low", timeout=30)
        await seed.until("disk-space-10", "fail", 10)
        seed.sim.fill_volume(f"{NS}/postgres-data", 0.4)
        await seed.until_trigger("disk_space_low", raised=False, timeout=30)

        # A GPU falls off the bus (XID 79) under a worker: the GPU failure alert.
        worker = await seed.kubectl.ok(
            "get", "pods", "-n", NS, "-l", "app=inference-worker",
            "-o", "jsonpath={.items[0].spec.nodeName}",
        )  # fmt: skip
        seed.sim.gpu_xid(worker, 0)
        await seed.until_trigger("gpu_failure", timeout=30)
        await seed.until("gpu-failure", "fail", 10)

        # Far more requests than the workers can batch: the queue passes 1,000.
        seed.sim.set_users(WORKERS, 20000)
        await seed.until_trigger("queue_depth_high", timeout=60)
        await seed.until("queue-depth-1000", "fail", 10)
        seed.sim.set_users(WORKERS, 1000)
        await seed.until_trigger("queue_depth_high", raised=False, timeout=90)
