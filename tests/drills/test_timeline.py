"""A drill's timeline played forward: timed faults at their moment on the cluster's clock,
conditional ones when their condition first holds, each once and in the scenario's order."""

from __future__ import annotations

from warroom.drills.loading import parse_scenario
from warroom.drills.timeline import Facts, Timeline

SCENARIO = """
name: t
layout: any
says: A timeline.
faults:
  - {id: release, at: 1m, release: {target: api, image: "api:2"}}
  - {id: slow, at: 4m, regress: {image: "api:2"}}
  - {id: half, when: {share: {target: api, at_least: 50}}, fail_node: {node: n1}}
  - {id: breach, when: {trigger: errors}, cordon: {node: n2}}
  - {id: started, when: {phase: canary}, users: {service: ns/api, users: 10}}
  - {id: undone, when: {action: {action: undo}}, prometheus_outage: {for: 1m}}
responses:
  - {id: r, title: R, drained: {node: n1}, within: 5m}
"""


def ids(due: list[tuple[int, object]]) -> list[int]:
    return [i for i, _ in due]


def test_timed_faults_come_at_their_moment_and_once() -> None:
    timeline = Timeline(parse_scenario(SCENARIO))
    assert timeline.next_at() == 60
    assert ids(timeline.due(Facts(elapsed=59.9))) == []
    assert ids(timeline.due(Facts(elapsed=60))) == [0]
    assert ids(timeline.due(Facts(elapsed=61))) == []  # once
    assert timeline.next_at() == 240
    # A late look injects every fault whose time has passed, in order.
    assert ids(timeline.due(Facts(elapsed=900))) == [1]
    assert timeline.next_at() is None and not timeline.finished


def test_conditions_fire_the_first_time_they_hold() -> None:
    timeline = Timeline(parse_scenario(SCENARIO))
    quiet = Facts(elapsed=10, shares={"api": 49.9}, raised=frozenset({"latency"}))
    assert ids(timeline.due(quiet)) == []
    assert ids(timeline.due(Facts(elapsed=11, shares={"api": 50.0}))) == [2]
    assert ids(timeline.due(Facts(elapsed=12, shares={"api": 100.0}))) == []
    assert ids(timeline.due(Facts(elapsed=13, raised=frozenset({"errors"})))) == [3]
    assert ids(timeline.due(Facts(elapsed=14, started=frozenset({"canary"})))) == [4]
    # An action on any target satisfies a condition naming none.
    assert ids(timeline.due(Facts(elapsed=15, done=frozenset({("scale", "api")})))) == []
    assert ids(timeline.due(Facts(elapsed=16, done=frozenset({("undo", "web")})))) == [5]
    assert ids(timeline.due(Facts(elapsed=300))) == [0, 1]
    assert timeline.finished
