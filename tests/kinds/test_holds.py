"""Other warrooms' holds read from the war room's Leases, as the screen says them: who (the
operator of holderIdentity), what, since when, and which Leases are no hold at all (free,
released, lapsed on the cluster's clock, or this process's own)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from warroom.actions.lease_record import decide
from warroom.kinds.holds import hold_of, holds_in_force, operator_of, seconds_words
from warroom.kinds.lease import LeaseRecord, micro_time

NOW = datetime(2026, 11, 30, 21, 4, 10, 500000, UTC).timestamp()
NS = "bizra-prod"
NAME = "warroom-deployment-bizra-inference"
OURS = "@laptop:4121"


def lease(
    holder: str = "ana@desk:77",
    *,
    acquired: float | None = NOW - 12,
    renewed: float | None = NOW - 2,
    duration: int = 15,
    annotations: dict[str, str] | None = None,
    name: str = NAME,
) -> dict[str, Any]:
    """A Lease as the API server answers it."""
    spec: dict[str, Any] = {"holderIdentity": holder, "leaseDurationSeconds": duration}
    if acquired is not None:
        spec["acquireTime"] = micro_time(acquired)
    if renewed is not None:
        spec["renewTime"] = micro_time(renewed)
    meta: dict[str, Any] = {"name": name, "namespace": NS,
                            "labels": {"app.kubernetes.io/managed-by": "warroom"}}  # fmt: skip
    meta["annotations"] = (
        {"warroom/action": "rolling back", "warroom/target": f"Deployment {NS}/bizra-inference"}
        if annotations is None
        else annotations
    )
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta,
            "spec": spec}  # fmt: skip


@pytest.mark.parametrize(
    ("identity", "operator"),
    [
        ("ana@laptop:4121", "ana"),
        ("ana@example.com@laptop:4121", "ana@example.com"),  # only the last @ parts the host
        ("ana", "ana"),  # written by something else: the whole identity
        ("@laptop:4121", "@laptop:4121"),  # no operator before the @: the whole identity
        ("", ""),
    ],
)
def test_the_operator_of_a_holder_identity(identity: str, operator: str) -> None:
    assert operator_of(identity) == operator


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0, "0 s"), (12.9, "12 s"), (59, "59 s"), (60, "1 min"), (245, "4 min 5 s"),
     (3600, "1 h"), (7380, "2 h 3 min"), (-3, "0 s")],
)  # fmt: skip
def test_how_long_a_hold_has_lasted(seconds: float, words: str) -> None:
    assert seconds_words(seconds) == words


def test_a_hold_says_who_what_and_for_how_long() -> None:
    hold = hold_of(lease(), NOW)
    assert hold is not None
    assert hold.lease == (NS, NAME)
    assert (hold.holder, hold.operator, hold.action) == ("ana@desk:77", "ana", "rolling back")
    assert hold.target == f"Deployment {NS}/bizra-inference"
    assert hold.line("bizra-inference") == "ana is rolling back bizra-inference (12 s)"
    refusal = hold.refusal("bizra-inference")
    assert refusal.startswith("ana is rolling back bizra-inference (for 12 s, since ")
    assert refusal.endswith("from another warroom (ana@desk:77); wait or ask them")


@pytest.mark.parametrize(
    ("case", "obj", "held"),
    [
        ("renewed 2 s ago, for 15 s", lease(), True),
        ("lapsed: renewed 16 s ago, for 15 s", lease(renewed=NOW - 16), False),
        ("lapses this very moment", lease(renewed=NOW - 15), False),  # until > now, or not
        ("renewed ahead of our clock", lease(renewed=NOW + 5), True),
        ("released: no holder", lease(""), False),
        ("never renewed", lease(renewed=None), False),
        ("ours, whoever has the keyboard", lease(f"bob{OURS}"), False),
        ("ours handed over", lease(f"ana{OURS}"), False),
        ("another process on our host", lease("ana@laptop:4122"), True),
        ("the same pid on another host", lease("ana@desktop:4121"), True),
    ],
)
def test_which_leases_are_another_warrooms_hold(case: str, obj: dict[str, Any], held: bool) -> None:
    assert (hold_of(obj, NOW, OURS) is not None) is held, case


@pytest.mark.parametrize(
    ("obj", "held"),
    [
        (lease(), True),
        (lease(renewed=NOW - 16), False),
        (lease(renewed=NOW - 15), False),
        (lease(""), False),
        (lease(renewed=None), False),
    ],
)
def test_a_hold_counts_exactly_when_the_lock_would_refuse(obj: dict[str, Any], held: bool) -> None:
    """The screen's reading and the lock's rule (lease_record.decide) agree on every case."""
    refused = type(decide(LeaseRecord.of(obj), "bob@other:1", NOW, 15)).__name__ == "Refuse"
    assert (hold_of(obj, NOW) is not None) is held is refused


def test_a_lease_without_annotations_still_holds_its_target() -> None:
    hold = hold_of(lease(annotations={}), NOW)
    assert hold is not None and (hold.action, hold.target) == ("", "")
    assert hold.line("bizra-inference") == "ana is acting on bizra-inference (12 s)"
    assert "ana is acting on bizra-inference (for 12 s" in hold.refusal("bizra-inference")


def test_a_lease_without_acquire_time_says_no_duration() -> None:
    hold = hold_of(lease(acquired=None), NOW)
    assert hold is not None and hold.held_for is None
    assert hold.line("bizra-inference") == "ana is rolling back bizra-inference"
    assert hold.refusal("bizra-inference") == (
        "ana is rolling back bizra-inference from another warroom (ana@desk:77); wait or ask them"
    )


def test_a_malformed_lease_is_no_hold() -> None:
    bad = lease()
    bad["spec"] = {"holderIdentity": 7, "renewTime": "yesterday", "leaseDurationSeconds": "15"}
    assert hold_of(bad, NOW) is None
    bad["metadata"]["annotations"] = {"warroom/action": ["not", "text"]}
    bad["spec"] = lease()["spec"]
    hold = hold_of(bad, NOW)
    assert hold is not None and hold.action == ""


def test_holds_in_force_are_keyed_by_their_lease() -> None:
    marks = {"warroom/action": "draining", "warroom/target": "Node gpu-node-3"}
    node = lease("bob@desk:9", name="warroom-node-gpu-node-3", annotations=marks)
    free = lease("", name="warroom-deployment-free")
    mine = lease(f"me{OURS}", name="warroom-deployment-mine")
    leases = [lease(), node, free, mine]
    holds = holds_in_force(leases, NOW, OURS)
    assert sorted(holds) == [(NS, NAME), (NS, "warroom-node-gpu-node-3")]
    assert holds[(NS, "warroom-node-gpu-node-3")].line("gpu-node-3") == (
        "bob is draining gpu-node-3 (12 s)"
    )
