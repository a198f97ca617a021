"""The pairing lock's rule, held to client-go's leader election tests
(tools/leaderelection/leaderelection_test.go): TestTryAcquireOrRenew's table, testReleaseLease
and TestLeaseSpecToLeaderElectionRecordRoundTrip.

client-go's cases say when a record was last seen to change (observedTime: far past, now,
far future); here that moment is the record's renewTime, on the server's clock. Each case's
Lease is written as the server would hold it and read through LeaseRecord.of, as the lock
reads it. The identity is "baz" and the lease duration 10 s, as in the Go test.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warroom.actions.lease_record import (
    LeaseRecord,
    Refuse,
    Take,
    decide,
    micro_time,
    released,
    renewed,
)

ME = "baz"
DURATION = 10
# With a fraction of a second the micro times must keep.
NOW = datetime(2026, 11, 30, 0, 53, 20, 250000, UTC).timestamp()
PAST = NOW - 1000 * 3600
FUTURE = NOW + 1000 * 3600


def lease(**spec: object) -> dict[str, object]:
    """A Lease as the API server answers it, its spec as given."""
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "bar", "namespace": "foo"},
        "spec": spec,
    }


def led(holder: str, renewed_at: float | None = None, duration: int | None = None) -> dict:
    spec: dict[str, object] = {"holderIdentity": holder}
    if renewed_at is not None:
        spec["renewTime"] = micro_time(renewed_at)
    if duration is not None:
        spec["leaseDurationSeconds"] = duration
    return lease(**spec)


# name, the lease found (None: no object), expect success, transition, holder afterwards
TRY_ACQUIRE_OR_RENEW = [
    ("acquire from no object", None, True, False, ME),
    ("acquire from object without annotations", lease(), True, True, ME),
    ("acquire from unled object", lease(**LeaseRecord().spec()), True, True, ME),
    ("acquire from led, unacked object", led("bing", PAST), True, True, ME),
    ("acquire from empty led, acked object", led("", FUTURE), True, True, ME),
    ("don't acquire from led, acked object", led("bing", FUTURE), False, False, "bing"),
    ("renew already acquired object", led(ME, FUTURE), True, False, ME),
]


@pytest.mark.parametrize(
    ("found", "succeeds", "transition", "holder"),
    [case[1:] for case in TRY_ACQUIRE_OR_RENEW],
    ids=[case[0] for case in TRY_ACQUIRE_OR_RENEW],
)
def test_try_acquire_or_renew(found, succeeds, transition, holder):
    observed = None if found is None else LeaseRecord.of(found)
    decision = decide(observed, ME, NOW, DURATION)
    if not succeeds:
        assert isinstance(decision, Refuse)
        assert decision.holder.holder == holder
        return
    assert isinstance(decision, Take)
    assert decision.create is (found is None)
    assert decision.transition is transition
    record = decision.record
    assert record.holder == holder
    # The Go test: LeaderTransitions is 1 after a transition, else 0.
    assert record.transitions == (1 if transition else 0)
    assert (record.duration, record.renewed) == (DURATION, NOW)


def test_acquire_from_led_object_with_the_lease_duration_seconds():
    """Refused while the holder's 3 s run, taken once they have (the Go test's retryAfter)."""
    found = LeaseRecord.of(led("bing", NOW, duration=3))
    first = decide(found, ME, NOW, DURATION)
    assert isinstance(first, Refuse) and first.holder.holder == "bing"
    assert first.holder.until == NOW + 3
    almost = decide(found, ME, NOW + 2.999, DURATION)
    assert isinstance(almost, Refuse)
    # isLeaseValid: observedTime + duration After(now); at exactly +3 s it has lapsed.
    then = decide(found, ME, NOW + 3, DURATION)
    assert isinstance(then, Take) and then.transition and not then.create
    assert (then.record.holder, then.record.transitions) == (ME, 1)


def test_a_renewal_keeps_the_acquire_time_and_the_transitions():
    mine = LeaseRecord(ME, DURATION, acquired=NOW - 60, renewed=NOW - 5, transitions=4)
    decision = decide(LeaseRecord.of(lease(**mine.spec())), ME, NOW, DURATION)
    assert isinstance(decision, Take) and not decision.transition
    assert decision.record == LeaseRecord(ME, DURATION, NOW - 60, NOW, 4)


def test_our_own_lapsed_lease_is_renewed_not_taken_over():
    """tryAcquireOrRenew refuses only when another holder's lease is valid: a holder whose
    lease lapsed unnoticed renews it, counting no hand-over."""
    mine = LeaseRecord(ME, DURATION, acquired=PAST, renewed=PAST, transitions=2)
    decision = decide(mine, ME, NOW, DURATION)
    assert isinstance(decision, Take) and not decision.transition
    assert (decision.record.acquired, decision.record.transitions) == (PAST, 2)


def test_taking_over_counts_one_more_transition_and_restarts_the_acquire_time():
    theirs = LeaseRecord("bing", 3, acquired=PAST, renewed=PAST, transitions=6)
    decision = decide(theirs, ME, NOW, DURATION)
    assert isinstance(decision, Take) and decision.transition
    assert decision.record == LeaseRecord(ME, DURATION, NOW, NOW, 7)


def test_the_fast_path_renews_only_the_renew_time():
    held = LeaseRecord(ME, DURATION, acquired=NOW - 60, renewed=NOW - 5, transitions=1)
    assert renewed(held, NOW) == LeaseRecord(ME, DURATION, NOW - 60, NOW, 1)


# ---- testReleaseLease, tryRelease ---------------------------------------------------------


def test_release_acquired_lock_from_no_object():
    taken = decide(None, ME, NOW, DURATION)
    assert isinstance(taken, Take) and taken.create
    record = released(taken.record, ME, NOW + 1)
    assert record is not None
    assert record.holder == ""
    # tryRelease: LeaseDurationSeconds 1, RenewTime and AcquireTime now, transitions kept.
    assert record == LeaseRecord("", 1, NOW + 1, NOW + 1, taken.record.transitions)
    assert record.spec()["holderIdentity"] == ""  # written, not left out


def test_release_leaves_a_lease_that_names_another_holder_alone():
    assert released(LeaseRecord("bing", DURATION, NOW, NOW), ME, NOW) is None
    assert released(LeaseRecord(), ME, NOW) is None


def test_a_released_lease_is_free_to_take_at_once():
    record = released(LeaseRecord("bing", DURATION, NOW, NOW, 3), "bing", NOW)
    assert record is not None and not record.held(NOW)
    decision = decide(record, ME, NOW, DURATION)
    assert isinstance(decision, Take) and decision.record.transitions == 4


# ---- TestLeaseSpecToLeaderElectionRecordRoundTrip ----------------------------------------


def test_lease_spec_to_leader_election_record_round_trip():
    old = LeaseRecord("foo", 10, acquired=NOW, renewed=NOW + 0.5, transitions=1)
    spec = old.spec()
    assert spec == {
        "holderIdentity": "foo",
        "leaseDurationSeconds": 10,
        "leaseTransitions": 1,
        "acquireTime": "2026-11-30T00:53:20.250000Z",
        "renewTime": "2026-11-30T00:53:20.750000Z",
    }
    assert LeaseRecord.of(lease(**spec)) == old


def test_absent_or_mistyped_fields_read_as_zero_values():
    record = LeaseRecord.of(
        lease(holderIdentity=7, leaseDurationSeconds="15", leaseTransitions=True, renewTime="x")
    )
    assert record == LeaseRecord()
    assert not record.held(NOW) and record.until is None
