"""The sim's Flagger on the node0-canary scenario (seed 003), driven with the real kubectl.

Expected words, phases and weights are Flagger's (pkg/controller/scheduler.go,
scheduler_hooks.go, pkg/canary/status.go); the cases follow scheduler_deployment_test.go:
initialisation, a new revision advancing step by step to promotion, failed checks rolling
back at the threshold, the promotion gate and the rollback gate of the loadtester.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.sim.conftest import Kubectl
from warroom.sim.cluster import SimCluster

NS = "bizra-production"
INTERVAL = 60.0


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("node0-canary", manual_clock=True) as cluster:
        yield cluster


@pytest.fixture
def kubectl(kubectl_binary: str, sim: SimCluster, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary, sim.kubeconfig, tmp_path / "kube-cache")


async def tick(sim: SimCluster, seconds: float = INTERVAL) -> None:
    """Cluster time passes with Prometheus scraping along, as it would in real time."""
    for _ in range(int(seconds // 10)):
        await sim.advance(10)
        sim.scrape_now()


async def canary(kubectl: Kubectl) -> dict:
    return json.loads(await kubectl.ok("get", "canary", "node0-canary", "-n", NS, "-o", "json"))


async def phase_after_ticks(sim: SimCluster, kubectl: Kubectl, want: str, ticks: int) -> dict:
    """Let up to `ticks` analysis intervals pass until the canary's phase is `want`."""
    for _ in range(ticks):
        cd = await canary(kubectl)
        if cd.get("status", {}).get("phase") == want:
            return cd
        await tick(sim)
    cd = await canary(kubectl)
    assert cd["status"]["phase"] == want, (cd["status"], await events(kubectl))
    return cd


def promoted(cd: dict) -> tuple[str, str, str, str]:
    """The canary's Promoted condition: type, status, reason, message."""
    (condition,) = cd["status"]["conditions"]
    return condition["type"], condition["status"], condition["reason"], condition["message"]


async def events(kubectl: Kubectl) -> list[str]:
    out = await kubectl.ok(
        "get",
        "events",
        "-n",
        NS,
        "--field-selector",
        "involvedObject.kind=Canary,involvedObject.name=node0-canary",
        "--sort-by=.lastTimestamp",
        "-o",
        "jsonpath={range .items[*]}{.message}{'\\n'}{end}",
    )
    return out.splitlines()


async def image_of(kubectl: Kubectl, name: str) -> str:
    return await kubectl.ok(
        "get",
        "deployment",
        name,
        "-n",
        NS,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    )


async def replicas_of(kubectl: Kubectl, name: str) -> str:
    return await kubectl.ok("get", "deployment", name, "-n", NS, "-o", "jsonpath={.spec.replicas}")


async def last_stable(kubectl: Kubectl) -> str:
    """What the seed's rollback reads: node0's flagger.app/last-stable-revision."""
    return await kubectl.ok(
        "get",
        "deployment",
        "node0",
        "-n",
        NS,
        "-o",
        "jsonpath={.metadata.annotations.flagger\\.app/last-stable-revision}",
    )


async def release(kubectl: Kubectl, tag: str) -> None:
    """A new revision of the target, as the seed's stage manifests roll one out."""
    await kubectl.ok(
        "set", "image", "deployment/node0", f"node0=ghcr.io/bizra/node0:{tag}", "-n", NS
    )


async def patch_canary(kubectl: Kubectl, operations: str) -> None:
    """A JSON patch of the canary's spec, as an operator would send it."""
    await kubectl.ok(
        "patch", "canary", "node0-canary", "-n", NS, "--type", "json", "-p", operations
    )


async def gate(kubectl: Kubectl, service: str, action: str) -> str:
    """POST to the loadtester through the API server's Service proxy, as curl -d would."""
    body = json.dumps({"name": "node0-canary", "namespace": NS})
    path = f"/api/v1/namespaces/flagger-system/services/{service}:80/proxy/{action}"
    return await kubectl.ok("create", "--raw", path, "-f", _body_file(kubectl, body))


def _body_file(kubectl: Kubectl, body: str) -> str:
    path = kubectl.cache_dir.parent / "gate.json"
    path.write_text(body, encoding="utf-8")
    return str(path)


async def test_canary_initialises(sim: SimCluster, kubectl: Kubectl) -> None:
    cd = await canary(kubectl)
    assert cd["status"]["phase"] == "Initialized"
    assert cd["status"]["canaryWeight"] == 0
    assert cd["status"]["lastAppliedSpec"] == cd["status"]["lastPromotedSpec"]
    assert promoted(cd) == (
        "Promoted",
        "True",
        "Initialized",
        "Deployment initialization completed.",
    )
    assert await replicas_of(kubectl, "node0") == "0"
    assert await image_of(kubectl, "node0-primary") == "ghcr.io/bizra/node0:v2.0.0"
    services = await kubectl.ok(
        "get",
        "svc",
        "-n",
        NS,
        "-o",
        "jsonpath={range .items[*]}{.metadata.name}={.spec.selector.app} {end}",
    )
    assert set(services.split()) >= {
        "node0=node0-primary",
        "node0-canary=node0",
        "node0-primary=node0-primary",
    }
    weight = await kubectl.ok(
        "get",
        "ingress",
        "node0-canary",
        "-n",
        NS,
        "-o",
        "jsonpath={.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io/canary-weight}",
    )
    assert weight == "0"
    seen = await events(kubectl)
    assert seen.index("all the metrics providers are available!") < seen.index(
        f"Initialization done! node0-canary.{NS}"
    )
    assert await kubectl.ok("get", "hpa", "node0-hpa-circuit-breaker-primary", "-n", NS)
    # The apex Service reaches the primary's pods: the seed's health check answers.
    health = await kubectl.ok(
        "get", "--raw", f"/api/v1/namespaces/{NS}/services/node0:80/proxy/health"
    )
    assert health == '{"status":"healthy"}'


async def test_kubectl_get_canary_prints_flaggers_columns(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    out = await kubectl.ok("get", "canaries", "-n", NS)
    header, row = out.splitlines()
    assert header.split() == ["NAME", "STATUS", "WEIGHT", "LASTTRANSITIONTIME"]
    assert row.split()[:3] == ["node0-canary", "Initialized", "0"]
    wide = (await kubectl.ok("get", "canary", "-n", NS, "-o", "wide")).splitlines()[0]
    assert wide.split() == [
        "NAME",
        "STATUS",
        "WEIGHT",
        "SUSPENDED",
        "FAILEDCHECKS",
        "INTERVAL",
        "MIRROR",
        "STEPWEIGHT",
        "STEPWEIGHTS",
        "MAXWEIGHT",
        "LASTTRANSITIONTIME",
    ]


async def test_new_image_progresses_to_promotion_through_the_gate(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    await release(kubectl, "v2.1.0")
    cd = await phase_after_ticks(sim, kubectl, "Progressing", 2)
    weights = []
    for _ in range(6):
        await tick(sim)
        cd = await canary(kubectl)
        weights.append(cd["status"]["canaryWeight"])
        if cd["status"]["phase"] == "WaitingPromotion":
            break
    assert [w for w in weights if w][:3] == [10, 50, 100], (weights, await events(kubectl))
    assert cd["status"]["phase"] == "WaitingPromotion"
    seen = await events(kubectl)
    assert f"New revision detected! Scaling up node0.{NS}" in seen
    assert f"Starting canary analysis for node0.{NS}" in seen
    for weight in (10, 50, 100):
        assert f"Advance node0-canary.{NS} canary weight {weight}" in seen
    assert (
        f"Halt node0-canary.{NS} advancement waiting for promotion approval promotion-gate" in seen
    )
    # Held at the last step while the gate is closed.
    await tick(sim, 2 * INTERVAL)
    assert (await canary(kubectl))["status"]["phase"] == "WaitingPromotion"
    assert await image_of(kubectl, "node0-primary") == "ghcr.io/bizra/node0:v2.0.0"

    await gate(kubectl, "flagger-loadtester", "gate/open")
    cd = await phase_after_ticks(sim, kubectl, "Succeeded", 8)
    assert await image_of(kubectl, "node0-primary") == "ghcr.io/bizra/node0:v2.1.0"
    assert await replicas_of(kubectl, "node0") == "0"
    assert cd["status"]["canaryWeight"] == 0
    assert cd["status"]["lastPromotedSpec"] == cd["status"]["lastAppliedSpec"]
    assert promoted(cd) == (
        "Promoted",
        "True",
        "Succeeded",
        "Canary analysis completed successfully, promotion finished.",
    )
    seen = await events(kubectl)
    assert "Confirm-promotion check promotion-gate passed" in seen
    assert f"Copying node0.{NS} template spec to node0-primary.{NS}" in seen
    assert "Routing all traffic to primary" in seen
    assert f"Promotion completed! Scaling down node0.{NS}" in seen
    stable = await last_stable(kubectl)
    assert stable.startswith("sha256:")


async def test_regressed_image_fails_its_checks_and_rolls_back(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    await release(kubectl, "v2.1.0-rc1")
    cd = await phase_after_ticks(sim, kubectl, "Failed", 14)
    seen = await events(kubectl)
    assert f"Advance node0-canary.{NS} canary weight 10" in seen
    assert f"Advance node0-canary.{NS} canary weight 50" not in seen
    assert any(e.startswith(f"Halt node0-canary.{NS} advancement") for e in seen), seen
    assert f"Rolling back node0-canary.{NS} failed checks threshold reached 5" in seen
    assert f"Canary failed! Scaling down node0-canary.{NS}" in seen
    assert cd["status"]["canaryWeight"] == 0
    assert promoted(cd) == (
        "Promoted",
        "False",
        "Failed",
        "Canary analysis failed, Deployment scaled to zero.",
    )
    assert await replicas_of(kubectl, "node0") == "0"
    assert await image_of(kubectl, "node0-primary") == "ghcr.io/bizra/node0:v2.0.0"


async def test_opening_the_rollback_gate_rolls_back(sim: SimCluster, kubectl: Kubectl) -> None:
    await release(kubectl, "v2.1.0")
    await phase_after_ticks(sim, kubectl, "Progressing", 2)
    await tick(sim, 2 * INTERVAL)
    assert (await canary(kubectl))["status"]["canaryWeight"] > 0
    await gate(kubectl, "flagger-rollback", "rollback/open")
    cd = await phase_after_ticks(sim, kubectl, "Failed", 2)
    seen = await events(kubectl)
    assert "Rollback check rollback-gate passed" in seen
    assert f"Rolling back node0-canary.{NS} manual webhook invoked" in seen
    assert cd["status"]["canaryWeight"] == 0
    assert await image_of(kubectl, "node0-primary") == "ghcr.io/bizra/node0:v2.0.0"


async def test_loadtester_gate_api_answers_as_flaggers(sim: SimCluster, kubectl: Kubectl) -> None:
    base = "/api/v1/namespaces/flagger-system/services/flagger-loadtester:80/proxy"
    body = _body_file(kubectl, json.dumps({"name": "podinfo", "namespace": "test"}))
    closed = await kubectl("create", "--raw", f"{base}/gate/check", "-f", body)
    assert closed.returncode != 0 and "Forbidden" in closed.stderr
    assert await kubectl.ok("create", "--raw", f"{base}/gate/open", "-f", body) == ""
    assert await kubectl.ok("create", "--raw", f"{base}/gate/check", "-f", body) == "Approved"
    # The rollback gate is keyed apart ("rollback.name.namespace"): promotion approves no
    # rollback, and a rollback opened leaves the promotion gate as it was.
    refused = await kubectl("create", "--raw", f"{base}/rollback/check", "-f", body)
    assert refused.returncode != 0 and "Forbidden" in refused.stderr
    await kubectl.ok("create", "--raw", f"{base}/gate/close", "-f", body)
    assert await kubectl.ok("create", "--raw", f"{base}/rollback/open", "-f", body) == ""
    assert await kubectl.ok("create", "--raw", f"{base}/rollback/check", "-f", body) == "Approved"
    closed = await kubectl("create", "--raw", f"{base}/gate/check", "-f", body)
    assert closed.returncode != 0
    assert await kubectl.ok("get", "--raw", f"{base}/gate/approve") == "OK"


async def test_unsigned_image_is_refused_with_kyvernos_words(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    result = await kubectl("run", "test-unsigned", "--image=nginx:latest", "-n", NS)
    assert result.returncode != 0
    assert result.stderr == (
        'Error from server: admission webhook "mutate.kyverno.svc-fail" denied the request: '
        "\n\nresource Pod/bizra-production/test-unsigned was blocked due to the following "
        "policies \n\nrequire-signed-images:\n  verify-signature: 'failed to verify image "
        "docker.io/nginx:latest: .attestors[0].entries[0].keys: no signatures found'\n"
    )
    manifest = kubectl.cache_dir.parent / "unsigned.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: node0-unsigned, namespace: "
        f"{NS}}}\nspec:\n  selector: {{matchLabels: {{app: x}}}}\n  template:\n    metadata: "
        "{labels: {app: x}}\n    spec:\n      containers:\n      - name: node0\n        image: "
        "ghcr.io/bizra/node0:v2.1.0-unsigned\n",
        encoding="utf-8",
    )
    applied = await kubectl("apply", "--validate=false", "-f", str(manifest))
    assert applied.returncode != 0
    assert applied.stderr.startswith(
        f'Error from server: error when creating "{manifest}": admission webhook '
        '"mutate.kyverno.svc-fail" denied the request: \n\nresource '
        "Deployment/bizra-production/node0-unsigned was blocked"
    ), applied.stderr
    assert "autogen-verify-signature: 'failed to verify image ghcr.io/bizra/node0:v2.1.0-" in (
        applied.stderr
    )
    policies = (await kubectl.ok("get", "cpol")).splitlines()
    assert policies[0].split() == ["NAME", "ADMISSION", "BACKGROUND", "READY", "AGE", "MESSAGE"]
    assert policies[1].split()[:4] == ["require-signed-images", "true", "false", "True"]
    assert policies[1].split()[-1] == "Ready"
    # Signed images and other namespaces are admitted.
    await kubectl.ok("run", "signed", "--image=ghcr.io/bizra/node0:v2.1.0", "-n", NS)
    await kubectl.ok("run", "elsewhere", "--image=nginx:latest", "-n", "monitoring")


async def test_new_revision_during_analysis_restarts_it(sim: SimCluster, kubectl: Kubectl) -> None:
    # scheduler_deployment_test.go TestScheduler_DeploymentNewRevisionReset
    await release(kubectl, "v2.1.0")
    await phase_after_ticks(sim, kubectl, "Progressing", 2)
    await tick(sim)
    assert (await canary(kubectl))["status"]["canaryWeight"] > 0
    await release(kubectl, "v2.1.0-rc1")
    await tick(sim)
    cd = await canary(kubectl)
    assert (cd["status"]["phase"], cd["status"]["canaryWeight"]) == ("Progressing", 0)
    assert f"New revision detected! Restarting analysis for node0.{NS}" in await events(kubectl)


async def test_seed_rollback_by_last_stable_digest_is_admitted(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    # The seed's runbook: LAST_GOOD from flagger.app/last-stable-revision, set by digest.
    digest = await last_stable(kubectl)
    await kubectl.ok(
        "set", "image", "deployment/node0", f"node0=ghcr.io/bizra/node0@{digest}", "-n", NS
    )
    running = await kubectl.ok(
        "get",
        "pods",
        "-n",
        NS,
        "-l",
        "app=node0-primary",
        "-o",
        "jsonpath={.items[0].status.containerStatuses[0].imageID}",
    )
    assert running == f"ghcr.io/bizra/node0@{digest}"


async def test_pods_a_controller_makes_are_refused_too(sim: SimCluster, kubectl: Kubectl) -> None:
    manifest = kubectl.cache_dir.parent / "policy.yaml"
    manifest.write_text(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: monitoring-signed}\n"
        "spec:\n  validationFailureAction: Enforce\n  rules:\n  - name: check-image\n"
        "    match: {any: [{resources: {kinds: [Pod], namespaces: [monitoring]}}]}\n"
        "    verifyImages: [{imageReferences: ['quay.io/*']}]\n",
        encoding="utf-8",
    )
    await kubectl.ok("apply", "--validate=false", "-f", str(manifest))
    # The Deployment's images are unchanged, so scaling it is admitted; its new pod is not.
    await kubectl.ok("scale", "deployment/prometheus", "--replicas=2", "-n", "monitoring")
    await sim.advance(5)
    failed = await kubectl.ok(
        "get",
        "events",
        "-n",
        "monitoring",
        "--field-selector",
        "reason=FailedCreate",
        "-o",
        "jsonpath={.items[0].message}",
    )
    assert failed.startswith(
        'Error creating: admission webhook "mutate.kyverno.svc-fail" denied the request: \n\n'
        "resource Pod/monitoring/ was blocked due to the following policies \n\n"
        "monitoring-signed:\n  check-image: 'failed to verify image "
        "quay.io/prometheus/prometheus:v2.54.1: .attestors[0].entries[0].keys: no signatures"
    ), failed


async def test_builtin_nginx_metric_and_a_prometheus_outage_halt_advancement(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    # The builtin request-success-rate reads ingress-nginx's own metrics, which the sim's
    # load model does not emit: Flagger finds no values, as it would without them.
    await patch_canary(
        kubectl,
        '[{"op":"add","path":"/spec/analysis/metrics/-","value":'
        '{"name":"request-success-rate","thresholdRange":{"min":99},"interval":"1m"}}]',
    )
    await release(kubectl, "v2.1.0")
    await phase_after_ticks(sim, kubectl, "Progressing", 2)
    await tick(sim, 3 * INTERVAL)
    seen = await events(kubectl)
    assert (
        "Halt advancement no values found for nginx metric request-success-rate probably "
        f"node0.{NS} is not receiving traffic: running query failed: no values found"
    ) in seen
    sim.prometheus_outage(True)
    await tick(sim)
    # Builtin metrics are checked before the templates (runBuiltinMetricChecks first).
    assert any(
        e.startswith("Prometheus query failed: running query failed: error response: Status 503")
        for e in await events(kubectl)
    ), await events(kubectl)
    assert (await canary(kubectl))["status"]["failedChecks"] >= 2


async def test_blue_green_counts_iterations_then_routes_all_traffic_to_the_canary(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    # scheduler_deployment_test.go TestScheduler_DeploymentBlueGreen. The canary gets no
    # traffic before the switch (Flagger's docs drive it with the loadtester), so no metrics.
    await patch_canary(
        kubectl,
        '[{"op":"remove","path":"/spec/analysis/stepWeights"},'
        '{"op":"remove","path":"/spec/analysis/metrics"},'
        '{"op":"add","path":"/spec/analysis/iterations","value":2}]',
    )
    await gate(kubectl, "flagger-loadtester", "gate/open")
    await release(kubectl, "v2.1.0")
    await phase_after_ticks(sim, kubectl, "Succeeded", 12)
    seen = await events(kubectl)
    for step in (1, 2):
        assert f"Advance node0-canary.{NS} canary iteration {step}/2" in seen
    assert seen.index("Routing all traffic to canary") < seen.index(
        f"Copying node0.{NS} template spec to node0-primary.{NS}"
    )
    assert await image_of(kubectl, "node0-primary") == "ghcr.io/bizra/node0:v2.1.0"


async def test_a_closed_confirm_rollout_gate_waits_before_scaling_up(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    # scheduler_deployment_test.go TestScheduler_DeploymentConfirmRollout (manual gating)
    await patch_canary(
        kubectl,
        '[{"op":"add","path":"/spec/analysis/webhooks/-","value":{"name":"rollout-gate",'
        '"type":"confirm-rollout","url":"http://flagger-loadtester.flagger-system/gate/check"}}]',
    )
    await release(kubectl, "v2.1.0")
    cd = await phase_after_ticks(sim, kubectl, "Waiting", 2)
    assert promoted(cd)[1:] == ("Unknown", "Waiting", "Waiting for approval.")
    assert await replicas_of(kubectl, "node0") == "0"
    assert f"Halt node0-canary.{NS} advancement waiting for approval rollout-gate" in (
        await events(kubectl)
    )
    await gate(kubectl, "flagger-loadtester", "gate/open")
    await phase_after_ticks(sim, kubectl, "Progressing", 2)
    assert "Confirm-rollout check rollout-gate passed" in await events(kubectl)
    assert await replicas_of(kubectl, "node0") == "3"


async def test_skip_analysis_promotes_at_once_without_the_gate(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    # scheduler_deployment_test.go TestScheduler_DeploymentSkipAnalysis: a new revision of a
    # canary with skipAnalysis is promoted on the run after it is detected, gate closed.
    await patch_canary(kubectl, '[{"op":"add","path":"/spec/skipAnalysis","value":true}]')
    await release(kubectl, "v2.1.0")
    cd = await phase_after_ticks(sim, kubectl, "Succeeded", 4)
    assert cd["spec"]["skipAnalysis"] is True and cd["status"]["canaryWeight"] == 0
    seen = await events(kubectl)
    assert f"Promotion completed! Canary analysis was skipped for node0.{NS}" in seen
    assert not any("canary weight" in e for e in seen)
    assert await image_of(kubectl, "node0-primary") == "ghcr.io/bizra/node0:v2.1.0"
    assert await replicas_of(kubectl, "node0") == "0"


async def test_with_flagger_down_the_canary_stands_still_until_it_is_back(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    await release(kubectl, "v2.1.0")
    await phase_after_ticks(sim, kubectl, "Progressing", 2)
    await kubectl.ok("scale", "deployment/flagger", "--replicas=0", "-n", "flagger-system")
    await tick(sim, 20)  # the pod terminates
    held = (await canary(kubectl))["status"]
    await tick(sim, 3 * INTERVAL)
    assert (await canary(kubectl))["status"] == held
    await kubectl.ok("scale", "deployment/flagger", "--replicas=1", "-n", "flagger-system")
    await tick(sim, 2 * INTERVAL)
    now = (await canary(kubectl))["status"]
    assert now["lastTransitionTime"] != held["lastTransitionTime"]
