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


def test_the_banner_says_each_failing_server_once_in_a_short_line() -> None:
    lost = "lost the watch of pods in namespace ns (connection refused); retrying in 1.6 s"
    sources = (
        Freshness("pods in namespace ns", "failed", 3.0, True, lost, "API server", "refused"),
        Freshness("nodes", "failed", 4.0, True, lost, "API server", "refused"),
        Freshness("events in namespace ns", "ok", 0.0, False, None, "API server"),
        Freshness(
            "Prometheus at http://prom:9090",
            "failed",
            12.0,
            True,
            "Prometheus at http://prom:9090: connection refused; is it running?",
            "Prometheus",
            "connection refused",
        ),
        Freshness("ssh gpu-box", "failed", None, True, "gpu-box: host key does not match"),
    )
    assert banner_lines(sources) == (
        "⚠ API server: refused — 2 watches (data 4s old)",
        "⚠ Prometheus: connection refused (data 12s old)",
        "⚠ ssh gpu-box: gpu-box: host key does not match (no data yet)",
    )
    many = tuple(
        Freshness(f"s{i}", "failed", 1.0, True, f"error {i}", f"server {i}") for i in range(5)
    )
    assert banner_lines(many)[-1] == "⚠ and 2 more failing"
    assert len(banner_lines(many)) == 4
