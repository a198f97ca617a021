"""Seed 004, end to end: layouts/hsc-jit-slow-roll.yaml on its simulated cluster. The healthy
cluster proves the pre-flight and staging items; the new release is scaled up beside v3.0 by
kubectl, step by step as the seed's slow roll goes (25 → 50 → 75 → 100 % of the replicas
behind the one Service), each step's share of requests held 5 minutes with the latency and
error gates holding; the peak hour takes the HPA to 5-6 pods; then a regressed build rolled
onto the new Deployment fails the error and latency items and raises the seed's failure
triggers, and scaling it away restores v3.0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.seeds.harness import SeedRun, seed_run

pytestmark = pytest.mark.kubectl

NS = "hsc-jit"
SERVICE = f"{NS}/hsc-jit-backend"
OLD = "deployment/hsc-jit-backend"
NEW = "deployment/hsc-jit-backend-new"
REGRESSED = "hsc-jit-backend:new-rc2"  # the scenario's regressed build
# The failure criteria and the alerts: quiet while the roll is healthy.
TRIGGERS = ("critical_error_rate", "performance_degradation", "availability_loss",
            "alert_error_rate", "alert_p95_latency")  # fmt: skip
# The gates that hold through every step of the roll.
GATES = ["immediate-errors", "immediate-p95", "monitoring-errors", "critical-error-rate",
         "performance-degradation", "cache-hit-rate"]  # fmt: skip


async def scale(seed: SeedRun, deployment: str, replicas: int) -> None:
    """The seed's scale step: `kubectl patch deployment NAME -n hsc-jit -p '{"spec": …}'`."""
    patch = json.dumps({"spec": {"replicas": replicas}})
    await seed.kubectl.ok("patch", deployment, "-n", NS, "-p", patch)


async def step(seed: SeedRun, item: str) -> None:
    """One step of the slow roll: its share held 5 minutes, the gates still passing."""
    await seed.until(item, "pass", 40)
    await seed.until_all(GATES, "pass", 5)
    for trigger in TRIGGERS:
        await seed.until_trigger(trigger, raised=False, timeout=5)


async def test_the_slow_roll_passes_step_by_step_then_a_regressed_build_fails_it(
    kubectl_binary: str, tmp_path: Path
) -> None:
    # At 45× the roll's four 5-minute holds take about 7 s each.
    async with seed_run("hsc-jit-slow-roll", kubectl_binary, tmp_path, speed=45) as seed:
        # The locust run's 100 users throughout the roll (the scenario's peak comes later).
        seed.sim.set_users(SERVICE, 100)
        # Pre-deployment and T-6h … T-2h on the cluster as the scenario built it.
        await seed.until_all(
            ["cluster-provisioned", "ingress-configured", "tls-ready", "monitoring-deployed",
             "nodes-ready", "staging-deployed", "load-testing", "staging-p95", "staging-errors"],
            "pass", 40,
        )  # fmt: skip
        assert (await seed.until("new-pod-started", "fail")).verdict == "fail"

        # T-0, step 1: one new pod beside the three old ones — 25 % of the replicas.
        await scale(seed, NEW, 1)
        await seed.kubectl.ok(
            "wait", "--for=condition=ready", "pod", "-l", "app=hsc-jit-backend", "-n", NS,
            "--timeout=5m",
        )  # fmt: skip
        await seed.until_all(["new-pod-started", "readiness-probe", "smoke-health",
                              "smoke-ready"], "pass")  # fmt: skip
        await step(seed, "roll-25")
        # 50/50: three new pods to three old.
        await scale(seed, NEW, 3)
        await step(seed, "roll-50")
        # 75/25: the HPA follows the new release from here (else it holds v3.0 at its
        # minimum of 3), and v3.0 goes down to one pod.
        await seed.kubectl.ok(
            "patch", "hpa", "hsc-jit-backend", "-n", NS, "--type=merge",
            "-p", json.dumps({"spec": {"scaleTargetRef": {"name": "hsc-jit-backend-new"}}}),
        )  # fmt: skip
        await scale(seed, OLD, 1)
        await step(seed, "roll-75")
        # 100 % new; step 6, the old replicas scaled down.
        await scale(seed, OLD, 0)
        await step(seed, "roll-100")
        after = ["old-scaled-down", "pods-running", "no-crash-loops", "no-restarts",
                 "predictions-working", "no-404s"]  # fmt: skip
        await seed.until_all(after, "pass", 5)
        for item in ("roll-25", "roll-50", "roll-75"):  # proved once, they stay passed
            assert (await seed.until(item, "pass", 5)).verdict == "pass"

        # T+1 hour: the peak, ramped as locust spawns its users (--spawn-rate 25); at each
        # step the HPA adds pods before the next, and at 500 users it holds 6.
        for users, pods in ((200, 3), (300, 4), (400, 6), (500, 6)):
            seed.sim.set_users(SERVICE, users)
            await seed.kubectl.ok(
                "wait", f"--for=jsonpath={{.status.readyReplicas}}={pods}", NEW, "-n", NS,
                "--timeout=60s",
            )  # fmt: skip
        await seed.until_all(["hpa-5-6", "handles-500-users", "peak-p95", "peak-errors"],
                             "pass", 30)  # fmt: skip
        seed.sim.set_users(SERVICE, 100)

        # The fault: the regressed build rolled onto the new Deployment.
        await seed.kubectl.ok("set", "image", NEW, f"backend={REGRESSED}", "-n", NS)
        await seed.kubectl.ok("rollout", "status", NEW, "-n", NS, "--timeout=5m")
        for item in ("immediate-errors", "critical-error-rate", "cache-hit-rate",
                     "immediate-p95", "performance-degradation"):
            await seed.until(item, "fail", 30)
        await seed.until_trigger("critical_error_rate", timeout=30)
        await seed.until_trigger("performance_degradation", timeout=40)
        await seed.until_trigger("availability_loss", timeout=10)

        # The seed's manual rollback: the bad version stopped, v3.0 back on 3 replicas.
        await scale(seed, NEW, 0)
        await scale(seed, OLD, 3)
        await seed.until_all(["bad-version-stopped", "previous-version-restored",
                              "rollback-health", "rollback-ready"], "pass", 30)  # fmt: skip
