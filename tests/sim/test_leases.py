"""Leases (coordination.k8s.io/v1) over real HTTP and through the real kubectl, held to what
kube-apiserver answers: optimistic concurrency (a stale resourceVersion is 409 Conflict),
MicroTime decoding, ValidateLeaseSpec, discovery and printLease's table."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.sim.conftest import Kubectl
from tests.sim.test_api import JSON_PATCH, MERGE, STRATEGIC, Api, assert_failure, by_name
from tests.sim.test_tables import NOW, RT, cells, names
from warroom.sim.cluster import SimCluster
from warroom.sim.leases import parse_micro_time
from warroom.sim.tables import to_table

NS = "ops"
LEASES = f"/apis/coordination.k8s.io/v1/namespaces/{NS}/leases"
CONFLICT = (
    'Operation cannot be fulfilled on leases.coordination.k8s.io "{name}": the object has been '
    "modified; please apply your changes to the latest version and try again"
)


def lease(name: str, holder: str | None = "alice@laptop:4121", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name},
        "spec": dict(spec),
    }
    if holder is not None:
        body["spec"]["holderIdentity"] = holder
    return body


@pytest.fixture
async def esim() -> AsyncIterator[SimCluster]:
    """No scenario, a frozen clock and one namespace: only the test writes."""
    async with SimCluster(None, manual_clock=True) as cluster:
        rt = cluster.catalogue.get("", "v1", "namespaces")
        assert rt is not None
        cluster.registry.create(rt, "", {"metadata": {"name": NS}}, dry_run=False)
        yield cluster


@pytest.fixture
async def api(esim: SimCluster) -> AsyncIterator[Api]:
    async with esim.session() as session:
        yield Api(session, esim.url)


# ---- printLease (printers_test.go TestPrintLease) --------------------------------------------


@pytest.mark.parametrize(
    ("created", "holder", "want"),
    [
        (NOW + timedelta(seconds=1.9), "holder1", ["lease1", "holder1", "0s"]),
        (NOW - timedelta(seconds=300), "holder2", ["lease1", "holder2", "5m"]),
        (NOW - timedelta(seconds=300), None, ["lease1", "", "5m"]),
    ],
)
def test_print_lease_names_its_holder_and_age(created, holder, want):
    obj = lease("lease1", holder)
    obj["metadata"]["creationTimestamp"] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert cells("Lease", obj) == want


def test_lease_table_has_the_name_holder_and_age_columns():
    table = to_table(RT["Lease"], [lease("l")], now=NOW)
    assert names(table) == ["Name", "Holder", "Age"]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0]


# ---- MicroTime (apimachinery micro_time.go: RFC3339Micro, UTC on the way out) ---------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026-12-03T21:04:10.123456Z", datetime(2026, 12, 3, 21, 4, 10, 123456, UTC)),
        ("2026-12-03T22:04:10.000001+01:00", datetime(2026, 12, 3, 21, 4, 10, 1, UTC)),
        ("2026-12-03T20:34:10.500000-00:30", datetime(2026, 12, 3, 21, 4, 10, 500000, UTC)),
    ],
)
def test_micro_time_parses_six_fractional_digits_and_any_offset(text, want):
    assert parse_micro_time(text) == want


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2026-12-03T21:04:10Z",
            'parsing time "2026-12-03T21:04:10Z" as "2006-01-02T15:04:05.000000Z07:00": '
            'cannot parse "Z" as ".000000"',
        ),
        (
            "2026-12-03T21:04:10.123Z",
            'parsing time "2026-12-03T21:04:10.123Z" as "2006-01-02T15:04:05.000000Z07:00": '
            'cannot parse ".123Z" as ".000000"',
        ),
        (
            "2026-12-03T21:04:10.123456",
            'parsing time "2026-12-03T21:04:10.123456" as "2006-01-02T15:04:05.000000Z07:00": '
            'cannot parse "" as "Z07:00"',
        ),
        (
            "2026-12-03T21:04:10.123456Z junk",
            'parsing time "2026-12-03T21:04:10.123456Z junk": extra text: " junk"',
        ),
    ],
)
def test_micro_time_refuses_what_the_layout_does_not_fit(text, message):
    with pytest.raises(ValueError) as err:
        parse_micro_time(text)
    assert str(err.value) == message


# ---- the API ----------------------------------------------------------------------------------


async def test_leases_are_served_in_discovery(api):
    groups = {g["name"]: g for g in (await api.get("/apis")).body["groups"]}
    assert groups["coordination.k8s.io"]["preferredVersion"] == {
        "groupVersion": "coordination.k8s.io/v1",
        "version": "v1",
    }
    res = by_name(await api.get("/apis/coordination.k8s.io/v1"))
    entry = res["leases"]
    assert (entry["kind"], entry["namespaced"], entry["singularName"]) == ("Lease", True, "lease")
    assert sorted(entry["verbs"]) == sorted(
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    )
    assert "shortNames" not in entry


async def test_a_created_lease_keeps_its_spec_with_times_in_utc_microseconds(api):
    body = lease(
        "warroom-node-gpu-node-3",
        leaseDurationSeconds=15,
        acquireTime="2026-12-03T22:04:10.000000+01:00",
        renewTime="2026-12-03T21:04:10.250000Z",
        leaseTransitions=0,
    )
    created = await api.post(LEASES, body)
    assert created.status == 201, created.body
    assert created.body["spec"] == {
        "holderIdentity": "alice@laptop:4121",
        "leaseDurationSeconds": 15,
        "acquireTime": "2026-12-03T21:04:10.000000Z",
        "renewTime": "2026-12-03T21:04:10.250000Z",
        "leaseTransitions": 0,
    }
    assert "generation" not in created.meta
    got = await api.get(f"{LEASES}/warroom-node-gpu-node-3")
    assert got.body == created.body


async def test_an_update_with_a_stale_resource_version_is_a_conflict(api):
    first = (await api.post(LEASES, lease("target", leaseDurationSeconds=15))).body
    mine = json.loads(json.dumps(first))
    theirs = json.loads(json.dumps(first))
    theirs["spec"]["holderIdentity"] = "bob@desk:77"
    won = await api.put(f"{LEASES}/target", theirs)
    assert won.status == 200, won.body
    assert int(won.meta["resourceVersion"]) > int(first["metadata"]["resourceVersion"])

    mine["spec"]["renewTime"] = "2026-12-03T21:04:12.000000Z"
    lost = await api.put(f"{LEASES}/target", mine)
    assert_failure(lost, 409, "Conflict")
    assert lost.body["message"] == CONFLICT.format(name="target")
    assert lost.body["details"] == {
        "name": "target",
        "group": "coordination.k8s.io",
        "kind": "leases",
    }
    assert (await api.get(f"{LEASES}/target")).body["spec"]["holderIdentity"] == "bob@desk:77"

    current = (await api.get(f"{LEASES}/target")).body
    current["spec"]["holderIdentity"] = ""
    released = await api.put(f"{LEASES}/target", current)
    assert released.status == 200 and released.body["spec"]["holderIdentity"] == ""


async def test_a_patch_with_a_stale_resource_version_is_a_conflict_too(api):
    first = (await api.post(LEASES, lease("target"))).body
    await api.patch(f"{LEASES}/target", {"spec": {"leaseTransitions": 1}})
    stale = {
        "metadata": {"resourceVersion": first["metadata"]["resourceVersion"]},
        "spec": {"holderIdentity": "bob@desk:77"},
    }
    reply = await api.patch(f"{LEASES}/target", stale)
    assert_failure(reply, 409, "Conflict")
    assert reply.body["message"] == CONFLICT.format(name="target")


@pytest.mark.parametrize(
    ("content_type", "patch"),
    [
        (MERGE, {"spec": {"holderIdentity": "bob@desk:77", "leaseTransitions": 1}}),
        (STRATEGIC, {"spec": {"holderIdentity": "bob@desk:77", "leaseTransitions": 1}}),
        (
            JSON_PATCH,
            [
                {"op": "replace", "path": "/spec/holderIdentity", "value": "bob@desk:77"},
                {"op": "add", "path": "/spec/leaseTransitions", "value": 1},
            ],
        ),
    ],
)
async def test_each_patch_type_changes_a_lease(api, content_type, patch):
    await api.post(LEASES, lease("target", leaseDurationSeconds=15))
    reply = await api.patch(f"{LEASES}/target", patch, content_type)
    assert reply.status == 200, reply.body
    assert reply.body["spec"] == {
        "holderIdentity": "bob@desk:77",
        "leaseDurationSeconds": 15,
        "leaseTransitions": 1,
    }


async def test_lease_times_that_do_not_decode_are_refused(api):
    reply = await api.post(LEASES, lease("target", renewTime="2026-12-03T21:04:10Z"))
    assert_failure(reply, 400, "BadRequest")
    assert reply.body["message"] == (
        'Lease in version "v1" cannot be handled as a Lease: parsing time '
        '"2026-12-03T21:04:10Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as '
        '".000000"'
    )
    await api.post(LEASES, lease("target"))
    patched = await api.patch(f"{LEASES}/target", {"spec": {"acquireTime": "now"}})
    assert_failure(patched, 422, "Invalid")
    assert 'cannot parse "now" as "2006"' in patched.body["message"]
    typed = await api.post(LEASES, lease("other", leaseDurationSeconds="15"))
    assert_failure(typed, 400, "BadRequest")
    assert typed.body["message"] == (
        'Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal string '
        "into Go struct field spec.leaseDurationSeconds of type int32"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"leaseDurationSeconds": 0},
            'Lease.coordination.k8s.io "target" is invalid: spec.leaseDurationSeconds: '
            "Invalid value: 0: must be greater than 0",
        ),
        (
            {"leaseTransitions": -1},
            'Lease.coordination.k8s.io "target" is invalid: spec.leaseTransitions: '
            "Invalid value: -1: must be greater than or equal to 0",
        ),
    ],
)
async def test_validate_lease_spec_refuses_a_non_positive_duration_and_negative_transitions(
    api, spec, message
):
    reply = await api.post(LEASES, lease("target", **spec))
    assert_failure(reply, 422, "Invalid")
    assert reply.body["message"] == message
    await api.post(LEASES, lease("target"))
    updated = await api.patch(f"{LEASES}/target", {"spec": spec})
    assert_failure(updated, 422, "Invalid")
    assert updated.body["message"] == message


async def test_the_coordinated_election_fields_are_dropped_with_their_gate_off(api):
    body = lease("target", strategy="OldestEmulationVersion", preferredHolder="bob")
    created = await api.post(LEASES, body)
    assert created.status == 201
    assert "strategy" not in created.body["spec"]
    assert "preferredHolder" not in created.body["spec"]


async def test_dry_run_create_stores_nothing(api):
    reply = await api.post(LEASES, lease("target"), dryRun="All")
    assert reply.status == 201 and reply.body["spec"]["holderIdentity"] == "alice@laptop:4121"
    assert_failure(await api.get(f"{LEASES}/target"), 404, "NotFound")


async def test_a_watch_sees_a_lease_taken_renewed_and_deleted(api):
    listed = await api.get(LEASES)
    assert listed.body["kind"] == "LeaseList" and listed.items == []
    params = {
        "watch": "1",
        "resourceVersion": listed.meta["resourceVersion"],
        "timeoutSeconds": "10",
    }
    async with api.session.get(api.url + LEASES, params=params) as stream:
        assert stream.status == 200
        created = (await api.post(LEASES, lease("target"))).body
        created["spec"]["renewTime"] = "2026-12-03T21:04:12.000000Z"
        await api.put(f"{LEASES}/target", created)
        await api.delete(f"{LEASES}/target")
        seen: list[tuple[str, str | None]] = []
        async with asyncio.timeout(5):
            async for line in stream.content:
                if not line.strip():
                    continue
                event = json.loads(line)
                seen.append((event["type"], event["object"]["spec"].get("renewTime")))
                if event["type"] == "DELETED":
                    break
    assert seen == [
        ("ADDED", None),
        ("MODIFIED", "2026-12-03T21:04:12.000000Z"),
        ("DELETED", "2026-12-03T21:04:12.000000Z"),
    ]


# ---- kubectl -----------------------------------------------------------------------------------


def _manifest(kubectl: Kubectl, name: str, body: dict[str, Any]) -> str:
    path = Path(kubectl.cache_dir).parent / f"{name}.json"
    path.write_text(json.dumps(body))
    return str(path)


@pytest.mark.kubectl
async def test_kubectl_gets_leases_as_it_prints_them(kubectl: Kubectl) -> None:
    held = lease("warroom-node-gpu-node-3", leaseDurationSeconds=15)
    held["metadata"]["namespace"] = "bizra-prod"
    free = lease("warroom-deployment-bizra-inference", holder="")
    free["metadata"]["namespace"] = "bizra-prod"
    for name, body in (("held", held), ("free", free)):
        await kubectl.ok("create", "--validate=false", "-f", _manifest(kubectl, name, body))
    out = (await kubectl.ok("get", "leases", "-n", "bizra-prod")).splitlines()
    assert out[0].split() == ["NAME", "HOLDER", "AGE"]
    rows = {line.split()[0]: line.split()[1:] for line in out[1:]}
    assert rows["warroom-node-gpu-node-3"][0] == "alice@laptop:4121"
    assert len(rows["warroom-deployment-bizra-inference"]) == 1  # no holder: the age alone

    resources = (await kubectl.ok("api-resources", "--api-group=coordination.k8s.io")).splitlines()
    assert resources[1].split() == ["leases", "coordination.k8s.io/v1", "true", "Lease"]

    stale = await kubectl(
        "replace",
        "--validate=false",
        "-f",
        _manifest(
            kubectl, "stale", {**held, "metadata": {**held["metadata"], "resourceVersion": "1"}}
        ),
    )
    assert stale.returncode == 1
    assert CONFLICT.format(name="warroom-node-gpu-node-3") in stale.stderr
    assert "yes" in await kubectl.ok("auth", "can-i", "update", "leases", "-n", "bizra-prod")
