"""An automatic rollback in the go-live record: armed with its countdown, cancelled by whom
and why, or fired, the action it ran (and why no person confirmed it) and how it ended."""

from __future__ import annotations

from tests.report.golive import Journal, go_live
from warroom.report import build_report
from warroom.report.markdown import render_markdown

TARGET = {"kind": "Deployment", "name": "llm", "namespace": "inference"}


def record() -> str:
    opened = go_live().records[0]["payload"]
    j = Journal()
    j.add(-1, "alice", "session_opened", **opened)
    j.add(4, "alice", "trigger_raised", trigger="burn", title="p99 over SLO for 5 minutes",
          evidence=None)
    j.add(4, "bob", "trigger_acknowledged", trigger="burn", title="p99 over SLO for 5 minutes")
    j.add(4, "alice", "auto_rollback_armed", arm="a1", trigger="burn",
          title="p99 over SLO for 5 minutes", target="llm", action="undo", seconds=60,
          fires_at=0)
    j.add(4.5, "bob", "auto_rollback_cancelled", arm="a1", trigger="burn", target="llm",
          reason="the p99 is the cache warming")
    j.add(6, "alice", "trigger_cleared", trigger="burn")
    j.add(9, "alice", "auto_rollback_armed", arm="b2", trigger="burn",
          title="p99 over SLO for 5 minutes", target="llm", action="undo", seconds=60,
          fires_at=0)
    j.add(10, "alice", "auto_rollback_fired", arm="b2", trigger="burn", target="llm")
    j.add(10, "alice", "action_started", action="undo", target=TARGET,
          preview=["roll deployment inference/llm back from revision 8 to revision 7"],
          because="automatic: p99 over SLO for 5 minutes held and its countdown ran out")
    j.add(11, "alice", "action_done", action="undo", target=TARGET, ok=True, verified=True,
          sentence="undo done; the rollout completes")
    j.add(11, "alice", "auto_rollback_finished", arm="b2", trigger="burn", target="llm",
          ok=True, outcome="undo done; the rollout completes")
    return render_markdown(build_report(j.parsed(), j.chain()))  # fmt: skip


def test_the_record_tells_the_automatic_rollbacks_in_words() -> None:
    md = record()
    assert ("· alice · automatic rollback of llm armed in 60 s: p99 over SLO for 5 minutes "
            "holds") in md  # fmt: skip
    assert ("· bob · automatic rollback cancelled (p99 over SLO for 5 minutes): the p99 is the "
            "cache warming") in md  # fmt: skip
    assert "· bob · trigger acknowledged: p99 over SLO for 5 minutes" in md
    assert "automatic rollback of llm fired: its countdown ran out" in md
    assert ("action started: undo Deployment inference/llm — roll deployment inference/llm "
            "back from revision 8 to revision 7 — automatic: p99 over SLO for 5 minutes held "
            "and its countdown ran out") in md  # fmt: skip
    assert "automatic rollback of llm done — undo done; the rollout completes" in md
    assert "auto_rollback_" not in md  # every record in words, none as raw JSON
