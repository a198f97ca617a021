"""Pod rows: kept across refreshes equal to rows built from scratch; what needs attention."""

from __future__ import annotations

import random

import pytest

from warroom.state.pods import PodRows, pod_row
from warroom.state.store import ObjectCache

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
        (pod_row(p) for p in pods.values()), key=lambda r: (r.namespace, r.version, r.name)
    )
    return [(r.uid, r.version, r.status) for r in rows]


def test_pod_rows_updated_in_place_match_a_full_rebuild() -> None:
    rng = random.Random(7)
    pods = {i: pod(i, 1) for i in range(300)}
    cache = ObjectCache()
    cache.replace(list(pods.values()), "1")
    rows = PodRows({"ns": cache})
    assert [(r.uid, r.version, r.status) for r in rows.update()] == rebuilt(pods)
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
        got = rows.update()
        assert [(r.uid, r.version, r.status) for r in got] == rebuilt(pods)


def test_closed_pod_rows_stop_collecting_changes() -> None:
    cache = ObjectCache()
    cache.replace([pod(1, 1)], "1")
    rows = PodRows({"ns": cache})
    rows.close()
    cache.apply("MODIFIED", pod(1, 2, phase="Failed"))
    assert rows.update() == ()  # nothing followed any more


def container(state: dict, *, ready: bool = False, restarts: int = 0) -> dict:
    return {"name": "c", "ready": ready, "restartCount": restarts, "state": state}


def status_pod(phase: str, statuses=(), *, reason: str = "", deleting: bool = False, conditions=()):
    meta = {"uid": "u", "name": "p", "namespace": "ns", "resourceVersion": "1"}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-18T06:00:00Z"
    status = {"phase": phase, "containerStatuses": list(statuses), "conditions": list(conditions)}
    if reason:
        status["reason"] = reason
    return {"metadata": meta, "spec": {"containers": [{"name": "c"}]}, "status": status}


def waiting(reason: str) -> dict:
    return container({"waiting": {"reason": reason}})


UNSCHEDULABLE = {
    "type": "PodScheduled",
    "status": "False",
    "reason": "Unschedulable",
    "message": "0/12 nodes are available: 12 Insufficient nvidia.com/gpu.",
}


@pytest.mark.parametrize(
    ("pod", "status", "trouble"),
    [
        (status_pod("Pending", [waiting("ImagePullBackOff")]), "ImagePullBackOff", "bad"),
        (status_pod("Pending", [waiting("ErrImagePull")]), "ErrImagePull", "bad"),
        (
            status_pod("Running", [container({"terminated": {"reason": "OOMKilled"}})]),
            "OOMKilled",
            "bad",
        ),
        (
            status_pod("Failed", [container({"terminated": {"reason": "Error", "exitCode": 1}})]),
            "Error",
            "bad",
        ),
        (status_pod("Failed", reason="Evicted"), "Evicted", "bad"),
        (status_pod("Running", [waiting("CrashLoopBackOff")]), "CrashLoopBackOff", "bad"),
        (status_pod("Pending", conditions=[UNSCHEDULABLE]), "Pending", "bad"),
        (
            status_pod("Running", [container({"running": {}}, ready=True)], deleting=True),
            "Terminating",
            "warn",
        ),
        (status_pod("Pending", [waiting("ContainerCreating")]), "ContainerCreating", "warn"),
        (status_pod("Pending"), "Pending", "warn"),  # not refused, just not placed yet
        (
            status_pod("Running", [container({"running": {}}, ready=True, restarts=2)]),
            "Running",
            "warn",
        ),
        (status_pod("Running", [container({"running": {}}, ready=True)]), "Running", ""),
        (
            status_pod(
                "Succeeded", [container({"terminated": {"reason": "Completed", "exitCode": 0}})]
            ),
            "Completed",
            "",
        ),
    ],
)
def test_a_pod_needs_attention_by_its_status(pod, status, trouble):
    row = pod_row(pod)
    assert (row.status, row.trouble) == (status, trouble)


def test_an_unschedulable_pod_says_why():
    row = pod_row(status_pod("Pending", conditions=[UNSCHEDULABLE]))
    assert row.why == "0/12 nodes are available: 12 Insufficient nvidia.com/gpu."
