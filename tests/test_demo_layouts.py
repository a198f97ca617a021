"""The shipped layouts and the simulated clusters that rehearse them: `warroom demo --layout
NAME`, `warroom demo --list` and `warroom sim --scenario NAME` (a layout's name serves its
scenario)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.sim.test_kubectl import read_until
from tests.test_cli import ROOT, warroom
from warroom.layout import load_layout
from warroom.layouts import shipped_names
from warroom.sim.scenario import available, load

LAYOUTS = sorted((ROOT / "layouts").glob("*.yaml"))


@pytest.mark.parametrize("path", LAYOUTS, ids=lambda p: p.stem)
def test_every_shipped_layout_names_a_scenario_that_serves_its_namespaces(path: Path) -> None:
    layout = load_layout(path)
    assert layout.simulation is not None, f"{path.name} has no simulation.scenario"
    assert layout.simulation.scenario in available()
    scenario = load(layout.simulation.scenario)
    served = set(scenario.namespaces) | {
        o["metadata"].get("namespace") for o in scenario.objects if o["kind"] != "Namespace"
    }
    assert set(layout.cluster.namespaces) <= served


def test_demo_lists_the_shipped_layouts_it_can_rehearse() -> None:
    done = warroom("demo", "--list")
    assert done.returncode == 0, done.stderr
    listed = [line.split()[0] for line in done.stdout.splitlines()]
    assert listed == shipped_names()
    assert "demo" in listed


def test_demo_on_an_unknown_layout_or_one_without_a_simulation_says_what_to_do(
    tmp_path: Path,
) -> None:
    done = warroom("demo", "--layout", "nope")
    assert done.returncode == 1
    assert done.stderr.startswith("Error: no layout 'nope': give a layout file or one of demo")
    bare = tmp_path / "bare.yaml"
    bare.write_text("name: bare\ncluster: {namespaces: [default]}\n", encoding="utf-8")
    done = warroom("demo", "--layout", str(bare))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"Error: {bare} has no simulation.scenario, so there is no simulated cluster to run it "
        f"on; add one, or run it against a cluster with `warroom {bare}`"
    )
    assert "Traceback" not in done.stderr


async def test_sim_serves_the_scenario_of_a_layout_named_for_it(tmp_path: Path) -> None:
    """`warroom sim --scenario demo`: layouts/demo.yaml's simulation.scenario."""
    kubeconfig = tmp_path / "sim.kubeconfig"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "warroom", "sim", "--scenario", "demo",
        "--kubeconfig", str(kubeconfig), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        line = await read_until(proc.stdout, r"kubectl --kubeconfig", timeout=30)
        assert line.startswith("warroom sim: scenario bizra-inference-10k at http://127.0.0.1:")
    finally:
        proc.send_signal(2)
        async with asyncio.timeout(20):
            _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
