"""A drill's record in Markdown: each drill of the session with its scenario, what it ran
against and how it ended, its scorecard (timers, expected responses, SLO minutes, error
budget, checklist, overrides, who acted) and its derived timeline; the drill's records told in
words on the session's timeline; a journal the scorecard cannot read still gets its record."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.report.drilled import HALT, SECOND, START, Drilled, drilled
from tests.report.golive import Journal
from tests.report.test_markdown import cells
from warroom.report import build_report
from warroom.report.markdown import render_markdown


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Drilled:
    return drilled(tmp_path_factory.mktemp("drilled"))


@pytest.fixture(scope="module")
def md(session: Drilled) -> str:
    return render_markdown(build_report(session.records(), session.chain()))


def section(md: str, heading: str, level: str = "## ") -> list[str]:
    """The lines under `heading`, to the next heading of its level."""
    lines = md.splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith(level)), len(lines))
    return lines[start:end]


def table(lines: list[str]) -> list[list[str]]:
    """The rows of the first table in `lines`, without its head and rule."""
    rows = [cells(line) for line in lines if line.startswith("| ")]
    return rows[2:] if rows and rows[1][0] == "---" else rows[1:]


def sub(lines: list[str], heading: str) -> list[str]:
    return section("\n".join(lines), heading, "### ")


def test_the_record_is_a_drill_record_with_a_section_for_each_drill(md: str) -> None:
    assert md.startswith("# Drill record: llm rehearsal\n")
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[:3] == ["## Drill 1: llm-slow-release", "## Drill 2: llm-pod-loss",
                            "## Phase: The switch"]  # fmt: skip
    first = section(md, "## Drill 1: llm-slow-release")
    assert first[1] == ("The release answers three times slower four minutes in; roll it back "
                        "within five minutes of the first breach.")  # fmt: skip
    assert "- **Against:** the simulated cluster, layout llm rehearsal" in first
    assert "- **Started:** 2026-11-20 14:00:00Z" in first
    assert ("- **Ended:** finished at T+9:20 (2026-11-20 14:09:20Z): its time ran out "
            "(10 min)") in first  # fmt: skip
    assert "- **Impact:** T+4:00: the first fault, which the timers count from" in first
    second = section(md, "## Drill 2: llm-pod-loss")
    assert "- **Against:** staging, layout llm rehearsal" in second


def test_the_timers_table_gives_each_time_its_target_and_whether_it_was_met(md: str) -> None:
    timers = table(sub(section(md, "## Drill 1: llm-slow-release"),
                       "### Timers (from the impact)"))  # fmt: skip
    assert timers == [
        ["detect", "1:30", "≤ 1:00", "missed", "p95 over 2 s raised"],
        ["acknowledge", "2:30", "≤ 3:00", "met", "p95 over 2 s acknowledged by bob"],
        ["decide", "3:00", "≤ 10:00", "met", "undo of llm confirmed by bob"],
        ["mitigate", "4:20", "≤ 30:00", "met", "every SLO green and every trigger clear"],
        ["recover", "5:00", "none", "met", "every item that passed at the impact passes again"],
    ]


def test_the_expected_responses_are_met_or_missed_with_their_points(md: str) -> None:
    first = section(md, "## Drill 1: llm-slow-release")
    assert "### Expected responses (4 of 7 points)" in first
    assert table(sub(first, "### Expected responses (4 of 7 points)")) == [
        ["The latency trigger acknowledged", "met", "met 1:30 after the first breach", "1"],
        ["Rolled back within 5 minutes of the first breach", "met",
         "met 2:30 after the first breach", "3"],
        ["The health check passes again within 3 minutes of the slowdown", "missed",
         "done 2:00 too late", "1"],
        ["gpu-1 drained", "missed", "not done in time", "2"],
    ]  # fmt: skip


def test_slo_minutes_budget_checklist_overrides_and_who_acted(md: str) -> None:
    first = section(md, "## Drill 1: llm-slow-release")
    for line in (
        "- **Points:** 4 of 7",
        "- **SLO minutes breached:** 3.0 (3:00)",
        "- **Error budget burnt:** 0.14 % of the 99.9 % SLO's 30-day budget (error_rate)",
        "- **Checklist completion:** 1 of 2 items passing",
        "- **Overrides used:** 1",
        "- **Who acted:** bob",
    ):
        assert line in first, line
    second = section(md, "## Drill 2: llm-pod-loss")
    assert "- **Who acted:** no one" in second
    assert "- **Error budget burnt:** the scenario sets no error budget" in second


def test_the_derived_timeline_is_in_t_plus_from_the_drills_start(md: str) -> None:
    moments = sub(section(md, "## Drill 1: llm-slow-release"), "### Drill timeline")
    assert [line for line in moments if line] == [
        "- T+0:00 · drill llm-slow-release started",
        "- T+1:00 · fault release: deployment inference/llm set to registry.example/llm:2.1",
        "- T+4:00 · fault slow: registry.example/llm:2.1 answers ×3 slower",
        "- T+5:00 · first breach: error_rate, p95",
        "- T+5:30 · p95 over 2 s raised",
        "- T+6:30 · p95 over 2 s acknowledged by bob",
        "- T+7:00 · undo of llm confirmed by bob",
        "- T+7:30 · undo of llm done",
        "- T+8:20 · every SLO green and every trigger clear",
        "- T+9:00 · every item that passed at the impact passes again",
        "- T+9:20 · undone: registry.example/llm:2.1 answers as before",
        "- T+9:20 · drill over: its time ran out (10 min)",
    ]


def test_a_halted_drill_says_so_before_anything_else(md: str) -> None:
    second = section(md, "## Drill 2: llm-pod-loss")
    halted = "> **HALTED: error_rate is 0.62, \\> 0.5**"
    assert halted in second
    assert second.index(halted) < second.index("- **Against:** staging, layout llm rehearsal")
    escaped = HALT.replace(">", "\\>")
    assert f"- **Ended:** finished at T+2:30 (2026-11-20 15:02:30Z): halted: {escaped}" in second
    assert "- T+2:00 · fault cordon: declined by the operator" in second
    assert "> **HALTED" not in "\n".join(section(md, "## Drill 1: llm-slow-release"))


def test_the_sessions_timeline_tells_the_drill_records_in_words(md: str) -> None:
    timeline = section(md, "## Timeline")
    said = [line.split(" · ", 2)[2] for line in timeline if line.startswith("- ")]
    for line in (
        "drill started: llm-slow-release against the simulated cluster at ×10, 2 faults and "
        "4 expected responses — The release answers three times slower four minutes in; roll "
        "it back within five minutes of the first breach.",
        "drill: every SLO within bounds",
        "fault injected: release (release) — deployment inference/llm set to "
        "registry.example/llm:2.1",
        "drill: SLOs breached now: 5xx error rate, p95 latency",
        "fault taken back: slow — registry.example/llm:2.1 answers as before",
        "drill over: its time ran out (10 min) — checklist 1/2 items passing",
        "drill started: llm-pod-loss against staging, 2 faults and 1 expected response — A "
        "serving pod is lost and a node cordoned on staging; the rollout must hold.",
        "drill: SLO breached now: 5xx error rate",
        "fault cordon (cordon) not injected: declined by the operator",
        "drill HALTED: error_rate is 0.62, \\> 0.5",
    ):
        assert line in said, line
    assert "drill_" not in md  # every drill record in words, none as its kind and JSON


def test_a_session_not_opened_as_a_drill_that_ran_one_is_still_a_drill_record() -> None:
    j = Journal()
    j.add(0, "ana", "session_opened", layout="llm", drill=False, phases=[], signals={})
    j.add(1, "ana", "drill_started", scenario="quick", says="One fault.", layout="llm",
          staging=False, targets={}, responses=[], faults=[])  # fmt: skip
    md = render_markdown(build_report(j.parsed(), j.chain()))
    assert md.startswith("# Drill record: llm\n")
    assert "## Drill: quick" in md


def test_a_drill_the_journal_stops_in_the_middle_of_says_it_did_not_finish(
    session: Drilled, tmp_path: Path
) -> None:
    records = session.records()
    cut = next(i for i, r in enumerate(records) if r["kind"] == "action_started")
    md = render_markdown(build_report(records[:cut], session.chain()))
    first = section(md, "## Drill: llm-slow-release")
    assert ("- **Ended:** not finished: its records stop at T+6:40 (2026-11-20 14:06:40Z)"
            in first)  # fmt: skip
    timers = {row[0]: row for row in table(sub(first, "### Timers (from the impact)"))}
    assert timers["decide"][1:4] == ["2:40", "≤ 10:00", "running"]
    assert timers["acknowledge"][1:4] == ["2:30", "≤ 3:00", "met"]


def test_a_drill_whose_records_cannot_be_scored_still_gets_its_record() -> None:
    j = Journal()
    j.add(0, "ana", "session_opened", layout="llm", drill=True, phases=[], signals={})
    j.add(1, "ana", "drill_started", scenario="damaged", targets=[1], responses="none")
    j.add(2, "ana", "drill_fault", index=0, id="slow", says="slower")
    j.add(3, "ana", "session_closed", reason="done")
    md = render_markdown(build_report(j.parsed(), j.chain()))
    drill = section(md, "## Drill: damaged")
    assert drill[1].startswith("Started at ")
    assert "its records could not be scored (AttributeError" in drill[1]
    assert drill[1].endswith("the session's timeline below shows them as they were written")
    assert "fault injected: slow (—) — slower" in md
    assert md.rstrip().endswith(j.chain().head)  # the whole record, to its last line


def test_the_times_are_the_clusters(session: Drilled) -> None:
    records = session.records()
    starts = [r["at"]["cluster"] for r in records if r["kind"] == "drill_started"]
    assert starts == [START, SECOND]  # the fixture wrote what the assertions above read
