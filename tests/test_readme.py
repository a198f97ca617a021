"""The README keeps its promises: its test command is the one CI runs, its `warroom LAYOUT`
line names every option of the command, and its control API list covers every route."""

from __future__ import annotations

import re
from pathlib import Path

import click

from warroom.cli import main
from warroom.sim.cluster import SimCluster

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    commands = [line.strip() for line in README.splitlines() if line.startswith("    ")]
    assert ci in commands, "README's test command differs from the last line of .ci/run"


def test_the_readme_layout_line_names_every_option_of_run() -> None:
    line = next(s for s in README.splitlines() if s.strip().startswith("warroom LAYOUT ["))
    run = main.commands["run"]
    options = [p for p in run.params if isinstance(p, click.Option)]
    assert options
    missing = [o.opts[0] for o in options if f"[{o.opts[0]}" not in line]
    assert not missing, f"README's `warroom LAYOUT` line lacks {missing}"


def test_the_readme_names_every_route_of_the_control_api() -> None:
    sim = SimCluster("bizra-inference-10k")
    routes = {path for _, path, _ in sim.api.extra_routes if path.startswith("/_sim/")}
    assert len(routes) > 10, "too few control routes found: nothing to check"
    missing = []
    for route in sorted(routes):
        # /_sim/nodes/{name}/{action} matches /_sim/nodes/gpu-node-3/fail and .../recover
        pattern = re.escape(route).replace(r"\{", "{").replace(r"\}", "}")
        pattern = re.sub(r"{[^}]+}", r"[^/\\s`]+", pattern)
        if not re.search(pattern + r"(?![\w/-])", README):
            missing.append(route)
    assert not missing, f"routes of the control API the README does not describe: {missing}"
