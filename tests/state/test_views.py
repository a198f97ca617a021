"""View models: pod rows kept across refreshes equal rows built from scratch."""

from __future__ import annotations

import random

from warroom.kube.cache import ObjectCache
from warroom.kube.printers import human_duration
from warroom.state.views import (
    EventRow,
    PodRows,
    Timeline,
    custom_row,
    pod_row,
    rollout_status_words,
)

NOW = 1_795_000_000.0


def pod(i: int, rv: int, phase: str = "Running", version: str | None = None) -> dict:
    return {
        "metadata": {
            "uid": f"u{i}",
            "name": f"pod-{i:03d}",
            "namespace": "ns",
            "resourceVersion": str(rv),
            "creationTimestamp": "2026-11-18T06:00:00Z",
            "labels": {"version": version or ("v1" if i % 2 else "v2")},
        },
        "spec": {"containers": [{"name": "c", "image": "repo/app:1"}], "nodeName": "n1"},
        "status": {"phase": phase},
    }


def rebuilt(pods: dict[int, dict]) -> list[tuple[str, str, str]]:
    rows = sorted(
        (pod_row(p, NOW) for p in pods.values()), key=lambda r: (r.namespace, r.version, r.name)
    )
    return [(r.uid, r.version, r.status) for r in rows]


def test_pod_rows_updated_in_place_match_a_full_rebuild() -> None:
    rng = random.Random(7)
    pods = {i: pod(i, 1) for i in range(300)}
    cache = ObjectCache()
    cache.replace(list(pods.values()), "1")
    rows = PodRows({"ns": cache})
    assert [(r.uid, r.version, r.status) for r in rows.update(NOW)] == rebuilt(pods)
    for step in range(2, 150):
        for i in rng.sample(sorted(pods), 6):
            change = rng.random()
            if change < 0.1:
                cache.apply("DELETED", pods.pop(i))  # a pod goes
            elif change < 0.2:
                pods[i] = pod(i, step, version="v3")  # a pod moves to another version group
                cache.apply("MODIFIED", pods[i])
            else:
                pods[i] = pod(i, step, rng.choice(["Running", "Pending", "Failed"]))
                cache.apply("MODIFIED", pods[i])
        if step % 10 == 0:
            pods[1000 + step] = pod(1000 + step, step)  # a pod comes
            cache.apply("ADDED", pods[1000 + step])
        if step % 50 == 0:
            cache.replace(list(pods.values()), str(step))  # a relist: nothing moves
        got = rows.update(NOW)
        assert [(r.uid, r.version, r.status) for r in got] == rebuilt(pods)


def test_rollout_words_follow_kubectl_rollout_status() -> None:
    d = {
        "metadata": {"name": "api", "generation": 2},
        "spec": {"replicas": 3},
        "status": {
            "observedGeneration": 2,
            "replicas": 4,
            "updatedReplicas": 3,
            "availableReplicas": 3,
        },
    }
    assert rollout_status_words(d) == (
        "Waiting for rollout to finish: 1 old replicas are pending termination...",
        "warn",
    )
    d["status"]["replicas"] = 3
    assert rollout_status_words(d) == ("successfully rolled out", "")
    d["status"]["conditions"] = [{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}]
    assert rollout_status_words(d)[1] == "bad"


def k8s_event(name: str, rv: int, when: str, reason: str = "Scheduled") -> dict:
    return {
        "metadata": {
            "uid": f"e-{name}",
            "name": name,
            "namespace": "ns",
            "resourceVersion": str(rv),
        },
        "involvedObject": {"kind": "Pod", "name": f"pod-{name}"},
        "reason": reason,
        "message": f"{reason} {name}",
        "lastTimestamp": when,
        "type": "Normal",
    }


def test_timeline_is_newest_first_and_rebuilds_only_changed_events() -> None:
    events = {
        "a": k8s_event("a", 1, "2026-11-18T06:00:00Z"),
        "b": k8s_event("b", 2, "2026-11-18T06:05:00Z"),
    }
    own = [EventRow("warroom/0", NOW, "warroom", "Note", "warroom", "drill started", 1)]
    timeline = Timeline()
    first = timeline.update(events.values(), own, NOW)
    assert [r.uid for r in first] == ["warroom/0", "e-b", "e-a"]
    assert first[2].age_at(NOW) == human_duration(NOW - first[2].time)
    events["a"] = k8s_event("a", 3, "2026-11-18T06:10:00Z", reason="Pulled")
    second = timeline.update(events.values(), own, NOW)
    assert [(r.uid, r.reason) for r in second] == [
        ("warroom/0", "Note"),
        ("e-a", "Pulled"),
        ("e-b", "Scheduled"),
    ]
    assert second[2] is first[1]  # unchanged: the same row object, not rebuilt
    del events["b"]
    assert [r.uid for r in timeline.update(events.values(), own, NOW)] == ["warroom/0", "e-a"]


def test_closed_pod_rows_stop_collecting_changes() -> None:
    cache = ObjectCache()
    cache.replace([pod(1, 1)], "1")
    rows = PodRows({"ns": cache})
    rows.close()
    cache.apply("MODIFIED", pod(1, 2, phase="Failed"))
    assert rows.update(NOW) == ()  # nothing followed any more


def test_a_flagger_canary_shows_its_phase_and_weight() -> None:
    canary = {
        "metadata": {"name": "api", "namespace": "ns"},
        "status": {"phase": "Progressing", "canaryWeight": 30, "conditions": []},
    }
    row = custom_row("canaries.flagger.app", canary)
    assert (row.state, row.trouble) == ("Progressing · weight 30%", "warn")
    canary["status"] = {"phase": "Failed", "canaryWeight": 0}
    assert custom_row("canaries.flagger.app", canary).trouble == "bad"
