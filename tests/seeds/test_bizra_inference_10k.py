"""Seed 000, end to end: layouts/bizra-inference-10k.yaml on its simulated cluster. The
healthy cluster proves the deployment items; the progressive load proves the latency, token
and احسان gates and scales the HPA; a rolling update to the next version passes; a regressed
image fails the health check and raises the seed's three rollback triggers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.seeds.harness import seed_run

pytestmark = pytest.mark.kubectl

NS = "bizra-prod"
SERVICE = f"{NS}/bizra-inference"
NEXT = "ghcr.io/bizra/inference:2.0.1"
REGRESSED = "ghcr.io/bizra/inference:2.0.1-rc2"  # the scenario's regressed image


async def test_the_go_live_passes_its_gates_then_a_bad_image_raises_every_trigger(
    kubectl_binary: str, tmp_path: Path
) -> None:
    async with seed_run("bizra-inference-10k", kubectl_binary, tmp_path) as seed:
        # Phase 1 and 2 on the cluster as the scenario built it.
        await seed.until_all(
            ["cluster-ready", "device-plugin", "pods-running", "rolled-out", "health", "ready",
             "hpa-applied", "prometheus-deployed", "non-root", "monitoring-active"],
            "pass",
        )  # fmt: skip
        # Rollback readiness before the release: revision 1 is what an undo will return to.
        before = await seed.until("rollback-tested", "pass")
        assert str(before.evidence.value).startswith("revision 1 (ghcr.io/bizra/inference:2.0.0")
        # Pod failure recovery: a pod deleted, its replacement running within 30 s.
        await seed.until("pod-failure-recovery", "pending")
        victim = (
            await seed.kubectl.ok(
                "get", "pods", "-n", NS, "-l", "app=bizra-inference", "-o", "name"
            )
        ).split()[0]
        await seed.kubectl.ok("delete", victim, "-n", NS, "--wait=false")
        recovered = await seed.until("pod-failure-recovery", "pass", 90)
        assert "running" in recovered.reason and "after creation" in recovered.reason
        # 1,000 users: p95 < 1 s and >= 30 tokens/s held 5 minutes, احسان >= 80 %.
        seed.sim.set_users(SERVICE, 1000)
        await seed.until_all(["load-1000", "load-1000-tokens", "warmup-100"], "pass", 90)
        # The rolling update to the next version, by kubectl as the seed does it.
        await seed.kubectl.ok(
            "set", "image", "deployment/bizra-inference", f"inference-server={NEXT}", "-n", NS
        )
        await seed.until("rolled-out", lambda v: v.verdict == "pending")
        done = await seed.until("rolled-out", "pass", 120)
        assert done.evidence.value == 'deployment "bizra-inference" successfully rolled out'
        # Rollback readiness, during the release: the undo (dry-run) returns to the stable.
        ready = await seed.until(
            "rollback-tested", lambda v: str(v.evidence.value).startswith("undo returns"), 60
        )
        assert ready.verdict == "pass" and "to revision 1" in str(ready.evidence.value)
        assert "its preflight and dry run pass" in (ready.evidence.detail or "")
        # 5,000 users: the HPA scales to the 15-20 pods the seed expects.
        seed.sim.set_users(SERVICE, 5000)
        await seed.until("load-5000", "pass", 120)
        for trigger in ("error_rate_high", "latency_sustained", "ihsan_low"):
            await seed.until_trigger(trigger, raised=False)

        # The fault: a regressed image rolled out. Health answers degraded; the triggers fire.
        await seed.kubectl.ok(
            "set", "image", "deployment/bizra-inference", f"inference-server={REGRESSED}",
            "-n", NS,
        )  # fmt: skip
        await seed.until("rolled-out", "pass", 120)
        health = await seed.until("health", "fail", 90)
        assert "degraded" in (health.evidence.value or "") + health.reason
        await seed.until_trigger("error_rate_high", timeout=90)
        await seed.until_trigger("ihsan_low", timeout=90)
        await seed.until_trigger("latency_sustained", timeout=120)
        await seed.until("error-rate", "fail", 60)
