"""The rollout view: versions by role with their share, kubectl's words and how worrying."""

from __future__ import annotations

from warroom.kinds.ingress import Canary
from warroom.state.rollout import rollout_view

REV = "deployment.kubernetes.io/revision"


def deployment(revision: int, *, paused: bool = False, **status: object) -> dict:
    return {
        "metadata": {
            "uid": "d1",
            "namespace": "prod",
            "name": "api",
            "generation": 1,
            "annotations": {REV: str(revision)},
        },
        "spec": {"replicas": 4, "paused": paused, "strategy": {"type": "RollingUpdate"}},
        "status": {"observedGeneration": 1, **status},
    }


def replicaset(name: str, revision: int, image: str, replicas: int, ready: int) -> dict:
    return {
        "metadata": {
            "uid": name,
            "name": name,
            "annotations": {REV: str(revision)},
            "ownerReferences": [{"uid": "d1", "controller": True}],
        },
        "spec": {
            "replicas": replicas,
            "template": {"spec": {"containers": [{"name": "app", "image": image}]}},
        },
        "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready},
    }


MID = dict(replicas=5, updatedReplicas=1, readyReplicas=4, availableReplicas=4)


def test_mid_rollout_the_newest_is_new_and_the_one_before_stable() -> None:
    rss = [
        replicaset("api-1", 1, "repo/api:1.0", 0, 0),  # history, no pods: not shown
        replicaset("api-2", 2, "repo/api:1.1", 3, 3),
        replicaset("api-3", 3, "repo/api:1.2", 2, 1),
    ]
    view = rollout_view(deployment(3, **MID), rss)
    assert [(r.role, r.version, r.desired, r.ready) for r in view.versions] == [
        ("new", "1.2", 2, 1),
        ("stable", "1.1", 3, 3),
    ]
    assert [r.share for r in view.versions] == [0.25, 0.75]
    assert view.condition.startswith('Waiting for deployment "api" rollout to finish: 1 out of 4')
    assert (view.done, view.trouble) == (False, "warn")


def test_a_finished_rollout_has_one_stable_version_and_no_trouble() -> None:
    done = dict(replicas=4, updatedReplicas=4, readyReplicas=4, availableReplicas=4)
    view = rollout_view(deployment(2, **done), [replicaset("api-2", 2, "repo/api:1.1", 4, 4)])
    assert [r.role for r in view.versions] == ["stable"]
    assert (view.condition, view.done, view.trouble) == (
        'deployment "api" successfully rolled out',
        True,
        "",
    )


def test_paused_is_a_warning_and_a_missed_deadline_is_trouble() -> None:
    rss = [replicaset("api-2", 2, "repo/api:1.1", 4, 4)]
    done = dict(replicas=4, updatedReplicas=4, readyReplicas=4, availableReplicas=4)
    paused = rollout_view(deployment(2, paused=True, **done), rss)
    assert (paused.paused, paused.trouble) == (True, "warn")
    stuck = deployment(
        2, **MID, conditions=[{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}]
    )
    view = rollout_view(stuck, rss)
    assert (view.condition, view.trouble) == (
        'deployment "api" exceeded its progress deadline',
        "bad",
    )


def test_the_canary_in_front_is_carried_to_the_view() -> None:
    canary = Canary("api-canary", "api-green", 5, 100)
    view = rollout_view(deployment(2, **MID), [], canary)
    assert view.canary is canary and view.canary.share == 0.05
