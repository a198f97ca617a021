"""The evaluator over a picture of real-shaped objects: manual ticks and the four-eyes rule,
sign-offs bound to a revision that lapse when it moves, phases in order with overrides, a
stale watch proving nothing, and events counted since the session opened."""

from __future__ import annotations

from typing import Any

from warroom.checklist.evaluator import Evaluator
from warroom.checklist.session import FieldValue, SessionState
from warroom.checklist.world import World
from warroom.layout import parse_layout
from warroom.state.picture import ClusterPicture

NS = "bizra-prod"
LAYOUT = """
name: test
cluster: {namespaces: [bizra-prod]}
targets: [{name: api, container: app}]
roles: {lead: Engineering lead}
phases:
  - id: first
    title: First
    items:
      - {id: pods, title: Three pods ready, pods: {selector: app=api, min: 3}}
      - {id: manual, title: Runbook written}
      - {id: two, title: Two people look, signers: 2}
      - {id: quiet, title: No crashes, events: {reasons: [OOMKilled, BackOff]}}
  - id: second
    title: Second
    starter_may_sign: false
    items:
      - id: sign
        title: Lead signs
        signoff: {role: lead, statement: Ready., target: api}
"""


def pod(
    name: str, ready: bool = True, labels: dict[str, str] | None = None, image: str = "api:1",
    digest: str = "sha256:aaa",
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "uid": f"uid-{name}",
                     "labels": labels or {"app": "api"}, "resourceVersion": digest},
        "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": image}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "containerStatuses": [{"name": "app", "ready": ready, "restartCount": 0,
                                   "image": image, "imageID": f"ghcr.io/x/api@{digest}",
                                   "state": {"running": {}}}],
        },
    }  # fmt: skip


def deployment(revision: int, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": NS, "uid": "uid-api", "generation": 1,
                     "annotations": {"deployment.kubernetes.io/revision": str(revision)}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}},
                 "template": {"spec": {"containers": [{"name": "app", "image": image}]}}},
        "status": {"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3,
                   "availableReplicas": 3, "readyReplicas": 3},
    }  # fmt: skip


def event(reason: str, at: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"ev-{reason}",
            "namespace": NS,
            "uid": f"ev-{reason}",
            "resourceVersion": at,
        },
        "involvedObject": {"kind": "Pod", "name": "api-1", "namespace": NS},
        "reason": reason,
        "message": "Back-off restarting failed container",
        "type": "Warning",
        "count": 2,
        "lastTimestamp": at,
    }


def setup(pods: int = 3, revision: int = 1) -> tuple[Evaluator, ClusterPicture]:
    layout = parse_layout(LAYOUT)
    picture = ClusterPicture([NS], clock=lambda: 1_800_000_000.0)
    picture.cache("pods", NS).replace([pod(f"api-{i}") for i in range(pods)], "1")
    picture.cache("deployments", NS).replace([deployment(revision, f"api:{revision}")], "1")
    return Evaluator(layout), picture


def world(picture: ClusterPicture, session: SessionState, *, fresh: bool = True) -> World:
    return World(1_800_000_000.0, picture, fresh, "" if fresh else "watch failing", session=session)


def test_a_pods_check_counts_ready_pods() -> None:
    evaluator, picture = setup(pods=2)
    ev = evaluator.evaluate(world(picture, SessionState()))
    assert (ev.items["pods"].verdict, ev.items["pods"].reason) == ("fail", "2 of 3 ready")
    picture.cache("pods", NS).apply("ADDED", pod("api-9"))
    picture.cache("pods", NS).apply("ADDED", pod("other", labels={"app": "web"}))
    ev = evaluator.evaluate(world(picture, SessionState()))
    assert ev.items["pods"].verdict == "pass"
    assert [c.item for c in ev.changes] == ["pods"]  # only what changed goes further


def test_a_stale_watch_makes_picture_checks_unknown_not_passed() -> None:
    evaluator, picture = setup()
    ev = evaluator.evaluate(world(picture, SessionState(), fresh=False))
    assert (ev.items["pods"].verdict, ev.items["pods"].reason) == ("unknown", "stale")
    assert ev.items["pods"].evidence.detail == "watch failing"


def test_manual_items_need_their_ticks_and_distinct_people() -> None:
    evaluator, picture = setup()
    session = SessionState()
    session.apply("tick", {"phase": "first", "item": "manual", "note": "in the wiki"}, "ana", 1.0)
    session.apply("tick", {"phase": "first", "item": "two"}, "ana", 2.0)
    session.apply("tick", {"phase": "first", "item": "two"}, "ana", 3.0)  # the same person again
    ev = evaluator.evaluate(world(picture, session))
    assert (ev.items["manual"].verdict, ev.items["manual"].reason) == ("done", "by ana")
    assert ev.items["manual"].evidence.detail == "in the wiki"
    assert (ev.items["two"].verdict, ev.items["two"].reason) == ("pending", "1 of 2 ticked")
    session.apply("tick", {"phase": "first", "item": "two"}, "ben", 4.0)
    assert evaluator.evaluate(world(picture, session)).items["two"].verdict == "done"
    session.apply("untick", {"phase": "first", "item": "two"}, "ben", 5.0)
    assert evaluator.evaluate(world(picture, session)).items["two"].verdict == "pending"


def test_phases_complete_in_order_and_an_override_moves_on() -> None:
    evaluator, picture = setup()
    session = SessionState()
    ev = evaluator.evaluate(world(picture, session))
    first = ev.phases[0]
    assert (first.passed, first.required, first.complete, ev.current) == (2, 4, False, 0)
    session.apply("override", {"phase": "first", "reason": "wiki down"}, "ana", 6.0)
    assert evaluator.evaluate(world(picture, session)).current == 1


def test_events_are_counted_since_the_session_opened() -> None:
    evaluator, picture = setup()
    session = SessionState()
    session.apply("session_opened", {}, "ana", 1_799_999_000.0)
    picture.cache("events", NS).replace([event("BackOff", "2027-01-15T07:59:00Z")], "1")
    ev = evaluator.evaluate(world(picture, session))
    assert (ev.items["quiet"].verdict, ev.items["quiet"].reason) == ("fail", "2 BackOff")
    # The same event from before the session does not count against it.
    picture.cache("events", NS).replace([event("BackOff", "2027-01-15T07:00:00Z")], "2")
    assert evaluator.evaluate(world(picture, session)).items["quiet"].verdict == "pass"


def test_a_signoff_is_bound_to_the_revision_and_lapses_when_it_moves() -> None:
    evaluator, picture = setup(revision=4)
    session = SessionState()
    bound = evaluator.bound(evaluator.layout.phases[1].items[0], world(picture, session))
    assert bound is not None and (bound.revision, bound.image) == ("4", "api:4")
    session.apply(
        "signoff",
        {"phase": "second", "item": "sign", "role": "Engineering lead", "statement": "Ready.",
         "bound": {"target": bound.target, "revision": "4", "image": "api:4"}},
        "ana",
        10.0,
    )  # fmt: skip
    ev = evaluator.evaluate(world(picture, session))
    assert (ev.items["sign"].verdict, ev.items["sign"].reason) == ("done", "signed by ana")
    picture.cache("deployments", NS).apply("MODIFIED", deployment(5, "api:5"))
    ev = evaluator.evaluate(world(picture, session))
    assert ev.items["sign"].verdict == "pending"
    assert [lapse.why for lapse in ev.lapses] == ["bizra-prod/api moved from revision 4 to 5"]


def test_the_one_who_started_a_phase_may_not_sign_its_gate_when_the_layout_says_so() -> None:
    evaluator, picture = setup()
    session = SessionState()
    session.apply("phase_started", {"phase": "second"}, "ana", 1.0)
    signed = {"phase": "second", "item": "sign", "role": "lead", "statement": "Ready.",
              "bound": {"revision": "1", "image": "api:1"}}  # fmt: skip
    session.apply("signoff", signed, "ana", 2.0)
    assert evaluator.evaluate(world(picture, session)).items["sign"].verdict == "pending"
    session.apply("signoff", signed, "ben", 3.0)
    assert evaluator.evaluate(world(picture, session)).items["sign"].reason == "signed by ben"


def test_a_signoff_is_bound_to_the_image_digest_the_pods_run() -> None:
    evaluator, picture = setup(revision=1)
    session = SessionState()
    bound = evaluator.bound(evaluator.layout.phases[1].items[0], world(picture, session))
    assert bound is not None and bound.digest == "sha256:aaa"
    session.apply(
        "signoff",
        {"phase": "second", "item": "sign", "role": "lead", "statement": "Ready.",
         "bound": {"revision": "1", "image": "api:1", "digest": "sha256:aaa"}},
        "ana",
        10.0,
    )  # fmt: skip
    assert evaluator.evaluate(world(picture, session)).items["sign"].verdict == "done"
    # The same tag pushed again and the pods restarted on the new build: not what was signed.
    rebuilt = [pod(f"api-{i}", digest="sha256:bbb") for i in range(3)]
    picture.cache("pods", NS).replace(rebuilt, "2")
    ev = evaluator.evaluate(world(picture, session))
    assert ev.items["sign"].verdict == "pending"
    assert ev.lapses[0].why == "bizra-prod/api runs another build of api:1 (sha256:bbb…)"


def test_a_rollout_is_read_in_its_targets_namespace() -> None:
    layout = parse_layout(
        """
name: two namespaces
cluster: {namespaces: [edge, bizra-prod]}
targets: [{name: api, namespace: bizra-prod}]
phases:
  - {id: go, title: Go, items: [{id: rolled, title: Rolled out, rollout: {target: api}}]}
"""
    )
    picture = ClusterPicture(["edge", NS], clock=lambda: 1_800_000_000.0)
    picture.cache("deployments", NS).replace([deployment(1, "api:1")], "1")
    ev = Evaluator(layout).evaluate(world(picture, SessionState()))
    rolled = ev.items["rolled"]
    assert (rolled.verdict, rolled.reason) == ("pass", "complete")
    assert rolled.evidence.query == "kubectl rollout status deployment/api -n bizra-prod"


def test_a_pods_check_names_the_pods_not_ready_with_their_status() -> None:
    evaluator, picture = setup(pods=3)
    picture.cache("pods", NS).apply("MODIFIED", pod("api-1", ready=False, digest="sha256:bbb"))
    ev = evaluator.evaluate(world(picture, SessionState()))
    assert ev.items["pods"].evidence.value == "2 of 3 Ready"
    assert ev.items["pods"].evidence.detail == "not Ready: api-1 Running"
    # Read from a current watch, the reading is as of this evaluation, remembered or not.
    assert ev.items["pods"].evidence.taken == 1_800_000_000.0
    later = World(1_800_000_060.0, picture, True, session=SessionState())
    assert evaluator.evaluate(later).items["pods"].evidence.taken == 1_800_000_060.0


def test_following_between_evaluations_loses_no_change() -> None:
    evaluator, picture = setup(pods=3)
    assert evaluator.evaluate(world(picture, SessionState())).items["pods"].verdict == "pass"
    pods = picture.cache("pods", NS)
    pods.apply("MODIFIED", pod("api-1", ready=False, digest="sha256:b1"))
    evaluator.follow()  # as the app does between ticks
    pods.apply("MODIFIED", pod("api-2", ready=False, digest="sha256:b2"))
    evaluator.follow()
    pods.apply("DELETED", pod("api-0"))
    ev = evaluator.evaluate(world(picture, SessionState()))
    assert (ev.items["pods"].verdict, ev.items["pods"].reason) == ("fail", "0 of 3 ready")
    assert ev.items["pods"].evidence.value == "0 of 2 Ready"


FIELDS = """
session_fields:
  version: {kind: version}
  environment: {choices: [Staging, Production]}
  notes: {title: Additional notes, required: false}
"""


def test_a_required_session_field_left_empty_holds_the_last_signoff() -> None:
    evaluator, picture = setup()
    evaluator = Evaluator(parse_layout(LAYOUT + FIELDS))
    session = SessionState()
    session.apply("phase_started", {"phase": "second"}, "ana", 1.0)
    ev = evaluator.evaluate(world(picture, session))
    assert ev.unset == ("Version", "Environment")  # the optional one does not hold anything
    sign = ev.items["sign"]
    assert (sign.verdict, sign.reason) == ("pending", "2 session fields not set")
    assert sign.evidence.detail == "waits for the session fields Version, Environment"
    session.apply("field_set", {"field": "version", "value": "2.1.0"}, "ana", 2.0)
    ev = evaluator.evaluate(world(picture, session))
    assert ev.items["sign"].reason == "session field Environment not set"
    session.apply("field_set", {"field": "environment", "value": "Staging"}, "ana", 3.0)
    session.apply("field_set", {"field": "environment", "value": "Production"}, "ben", 4.0)
    assert [v.value for v in session.fields["environment"]] == ["Staging", "Production"]
    assert session.field_value("environment") == FieldValue("ben", 4.0, "Production")
    ev = evaluator.evaluate(world(picture, session))
    assert ev.unset == () and ev.items["sign"].reason == "to sign"


def test_without_a_signoff_an_empty_required_field_keeps_the_last_phase_open() -> None:
    layout = parse_layout(
        "name: t\ncluster: {namespaces: [bizra-prod]}\nphases:\n"
        "  - {id: a, title: A, items: [{id: x, title: X}]}\n"
        "  - {id: b, title: B, items: [{id: y, title: Y}]}\n" + FIELDS
    )
    evaluator, picture = Evaluator(layout), setup()[1]
    session = SessionState()
    for item, phase in (("x", "a"), ("y", "b")):
        session.apply("tick", {"phase": phase, "item": item}, "ana", 1.0)
    ev = evaluator.evaluate(world(picture, session))
    assert ev.phases[0].complete and ev.phases[0].unset == ()
    assert not ev.phases[1].complete and ev.phases[1].unset == ("Version", "Environment")
    assert ev.current == 1
    session.apply("field_set", {"field": "version", "value": "2.1.0"}, "ana", 2.0)
    session.apply("field_set", {"field": "environment", "value": "Production"}, "ana", 3.0)
    ev = evaluator.evaluate(world(picture, session))
    assert ev.phases[1].complete and ev.current == 2
