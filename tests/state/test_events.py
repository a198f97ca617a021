"""The timeline: newest first, and rows rebuilt only for events that changed."""

from __future__ import annotations

from warroom.kinds.times import human_duration
from warroom.state.events import EventRow, Timeline

NOW = 1_795_000_000.0


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
