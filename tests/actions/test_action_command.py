"""`warroom action` as an engineer runs it, a real process against the sim: the preview, the
dry run that changes nothing, the typed name a production rollback needs, the exit codes, an
RBAC denial, and the session's journal holding what was done."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.sim.conftest import Kubectl
from warroom.actions.lease import PairingLock, Target
from warroom.journal import open_journal, readable_records, session_path
from warroom.kube import connect
from warroom.sim.access import DenyRule
from warroom.sim.cluster import CONTEXT, SimCluster

pytestmark = pytest.mark.kubectl

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = str(ROOT / "layouts" / "gpu-inference-platform.yaml")
NS = "gpu-platform"
API = "inference-api"
NEW = "registry.example.com/gpu-platform/api:1.4.1"


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("gpu-inference-platform", speed=20) as cluster:
        yield cluster


async def warroom(sim: SimCluster, *args: str, stdin: str = "") -> tuple[int, str]:
    """`warroom action LAYOUT …` with the sim's kubeconfig; (exit code, what it printed)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "warroom", "action", LAYOUT, *args,
        "--kubeconfig", str(sim.kubeconfig), "--context", CONTEXT,
        "--session", "night", "--operator", "ana",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=dict(os.environ), cwd=ROOT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(stdin.encode()), 120)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def image(kubectl: Kubectl) -> str:
    return await kubectl.ok(
        "get", "deployment", API, "-n", NS, "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    )  # fmt: skip


async def test_an_engineer_rolls_out_dry_runs_and_rolls_back_with_the_name_typed(
    sim: SimCluster, tmp_path: Path
) -> None:
    kubectl = Kubectl(require_tool("kubectl"), sim.kubeconfig, tmp_path / "kube-cache")
    code, out = await warroom(sim, "set-image", API, "--image", NEW, "--yes")
    assert code == 0, out
    assert f"roll deployment {NS}/{API} from registry.example.com/gpu-platform/api:1.4.0" in out
    assert "inference-api: set-image done; the rollout completes" in out
    assert await image(kubectl) == NEW

    # Where it stands, in the strategy's words; nothing changes and nothing is journalled.
    code, out = await warroom(sim, "status", API)
    assert code == 0, out
    assert out.splitlines()[0] == f"Deployment {NS}/{API} (rolling)", out
    lines = out.splitlines()
    assert lines[1].startswith("  rolled out: revision 2: ") and lines[1].endswith(f"({NEW})"), out
    assert lines[2] == "  next: nothing until the next change", out

    code, out = await warroom(sim, "undo", API, "--dry-run")
    assert code == 0, out
    assert "the dry run says: deployment inference-api will run " in out
    assert "dry run: the server accepted every call; nothing was changed" in out
    assert await image(kubectl) == NEW

    # The layout marks the context production: a rollback waits for its name, typed.
    code, out = await warroom(sim, "undo", API, stdin="inference\n")
    assert code == 1, out
    assert out.rstrip().endswith(f"needs its name typed to confirm: type {API}")
    assert await image(kubectl) == NEW
    code, out = await warroom(sim, "undo", API, "--confirm", API)
    assert code == 0, out
    assert await image(kubectl) == "registry.example.com/gpu-platform/api:1.4.0"

    code, out = await warroom(sim, "scale", API, "--replicas", "3", "--yes")
    assert (code, out.strip()) == (0, "deployment inference-api already has 3 replicas")

    journal = open_journal(session_path("night"), "ana", clock=sim.clock.now)
    kinds = [r.kind for r in journal.records]
    assert kinds == ["action_started", "action_call", "action_done"] * 2 + ["action_skipped"]
    assert {r.operator for r in journal.records} == {"ana"}

    # The go-live record tells it in words: what, each call's answer, how it ended.
    report = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "warroom", "report", "night",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=ROOT,
    )  # fmt: skip
    printed = (await report.communicate())[0].decode()
    assert report.returncode == 0, printed
    undo = f"undo Deployment {NS}/{API}"
    assert f"action started: {undo} — roll deployment {NS}/{API} back" in printed
    call = f"call: roll back deployment {API} to revision 1 → Deployment {API} at resourceVersion"
    assert call in printed
    assert f"action done: {undo} — Deployment {NS}/{API}: undo done" in printed
    assert "action skipped: scale Deployment" in printed


async def test_a_denied_permission_is_exit_2_and_a_mistake_exit_4(sim: SimCluster) -> None:
    sim.access.deny(DenyRule(verbs=("patch",), groups=("apps",), resources=("deployments",)))
    code, out = await warroom(sim, "restart", API, "--yes")
    assert code == 2, out
    assert f'denied: context "{CONTEXT}" may not patch deployments.apps "{API}"' in out

    code, out = await warroom(sim, "launch", API)
    assert (
        code == 4
        and "there is no action 'launch' for inference-api (rolling); its actions: pause," in out
    )
    code, out = await warroom(sim, "pause", "inference")
    assert code == 4 and "the layout has no target 'inference'" in out
    code, out = await warroom(sim, "pause")
    assert (
        code == 4 and "the layout has 2 targets (inference-api, inference-worker); name one" in out
    )
    code, out = await warroom(sim, "scale", API)
    assert code == 4 and out.strip() == "error: scale needs --replicas N"


async def test_a_target_another_warroom_holds_is_refused_naming_the_holder_and_the_action(
    sim: SimCluster,
) -> None:
    connection = await connect(sim.kubeconfig, CONTEXT)
    lock = PairingLock(connection, Target("Deployment", API, NS), "bob@desk:77", duration=600,
                       action="rolling back")  # fmt: skip
    try:
        await lock.acquire()
        code, out = await warroom(sim, "restart", API)  # nothing on stdin: it asks nobody
        assert code == 1, out
        said = out.strip().splitlines()[-1]
        assert said.startswith(f"refused: bob@desk:77 is rolling back {API} (for "), said
        assert said.endswith("wait or ask them") and "go ahead?" not in out
        await lock.release()
        code, out = await warroom(sim, "restart", API, "--yes")
        assert code == 0, out
    finally:
        await connection.close()
    records = [r for r in readable_records(session_path("night")) if r["kind"] == "action_done"]
    assert [r["payload"]["action"] for r in records] == ["restart"]  # the refusal ran nothing


async def test_an_engineer_drains_a_node_and_uncordons_it(sim: SimCluster, tmp_path: Path) -> None:
    kubectl = Kubectl(require_tool("kubectl"), sim.kubeconfig, tmp_path / "kube-cache")
    node = "app-node-3"
    code, out = await warroom(sim, "drain", node, "--dry-run")
    assert code == 0, out
    assert f"  cordon node {node}: no new pod is scheduled there" in out
    assert "dry run: the server accepted every call; nothing was changed" in out
    # The layout marks the context production: a drain waits for the node's name, typed.
    code, out = await warroom(sim, "drain", node, "--timeout", "5m", stdin="app\n")
    assert code == 1 and out.rstrip().endswith(f"type {node}"), out
    code, out = await warroom(sim, "drain", node, "--timeout", "5m", "--confirm", node)
    assert code == 0, out
    assert "all of it within 300 s" in out
    assert f"Node {node}: drain done; no evictable pod is left on the node: node {node} is " \
        "cordoned and holds no evictable pod" in out  # fmt: skip
    assert " is gone (2 of 2)" in out
    listed = await kubectl.ok("get", "pods", "-A", "--field-selector", f"spec.nodeName={node}",
                              "-o", "name")  # fmt: skip
    assert listed == ""
    code, out = await warroom(sim, "uncordon", node, "--yes")
    assert code == 0 and out.rstrip().endswith(f"node {node} reads back schedulable"), out
    code, out = await warroom(sim, "drain")
    assert (code, out.strip()) == (
        4,
        "error: drain needs the node's name: warroom action LAYOUT drain NODE",
    )
    code, out = await warroom(sim, "cordon", "gpu-server-9", "--yes")
    assert code == 1 and "there is no node 'gpu-server-9'; see the nodes with kubectl get nodes" \
        in out  # fmt: skip
