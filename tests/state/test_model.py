"""The room's model: each part rebuilt only when what it reads moved, and never stuck."""

from __future__ import annotations

from warroom.state.freshness import Freshness
from warroom.state.model import RoomModel, banner_lines
from warroom.state.picture import OWN_TIMELINE, ClusterPicture
from warroom.state.room import RoomSnapshot, Targets

NOW = 1_795_000_000.0


def model_of(picture: ClusterPicture, sources: tuple[Freshness, ...] = ()) -> RoomModel:
    return RoomModel(lambda: RoomSnapshot(picture, sources=sources), Targets(), clock=lambda: NOW)


def test_the_war_rooms_own_entries_keep_arriving_after_the_timeline_is_full() -> None:
    picture = ClusterPicture(["ns"], clock=lambda: NOW)
    model = model_of(picture)
    for i in range(OWN_TIMELINE + 100):
        picture.note("Drill", f"note {i}")
    model.refresh()
    first = model.events()
    assert first.value[0].message == f"note {OWN_TIMELINE + 99}"
    picture.note("Drill", "one more")  # the deque is full: its length no longer moves
    model.refresh()
    second = model.events()
    assert second.version > first.version
    assert any(row.message == "one more" for row in second.value)
    assert len(second.value) == OWN_TIMELINE


def test_a_part_is_rebuilt_only_when_its_inputs_move() -> None:
    picture = ClusterPicture(["ns"], clock=lambda: NOW)
    model = model_of(picture)
    model.refresh()
    assert model.nodes() is model.nodes()
    before = model.nodes()
    picture.cache("nodes").apply(
        "ADDED", {"metadata": {"uid": "n1", "name": "gpu-node-1", "resourceVersion": "2"}}
    )
    after = model.nodes()
    assert after.version == before.version + 1
    assert [row.name for row in after.value.rows] == ["gpu-node-1"]


def test_the_banner_names_each_failing_source_once() -> None:
    down = "Prometheus at http://prom:9090 is unreachable (connection refused)"
    sources = (
        Freshness("pods in namespace ns", "ok", 0.0, False),
        Freshness("signal p95", "failed", 12.0, True, down),
        Freshness("GPUs", "failed", 12.0, True, down),  # the same server, the same sentence
        Freshness("deployments in namespace ns", "failed", None, True, "lost the watch (503)"),
    )
    assert banner_lines(sources) == (
        f"⚠ {down} (data 12s old)",
        "⚠ lost the watch (503) (no data yet)",
    )
    many = tuple(Freshness(f"s{i}", "failed", 1.0, True, f"error {i}") for i in range(5))
    assert banner_lines(many)[-1] == "⚠ and 2 more failing sources"
    assert len(banner_lines(many)) == 4
