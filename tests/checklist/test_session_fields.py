"""Session fields on a live room (the simulated cluster over HTTP) with a real journal: each
value is appended and fsync'd before it counts, reads back from the file, verifies, folds into
the same state on a reopen and on a paired war room, is redacted like a note, and a required
field left empty holds the go-live's sign-off."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from tests.checklist.conftest import LAYOUT, SPEED
from warroom.checklist.session import FieldValue, SessionState
from warroom.journal import Journal, readable_records, session_path, verify_file
from warroom.layout import parse_layout
from warroom.live.checklist import ChecklistRun, Refused
from warroom.live.room import Room, open_room
from warroom.live.session import open_session
from warroom.sim.cluster import SimCluster

Desk = Callable[[str], ChecklistRun]  # opens the session as this operator's war room
FIELDS = """
roles: {lead: Engineering lead}
session_fields:
  deployment_date: {title: Deployment Date, kind: date}
  version: {kind: version}
  environment: {choices: [Development, Staging, Production]}
  notes: {title: Additional Notes, required: false}
"""
GO = """
  - id: decide
    title: Decision
    items:
      - id: go
        title: Lead signs the go
        signoff: {role: lead, statement: Live.}
"""


@pytest.fixture
async def room(sim: SimCluster) -> AsyncIterator[Room]:
    text = LAYOUT.replace("\ntriggers:", GO.rstrip("\n") + "\ntriggers:") + FIELDS
    layout = parse_layout(text).with_overrides(context="warroom-sim", prometheus=sim.prometheus_url)
    async with open_room(layout, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as live:
        await live.sources.wait_synced(20)
        yield live


@pytest.fixture
def desk(room: Room) -> Iterator[Desk]:
    """Opens the session as an engineer's war room would; each journal closed at the end."""
    journals: list[Journal] = []

    def open_as(operator: str) -> ChecklistRun:
        journals.append(open_session(room, "golive", operator=operator, layout_path=None))
        return ChecklistRun(room, journals[-1], pace=lambda: SPEED)

    yield open_as
    for journal in journals:
        journal.close()


async def test_a_field_set_is_journalled_verified_and_folded_back(desk: Desk) -> None:
    ana = desk("ana")
    first = ana.set_field("version", " 2.0.9 ")
    ana.set_field("version", "2.1.0")  # set again: the last value counts
    ana.set_field("environment", "production")  # a choice, as the layout writes it
    now = ana.session.field_value("version")
    assert now == FieldValue("ana", now.at if now else 0.0, "2.1.0")
    assert first.payload == {"field": "version", "value": "2.0.9"}

    path = session_path("golive")
    written = [r for r in readable_records(path) if r["kind"] == "field_set"]
    assert [(r["operator"], r["payload"]) for r in written] == [
        ("ana", {"field": "version", "value": "2.0.9"}),
        ("ana", {"field": "version", "value": "2.1.0"}),
        ("ana", {"field": "environment", "value": "Production"}),
    ]
    assert all(r["at"]["cluster"] > 0 for r in written)
    checked = verify_file(path)
    assert checked.ok and checked.records == len(readable_records(path))
    opened = next(r for r in readable_records(path) if r["kind"] == "session_opened")
    assert opened["payload"]["session_fields"][2] == {
        "id": "environment", "title": "Environment", "kind": "text",
        "choices": ["Development", "Staging", "Production"], "required": True,
    }  # fmt: skip

    # Folded from the file alone, the state is the same: the history kept, the last counts.
    folded = SessionState()
    for r in readable_records(path):
        folded.apply(r["kind"], r["payload"], r["operator"], r["at"]["cluster"])
    assert [v.value for v in folded.fields["version"]] == ["2.0.9", "2.1.0"]
    assert folded.fields == ana.session.fields

    again = desk("ana")  # a restart on the same session
    assert again.session.fields == folded.fields


async def test_a_paired_war_room_sees_the_others_field_on_its_next_tick(desk: Desk) -> None:
    ana, bob = desk("ana"), desk("bob")
    ana.set_field("deployment_date", "2026-12-03")
    assert bob.session.field_value("deployment_date") is None
    bob.tick()
    seen = bob.session.field_value("deployment_date")
    assert seen is not None and (seen.operator, seen.value) == ("ana", "2026-12-03")


async def test_a_value_that_is_not_one_is_refused_and_nothing_is_written(desk: Desk) -> None:
    run = desk("ana")
    before = len(readable_records(session_path("golive")))
    for name, typed, said in (
        ("deployment_date", "tomorrow", "'tomorrow' is not a date; write Deployment Date like "
         "2026-12-03"),
        ("version", "the new one", "'the new one' is not a version; write Version as one word, "
         "like 2.1.0 or v2.1.0-rc1"),
        ("environment", "prod", "'prod' is not a choice of Environment; pick one of Development, "
         "Staging, Production"),
        ("version", "   ", "Version is empty; type its value"),
        ("owner", "ana", "there is no session field 'owner' in this layout"),
    ):  # fmt: skip
        with pytest.raises(Refused) as refused:
            run.set_field(name, typed)
        assert str(refused.value) == said
    run.set_field("version", "2.1.0")
    with pytest.raises(Refused, match=r"Version is already 2\.1\.0"):
        run.set_field("version", "2.1.0")
    assert len(readable_records(session_path("golive"))) == before + 1


async def test_a_credential_typed_into_a_field_is_redacted_as_in_a_note(desk: Desk) -> None:
    run = desk("ana")
    run.set_field("notes", "rolled with Authorization: Bearer eyJhbGciOi.abc.def by hand")
    run.note("Authorization: Bearer eyJhbGciOi.abc.def")
    raw = session_path("golive").read_text()
    assert "eyJhbGciOi" not in raw
    (field,) = [r for r in readable_records(session_path("golive")) if r["kind"] == "field_set"]
    (note,) = [r for r in readable_records(session_path("golive")) if r["kind"] == "note"]
    assert field["payload"]["value"] == "rolled with Authorization: Bearer <redacted> by hand"
    assert note["payload"]["text"] == "Authorization: Bearer <redacted>"


async def test_the_go_is_not_signed_while_a_required_field_is_empty(desk: Desk) -> None:
    run = desk("ana")
    go = run.tick().items["go"]
    assert (go.verdict, go.reason) == ("pending", "3 session fields not set")
    with pytest.raises(Refused) as refused:
        run.sign("go")
    assert str(refused.value) == (
        "Lead signs the go decides the go-live: set the session fields Deployment Date, "
        "Version, Environment first"
    )
    run.set_field("deployment_date", "2026-12-03")
    run.set_field("version", "2.1.0")
    assert run.tick().items["go"].reason == "session field Environment not set"
    run.set_field("environment", "Staging")
    assert run.tick().items["go"].reason == "to sign"  # the optional notes hold nothing
    signed = run.sign("go")
    assert run.tick().items["go"].verdict == "done"
    # What was signed carries the record's facts as they stood (the optional one not set).
    assert signed.payload["bound"]["fields"] == {
        "deployment_date": "2026-12-03",
        "version": "2.1.0",
        "environment": "Staging",
    }
