"""View models: pod rows kept across refreshes equal rows built from scratch."""

from __future__ import annotations

import random

from warroom.state.views import PodRows, pod_row, rollout_status_words

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
    rows = PodRows()
    rows.update(pods.values(), NOW)
    for step in range(2, 150):
        for i in rng.sample(sorted(pods), 6):
            change = rng.random()
            if change < 0.1:
                del pods[i]  # a pod goes
            elif change < 0.2:
                pods[i] = pod(i, step, version="v3")  # a pod moves to another version group
            else:
                pods[i] = pod(i, step, rng.choice(["Running", "Pending", "Failed"]))
        if step % 10 == 0:
            pods[1000 + step] = pod(1000 + step, step)  # a pod comes
        got = rows.update(list(pods.values()), NOW)
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
