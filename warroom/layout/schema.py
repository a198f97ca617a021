"""The layout schema: what one go-live watches and how it judges it (pydantic v2, frozen).

New sections (checklist phases, gates, rollback triggers) are meant to arrive as new optional
top-level keys, so files written for this version keep loading unchanged.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    model_validator,
)

from warroom.layout.checklist import Item, Phase, Roles, Trigger
from warroom.layout.cross import checklist_problems
from warroom.layout.durations import Duration, format_duration
from warroom.layout.errors import FieldProblems, LayoutError
from warroom.layout.fields import (
    ContainerName,
    HostName,
    HttpUrl,
    Namespace,
    Number,
    ObjectName,
    OptionalText,
    SignalId,
    Text,
    WholeNumber,
    describe,
    title_from_id,
)
from warroom.layout.flagger import FlaggerSettings
from warroom.layout.messages import problems_from_validation
from warroom.layout.overrides import override_data
from warroom.layout.session_fields import SessionFields
from warroom.layout.signals import Signal
from warroom.layout.strategy_settings import BlueGreen, SlowRoll, strategy_problems

#: Prometheus' API refuses range queries with more points per series than this.
MAX_GRAPH_POINTS = 11_000

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Cluster(BaseModel):
    """Where the go-live happens: a kubeconfig context and the namespaces to watch."""

    model_config = _FROZEN

    context: Text | None = None
    namespaces: tuple[Namespace, ...] = Field(min_length=1)
    production: StrictBool = False

    @model_validator(mode="after")
    def _unique(self) -> Cluster:
        seen: set[str] = set()
        problems = []
        for i, namespace in enumerate(self.namespaces):
            if namespace in seen:
                problems.append((("namespaces", i), f"{namespace!r} is listed twice; keep one"))
            seen.add(namespace)
        if problems:
            raise FieldProblems(problems)
        return self

    @property
    def namespace(self) -> str:
        """The primary namespace: targets default to it and --namespace replaces it."""
        return self.namespaces[0]


class Prometheus(BaseModel):
    """Where signals are read from and how often; `url` is filled in by `warroom demo`."""

    model_config = _FROZEN

    url: HttpUrl | None = None
    interval: Duration = timedelta(seconds=5)
    range: Duration = timedelta(minutes=15)
    step: Duration | None = None

    @model_validator(mode="after")
    def _window(self) -> Prometheus:
        if self.interval > self.range:
            raise FieldProblems(
                [
                    (
                        ("interval",),
                        f"{format_duration(self.interval)} is longer "
                        f"than range {format_duration(self.range)}; shorten it",
                    )
                ]
            )
        if self.step is not None and self.step > self.range:
            raise FieldProblems(
                [
                    (
                        ("step",),
                        f"{format_duration(self.step)} is longer than "
                        f"range {format_duration(self.range)}; shorten it",
                    )
                ]
            )
        # Prometheus counts both ends: a range query has range/step + 1 points.
        if self.range / self.graph_step + 1 > MAX_GRAPH_POINTS:
            seconds = math.ceil(self.range.total_seconds() / (MAX_GRAPH_POINTS - 1))
            shortest = format_duration(timedelta(seconds=seconds))
            raise FieldProblems(
                [
                    (
                        ("step",) if self.step else ("range",),
                        f"a {format_duration(self.range)} graph at "
                        f"{format_duration(self.graph_step)} steps needs more than "
                        f"{MAX_GRAPH_POINTS} points, which Prometheus refuses; set "
                        f"prometheus.step to {shortest} or more",
                    )
                ]
            )
        return self

    @property
    def graph_step(self) -> timedelta:
        """The range queries' step: `step` if given, else the polling `interval`."""
        return self.step or self.interval


def _kind(value: object) -> object:
    if value != "Deployment":
        raise ValueError(
            f"{describe(value)} is not supported; only Deployment targets are supported for now"
        )
    return value


class Target(BaseModel):
    """A workload being rolled out, with the objects around it the screen should show."""

    model_config = _FROZEN

    kind: Annotated[Literal["Deployment"], BeforeValidator(_kind)] = "Deployment"
    name: ObjectName
    # Never empty on a loaded Layout: it defaults to cluster.namespaces[0].
    namespace: Namespace = ""
    container: ContainerName | None = None
    hpa: ObjectName | None = None
    pdb: ObjectName | None = None
    service: ObjectName | None = None
    # How its actions move it (warroom/actions/strategies.py): "rolling", a Deployment its
    # controller rolls; "slow-roll", scaled up beside a stable one (slow_roll says which);
    # "blue-green", traffic moved by an NGINX canary weight, then a Service's selector;
    # "flagger", the target of a Flagger Canary (settings under `flagger`).
    strategy: Literal["rolling", "slow-roll", "blue-green", "flagger"] = "rolling"
    slow_roll: SlowRoll | None = None
    blue_green: BlueGreen | None = None
    flagger: FlaggerSettings | None = None


class SshHost(BaseModel):
    """A bare-metal GPU host read with nvidia-smi over SSH; its host key must be known."""

    model_config = _FROZEN

    host: HostName
    port: WholeNumber = Field(default=22, ge=1, le=65535)
    user: Text
    known_hosts: Text = "~/.ssh/known_hosts"
    identity: Text | None = None


class Gpus(BaseModel):
    """Where GPU readings come from and when they turn amber."""

    model_config = _FROZEN

    prometheus: StrictBool = True
    ssh: tuple[SshHost, ...] = ()
    temperature_warn: Number = Field(default=83.0, gt=0)  # °C
    memory_warn: Number = Field(default=0.9, gt=0, le=1)  # ratio of framebuffer used


class CustomResource(BaseModel):
    """A custom resource to list and watch, e.g. Flagger canaries (flagger.app/v1beta1)."""

    model_config = _FROZEN

    group: Text
    version: Text
    plural: ObjectName
    # None: watch it in every namespace of cluster.namespaces.
    namespace: Namespace | None = None


class Simulation(BaseModel):
    """The simulated cluster that rehearses this go-live: `warroom demo --layout NAME` and
    `warroom sim --scenario NAME` serve `scenario`, one of warroom's packaged sim scenarios."""

    model_config = _FROZEN

    scenario: ObjectName
    speed: Number = Field(default=5.0, gt=0, le=1000)  # the demo's default speed


class Layout(BaseModel):
    """One go-live's layout file: what to watch and how to judge it."""

    model_config = _FROZEN

    name: Text
    description: OptionalText = ""
    cluster: Cluster
    prometheus: Prometheus = Prometheus()
    targets: tuple[Target, ...] = ()
    signals: dict[SignalId, Signal] = Field(default_factory=dict)
    gpus: Gpus = Gpus()
    custom_resources: tuple[CustomResource, ...] = ()
    links: dict[Text, HttpUrl] = Field(default_factory=dict)
    roles: Roles = Field(default_factory=dict)
    phases: tuple[Phase, ...] = ()
    triggers: dict[SignalId, Trigger] = Field(default_factory=dict)
    session_fields: SessionFields = Field(default_factory=dict)
    simulation: Simulation | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        # Defaults that depend on other keys; the input may be anything, so touch only
        # what has the expected shape and leave the rest for validation to report.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        cluster = data.get("cluster")
        namespaces = cluster.get("namespaces") if isinstance(cluster, dict) else None
        if isinstance(namespaces, list | tuple) and namespaces and isinstance(namespaces[0], str):
            targets = data.get("targets")
            if isinstance(targets, list | tuple):
                data["targets"] = [
                    {**t, "namespace": namespaces[0]}
                    if isinstance(t, dict) and t.get("namespace") is None
                    else t
                    for t in targets
                ]
        signals = data.get("signals")
        if isinstance(signals, dict):
            data["signals"] = {
                sid: {**s, "title": title_from_id(sid)}
                if isinstance(sid, str) and isinstance(s, dict) and not s.get("title")
                else s
                for sid, s in signals.items()
            }
        for key in ("triggers", "session_fields"):
            titled = data.get(key)
            if isinstance(titled, dict):
                data[key] = {
                    tid: {**t, "title": title_from_id(tid)}
                    if isinstance(tid, str) and isinstance(t, dict) and not t.get("title")
                    else t
                    for tid, t in titled.items()
                }
        return data

    @model_validator(mode="after")
    def _namespaces_listed(self) -> Layout:
        listed = ", ".join(self.cluster.namespaces)
        problems: list[tuple[tuple[str | int, ...], str]] = []
        seen: set[tuple[str, str]] = set()
        for i, target in enumerate(self.targets):
            if target.namespace not in self.cluster.namespaces:
                problems.append(
                    (
                        ("targets", i, "namespace"),
                        f"{target.namespace!r} is not in "
                        f"cluster.namespaces ({listed}); add it there or fix the name",
                    )
                )
            if (target.namespace, target.name) in seen:
                problems.append(
                    (
                        ("targets", i, "name"),
                        f"{target.namespace}/{target.name} is already a target; keep one",
                    )
                )
            seen.add((target.namespace, target.name))
            if target.strategy == "flagger" and target.flagger is None:
                problems.append(
                    (
                        ("targets", i, "flagger"),
                        "strategy flagger needs its settings: add flagger: {canary: NAME} "
                        "naming the Canary whose target this is",
                    )
                )
            if target.flagger is not None and target.strategy != "flagger":
                problems.append(
                    (
                        ("targets", i, "strategy"),
                        f"is {target.strategy!r} but the target has flagger settings; set "
                        "strategy: flagger or remove them",
                    )
                )
        for i, resource in enumerate(self.custom_resources):
            if resource.namespace is not None and resource.namespace not in self.cluster.namespaces:
                problems.append(
                    (
                        ("custom_resources", i, "namespace"),
                        f"{resource.namespace!r} "
                        f"is not in cluster.namespaces ({listed}); add it there or fix "
                        "the name",
                    )
                )
        problems.extend(checklist_problems(self))
        problems.extend(strategy_problems(self))
        if problems:
            raise FieldProblems(problems)
        return self

    def target_named(self, name: str | None, namespace: str | None = None) -> Target | None:
        """The target a reference names (the first target when `name` is None); a name two
        targets share needs its `namespace` (validation says so)."""
        if name is None:
            return self.targets[0] if self.targets else None
        return next(
            (
                t
                for t in self.targets
                if t.name == name and (namespace is None or t.namespace == namespace)
            ),
            None,
        )

    def target_key(self, target: Target) -> str:
        """How the war room names a target to act on: its name, or namespace/name where
        another target has the same name (seed 002's blue and green)."""
        shared = sum(1 for t in self.targets if t.name == target.name) > 1
        return f"{target.namespace}/{target.name}" if shared else target.name

    def items(self) -> list[tuple[Phase, Item]]:
        """Every checklist item with its phase, in the layout's order."""
        return [(phase, item) for phase in self.phases for item in phase.items]

    def with_overrides(
        self,
        *,
        context: str | None = None,
        namespace: str | None = None,
        prometheus: str | None = None,
    ) -> Layout:
        """A copy with the CLI's --context/--namespace/--prometheus applied; None keeps a value.

        `namespace` replaces the primary namespace (cluster.namespaces[0]) everywhere it is
        used, including `namespace="..."` matchers in the signals' queries.
        """
        data = override_data(
            self.model_dump(), context=context, namespace=namespace, prometheus=prometheus
        )
        try:
            return type(self).model_validate(data)
        except ValidationError as err:
            # Context and URL were checked on their own; only a namespace change can clash
            # with the rest of the layout (two targets becoming one).
            source = "--namespace" if namespace is not None else "overrides"
            raise LayoutError(problems_from_validation(err, source, Layout)) from None
