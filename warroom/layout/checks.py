"""The checks a checklist item can be proved by: one key per kind, each with its own fields.

An item names at most one of CHECK_KINDS (`rollout:`, `promql:`, `http:` …); an item with
none is ticked by a person. Every check is a frozen model validated where it is written, so a
mistake points at its own line.
"""

from __future__ import annotations

import difflib
import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)

from warroom.kinds.catalogue import KINDS
from warroom.kinds.labels import SelectorError, parse_selector
from warroom.layout.durations import Duration
from warroom.layout.errors import FieldProblems
from warroom.layout.fields import (
    HttpUrl,
    Namespace,
    Number,
    ObjectName,
    SignalId,
    Text,
    WholeNumber,
    describe,
)

_FROZEN = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

#: The comparisons a threshold may use, as people write them.
OPERATORS = ("<", "<=", ">", ">=", "==", "!=")
Operator = Literal["<", "<=", ">", ">=", "==", "!="]


def _selector(value: str) -> str:
    try:
        parse_selector(value)
    except SelectorError as err:
        raise ValueError(str(err)) from None
    return value


def _jsonpath(value: str) -> str:
    from warroom.kinds.jsonpath import JsonPathError, compile_jsonpath

    try:
        compile_jsonpath(value)
    except JsonPathError as err:
        raise ValueError(f"{err}") from None
    return value


def _pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as err:
        raise ValueError(f"{value!r} is not a regular expression ({err}); fix it") from None
    return value


def _status_codes(value: object) -> object:
    codes = value if isinstance(value, list | tuple) else [value]
    for code in codes:
        if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
            raise ValueError(f"{describe(code)} is not an HTTP status code (100–599)")
    return tuple(codes)


Selector = Annotated[Text, AfterValidator(_selector)]
JsonPath = Annotated[Text, AfterValidator(_jsonpath)]
Pattern = Annotated[Text, AfterValidator(_pattern)]
StatusCodes = Annotated[tuple[int, ...], BeforeValidator(_status_codes)]


def _object_ref(value: str) -> str:
    kind, slash, name = value.partition("/")
    if not slash or not kind or not name or not kind[0].isalpha():
        raise ValueError(
            f"{value!r} does not name an object; write Kind/name, like Deployment/bizra-inference"
        )
    if kind not in KINDS:
        close = difflib.get_close_matches(kind, list(KINDS), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(KINDS)}"
        raise ValueError(f"{kind!r} is not a kind a check can read; {hint}")
    return value


#: "Kind/name", as kubectl names an object: Deployment/bizra-inference.
ObjectRef = Annotated[Text, AfterValidator(_object_ref)]


class RolloutCheck(BaseModel):
    """A Deployment rolled out completely, as `kubectl rollout status` judges it."""

    model_config = _FROZEN

    target: ObjectName  # a Deployment named in the layout's targets
    namespace: Namespace | None = None


class PodsCheck(BaseModel):
    """At least `min` pods Ready among those the selector picks; with `started_within`, also
    every pod created since the session opened had its containers running within that time of
    its creation (a lost pod replaced fast enough: "New pod starts within 30s")."""

    model_config = _FROZEN

    selector: Selector
    namespace: Namespace | None = None
    min: WholeNumber = Field(default=1, ge=1)
    started_within: Duration | None = None


class NodesCheck(BaseModel):
    """At least `min` nodes Ready (and labelled, and offering `gpus` each)."""

    model_config = _FROZEN

    selector: Selector | None = None
    min: WholeNumber = Field(default=1, ge=1)
    gpus: WholeNumber | None = Field(default=None, ge=1)  # allocatable nvidia.com/gpu per node


class ExistsCheck(BaseModel):
    """An object exists (read from the room's watch when it keeps that kind, else fetched)."""

    model_config = _FROZEN

    object: ObjectRef
    namespace: Namespace | None = None


class FieldCheck(BaseModel):
    """A field of an object compared with a value, found by kubectl's JSONPath."""

    model_config = _FROZEN

    object: ObjectRef
    namespace: Namespace | None = None
    path: JsonPath
    op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "exists"] = "=="
    value: Any = None

    @model_validator(mode="after")
    def _value_given(self) -> FieldCheck:
        if self.op != "exists" and self.value is None:
            raise FieldProblems([(("value",), f"is missing; give the value {self.op} compares")])
        if self.op == "in" and not isinstance(self.value, list | tuple):
            raise FieldProblems([(("value",), "must be a list when op is 'in'")])
        return self


class EventsCheck(BaseModel):
    """No events of these reasons (OOMKilled, BackOff, FailedScheduling) since a moment."""

    model_config = _FROZEN

    reasons: tuple[Text, ...] = Field(min_length=1)
    namespace: Namespace | None = None
    # "session": since the session opened; "phase": since its phase started; or a duration.
    since: Literal["session", "phase"] | Duration = "session"


class RestartsCheck(BaseModel):
    """No pod the selector picks restarted more than `max` times."""

    model_config = _FROZEN

    selector: Selector
    namespace: Namespace | None = None
    max: WholeNumber = Field(default=0, ge=0)


class HpaCheck(BaseModel):
    """An HPA's current replicas within [min, max] ("HPA scales to 15–20 pods")."""

    model_config = _FROZEN

    name: ObjectName
    namespace: Namespace | None = None
    min: WholeNumber | None = Field(default=None, ge=0)
    max: WholeNumber | None = Field(default=None, ge=0)
    for_: Duration | None = Field(default=None, alias="for")

    @model_validator(mode="after")
    def _range(self) -> HpaCheck:
        if self.min is None and self.max is None:
            raise FieldProblems([((), "gives neither min nor max; give the replica range")])
        if self.min is not None and self.max is not None and self.min > self.max:
            raise FieldProblems([(("min",), f"min {self.min} is above max {self.max}")])
        return self


class Threshold(BaseModel):
    """A named signal compared with a value (or kept between two), held for a duration."""

    model_config = _FROZEN

    signal: SignalId
    # One Literal, not a union of two: a wrong op is then one problem naming every choice.
    op: Literal[Operator, "between"] = "<"
    value: Number | None = None
    between: tuple[Number, Number] | None = None
    for_: Duration | None = Field(default=None, alias="for")

    @model_validator(mode="before")
    @classmethod
    def _between(cls, data: Any) -> Any:
        if isinstance(data, dict) and "between" in data and "op" not in data:
            return {**data, "op": "between"}
        return data

    @model_validator(mode="after")
    def _operands(self) -> Threshold:
        if self.op == "between":
            if self.between is None:
                raise FieldProblems([(("between",), "is missing; give [low, high]")])
            if self.between[0] >= self.between[1]:
                raise FieldProblems([(("between",), "low is not below high; swap them")])
        elif self.value is None:
            raise FieldProblems([(("value",), f"is missing; give the value {self.op} compares")])
        return self

    @property
    def held(self) -> timedelta:
        return self.for_ or timedelta()

    def words(self) -> str:
        """`< 0.01`, `between 60 and 80`: the threshold as the screen says it."""
        if self.op == "between" and self.between is not None:
            return f"between {self.between[0]:g} and {self.between[1]:g}"
        return f"{self.op} {self.value:g}"


class HttpCheck(BaseModel):
    """An HTTP endpoint answering as expected: status, a JSON subset, a body pattern, latency.

    Either a `url`, or a `service` reached through the API server's service proxy
    (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH`, with the kubeconfig's
    credentials): what `kubectl get --raw` would read, from wherever the war room runs.
    """

    model_config = _FROZEN

    url: HttpUrl | None = None
    service: ObjectName | None = None
    namespace: Namespace | None = None
    port: Text | None = None  # the Service's port name or number
    path: Text = "/"
    method: Literal["GET", "HEAD", "POST"] = "GET"
    status: StatusCodes = (200,)
    json_: dict[str, Any] | None = Field(default=None, alias="json")
    body: Pattern | None = None
    max_latency: Duration | None = None
    timeout: Duration = timedelta(seconds=5)
    every: Duration = timedelta(seconds=30)
    verify_tls: StrictBool = True

    @model_validator(mode="before")
    @classmethod
    def _port_text(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("port"), int):
            return {**data, "port": str(data["port"])}
        return data

    @model_validator(mode="after")
    def _where(self) -> HttpCheck:
        if (self.url is None) == (self.service is None):
            raise FieldProblems(
                [((), "give either url or service (reached through the API server)")]
            )
        if not self.path.startswith("/"):
            raise FieldProblems([(("path",), f"{self.path!r} must start with /")])
        return self

    def proxy_path(self, namespace: str) -> str:
        """The API server path of the service proxy for this check."""
        port = f":{self.port}" if self.port else ""
        return f"/api/v1/namespaces/{namespace}/services/{self.service}{port}/proxy{self.path}"

    @property
    def shown(self) -> str:
        return self.url or f"service {self.service}{self.path}"


class SshCheck(BaseModel):
    """A command over SSH on one of the layout's gpus.ssh hosts: exit code, output pattern."""

    model_config = _FROZEN

    host: Text
    run: Text
    exit_code: WholeNumber = 0
    stdout: Pattern | None = None
    timeout: Duration = timedelta(seconds=30)
    every: Duration = timedelta(minutes=1)


class CommandCheck(BaseModel):
    """A local command (trivy, cosign…): exit code and output; its output kept as evidence.

    It runs only when the operator asks, unless `auto`; before it first runs in a session the
    screen shows it exactly and asks.
    """

    model_config = _FROZEN

    run: Text
    exit_code: WholeNumber = 0
    stdout: Pattern | None = None
    absent: Pattern | None = None  # a pattern that must not appear (CRITICAL)
    timeout: Duration = timedelta(minutes=5)
    auto: StrictBool = False
    imported: StrictBool = False  # came from `warroom import`: never auto

    @model_validator(mode="after")
    def _never_auto_when_imported(self) -> CommandCheck:
        if self.auto and self.imported:
            raise FieldProblems(
                [
                    (
                        ("auto",),
                        "a command that came from warroom import never runs by itself; "
                        "remove auto, or review the command and remove imported",
                    )
                ]
            )
        return self


class SoakCheck(BaseModel):
    """Every named signal within its SLO for a duration; a breach restarts the timer."""

    model_config = _FROZEN

    signals: tuple[SignalId, ...] = ()  # empty: every signal with an SLO
    for_: Duration = Field(alias="for")


class Signoff(BaseModel):
    """A named role signs a statement; bound to the target's revision and image it signed."""

    model_config = _FROZEN

    role: SignalId
    statement: Text
    target: ObjectName | None = None  # the Deployment whose revision it is bound to


class RollbackCheck(BaseModel):
    """A target's rollback ready now: what it returns to still exists (the previous revision
    within revisionHistoryLimit, the stable, blue, the primary) with `image`, the permissions
    of its calls are granted and its dry run passes (during a release), and the rollback key
    is armed on the screen."""

    model_config = _FROZEN

    target: ObjectName  # a target named in the layout's targets
    namespace: Namespace | None = None  # the target's, where two targets share the name
    # The image the rollback must return to (the stable release); without it, what it
    # returns to is shown, not judged.
    image: Text | None = None
    every: Duration = timedelta(seconds=30)


#: The key an item uses for each check, and the family the journal records it under.
CHECK_KINDS: dict[str, tuple[type[BaseModel], str]] = {
    "rollout": (RolloutCheck, "kubernetes"),
    "pods": (PodsCheck, "kubernetes"),
    "nodes": (NodesCheck, "kubernetes"),
    "exists": (ExistsCheck, "kubernetes"),
    "field": (FieldCheck, "kubernetes"),
    "events": (EventsCheck, "kubernetes"),
    "restarts": (RestartsCheck, "kubernetes"),
    "hpa": (HpaCheck, "kubernetes"),
    "promql": (Threshold, "promql"),
    "http": (HttpCheck, "http"),
    "ssh": (SshCheck, "ssh"),
    "command": (CommandCheck, "command"),
    "soak": (SoakCheck, "soak"),
    "rollback": (RollbackCheck, "rollback"),
    "signoff": (Signoff, "signoff"),
}

Check = (
    RolloutCheck
    | PodsCheck
    | NodesCheck
    | ExistsCheck
    | FieldCheck
    | EventsCheck
    | RestartsCheck
    | HpaCheck
    | Threshold
    | HttpCheck
    | SshCheck
    | CommandCheck
    | SoakCheck
    | Signoff
)
