"""`warroom report` of a real drill: `warroom drill --headless` plays a short scenario on the
simulated cluster (its scripted responder rolls back in time; the acknowledgement it expects
cannot come in time), then the report of that session, in Markdown and in HTML through
headless Chromium, shows the very scorecard the headless run printed: one fold of the same
journal records, not a second reading of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.report.test_drill import section, sub, table
from tests.report.test_drill_html import rows_of
from tests.report.test_html import chromium, seen
from warroom.cli import main
from warroom.drills.scorecard import minsec

SCENARIO = """
name: short-regression
layout: bizra-inference-10k
says: The release slows down a minute after it rolls out; roll it back within four minutes.
targets: {detect: 2m, decide: 3m}
ends: 8m
faults:
  - id: release
    at: 30s
    release: {target: bizra-inference, image: "ghcr.io/bizra/inference:2.0.1"}
  - id: slow
    at: 1m
    regress: {image: "ghcr.io/bizra/inference:2.0.1", latency: 3}
responses:
  - id: rolled-back
    title: Rolled back within 4 minutes of the slowdown
    action: {action: undo, target: bizra-inference}
    after: slow
    within: 4m
    respond_in: 1m
    points: 3
  - id: acknowledged
    title: The latency trigger acknowledged within 2 minutes
    acknowledged: {trigger: latency_sustained}
    after: slow
    within: 2m
"""
WORDS = {"met": "met", "missed": "missed", "none": "—"}


@pytest.fixture(scope="module")
def drilled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The session's journal and the scorecard `--headless --json` printed, once for the
    module (the machine's cores are shared)."""
    folder = tmp_path_factory.mktemp("drill-run")
    scenario = folder / "short-regression.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    journal = folder / "sessions" / "short.jsonl"
    journal.parent.mkdir()
    env = {**os.environ, "WARROOM_DATA_DIR": str(folder / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "drill", "--scenario", str(scenario), "--headless",
         "--json", "--speed", "60", "--session", str(journal)],
        capture_output=True, text=True, timeout=240, env=env, cwd=folder,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr  # one response missed, as planned
    return journal, json.loads(done.stdout)


def report(journal: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["report", str(journal), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def took(seconds: float | None) -> str:
    return "—" if seconds is None else minsec(seconds)


def test_the_markdown_shows_the_scorecard_the_headless_run_printed(
    drilled: tuple[Path, dict[str, Any]],
) -> None:
    journal, card = drilled
    md = report(journal)
    assert md.startswith("# Drill record: BIZRA inference go-live (10K users)\n")
    drill = section(md, "## Drill: short-regression")
    met, total = card["points"]["met"], card["points"]["total"]
    assert (met, total) == (3, 4)
    assert f"- **Points:** {met} of {total}" in drill
    assert f"- **Ended:** finished at T+{minsec(card['elapsed'])} (" in "\n".join(drill)
    assert f"): {card['why_finished']}" in "\n".join(drill)
    timers = table(sub(drill, "### Timers (from the impact)"))
    assert timers == [
        [name, took(m["seconds"]), "none" if m["target"] is None else f"≤ {minsec(m['target'])}",
         WORDS[m["state"]], m["words"]]
        for name, m in card["measures"].items()
    ]  # fmt: skip
    responses = table(sub(drill, f"### Expected responses ({met} of {total} points)"))
    assert responses == [
        [r["title"], r["state"], r["words"], str(r["points"])] for r in card["responses"]
    ]
    assert [r[1] for r in responses] == ["met", "missed"]
    moments = [line for line in sub(drill, "### Drill timeline") if line]
    assert moments == [f"- T+{minsec(m['at'])} · {m['words']}" for m in card["timeline"]]
    assert any("fault slow: ghcr.io/bizra/inference:2.0.1 answers ×3 slower" in m
               for m in moments)  # fmt: skip
    assert "· fault injected: slow (regress) — ghcr.io/bizra/inference:2.0.1 answers ×3 " in md
    assert "drill_" not in md


def test_the_html_in_chromium_shows_the_same_scorecard(
    drilled: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    journal, card = drilled
    out = tmp_path / "drill.html"
    report(journal, "--format", "html", "-o", str(out))
    dom = chromium(tmp_path, "--dump-dom", out.as_uri()).stdout
    assert seen(dom).startswith("DRILL Drill record: BIZRA inference go-live (10K users)")
    rows = rows_of(dom)
    named = {r[0].text: r for r in rows if r and r[0].text in card["measures"]}
    for name, m in card["measures"].items():
        assert [c.text for c in named[name][:3]] == [
            name, took(m["seconds"]),
            "none" if m["target"] is None else f"≤ {minsec(m['target'])}",
        ]  # fmt: skip
        tone = {"met": [("v-pass", "met")], "missed": [("v-fail", "missed")]}
        assert named[name][3].badges == tone.get(m["state"], [])
    titled = {r[0].text: r for r in rows if r}
    for r in card["responses"]:
        row = titled[r["title"]]
        assert row[1].badges == [("v-pass" if r["state"] == "met" else "v-fail", r["state"])]
        assert row[2].text == r["words"]
    moments = [[c.text for c in r] for r in rows if r and r[0].text.startswith("T+")]
    assert moments == [[f"T+{minsec(m['at'])}", m["words"]] for m in card["timeline"]]
