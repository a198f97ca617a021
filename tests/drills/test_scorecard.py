"""The scorecard folded from a drill's records: the impact, the first breach (what already
breached at the impact is not the drill's doing), detection, acknowledgement, decision,
mitigation and recovery on the cluster's clock; the responses met, late or missed; SLO time
and the error budget. Records are journal lines, as `warroom report` reads them."""

from __future__ import annotations

from typing import Any

import pytest

from warroom.drills.scorecard import Scorecard, scorecard

T0 = 1_800_000_000.0


def line(at: float, what: str, /, **payload: Any) -> dict[str, Any]:
    """One journal line of kind `what`, signed by ana."""
    return {"kind": what, "at": {"cluster": T0 + at, "wall": 0.0}, "operator": "ana",
            "payload": payload}  # fmt: skip


RESPONSES = [
    {"id": "ack", "title": "Acknowledged", "kind": "acknowledged", "trigger": "slow",
     "within": 300.0, "after": "first_breach", "points": 1},
    {"id": "undo", "title": "Rolled back", "kind": "action", "action": "undo", "target": "web",
     "within": 300.0, "after": "first_breach", "points": 3},
    {"id": "ok", "title": "Latency item passes", "kind": "checklist", "item": "latency",
     "within": 900.0, "after": "slow", "points": 1},
]  # fmt: skip


def started(**more: Any) -> dict[str, Any]:
    payload = {"scenario": "s", "says": "S.", "layout": "L", "staging": False,
               "targets": {"detect": 300.0, "decide": 600.0, "mitigate": 1800.0},
               "responses": RESPONSES, **more}  # fmt: skip
    return line(0, "drill_started", **payload)


def fault(at: float, fid: str, kind: str) -> dict[str, Any]:
    """As the runner journals it: a release sets the stage, the rest is the trouble."""
    impact = kind != "release"
    return line(at, "drill_fault", id=fid, kind=kind, says=f"{kind} done", impact=impact)


def verdict(at: float, item: str, v: str) -> dict[str, Any]:
    return line(at, "verdict", item=item, verdict=v, phase="p")


def action(at: float, kind: str, name: str = "undo", ok: bool = True) -> dict[str, Any]:
    target = {"kind": "Deployment", "name": "web", "namespace": "prod"}
    return line(at, kind, action=name, target=target, ok=ok)


A_GOOD_DRILL = [
    started(),
    verdict(1, "latency", "pass"),
    fault(60, "release", "release"),
    fault(240, "slow", "regress"),  # the impact
    line(250, "drill_slo", breached=["p95"]),  # the first breach
    line(500, "trigger_raised", trigger="slow", title="p95 > 2s"),  # detected
    verdict(500, "latency", "fail"),
    line(520, "trigger_acknowledged", trigger="slow", title="p95 > 2s"),
    action(530, "action_started"),  # decided
    action(545, "action_done"),
    line(760, "trigger_cleared", trigger="slow"),
    line(800, "drill_slo", breached=[]),  # mitigated
    verdict(900, "latency", "pass"),  # recovered
    line(1000, "drill_finished", why="every expected response judged", completion=[5, 6]),
]


def card(records: list[dict[str, Any]], now: float | None = None) -> Scorecard:
    found = scorecard(records, None if now is None else T0 + now)
    assert found is not None
    return found


def times(c: Scorecard) -> dict[str, tuple[float | None, str]]:
    return {m.name: (m.seconds, m.state) for m in c.measures}


def test_every_time_is_counted_from_the_impact() -> None:
    c = card(A_GOOD_DRILL)
    assert c.impact == T0 + 240  # the release sets the stage; the regression is the trouble
    assert times(c) == {
        "detect": (260.0, "met"),  # 500 − 240, target 300
        "acknowledge": (280.0, "met"),  # no target
        "decide": (290.0, "met"),
        "mitigate": (560.0, "met"),
        "recover": (660.0, "met"),
    }
    assert c.slo_seconds == 550.0  # 250 → 800
    assert c.completion == (5, 6)
    assert c.finished and c.why_finished == "every expected response judged"
    assert [(r.id, r.state) for r in c.responses] == [("ack", "met"), ("undo", "met"),
                                                      ("ok", "met")]  # fmt: skip
    assert c.points == (5, 5) and c.met
    assert [m.what for m in c.timeline] == [
        "start", "fault", "fault", "breach", "detected", "acknowledged", "decided", "action",
        "mitigated", "recovered", "finished",
    ]  # fmt: skip


def test_a_breach_already_there_at_the_impact_is_not_the_drills() -> None:
    records = [
        started(),
        line(10, "drill_slo", breached=["tokens"]),  # low throughput from the start
        fault(240, "slow", "regress"),
        line(300, "drill_slo", breached=["tokens", "p95"]),  # the drill's breach
        line(600, "drill_slo", breached=["tokens"]),  # p95 green again: mitigated
    ]
    c = card(records, now=700)
    assert c.timeline[-2].what == "breach" and c.timeline[-2].at == T0 + 300
    assert times(c)["mitigate"] == (360.0, "met")
    assert c.slo_seconds == 300.0  # only p95's, not the baseline's


def test_a_late_response_is_missed_and_says_how_late() -> None:
    records = [*A_GOOD_DRILL[:5], action(700, "action_started"), action(800, "action_done")]
    c = card(records, now=900)
    undo = next(r for r in c.responses if r.id == "undo")
    # due 250 + 300 = 550; done at 800.
    assert (undo.state, undo.words) == ("missed", "done 4:10 too late")
    assert times(c)["decide"] == (460.0, "met")


def test_while_the_drill_runs_its_timers_run_and_turn_missed_past_their_target() -> None:
    records = A_GOOD_DRILL[:5]
    assert times(card(records, now=400))["detect"] == (160.0, "running")
    assert times(card(records, now=600))["detect"] == (360.0, "missed")
    pending = card(records, now=400).responses
    assert [(r.state, r.words) for r in pending[:2]] == [("pending", "due in 2:30")] * 2


def test_a_failed_action_is_not_a_response() -> None:
    records = [*A_GOOD_DRILL[:5], action(300, "action_started"),
               action(310, "action_done", ok=False)]  # fmt: skip
    undo = next(r for r in card(records, now=600).responses if r.id == "undo")
    assert undo.state == "missed"


def test_a_response_counts_only_after_its_anchor() -> None:
    records = [started(), fault(10, "slow", "regress"), line(20, "trigger_acknowledged",
               trigger="slow"), line(30, "drill_slo", breached=["p95"])]  # fmt: skip
    ack = card(records, now=100).responses[0]
    assert ack.state == "pending"  # the acknowledgement came before the first breach


def test_the_anchor_that_never_came_is_said_when_the_drill_ends() -> None:
    records = [started(), fault(10, "slow", "regress"),
               line(50, "drill_finished", why="its time ran out")]  # fmt: skip
    c = card(records)
    assert c.responses[0].words == "the first breach never came"
    assert times(c)["mitigate"] == (None, "none")


@pytest.mark.parametrize(
    ("log", "state"),
    [
        # It failed after the impact, then passed again: recovered.
        ([verdict(1, "latency", "pass"), verdict(300, "latency", "fail"),
          verdict(500, "latency", "pass")], "met"),
        # It never passed before the impact and passes after it: recovered too.
        ([verdict(1, "latency", "pending"), verdict(500, "latency", "pass")], "met"),
        # It passed throughout: met once its time is up.
        ([verdict(1, "latency", "pass")], "met"),
        # It failed and never passed again.
        ([verdict(1, "latency", "pass"), verdict(300, "latency", "fail")], "missed"),
    ],
)  # fmt: skip
def test_a_checklist_response_is_the_item_passing_again(
    log: list[dict[str, Any]], state: str
) -> None:
    records = [started(), *log[:1], fault(240, "slow", "regress"), *log[1:]]
    records.sort(key=lambda r: r["at"]["cluster"])
    ok = card(records, now=240 + 901).responses[2]
    assert ok.state == state, ok


def test_the_error_budget_burnt_integrates_the_error_ratio_over_the_drill() -> None:
    budget = {"signal": "errors", "objective": 99.9, "window": 30 * 86400.0, "unit": "ratio"}
    records = [
        started(error_budget=budget),
        line(0, "samples", values={"errors": 0.0}),
        line(60, "samples", values={"errors": 0.5}),  # half the requests fail for 120 s
        line(180, "samples", values={"errors": None}),  # no data: not counted
        line(240, "samples", values={"errors": 0.0}),
        line(300, "drill_finished", why="done"),
    ]
    c = card(records)
    # 0.5 × 120 s of errors against 0.1 % of 30 days (2592 s).
    assert c.budget_burnt == pytest.approx(100 * 60 / 2592)
    assert "30-day budget (errors)" in c.budget_words


def test_no_drill_no_scorecard() -> None:
    assert scorecard([line(0, "session_opened")]) is None


def test_two_responses_of_one_action_are_met_by_two_actions_in_order() -> None:
    twice = [
        {"id": f"step{n}", "title": f"Step {n}", "kind": "action", "action": "promote",
         "target": "web", "within": 600.0, "after": "start", "points": 1}
        for n in (1, 2)
    ]  # fmt: skip
    records = [started(responses=twice), action(60, "action_done", "promote")]
    first, second = card(records, now=120).responses
    assert (first.state, second.state) == ("met", "pending")
    records.append(action(180, "action_done", "promote"))
    first, second = card(records, now=200).responses
    assert (first.at, second.at) == (T0 + 60, T0 + 180)
