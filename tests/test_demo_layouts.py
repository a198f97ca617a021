"""The shipped layouts and the simulated clusters that rehearse them: `warroom demo --layout
NAME`, `warroom demo --list`; `warroom sim --scenario NAME` serves layouts/NAME.yaml's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import ROOT, warroom
from warroom.layout import load_layout
from warroom.layouts import shipped_names
from warroom.sim.scenario import available, load

LAYOUTS = sorted((ROOT / "layouts").glob("*.yaml"))


@pytest.mark.parametrize("path", LAYOUTS, ids=lambda p: p.stem)
def test_every_shipped_layout_names_a_scenario_that_serves_its_namespaces(path: Path) -> None:
    layout = load_layout(path)
    assert layout.simulation is not None, f"{path.name} has no simulation.scenario"
    # `warroom sim --scenario NAME` serves what layouts/NAME.yaml rehearses on.
    assert layout.simulation.scenario == path.stem
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
    assert "bizra-inference-10k" in listed


def test_demo_on_an_unknown_layout_or_one_without_a_simulation_says_what_to_do(
    tmp_path: Path,
) -> None:
    done = warroom("demo", "--layout", "nope")
    assert done.returncode == 1
    assert done.stderr.startswith(
        "Error: no layout 'nope': give a layout file or one of bizra-inference-10k"
    )
    bare = tmp_path / "bare.yaml"
    bare.write_text("name: bare\ncluster: {namespaces: [default]}\n", encoding="utf-8")
    done = warroom("demo", "--layout", str(bare))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"Error: {bare} has no simulation.scenario, so there is no simulated cluster to run it "
        f"on; add one, or run it against a cluster with `warroom {bare}`"
    )
    assert "Traceback" not in done.stderr
