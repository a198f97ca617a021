"""The automatic rollbacks as a session's journal tells them: one countdown per breach, ended
once (cancelled, disarmed or fired, whichever record came first), never re-armed until the
trigger has cleared."""

from __future__ import annotations

from typing import Any

from warroom.checklist.session import SessionState

ARMED = {"arm": "a1", "trigger": "errors", "title": "Error rate > 5%", "target": "api",
         "action": "undo", "seconds": 60, "fires_at": 160.0}  # fmt: skip


def fold(*records: tuple[str, dict[str, Any], str, float]) -> SessionState:
    state = SessionState()
    for kind, payload, operator, at in records:
        state.apply(kind, payload, operator, at)
    return state


def test_an_armed_trigger_counts_down_to_its_moment() -> None:
    state = fold(("auto_rollback_armed", ARMED, "ana", 100.0))
    counting = state.auto.counting("errors")
    assert counting is not None
    assert (counting.target, counting.action, counting.armed_by) == ("api", "undo", "ana")
    assert counting.left(130.0) == 30.0 and counting.left(200.0) == 0.0
    assert not state.auto.may_arm("errors")


def test_a_second_arm_of_the_same_breach_is_ignored() -> None:
    state = fold(
        ("auto_rollback_armed", ARMED, "ana", 100.0),
        ("auto_rollback_armed", {**ARMED, "arm": "b2", "fires_at": 170.0}, "bob", 110.0),
    )
    counting = state.auto.counting("errors")
    assert counting is not None and (counting.arm, counting.fires_at) == ("a1", 160.0)


def test_a_cancel_ends_it_with_who_and_why_and_a_late_fire_changes_nothing() -> None:
    cancel = {"arm": "a1", "trigger": "errors", "reason": "load test noise"}
    state = fold(
        ("auto_rollback_armed", ARMED, "ana", 100.0),
        ("auto_rollback_cancelled", cancel, "bob", 120.0),
        ("auto_rollback_fired", {"arm": "a1", "trigger": "errors"}, "ana", 160.0),
    )
    ended = state.auto.latest["errors"]
    assert (ended.state, ended.ended_by, ended.reason) == ("cancelled", "bob", "load test noise")
    # The same breach goes on: it is not armed again until the trigger clears.
    assert not state.auto.may_arm("errors")
    state.apply("trigger_cleared", {"trigger": "errors"}, "ana", 200.0)
    assert state.auto.may_arm("errors")


def test_a_fired_rollback_is_finished_with_its_outcome_and_cannot_be_cancelled() -> None:
    state = fold(
        ("auto_rollback_armed", ARMED, "ana", 100.0),
        ("auto_rollback_fired", {"arm": "a1", "trigger": "errors"}, "ana", 160.0),
        ("auto_rollback_cancelled", {"arm": "a1", "trigger": "errors", "reason": "x"}, "bob", 161),
    )
    assert state.auto.latest["errors"].state == "firing"
    state.apply(
        "auto_rollback_finished",
        {"arm": "a1", "trigger": "errors", "ok": True, "outcome": "rolled back to revision 2"},
        "ana",
        175.0,
    )
    done = state.auto.latest["errors"]
    assert (done.state, done.ok, done.reason, done.ended_at) == (
        "done", True, "rolled back to revision 2", 175.0
    )  # fmt: skip


def test_a_trigger_that_clears_in_time_is_disarmed_and_may_arm_again() -> None:
    state = fold(
        ("auto_rollback_armed", ARMED, "ana", 100.0),
        ("auto_rollback_disarmed", {"arm": "a1", "trigger": "errors", "why": "clear"}, "ana", 130),
    )
    assert state.auto.latest["errors"].state == "disarmed"
    assert state.auto.may_arm("errors")


def test_records_of_another_arm_or_without_a_trigger_are_ignored() -> None:
    state = fold(
        ("auto_rollback_armed", ARMED, "ana", 100.0),
        ("auto_rollback_cancelled", {"arm": "zz", "trigger": "errors", "reason": "x"}, "bob", 110),
        ("auto_rollback_cancelled", {"arm": "a1", "reason": "x"}, "bob", 111),
    )
    assert state.auto.counting("errors") is not None


def test_an_acknowledgement_counts_once_per_raise_and_goes_when_the_trigger_clears() -> None:
    state = fold(
        ("trigger_acknowledged", {"trigger": "errors", "title": "Error rate > 5%"}, "ana", 10),
        ("trigger_acknowledged", {"trigger": "errors", "title": "Error rate > 5%"}, "bob", 11),
    )
    assert (state.acknowledged["errors"].operator, state.acknowledged["errors"].at) == ("ana", 10)
    state.apply("trigger_cleared", {"trigger": "errors"}, "ana", 20.0)
    assert "errors" not in state.acknowledged
