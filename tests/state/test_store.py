"""The store: ObjectCache, the reflector's in-memory sink, its indexes and its version counter."""

from __future__ import annotations

from typing import Any

from warroom.state.store import NewestCache, ObjectCache


def pod(
    name: str,
    rv: int,
    *,
    uid: str | None = None,
    ns: str = "prod",
    node: str = "",
    owner: str = "",
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": ns,
        "uid": uid or f"uid-{name}",
        "resourceVersion": str(rv),
    }
    if owner:
        meta["ownerReferences"] = [{"uid": owner, "kind": "ReplicaSet", "name": "rs"}]
    return {"kind": "Pod", "metadata": meta, "spec": {"nodeName": node} if node else {}}


def uids(objs: list[dict[str, Any]]) -> set[str]:
    return {o["metadata"]["uid"] for o in objs}


def test_events_update_every_index_and_bump_the_version() -> None:
    cache = ObjectCache()
    cache.apply("ADDED", pod("a", 2, node="n1", owner="rs1"))
    cache.apply("ADDED", pod("b", 3, node="n1", owner="rs1", ns="dev"))
    assert cache.version == 2 and cache.resource_version == "3"
    assert uids(cache.on_node("n1")) == {"uid-a", "uid-b"}
    assert uids(cache.owned_by("rs1")) == {"uid-a", "uid-b"}
    assert uids(cache.in_namespace("dev")) == {"uid-b"}

    cache.apply("MODIFIED", pod("a", 4, node="n2"))  # rescheduled and orphaned
    assert uids(cache.on_node("n1")) == {"uid-b"}
    assert uids(cache.on_node("n2")) == {"uid-a"}
    assert uids(cache.owned_by("rs1")) == {"uid-b"}

    cache.apply("DELETED", pod("b", 5, ns="dev"))
    assert cache.get("dev", "b") is None and "uid-b" not in cache
    assert cache.on_node("n1") == [] and cache.owned_by("rs1") == []
    assert cache.in_namespace("dev") == []
    assert cache.version == 4 and len(cache) == 1


def test_objects_are_kept_as_given_without_copies() -> None:
    cache = ObjectCache()
    obj = pod("a", 2)
    cache.apply("ADDED", obj)
    assert cache.by_uid("uid-a") is obj
    assert cache.get("prod", "a") is obj


def test_replace_keeps_unchanged_objects_and_drops_the_gone() -> None:
    cache = ObjectCache()
    kept, changed, gone = pod("kept", 2), pod("changed", 3), pod("gone", 4, node="n1")
    for obj in (kept, changed, gone):
        cache.apply("ADDED", obj)
    version = cache.version

    newer = pod("changed", 7)
    cache.replace([pod("kept", 2), newer, pod("new", 8)], "9")
    assert cache.version == version + 1  # one change for the whole list
    assert cache.by_uid("uid-kept") is kept  # same version: the old dict stays
    assert cache.by_uid("uid-changed") is newer
    assert cache.get("prod", "gone") is None and cache.on_node("n1") == []
    assert cache.keys() == {("prod", "kept"), ("prod", "changed"), ("prod", "new")}
    assert cache.resource_version == "9"

    cache.replace([pod("kept", 2), newer, pod("new", 8)], "10")
    assert cache.version == version + 1  # nothing changed, nothing to redraw


def test_recreated_object_replaces_the_old_uid_under_the_same_name() -> None:
    cache = ObjectCache()
    cache.apply("ADDED", pod("web", 2, uid="old", node="n1"))
    cache.apply("ADDED", pod("web", 5, uid="new", node="n2"))
    assert len(cache) == 1 and "old" not in cache
    assert cache.on_node("n1") == [] and uids(cache.on_node("n2")) == {"new"}


def test_delete_without_uid_finds_the_object_by_name() -> None:
    cache = ObjectCache()
    cache.apply("ADDED", pod("a", 2))
    gone = pod("a", 3)
    del gone["metadata"]["uid"]
    cache.apply("DELETED", gone)
    assert len(cache) == 0


def test_bookmark_moves_the_resource_version_but_not_the_version() -> None:
    cache = ObjectCache()
    cache.apply("ADDED", pod("a", 2))
    cache.bookmark("40")
    assert cache.resource_version == "40" and cache.version == 1


def test_a_watch_storm_is_applied_one_event_at_a_time() -> None:
    cache = ObjectCache()
    for i in range(20_000):
        cache.apply("ADDED" if i < 1000 else "MODIFIED", pod(f"p{i % 1000}", i, node=f"n{i % 7}"))
    assert len(cache) == 1000 and cache.version == 20_000
    assert sum(len(cache.on_node(f"n{i}")) for i in range(7)) == 1000


def test_tracking_names_every_put_and_removed_uid_once_until_read() -> None:
    cache = ObjectCache()
    cache.replace([pod("a", 1), pod("b", 1)], "1")
    changed = cache.track()
    assert changed == {"uid-a", "uid-b"}  # what is there already counts as new to the reader
    changed.clear()
    cache.apply("MODIFIED", pod("a", 2))
    cache.apply("MODIFIED", pod("a", 3))
    cache.apply("DELETED", pod("b", 4))
    cache.apply("ADDED", pod("c", 5))
    assert changed == {"uid-a", "uid-b", "uid-c"}
    changed.clear()
    cache.replace([pod("a", 3), pod("c", 5)], "6")  # a relist with nothing new
    assert changed == set()
    cache.apply("ADDED", pod("c", 7, uid="uid-c2"))  # recreated under the same name
    assert changed == {"uid-c", "uid-c2"}
    cache.untrack(changed)
    changed.clear()
    cache.apply("MODIFIED", pod("a", 8))
    assert changed == set()


def test_node_counts_come_from_the_node_index() -> None:
    cache = ObjectCache()
    cache.replace([pod("a", 1, node="n1"), pod("b", 1, node="n1"), pod("c", 1, node="n2")], "1")
    assert cache.node_counts() == {"n1": 2, "n2": 1}
    cache.apply("MODIFIED", pod("b", 2, node="n2"))
    cache.apply("DELETED", pod("a", 3, node="n1"))
    assert cache.node_counts() == {"n2": 2}


def event(name: str, rv: int, when: float) -> dict[str, Any]:
    obj = pod(name, rv)
    obj["when"] = when
    return obj


def newest(limit: int) -> NewestCache:
    return NewestCache(limit, lambda obj: float(obj["when"]))


def test_newest_cache_keeps_only_the_newest_objects() -> None:
    cache = newest(3)
    for i, when in enumerate([5, 1, 9, 3, 7, 2]):
        cache.apply("ADDED", event(f"e{i}", i + 1, when))
    assert sorted(o["when"] for o in cache) == [5, 7, 9]
    assert cache.get("prod", "e1") is None and cache.keys() == {
        ("prod", "e0"),
        ("prod", "e2"),
        ("prod", "e4"),
    }


def test_newest_cache_an_old_event_seen_again_counts_as_new() -> None:
    cache = newest(2)
    cache.apply("ADDED", event("old", 1, 1))
    cache.apply("ADDED", event("mid", 2, 2))
    cache.apply("MODIFIED", event("old", 3, 10))  # the same event again: lastTimestamp moves
    cache.apply("ADDED", event("new", 4, 5))
    assert sorted(o["metadata"]["name"] for o in cache) == ["new", "old"]
    cache.apply("DELETED", event("mid", 5, 2))  # already dropped: nothing to do, no error
    assert len(cache) == 2


def test_newest_cache_relist_takes_the_newest_and_stays_bounded_under_churn() -> None:
    cache = newest(100)
    cache.replace([event(f"e{i}", i, float(i)) for i in range(1000)], "1000")
    assert len(cache) == 100 and min(o["when"] for o in cache) == 900
    for step in range(5000):  # the same events changing over and over
        i = 900 + step % 100
        cache.apply("MODIFIED", event(f"e{i}", 1000 + step, 1000.0 + step))
    assert len(cache) == 100
    assert len(cache._heap) <= 4 * 100 + 64 + 1  # superseded entries are pruned
    assert min(o["when"] for o in cache) == 1000.0 + 4900
