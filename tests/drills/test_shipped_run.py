"""Each shipped scenario runs unattended to its end at ×30 on its layout's simulated cluster,
with its scripted responder, through `warroom drill --headless --json` as a user runs it: it
finishes, every fault whose time came is injected, every expected response is judged, and
the scripted responder meets every scored one (exit 0). The journal says the same."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from warroom.cli import main
from warroom.drills.library import shipped_paths
from warroom.drills.loading import parse_scenario, read_scenario_file
from warroom.journal import readable_records, session_path

SCENARIOS = sorted(p.stem for p in shipped_paths())


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_shipped_scenario_runs_unattended_to_its_end(name: str) -> None:
    path = next(p for p in shipped_paths() if p.stem == name)
    scenario = parse_scenario(read_scenario_file(path), str(path))
    result = CliRunner().invoke(
        main, ["drill", "--scenario", name, "--headless", "--json", "--session", name]
    )
    assert "Traceback" not in result.output
    card = json.loads(result.output)
    assert card["finished"] and card["why_finished"] == "every expected response judged", card
    assert card["problem"] is None, card["problem"]
    assert [r["id"] for r in card["responses"]] == [r.id for r in scenario.responses]
    scored = {r["id"]: r["state"] for r in card["responses"] if r["points"]}
    assert set(scored.values()) == {"met"}, (scored, card["responder"])
    assert result.exit_code == 0, result.output

    records = list(readable_records(session_path(name)))
    opened = next(r for r in records if r["kind"] == "session_opened")
    assert opened["payload"]["drill"] is True
    injected = [r["payload"] for r in records if r["kind"] == "drill_fault"]
    assert not [f for f in injected if f.get("failed")], injected
    timed = [i for i, f in enumerate(scenario.faults) if f.at is not None]
    assert {f["index"] for f in injected} >= {
        i for i in timed if scenario.faults[i].at.total_seconds() <= card["elapsed"]  # type: ignore[union-attr]
    }
    finished = [r["payload"]["why"] for r in records if r["kind"] == "drill_finished"]
    assert finished == ["every expected response judged"]
