"""A drill's prerequisites are checklist items proved by their evidence, not ticked by hand:
the drill's clock starts only once they pass, and a drill whose prerequisites never pass is
refused (exit 2) without a fault injected or a drill journalled. (The shipped
canary-latency-regression waits for its pods and rollout this way: tests/drills/
test_shipped_run.py runs it to its end.)"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from warroom.cli import main
from warroom.journal import readable_records, session_path

SCENARIO = """
name: unready
layout: bizra-inference-10k
says: Starts only once the full load has scaled the API out, which comes too late.
requires: [pods-running, load-10000]
faults:
  - {at: 10s, regress: {image: "ghcr.io/bizra/inference:2.0.1"}}
responses:
  - {id: ack, title: Acknowledged, acknowledged: {trigger: latency_sustained}, within: 5m}
"""


def test_a_drill_whose_prerequisites_never_pass_is_refused_and_injects_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "unready.yaml"
    path.write_text(SCENARIO)
    result = CliRunner().invoke(main, ["drill", "--scenario", str(path), "--headless",
                                       "--speed", "60", "--session", "unready"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.output.startswith(
        "refused: its prerequisites were never proved in 10 min: load-10000 ("
    ), result.output
    assert "pods-running" not in result.output  # it passed: only what is unproved is named
    kinds = {r["kind"] for r in readable_records(session_path("unready"))}
    assert "session_opened" in kinds
    assert not {k for k in kinds if k.startswith("drill_")}


def test_a_prerequisite_that_is_not_an_item_is_a_file_line_error(tmp_path: Path) -> None:
    path = tmp_path / "unready.yaml"
    path.write_text(SCENARIO.replace("load-10000", "load-100000"))
    result = CliRunner().invoke(main, ["drill", "--check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:5: requires[1]: 'load-100000' is not an item of the layout" in result.output


def test_a_prerequisite_ticked_by_hand_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "unready.yaml"
    path.write_text(SCENARIO.replace("load-10000", "runbook"))
    result = CliRunner().invoke(main, ["drill", "--check", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:5: requires[1]: 'runbook' is ticked by hand; a prerequisite is an item" in (
        result.output
    )
