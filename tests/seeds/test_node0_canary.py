"""Seed 003, end to end: layouts/node0-canary.yaml on its simulated cluster. The cluster as the
scenario builds it proves the prerequisites and the Canary's configuration; Kyverno refuses the
seed's unsigned test image; a new image on node0 takes Flagger's canary 10 → 50 → 100 % with
the stage items passing, and the confirm-promotion gate opened through the Service proxy
promotes it to node0-primary; then the scenario's regressed release candidate breaches the
canary's SLOs, the seed's rollback triggers fire and Flagger rolls it back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.seeds.harness import SeedRun, seed_run
from tests.waiting import until_value

pytestmark = pytest.mark.kubectl

NS = "bizra-production"
IMAGE = "ghcr.io/bizra/node0"
RELEASE = f"{IMAGE}:v2.1.0"
REGRESSED = f"{IMAGE}:v2.1.0-rc1"  # the scenario's regression: slower, cold cache, bad JSON
SLO_SOAKS = ["soak-stage1", "soak-stage2", "soak-stage3"]


async def set_image(seed: SeedRun, image: str) -> None:
    """A release as the seed's stage manifests make one: a new image on the canary's target."""
    await seed.kubectl.ok("set", "image", "deployment/node0", f"node0={image}", "-n", NS)


async def canary_phase(seed: SeedRun) -> str:
    return await seed.kubectl.ok(
        "get", "canary", "node0-canary", "-n", NS, "-o", "jsonpath={.status.phase}"
    )


async def open_promotion_gate(seed: SeedRun, tmp_path: Path) -> None:
    """The seed's go-ahead after Stage 3: flagger-loadtester's gate, through the Service proxy."""
    body = tmp_path / "gate.json"
    body.write_text(json.dumps({"name": "node0-canary", "namespace": NS}), encoding="utf-8")
    path = "/api/v1/namespaces/flagger-system/services/flagger-loadtester:80/proxy/gate/open"
    await seed.kubectl.ok("create", "--raw", path, "-f", str(body))


async def test_the_canary_passes_its_stages_then_a_regressed_image_is_rolled_back(
    kubectl_binary: str, tmp_path: Path
) -> None:
    async with seed_run("node0-canary", kubectl_binary, tmp_path) as seed:
        # The cluster and the Canary as the scenario built them.
        await seed.until_all(
            ["hpa-manifest", "stage1-manifest", "stage2-manifest", "stage3-manifest",
             "slo-threshold-cb-p99", "slo-threshold-errors", "slo-threshold-cache",
             "slo-threshold-planner", "auto-rollback-threshold", "auto-rollback-interval",
             "namespace-production", "namespace-flagger", "namespace-monitoring",
             "tools-flagger", "tools-prometheus", "tools-kyverno", "pods-running", "health-200",
             "api-operational", "metrics-flowing", "no-rollback-stage1", "network-policy-applied"],
            "pass",
        )  # fmt: skip
        # The rehearsal's HPA scales on CPU, not the seed's custom metric: said, not hidden.
        hpa = await seed.until("hpa-custom-metric", "fail")
        assert "not set" in hpa.reason
        # No canary runs yet: its SLOs are not measured, so nothing is passed on them.
        await seed.until("soak-stage1", "unknown")

        # Phase 2's admission test, run as the operator runs a command: approved, then run.
        for item in ("unsigned-image-blocked", "kyverno-enforcing"):
            seed.run.approve(item)
            seed.run.run_now(item)
        refused = await seed.until("unsigned-image-blocked", "pass", 30)
        assert 'admission webhook "mutate.kyverno.svc-fail" denied the request' in (
            refused.evidence.detail or ""
        )
        await seed.until("kyverno-enforcing", "pass", 30)

        # Stage 1 → 3: the release takes 10 %, 50 %, then 100 % of the traffic.
        await set_image(seed, RELEASE)
        await seed.until_all(["canary-deployed", "routing-10", "pods-ready-stage1"], "pass", 60)
        await seed.until_all(["routing-50", "routing-100"], "pass", 60)
        # The canary's SLOs are green, so the seed's soaks are counting (60 to 360 minutes of
        # cluster time: longer than a test waits).
        for soak in SLO_SOAKS:
            soaking = await seed.until(soak, "pending", 30)
            assert soaking.reason.startswith("soaking"), soaking.reason
        for trigger in ("cb_p99_breach", "cb_errors_breach", "cache_breach", "planner_breach"):
            await seed.until_trigger(trigger, raised=False)
        await until_value(
            lambda: canary_phase(seed),
            lambda phase: phase == "WaitingPromotion",
            timeout=60,
            what="the canary held at the confirm-promotion gate",
        )
        assert (await seed.until("traffic-on-v2-1-0", "fail")).evidence.value != RELEASE

        # The promotion gate opens: Flagger copies the canary's spec to the primary.
        await open_promotion_gate(seed, tmp_path)
        await seed.until_all(["traffic-on-v2-1-0", "old-version-scaled-down", "no-breach"],
                             "pass", 60)  # fmt: skip
        await seed.until_all(["pods-running", "health-200", "no-rollback-stage3"], "pass", 60)
        image = await seed.kubectl.ok(
            "get", "pods", "-n", NS, "-l", "app=node0-primary",
            "-o", "jsonpath={.items[*].spec.containers[0].image}",
        )  # fmt: skip
        assert set(image.split()) == {RELEASE}

        # The fault: the regressed candidate. Its canary breaches the SLOs from 10 %: the
        # soaks fail, then, the breach sustained 5 minutes, the seed's triggers fire.
        await set_image(seed, REGRESSED)
        for soak in SLO_SOAKS:
            breaching = await seed.until(soak, "fail", 60)
            assert "breaching" in breaching.reason, breaching.reason
        cache = await seed.until_trigger("cache_breach", timeout=60)
        assert cache.startswith("Cache L1 hit (canary)"), cache
        for trigger in ("planner_breach", "cb_errors_breach", "cb_p99_breach"):
            await seed.until_trigger(trigger, timeout=30)
        # Flagger rolls back after 5 failed checks; production keeps v2.1.0.
        await seed.until_all(["no-rollback-stage1", "no-rollback-stage2"], "fail", 60)
        assert await canary_phase(seed) == "Failed"
        await seed.until("traffic-on-v2-1-0", "pass")
        await seed.until("health-200", "pass")
