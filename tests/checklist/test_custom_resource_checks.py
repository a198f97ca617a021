"""A field check on a custom resource the layout watches (Flagger's Canary) reads the watch,
as of now, rather than a fetch every 15 s: a canary step at ×30 lasts seconds."""

from __future__ import annotations

from typing import Any

from tests.checklist.test_evaluator import NS
from warroom.checklist.evaluator import Evaluator, World
from warroom.checklist.session import SessionState
from warroom.layout import parse_layout
from warroom.state.picture import ClusterPicture

NOW = 1_800_000_000.0
LAYOUT = """
name: canary
cluster: {namespaces: [bizra-prod]}
custom_resources:
  - {group: flagger.app, version: v1beta1, plural: canaries}
phases:
  - id: rollout
    title: Rollout
    items:
      - id: succeeded
        title: Canary promoted
        field: {object: Canary/node0-canary, path: .status.phase, value: Succeeded}
"""


def canary(phase: str) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {
            "name": "node0-canary",
            "namespace": NS,
            "uid": "c1",
            "resourceVersion": phase,
        },
        "status": {"phase": phase, "canaryWeight": 0},
    }


def test_a_watched_custom_resource_is_judged_from_the_watch_without_a_fetch() -> None:
    picture = ClusterPicture([NS], [("canaries.flagger.app", [NS])], clock=lambda: NOW)
    evaluator = Evaluator(parse_layout(LAYOUT))
    picture.cache("canaries.flagger.app", NS).replace([canary("Progressing")], "1")
    world = World(NOW, picture, True, "", session=SessionState())  # no probe results at all
    judged = evaluator.evaluate(world).items["succeeded"]
    assert (judged.verdict, judged.evidence.value) == ("fail", "Progressing")
    picture.cache("canaries.flagger.app", NS).apply("MODIFIED", canary("Succeeded"))
    assert evaluator.evaluate(world).items["succeeded"].verdict == "pass"


def test_without_its_watch_the_object_waits_for_the_fetch() -> None:
    picture = ClusterPicture([NS], clock=lambda: NOW)
    world = World(NOW, picture, True, "", session=SessionState())
    judged = Evaluator(parse_layout(LAYOUT)).evaluate(world).items["succeeded"]
    assert (judged.verdict, judged.reason) == ("pending", "not fetched yet")
