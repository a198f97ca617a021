"""PodIndex keeps each selection as a full scan would find it, while pods come, change labels,
turn Ready, restart and go; and it judges nothing again for changes the checks do not read."""

from __future__ import annotations

import random
from typing import Any

from warroom.checklist.pod_index import PodIndex
from warroom.kinds.labels import parse_selector
from warroom.kinds.pod import pod_status
from warroom.state.store import ObjectCache

NS = "shop"
SELECTORS = ["app=web", "app=web,tier!=cache", "tier in (web,api),!canary", "", "app notin (web)"]


def pod(
    name: str,
    labels: dict[str, str],
    *,
    ready: bool = True,
    restarts: int = 0,
    deleting: bool = False,
    note: str = "",
    rv: int = 1,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": NS,
        "uid": f"uid-{name}",
        "labels": labels,
        "resourceVersion": str(rv),
        "annotations": {"note": note},
    }
    if deleting:
        meta["deletionTimestamp"] = "2026-12-02T10:00:00Z"
    return {
        "metadata": meta,
        "spec": {"containers": [{"name": "app"}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "containerStatuses": [
                {"name": "app", "ready": ready, "restartCount": restarts, "state": {"running": {}}}
            ],
        },
    }


def scanned(cache: ObjectCache, selector: str) -> tuple[set[str], int, int]:
    """What a full scan finds: the names picked, how many are Ready, the most restarts."""
    chosen = parse_selector(selector)
    picked = [p for p in cache if chosen.matches(p["metadata"].get("labels"))]
    ready = sum(
        1
        for p in picked
        if not p["metadata"].get("deletionTimestamp")
        and any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"]["conditions"])
    )
    return (
        {p["metadata"]["name"] for p in picked},
        ready,
        max((pod_status(p).restarts for p in picked), default=0),
    )


def held(index: PodIndex, selector: str) -> tuple[set[str], int, int]:
    chosen = index.select(selector)
    return {f.name for f in chosen.members.values()}, chosen.ready, chosen.worst()[0]


def test_selections_follow_a_random_churn_as_a_full_scan_sees_it() -> None:
    rng = random.Random(7)
    cache = ObjectCache()
    index = PodIndex(cache)
    names = [f"p{i}" for i in range(40)]
    label_sets = [
        {"app": "web", "tier": "web"},
        {"app": "web", "tier": "cache"},
        {"app": "api", "tier": "api"},
        {"app": "api", "tier": "web", "canary": "true"},
        {},
    ]
    for step in range(600):
        name = rng.choice(names)
        rv = step + 1
        if rng.random() < 0.15:
            cache.apply("DELETED", pod(name, {}, rv=rv))
        else:
            cache.apply(
                "MODIFIED",
                pod(
                    name,
                    dict(rng.choice(label_sets)),
                    ready=rng.random() < 0.7,
                    restarts=rng.randrange(6),
                    deleting=rng.random() < 0.05,
                    rv=rv,
                ),
            )
        selector = SELECTORS[step % len(SELECTORS)]
        assert held(index, selector) == scanned(cache, selector), (step, selector)
    for selector in SELECTORS:
        assert held(index, selector) == scanned(cache, selector)


def test_a_selection_made_late_starts_from_every_pod_already_there() -> None:
    cache = ObjectCache()
    cache.replace([pod("a", {"app": "web"}), pod("b", {"app": "web"}, ready=False)], "5")
    index = PodIndex(cache)
    assert held(index, "app=web") == ({"a", "b"}, 1, 0)


def test_the_most_restarted_is_found_again_when_it_goes() -> None:
    cache = ObjectCache()
    index = PodIndex(cache)
    cache.apply("ADDED", pod("a", {"app": "web"}, restarts=2))
    cache.apply("ADDED", pod("b", {"app": "web"}, restarts=9))
    assert index.select("app=web").worst() == (9, "b")
    cache.apply("MODIFIED", pod("b", {"app": "other"}, restarts=9, rv=2))  # relabelled away
    assert index.select("app=web").worst() == (2, "a")
    cache.apply("MODIFIED", pod("a", {"app": "web"}, restarts=4, rv=3))
    assert index.select("app=web").worst() == (4, "a")
    cache.apply("DELETED", pod("a", {"app": "web"}, rv=4))
    chosen = index.select("app=web")
    assert chosen.worst() == (0, "") and not chosen.members


def test_a_change_the_checks_do_not_read_leaves_the_version_alone() -> None:
    cache = ObjectCache()
    index = PodIndex(cache)
    cache.apply("ADDED", pod("a", {"app": "web"}))
    chosen = index.select("app=web")
    before = chosen.version
    for i in range(5):  # an annotation written again and again, as controllers do
        cache.apply("MODIFIED", pod("a", {"app": "web"}, note=f"n{i}", rv=2 + i))
    assert index.select("app=web").version == before
    cache.apply("MODIFIED", pod("a", {"app": "web"}, ready=False, rv=10))
    assert index.select("app=web").version == before + 1
    assert index.select("app=web").ready == 0


def test_pods_of_a_selection_are_the_cached_objects() -> None:
    cache = ObjectCache()
    index = PodIndex(cache)
    cache.apply("ADDED", pod("a", {"app": "web"}))
    cache.apply("ADDED", pod("b", {"app": "api"}))
    picked = list(index.pods(index.select("app=web")))
    assert [p["metadata"]["name"] for p in picked] == ["a"]
    assert picked[0] is cache.get(NS, "a")
