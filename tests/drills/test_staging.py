"""A drill against a real context (staging): the simulated cluster reached only through its
kubeconfig, as any cluster, and no control API. Only the safe faults (scale a Deployment,
cordon a node, delete a pod), each confirmed, written through the Kubernetes API; what was
injected is taken back at the end; a halt guard stops the drill, takes back what it can and
says so in the journal. What the cluster holds is read back with the real kubectl."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.conftest import require_tool
from tests.sim.conftest import Kubectl
from warroom.drills.loading import parse_scenario
from warroom.journal import readable_records, session_path
from warroom.layout import load_layout
from warroom.rehearse import Rehearsal, rehearse_headless
from warroom.sim.cluster import SimCluster

NS = "bizra-prod"
LAYOUT = """
name: staging rehearsal
cluster: {{namespaces: [{ns}], production: false}}
prometheus: {{url: "{prometheus}", interval: 1s}}
targets: [{{name: bizra-inference, container: inference-server}}]
signals:
  containers:
    title: Inference containers
    query: count(kube_pod_container_resource_limits{{namespace="{ns}", resource="memory"}})
phases:
  - id: ready
    title: Ready
    items: [{{id: up, title: Rolled out, rollout: {{target: bizra-inference}}}}]
"""

SAFE = """
name: staging-safe
layout: staging.yaml
says: Scale the API, cordon a node, delete a pod; the rollout item must hold.
faults:
  - {id: scaled, at: 5s, scale: {deployment: bizra-inference, replicas: 5}}
  - {id: cordoned, at: 10s, cordon: {node: gpu-node-2}}
  - {id: deleted, at: 15s, delete_pod: {selector: app=bizra-inference}}
responses:
  - {id: up, title: Rolled out again, checklist: {item: up}, within: 10m, after: deleted}
"""

HALTING = """
name: staging-halt
layout: staging.yaml
says: Scale the API up; the guard halts the drill when it runs more than four containers.
faults:
  - {id: scaled, at: 5s, scale: {deployment: bizra-inference, replicas: 6}}
  - {id: cordoned, at: 10m, cordon: {node: gpu-node-2}}
responses:
  - {id: up, title: Rolled out, checklist: {item: up}, within: 20m, after: start}
halt:
  - {signal: containers, op: ">", value: 4}
"""


@asynccontextmanager
async def staging(tmp_path: Path) -> AsyncIterator[tuple[SimCluster, Kubectl, Path]]:
    async with SimCluster("bizra-inference-10k", speed=10, scrape_interval=0.2) as sim:
        sim.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # the HPA holds the count
        layout = tmp_path / "staging.yaml"
        layout.write_text(LAYOUT.format(ns=NS, prometheus=sim.prometheus_url))
        kubectl = Kubectl(require_tool("kubectl"), sim.kubeconfig, tmp_path / "kube-cache")
        yield sim, kubectl, layout


def asked(tmp_path: Path, sim: SimCluster, layout: Path, text: str, session: str) -> Rehearsal:
    scenario = parse_scenario(text, str(tmp_path / "s.yaml"))
    return Rehearsal(
        scenario=scenario,
        layout=load_layout(layout),
        layout_path=layout,
        sim=False,
        context="warroom-sim",
        kubeconfig=str(sim.kubeconfig),
        session=session,
        operator="ana",
        headless=True,
    )


def records(session: str, kind: str) -> list[dict[str, object]]:
    return [r["payload"] for r in readable_records(session_path(session)) if r["kind"] == kind]


async def replicas(kubectl: Kubectl) -> str:
    return await kubectl.ok("get", "deployment/bizra-inference", "-n", NS,
                            "-o", "jsonpath={.spec.replicas}")  # fmt: skip


async def test_staging_takes_only_safe_faults_each_confirmed_and_takes_them_back(
    tmp_path: Path,
) -> None:
    async with staging(tmp_path) as (sim, kubectl, layout):
        before = await replicas(kubectl)
        questions: list[str] = []

        async def confirm(question: str) -> bool:
            questions.append(question)
            return "cordon" not in question  # the operator declines the cordon

        printed: list[str] = []
        code = await rehearse_headless(
            asked(tmp_path, sim, layout, SAFE, "staging"), as_json=False,
            echo=printed.append, confirm=confirm,
        )  # fmt: skip
        assert code == 0, "\n".join(printed)
        assert questions == [
            "inject scale (scaled) into warroom-sim?",
            "inject cordon (cordoned) into warroom-sim?",
            "inject delete_pod (deleted) into warroom-sim?",
        ]
        faults = {f["id"]: f for f in records("staging", "drill_fault")}
        assert faults["scaled"]["says"] == (
            f"deployment {NS}/bizra-inference scaled from {before} to 5"
        )
        assert faults["cordoned"].get("declined") is True
        deleted = str(faults["deleted"]["says"])
        assert deleted.startswith(f"pod {NS}/bizra-inference-") and deleted.endswith(" deleted")
        undone = [u["says"] for u in records("staging", "drill_fault_undone")]
        assert undone == [f"deployment {NS}/bizra-inference scaled back to {before}"]
        # What the cluster holds: scaled back, the node never cordoned, the pod gone.
        assert await replicas(kubectl) == before
        cordoned = await kubectl.ok("get", "node/gpu-node-2",
                                    "-o", "jsonpath={.spec.unschedulable}")  # fmt: skip
        assert cordoned == ""
        pod = deleted.removeprefix(f"pod {NS}/").removesuffix(" deleted")
        gone = await kubectl("get", f"pod/{pod}", "-n", NS)
        assert gone.returncode != 0 and "NotFound" in gone.stderr
        opened = records("staging", "drill_started")[0]
        assert opened["staging"] is True
        assert any("against staging" in line for line in printed)


async def test_a_halt_guard_stops_the_drill_and_takes_back_what_it_injected(
    tmp_path: Path,
) -> None:
    async with staging(tmp_path) as (sim, kubectl, layout):
        before = await replicas(kubectl)
        assert int(before) <= 4

        async def yes(question: str) -> bool:
            return True

        printed: list[str] = []
        code = await rehearse_headless(
            asked(tmp_path, sim, layout, HALTING, "halted"), as_json=False,
            echo=printed.append, confirm=yes,
        )  # fmt: skip
        assert code == 1, "\n".join(printed)
        halted = records("halted", "drill_halted")
        assert len(halted) == 1
        assert str(halted[0]["why"]).startswith("containers is ")
        assert halted[0]["undone"] == ["scaled"]
        assert [f["id"] for f in records("halted", "drill_fault")] == ["scaled"]  # no cordon
        assert records("halted", "drill_finished")[0]["why"].startswith("halted: containers")  # type: ignore[union-attr]
        assert any(line.startswith("HALTED: containers is ") for line in printed)
        assert await replicas(kubectl) == before
