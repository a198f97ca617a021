"""A drill scenario (docs/drills.md): the go-live it rehearses, a timeline of faults, the
responses expected of the people and how each is scored, the targets the timers run against,
and, against staging, the guards that halt it.

Each fault and each condition names exactly one kind, as a checklist item names one check; a
mistake is a problem at its own line (drills/loading.py turns them into `file:line` errors).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from warroom.layout.checklist import ItemId
from warroom.layout.durations import Duration
from warroom.layout.errors import FieldProblems
from warroom.layout.fields import (
    ContainerName,
    Namespace,
    Number,
    ObjectName,
    SignalId,
    Text,
    WholeNumber,
)

_FROZEN = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _exactly_one(data: Any, kinds: tuple[str, ...], what: str, fields: Any) -> Any:
    """A mapping naming exactly one of `kinds`; the problem at the second one, or at the
    mapping when none is named (and no key is unknown: a typo is named as such)."""
    if not isinstance(data, dict):
        return data
    given = [key for key in data if key in kinds and data[key] is not None]
    if len(given) > 1:
        raise FieldProblems(
            [((given[1],), f"the {what} already is {given[0]}; a {what} is one kind — split it")]
        )
    if not given and all(key in fields for key in data):
        raise FieldProblems([((), f"names no kind of {what}; give one of {', '.join(kinds)}")])
    return data  # a key the model does not know is pydantic's to name, with a suggestion


# ---- faults ------------------------------------------------------------------------------


class Regress(BaseModel):
    """Pods running `image` answer `latency`× slower and with `errors` more of errors."""

    model_config = _FROZEN
    image: Text
    latency: Number = Field(default=3.0, ge=1.0)
    errors: Number = Field(default=0.0, ge=0.0, le=1.0)


class ErrorBurst(BaseModel):
    """`ratio` more of a service's requests fail, for a while."""

    model_config = _FROZEN
    ratio: Number = Field(gt=0.0, le=1.0)
    for_: Duration = Field(alias="for")
    service: Text = ""  # namespace/name; every modelled service when empty


class OnNode(BaseModel):
    """A node by name (fail_node, cordon)."""

    model_config = _FROZEN
    node: ObjectName


class OnGpu(BaseModel):
    """One GPU of a node: an XID error (79: fallen off the bus), or lost outright."""

    model_config = _FROZEN
    node: ObjectName
    gpu: WholeNumber = Field(ge=0)
    code: WholeNumber = Field(default=79, ge=1)


class CrashImage(BaseModel):
    """Containers of `image` crash as they start (a crash loop on the new image)."""

    model_config = _FROZEN
    image: Text


class Outage(BaseModel):
    """Prometheus stops answering for a while."""

    model_config = _FROZEN
    for_: Duration = Field(alias="for")


class Endpoint(BaseModel):
    """A Service's path fails with `status`, or answers `delay` late."""

    model_config = _FROZEN
    service: ObjectName
    namespace: Namespace | None = None
    path: Text
    status: WholeNumber = Field(default=503, ge=100, le=599)
    delay: Duration | None = None


class Users(BaseModel):
    """A service's concurrent users held at `users` (a load spike)."""

    model_config = _FROZEN
    service: Text  # namespace/name
    users: Number = Field(ge=0)


class Release(BaseModel):
    """A target's container set to `image`, as `kubectl set image` (the release rehearsed)."""

    model_config = _FROZEN
    target: ObjectName
    namespace: Namespace | None = None
    image: Text
    container: ContainerName | None = None


class DeletePod(BaseModel):
    """One pod the selector picks, deleted (staging-safe)."""

    model_config = _FROZEN
    selector: Text
    namespace: Namespace | None = None


class Scale(BaseModel):
    """A Deployment scaled (staging-safe)."""

    model_config = _FROZEN
    deployment: ObjectName
    namespace: Namespace | None = None
    replicas: WholeNumber = Field(ge=0)


class BlockDisruptions(BaseModel):
    """A PodDisruptionBudget set to allow no disruption (a drain it will hold), given back
    as it was after `for` (for good when it is not given)."""

    model_config = _FROZEN
    pdb: ObjectName
    namespace: Namespace | None = None
    for_: Duration | None = Field(default=None, alias="for")


# The kinds a fault may be, and whether a drill against staging may inject it (the rest only
# the simulated cluster can take).
FAULTS: dict[str, tuple[type[BaseModel], bool]] = {
    "regress": (Regress, False),
    "error_burst": (ErrorBurst, False),
    "fail_node": (OnNode, False),
    "gpu_xid": (OnGpu, False),
    "lose_gpu": (OnGpu, False),
    "crash_image": (CrashImage, False),
    "prometheus_outage": (Outage, False),
    "endpoint": (Endpoint, False),
    "users": (Users, False),
    "release": (Release, False),
    "block_disruptions": (BlockDisruptions, False),
    "delete_pod": (DeletePod, True),
    "cordon": (OnNode, True),
    "scale": (Scale, True),
}


# ---- conditions: when a fault comes ------------------------------------------------------


class Share(BaseModel):
    """The new version of `target` has at least `at_least` % of the traffic."""

    model_config = _FROZEN
    target: ObjectName
    namespace: Namespace | None = None  # where two targets share the name
    at_least: Number = Field(gt=0, le=100)


class Done(BaseModel):
    """An action done (and verified) on a target, or on any target when none is named;
    `replicas` is what the scripted responder scales to (a `scale` response)."""

    model_config = _FROZEN
    action: Text
    target: ObjectName | None = None
    namespace: Namespace | None = None  # where two targets share the name
    replicas: WholeNumber | None = Field(default=None, ge=0)
    # A response met once the action is confirmed and started, whether or not its expected
    # state comes (a scale an autoscaler at its maximum will undo).
    confirmed: StrictBool = False


CONDITIONS = ("trigger", "phase", "share", "action")


class Condition(BaseModel):
    """What a fault waits for: a trigger raised, a phase started, the canary's share reached,
    an action done."""

    model_config = _FROZEN
    trigger: SignalId | None = None
    phase: ItemId | None = None
    share: Share | None = None
    action: Done | None = None

    @model_validator(mode="before")
    @classmethod
    def _one(cls, data: Any) -> Any:
        return _exactly_one(data, CONDITIONS, "condition", cls.model_fields)


class Fault(BaseModel):
    """One fault of the timeline: at a time after the drill starts, or when a condition holds
    (first time only), optionally undone after `for`."""

    model_config = _FROZEN
    id: ItemId | None = None
    at: Duration | None = None
    when: Condition | None = None
    # Whether it is the trouble rehearsed (the scorecard's clock starts at the first that
    # is), or sets the stage: by default a release sets the stage and every other kind is.
    impact: StrictBool | None = None
    regress: Regress | None = None
    error_burst: ErrorBurst | None = None
    fail_node: OnNode | None = None
    gpu_xid: OnGpu | None = None
    lose_gpu: OnGpu | None = None
    crash_image: CrashImage | None = None
    prometheus_outage: Outage | None = None
    endpoint: Endpoint | None = None
    users: Users | None = None
    release: Release | None = None
    block_disruptions: BlockDisruptions | None = None
    delete_pod: DeletePod | None = None
    cordon: OnNode | None = None
    scale: Scale | None = None

    @model_validator(mode="before")
    @classmethod
    def _one(cls, data: Any) -> Any:
        data = _exactly_one(data, tuple(FAULTS), "fault", cls.model_fields)
        if isinstance(data, dict) and ("at" in data) == ("when" in data):
            raise FieldProblems(
                [((), "says neither or both of at and when; give one: at: 4m, or when: {…}")]
            )
        return data

    @property
    def kind(self) -> str:
        return next(k for k in FAULTS if getattr(self, k) is not None)

    @property
    def spec(self) -> BaseModel:
        value = getattr(self, self.kind)
        assert isinstance(value, BaseModel)
        return value

    @property
    def staging_safe(self) -> bool:
        return FAULTS[self.kind][1]

    @property
    def is_impact(self) -> bool:
        return self.impact if self.impact is not None else self.kind != "release"


# ---- responses: what the people are expected to do ----------------------------------------


class Acknowledged(BaseModel):
    """The trigger's banner acknowledged (a key on it)."""

    model_config = _FROZEN
    trigger: SignalId


class Drained(BaseModel):
    """A node drained (or cordoned): the node action done."""

    model_config = _FROZEN
    node: ObjectName


class Proved(BaseModel):
    """A checklist item passes again after it failed (recovery); met as well when it passed
    throughout, once its time is up."""

    model_config = _FROZEN
    item: ItemId


RESPONSES = ("action", "acknowledged", "drained", "cordoned", "checklist")


class Response(BaseModel):
    """One response expected `within` a time of `after` (the drill's start, the first breach,
    or a fault's id), worth `points`."""

    model_config = _FROZEN
    id: ItemId
    title: Text
    action: Done | None = None
    acknowledged: Acknowledged | None = None
    drained: Drained | None = None
    cordoned: Drained | None = None
    checklist: Proved | None = None
    within: Duration
    after: Text = "first_breach"
    points: WholeNumber = Field(default=1, ge=0, le=100)
    # When the scripted responder performs it (`--headless`): this long after `after`
    # (default half of `within`, so a well-run script meets it).
    respond_in: Duration | None = None

    @model_validator(mode="before")
    @classmethod
    def _one(cls, data: Any) -> Any:
        return _exactly_one(data, RESPONSES, "response", cls.model_fields)

    @model_validator(mode="after")
    def _in_time(self) -> Response:
        if self.respond_in is not None and self.respond_in > self.within:
            raise FieldProblems(
                [(("respond_in",), "is after within: the scripted responder would miss it")]
            )
        return self

    @property
    def kind(self) -> str:
        return next(k for k in RESPONSES if getattr(self, k) is not None)


# ---- the scenario ------------------------------------------------------------------------


class Targets(BaseModel):
    """The times the scorecard's timers run against, each from the impact (the first fault
    after the release rehearsed)."""

    model_config = _FROZEN
    detect: Duration = timedelta(minutes=5)
    acknowledge: Duration | None = None
    decide: Duration = timedelta(minutes=10)
    mitigate: Duration = timedelta(minutes=30)
    recover: Duration | None = None


class Guard(BaseModel):
    """A halt condition against staging: a signal past a value, or a namespace outside the
    layout touched."""

    model_config = _FROZEN
    signal: SignalId | None = None
    op: Literal["<", "<=", ">", ">="] = ">"
    value: Number | None = None
    outside_namespaces: StrictBool = False

    @model_validator(mode="after")
    def _said(self) -> Guard:
        if self.signal is None and not self.outside_namespaces:
            raise FieldProblems(
                [((), "halts on nothing; give a signal and value, or outside_namespaces: true")]
            )
        if self.signal is not None and self.value is None:
            raise FieldProblems([(("value",), "is missing; give the value the signal is held to")])
        return self


class Budget(BaseModel):
    """The error budget the scorecard burns: `signal` is an error ratio (or %), `objective`
    the SLO's share of good requests in %, over `window`."""

    model_config = _FROZEN
    signal: SignalId
    objective: Number = Field(gt=0, lt=100)
    window: Duration = timedelta(days=30)


class Scenario(BaseModel):
    """One drill: which go-live, what goes wrong and when, and what is expected."""

    model_config = _FROZEN
    name: ItemId
    layout: Text  # a shipped layout's name, or a path beside the scenario
    says: Text  # one sentence: what the drill rehearses
    speed: Number | None = Field(default=None, gt=0, le=1000)
    targets: Targets = Field(default_factory=Targets)
    faults: tuple[Fault, ...] = Field(min_length=1)
    responses: tuple[Response, ...] = Field(min_length=1)
    halt: tuple[Guard, ...] = ()
    # Checklist items that must pass, on their evidence, before the drill's clock starts.
    requires: tuple[ItemId, ...] = ()
    error_budget: Budget | None = None
    # The drill ends when every response is judged, or this long after it started at the
    # latest (what is still pending is then missed).
    ends: Duration = timedelta(hours=1)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        ids: dict[str, int] = {}
        for i, fault in enumerate(self.faults):
            if fault.id is not None:
                if fault.id in ids:
                    problems.append(
                        (
                            ("faults", i, "id"),
                            f"{fault.id!r} is the id of fault {ids[fault.id] + 1} too; give "
                            "each its own",
                        )
                    )
                ids.setdefault(fault.id, i)
        seen: set[str] = set()
        for i, response in enumerate(self.responses):
            if response.id in seen:
                problems.append(
                    (
                        ("responses", i, "id"),
                        f"{response.id!r} is used twice; give each response its own id",
                    )
                )
            seen.add(response.id)
            if response.after not in ("start", "first_breach", *ids):
                known = ", ".join(("start", "first_breach", *ids))
                problems.append(
                    (
                        ("responses", i, "after"),
                        f"{response.after!r} is not start, first_breach or a fault's id; "
                        f"give one of {known}",
                    )
                )
        if problems:
            raise FieldProblems(problems)
        return self


__all__ = [
    "CONDITIONS",
    "FAULTS",
    "RESPONSES",
    "Budget",
    "Condition",
    "Fault",
    "Response",
    "Scenario",
]
