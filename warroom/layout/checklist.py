"""The go-live checklist of a layout: phases of items, rollback triggers, sign-off roles."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cached_property
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, model_validator

from warroom.layout.checks import (
    CHECK_KINDS,
    Check,
    CommandCheck,
    EventsCheck,
    ExistsCheck,
    FieldCheck,
    HpaCheck,
    HttpCheck,
    NodesCheck,
    PodsCheck,
    RestartsCheck,
    RollbackCheck,
    RolloutCheck,
    Signoff,
    SoakCheck,
    SshCheck,
    Threshold,
)
from warroom.layout.durations import Duration
from warroom.layout.errors import FieldProblems
from warroom.layout.fields import Namespace, ObjectName, OptionalText, Text, WholeNumber

_FROZEN = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
_ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_AT_RE = re.compile(r"T(?:(?P<sign>[+-])(?P<amount>\w+))?")


def _id(value: str) -> str:
    if len(value) > 63 or _ID_RE.fullmatch(value) is None:
        raise ValueError(
            f"{value!r} is not an id; use lowercase letters, digits, '-' and '_', "
            "like pre-deploy or p95_gate"
        )
    return value


ItemId = Annotated[Text, AfterValidator(_id)]


def parse_offset(text: str) -> timedelta:
    """`T-6h` → -6 h, `T+30m` → 30 min, `T` → 0: a moment relative to the go-live time."""
    from warroom.layout.durations import parse_duration

    match = _AT_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a go-live offset; write it like T-6h, T-30m, T or T+1h")
    if match.group("sign") is None:
        return timedelta()
    try:
        amount = parse_duration(match.group("amount"))
    except ValueError:
        # Name what was written (T-6x), not the part after the sign: the user wrote an offset.
        raise ValueError(
            f"{text!r} is not a go-live offset ({match.group('amount')!r} is not a duration); "
            "write it like T-6h, T-30m, T or T+1h"
        ) from None
    return -amount if match.group("sign") == "-" else amount


def _offset(value: str) -> str:
    parse_offset(value)
    return value.strip()


Offset = Annotated[Text, AfterValidator(_offset)]


class Item(BaseModel):
    """One line of the checklist: proved by at most one check, else ticked by a person."""

    model_config = _FROZEN

    id: ItemId
    title: Text
    help: OptionalText = ""  # what to do or look at, shown with the evidence
    required: StrictBool = True
    # Proved once is enough: a load-test stage that passed stays passed (with when it did).
    once: StrictBool = False
    # Distinct people who must tick or sign it (the four-eyes rule).
    signers: WholeNumber = Field(default=1, ge=1, le=5)

    rollout: RolloutCheck | None = None
    pods: PodsCheck | None = None
    nodes: NodesCheck | None = None
    exists: ExistsCheck | None = None
    field: FieldCheck | None = None
    events: EventsCheck | None = None
    restarts: RestartsCheck | None = None
    hpa: HpaCheck | None = None
    promql: Threshold | None = None
    http: HttpCheck | None = None
    ssh: SshCheck | None = None
    command: CommandCheck | None = None
    soak: SoakCheck | None = None
    rollback: RollbackCheck | None = None
    signoff: Signoff | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_check(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        # In the order written, so the problem is the second key, on its own line.
        given = [key for key, value in data.items() if key in CHECK_KINDS and value is not None]
        if len(given) > 1:
            raise FieldProblems(
                [
                    (
                        (given[1],),
                        f"the item already has {given[0]}; an item has one check — "
                        "split it into two items",
                    )
                ]
            )
        return data

    @cached_property  # read for every item on every tick; an Item never changes
    def kind(self) -> str:
        """The check's key (`promql`, `rollout` …), or `manual`."""
        return next((k for k in CHECK_KINDS if getattr(self, k) is not None), "manual")

    @property
    def family(self) -> str:
        """What the journal calls the check: kubernetes, promql, http … manual, signoff."""
        kind = self.kind
        return CHECK_KINDS[kind][1] if kind in CHECK_KINDS else "manual"

    @property
    def check(self) -> Check | None:
        kind = self.kind
        return getattr(self, kind) if kind in CHECK_KINDS else None

    @property
    def ticked_by_person(self) -> bool:
        return self.kind in ("manual", "signoff")


class Phase(BaseModel):
    """A stage of the go-live; complete when its required items pass."""

    model_config = _FROZEN

    id: ItemId
    title: Text
    at: Offset | None = None  # scheduled relative to the go-live time: T-6h
    # Forbid the person who started the phase from signing its sign-off items.
    starter_may_sign: StrictBool = True
    items: tuple[Item, ...] = Field(min_length=1)

    @property
    def offset(self) -> timedelta | None:
        return parse_offset(self.at) if self.at is not None else None


class Trigger(Threshold):
    """A rollback condition watched all the time: raised while its threshold holds."""

    # Empty only on a Trigger built outside a Layout; Layout fills it from the id.
    title: Text = ""
    # The target whose rollback the banner offers while it holds (default: the first target),
    # and its namespace where two targets share the name.
    target: ObjectName | None = None
    namespace: Namespace | None = None
    # Roll back by itself once it has held for `countdown` more, unless an operator cancels
    # (a dead-man's switch). Off unless the layout says so.
    auto: StrictBool = False
    countdown: Duration = timedelta(seconds=60)


Roles = dict[Annotated[Text, AfterValidator(_id)], Text]


def signal_refs(item: Item) -> list[tuple[tuple[str | int, ...], str]]:
    """The signals an item's check names, with the path of each (for validation)."""
    if item.promql is not None:
        return [(("promql", "signal"), item.promql.signal)]
    if item.soak is not None:
        return [(("soak", "signals", i), sid) for i, sid in enumerate(item.soak.signals)]
    return []


__all__ = [
    "CHECK_KINDS",
    "Check",
    "CommandCheck",
    "EventsCheck",
    "ExistsCheck",
    "FieldCheck",
    "HpaCheck",
    "HttpCheck",
    "Item",
    "NodesCheck",
    "Phase",
    "PodsCheck",
    "RestartsCheck",
    "Roles",
    "RolloutCheck",
    "Signoff",
    "SoakCheck",
    "SshCheck",
    "Threshold",
    "Trigger",
]
