"""The Markdown record reads as a go-live record a person pastes into a ticket."""

from __future__ import annotations

import re

from tests.report.golive import GO_LIVE, Journal, go_live
from warroom.report import ChainStatus, build_report
from warroom.report.markdown import cell, inline, render_markdown

BROKEN = "line 41 does not follow line 40: its prev is not line 40's hash"


def markdown(chain: ChainStatus | None = None) -> str:
    journal = go_live()
    return render_markdown(build_report(journal.parsed(), chain or journal.chain()))


def cells(row: str) -> list[str]:
    """A table row's cells as a GFM reader splits them: at every `|` not escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def test_the_record_names_every_item_with_its_verdict_and_who() -> None:
    md = markdown()
    rows = {cells(line)[0]: cells(line) for line in md.splitlines() if line.startswith("| ")}
    assert rows["GPU nodes Ready"][1] == "pass"
    assert rows["GPU capacity free"][1] == "pass"
    assert rows["Runbook read"][1:4:2] == ["done", "alice"]
    assert rows["Change approved"][1:4:2] == ["done", "carol (change manager)"]
    assert rows["Canary p99 under 300 ms"][1] == "pass"
    assert "189 ms" in rows["Canary p99 under 300 ms"][2]
    assert rows["Soak 15 minutes"][1] == "unknown"
    assert rows["SRE sign-off"][1] == "pending"
    assert "lapsed" in rows["SRE sign-off"][2]
    assert rows["All replicas available"][1] == "pass"
    assert rows["Customer comms sent (optional)"][1:4:2] == ["pending", "bob"]


def test_the_record_says_the_facts_reasons_and_bindings() -> None:
    md = markdown()
    assert md.startswith("# Go-live record: llm-inference \\<b\\>v2\\</b\\>\n")
    assert "**Go-live:** 2026-12-02 21:00:00Z" in md
    assert "**Operators:** alice, carol, dave, bob" in md
    assert "overrode **Canary 10%**: soak runs after the switch, agreed" in md
    assert "(unmet: Soak 15 minutes)" in md
    assert "early: window moved up by the change board" in md
    assert (
        "bound to: target inference/llm; revision 7; image registry.example/llm:1.4.2; "
        "digest sha256:4a1f09" in md
    )
    assert "**sign-off lapsed** at 2026-12-02 21:14:00Z (T+14m): revision changed: 7 → 8" in md
    assert "verdicts: pending → fail → pass" in md
    assert "**Summary:** 9 items: 4 passed, 0 failed, 1 unknown, 2 pending, 2 done" in md
    assert "- 2026-12-02 21:15:00Z (T+15m) · bob · operator: alice → bob" in md
    assert "· action started: scale Deployment inference/llm-canary" in md


def test_signals_are_a_table_of_min_max_last_and_minutes_outside() -> None:
    rows = [cells(line) for line in markdown().splitlines() if line.startswith("| p99 latency")]
    assert rows == [["p99 latency (ms)", "≤ 300", "170", "420", "209.5", "5.0"]]


def test_the_record_ends_with_the_chain_and_its_head() -> None:
    journal = go_live()
    md = markdown()
    assert md.rstrip().splitlines()[-1] == (
        f"Journal: 110 records, hash chain verifies; head {journal.chain().head}")
    assert "NOT" not in md


def test_a_chain_that_does_not_verify_is_said_at_the_top_and_the_end() -> None:
    md = markdown(ChainStatus(False, 40, "cd" * 32, BROKEN))
    top = md.splitlines()[2]
    assert top.startswith("> **WARNING: The journal's hash chain does NOT verify:")
    assert BROKEN in top
    assert md.rstrip().splitlines()[-1] == (
        f"Journal: 40 records, hash chain does NOT verify: {BROKEN}; head {'cd' * 32}")


def test_a_note_cannot_break_a_table_or_become_markup() -> None:
    j = Journal()
    j.add(0, "eve|<i>x</i>", "session_opened", layout="l", phases=[{"id": "p", "title": "P",
          "items": [{"id": "i", "title": "a | b", "check": "manual", "required": True}]}])
    j.add(1, "eve|<i>x</i>", "tick", phase="p", item="i", note="one | two\nthree <script>")
    md = render_markdown(build_report(j.parsed(), j.chain()))
    [row] = [line for line in md.splitlines() if line.startswith("| a")]
    assert cells(row) == ["a \\| b", "done", "one \\| two<br>three \\<script\\>",
                          "eve\\|\\<i\\>x\\</i\\>", "2026-12-02 21:01:00Z"]  # no go-live: no T±
    assert "<script>" not in md and "<i>" not in md


def test_escaping_leaves_plain_words_alone() -> None:
    assert inline("carol_ops signed action_started") == "carol_ops signed action_started"
    assert inline("*bold* _it_ `code` [link](x)") == "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](x)"
    assert cell("") == " "
    assert GO_LIVE > 0


def test_the_session_fields_are_facts_with_who_set_them_when_and_what_they_were() -> None:
    md = markdown()
    facts = md.split("**Summary:**")[0]
    assert "- **Deployment Date:** not set (required)\n" in facts
    assert (
        "- **Version:** 1.4.2, set by dave at 2026-12-02 21:13:00Z (T+13m); before: 1.4.1 by "
        "alice at 2026-12-02 15:02:00Z (T-5h58m)\n" in facts
    )
    assert "- **Environment:** Production, set by alice at 2026-12-02 15:03:00Z (T-5h57m)" in facts
    # What was typed is shown as typed: markup escaped, not rendered.
    assert "- **Deployed By:** alice & \\<b\\>bob\\</b\\> | ops, set by bob at" in facts
    assert "- **Additional Notes:** not set\n" in facts
    assert "- 2026-12-02 21:13:00Z (T+13m) · dave · Version set: 1.4.2" in md
    # A sign-off says the fields it was signed with (the version was set again after it).
    assert (
        "evidence latency=pass, soak=pending; session fields Version 1.4.1, Environment Production"
        in md
    )
