"""Rollback readiness against the sim over HTTP, with the real kubectl moving the Deployment:
before the release the revision running now is what a rollback will return to; during it the
undo kubectl would make, preflighted with its dry run, back to the stable image; and each way
it stops being ready — the patch denied, revisionHistoryLimit 0, the stable revision pruned
from the history, the key not armed — fails the item with one sentence saying why. The other
strategies' seed layouts are ready before their release."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.sim.conftest import Kubectl
from tests.waiting import until_value
from warroom.actions.rolling import Rolling
from warroom.actions.slow_roll import RELEASE_REPLICAS
from warroom.actions.strategies import rolling_back
from warroom.checklist.world import ProbeResult
from warroom.kube import Connection, connect
from warroom.layout import load_layout
from warroom.layout.checks import RollbackCheck
from warroom.live.readiness import KeyArmed, rollback_readiness
from warroom.sim.access import DenyRule
from warroom.sim.cluster import CONTEXT, SimCluster

pytestmark = pytest.mark.kubectl

ROOT = Path(__file__).resolve().parents[2]
NS = "gpu-platform"
API = "inference-api"
OLD = "registry.example.com/gpu-platform/api:1.4.0"
NEW = "registry.example.com/gpu-platform/api:1.4.1"
READY = RollbackCheck(target=API, image=OLD)


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("gpu-inference-platform", speed=20) as cluster:
        yield cluster


async def release(kubectl: Kubectl, image: str) -> None:
    await kubectl.ok("set", "image", f"deployment/{API}", f"api={image}", "-n", NS)
    await kubectl.ok("rollout", "status", f"deployment/{API}", "-n", NS, "--timeout=60s")


async def judged(conn: Connection, sim: SimCluster, *, key_armed: KeyArmed = None) -> ProbeResult:
    return await rollback_readiness(
        conn, Rolling(NS, API, "api"), READY, taken=sim.clock.now(), key_armed=key_armed
    )


async def test_before_and_during_the_release_the_rollback_returns_to_the_stable(
    sim: SimCluster, conn: Connection, kubectl: Kubectl
) -> None:
    before = await judged(conn, sim)
    assert (before.verdict, before.reason) == ("pass", "ready")
    assert before.value == (
        f"revision 1 ({OLD}) is what an undo of the next release returns to "
        "(revisionHistoryLimit 10 keeps it)"
    )
    assert before.detail is not None and before.detail.endswith("its permissions are granted")

    await release(kubectl, NEW)
    during = await judged(conn, sim, key_armed=lambda: "")
    assert (during.verdict, during.reason) == ("pass", "ready"), during.detail
    assert during.value == (
        f"undo returns deployment {API} from revision 2 to revision 1 ({OLD}), within "
        "revisionHistoryLimit 10"
    )
    assert during.detail is not None
    assert during.detail.endswith("its preflight and dry run pass; the rollback key is armed")
    # A dry run changes nothing: the release still runs.
    image = "jsonpath={.spec.template.spec.containers[0].image}"
    assert await kubectl.ok("get", "deployment", API, "-n", NS, "-o", image) == NEW

    why = "the rollback key is not armed: --read-only"
    unarmed = await judged(conn, sim, key_armed=lambda: why)
    assert (unarmed.verdict, unarmed.reason, unarmed.detail) == ("fail", "key not armed", why)


async def test_a_denied_patch_fails_it_naming_the_permission(
    sim: SimCluster, conn: Connection, kubectl: Kubectl
) -> None:
    rule = DenyRule(verbs=("patch",), groups=("apps",), resources=("deployments",))
    for side in ("before", "during"):  # asked alone before the release; preflighted during
        sim.access.deny(rule)
        denied = await judged(conn, sim)
        assert (denied.verdict, denied.reason) == ("fail", "not permitted"), side
        assert denied.detail is not None
        wanted = f'context "{CONTEXT}" may not patch deployments.apps'
        assert wanted in denied.detail, (side, denied.detail)
        sim.access.clear()
        await release(kubectl, NEW)


async def test_no_kept_history_or_the_stable_pruned_from_it_fails_it(
    sim: SimCluster, conn: Connection, kubectl: Kubectl
) -> None:
    await kubectl.ok("patch", "deployment", API, "-n", NS, "--type=merge",
                     "-p", '{"spec":{"revisionHistoryLimit":0}}')  # fmt: skip
    none_kept = await judged(conn, sim)
    assert (none_kept.verdict, none_kept.reason) == ("fail", "cannot roll back")
    assert none_kept.detail == (
        f"deployment {API} has revisionHistoryLimit 0: its old ReplicaSets are deleted, so "
        "there is no revision to undo to; set it to 2 or more"
    )
    # One kept: two releases later the stable's ReplicaSet is gone from the history.
    await kubectl.ok("patch", "deployment", API, "-n", NS, "--type=merge",
                     "-p", '{"spec":{"revisionHistoryLimit":1}}')  # fmt: skip
    await release(kubectl, NEW)
    await release(kubectl, NEW.replace("1.4.1", "1.4.2"))
    history = await kubectl.ok("rollout", "history", f"deployment/{API}", "-n", NS)
    kept = [line.split()[0] for line in history.splitlines()[2:] if line.strip()]
    assert kept == ["2", "3"]  # kubectl's own word: revision 1 is pruned
    pruned = await judged(conn, sim)
    assert (pruned.verdict, pruned.reason) == ("fail", "returns elsewhere")
    assert pruned.detail == (
        f"the rollback returns to {NEW}, not {OLD}: the layout's stable image is gone from what "
        "it can return to"
    )


# Each seed's release begun by kubectl, as its runbook does: the new slow-roll Deployment
# given its first pod (with the release's size warroom keeps), the canary weight at 20 %, a
# new image for Flagger to analyse.
BEGIN = {
    "hsc-jit-slow-roll": [
        ["annotate", "deployment", "hsc-jit-backend-new", f"{RELEASE_REPLICAS}=3"],
        ["scale", "deployment", "hsc-jit-backend-new", "--replicas=1"],
    ],
    "sap-llm-blue-green": [
        ["annotate", "ingress", "sap-llm-api-canary", "--overwrite",
         "nginx.ingress.kubernetes.io/canary-weight=20"],
    ],
    "node0-canary": [["set", "image", "deployment/node0", "node0=ghcr.io/bizra/node0:v2.1.0"]],
}  # fmt: skip


@pytest.mark.parametrize(
    ("layout", "says"),
    [
        ("hsc-jit-slow-roll", "rollback returns to deployment hsc-jit-backend ("),
        ("sap-llm-blue-green", "rollback returns every request to blue ("),
        ("node0-canary", "rollback returns all traffic to node0-primary ("),
    ],
)
async def test_each_strategy_is_ready_before_and_during_its_release(
    layout: str, says: str, tmp_path: Path
) -> None:
    loaded = load_layout(ROOT / "layouts" / f"{layout}.yaml")
    assert loaded.simulation is not None
    target = next(t for t in loaded.targets if t.strategy != "rolling")
    strategy = rolling_back(target)
    async with (
        SimCluster(loaded.simulation.scenario, speed=20) as sim,
        await connect(sim.kubeconfig, CONTEXT) as conn,
    ):
        check = RollbackCheck(target=target.name)
        before = await rollback_readiness(conn, strategy, check, taken=0.0)
        assert (before.verdict, before.reason) == ("pass", "ready"), before.detail
        assert before.value is not None and before.value.startswith(says), before.value
        assert (before.detail or "").endswith("its permissions are granted")

        kubectl = Kubectl(require_tool("kubectl"), sim.kubeconfig, tmp_path / "kube-cache")
        for args in BEGIN[layout]:
            await kubectl.ok(*args, "-n", target.namespace)
        during = await until_value(
            lambda: rollback_readiness(conn, strategy, check, taken=0.0),
            lambda r: r.detail != before.detail,
            timeout=60,
            what="the release under way",
        )
    assert (during.verdict, during.reason) == ("pass", "ready"), during.detail
    assert during.value is not None and during.value.startswith(says), during.value
    proved = (
        "its permissions are granted (its gate call cannot be dry-run)"
        if layout == "node0-canary"
        else "its preflight and dry run pass"
    )
    assert (during.detail or "").endswith(proved), during.detail
