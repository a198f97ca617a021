"""What a target's strategy needs beyond the target itself (docs/layouts.md, "Strategies"):

- `slow_roll` (strategy: slow-roll): the stable Deployment the new one replaces, both behind
  one Service, and the steps of the new version's share of the pods;
- `blue_green` (strategy: blue-green): the blue target, the NGINX canary Ingress whose weight
  moves the traffic, the Service whose selector is switched at the end, the main Ingress whose
  session affinity decides whether users stay on green after a rollback, and the steps.

`strategy_problems` checks what only the whole layout can tell: that the names given are
targets, signals and watched namespaces of this layout, each problem at its own key's line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from warroom.layout.cross import PathProblem, _unknown
from warroom.layout.errors import FieldProblems
from warroom.layout.fields import Namespace, ObjectName, SignalId, Text, WholeNumber

if TYPE_CHECKING:
    from warroom.layout.schema import Layout, Target

_FROZEN = ConfigDict(extra="forbid", frozen=True)

Percent = WholeNumber


def _step_problems(steps: tuple[int, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    last = 0
    for i, step in enumerate(steps):
        if not 0 < step <= 100:
            problems.append((("steps", i), f"{step} is not a share; give a percentage 1–100"))
        elif step <= last:
            problems.append(
                (("steps", i), f"{step} % does not come after {last} %; list the steps rising")
            )
        last = max(last, step)
    if steps and steps[-1] != 100 and not problems:
        problems.append(
            (("steps", len(steps) - 1), f"the last step is {steps[-1]} %; end the steps at 100")
        )
    return problems


class Steps(BaseModel):
    """The shares a promote steps through, in percent, rising, the last 100."""

    model_config = _FROZEN

    steps: tuple[Percent, ...] = Field(min_length=1)
    # The signal (a ratio) that reads the new version's share of the requests, if any.
    traffic_signal: SignalId | None = None

    @model_validator(mode="after")
    def _rising(self) -> Steps:
        problems = _step_problems(self.steps)
        if problems:
            raise FieldProblems(problems)
        return self


class SlowRoll(Steps):
    """A new Deployment scaled up beside the stable one behind one Service (seed 004)."""

    stable: ObjectName  # the stable Deployment: another target, in the same namespace
    steps: tuple[Percent, ...] = Field(default=(25, 50, 75, 100), min_length=1)


class ObjectRef(BaseModel):
    """An object by name; its namespace defaults to the target's."""

    model_config = _FROZEN

    name: ObjectName
    namespace: Namespace | None = None


class BlueGreen(Steps):
    """Green (the target) beside blue, traffic moved by an NGINX canary Ingress's weight and
    finally by the Service's selector (seed 002)."""

    blue: ObjectRef  # the blue Deployment: another target of this layout
    canary_ingress: ObjectName  # in green's namespace: nginx.ingress.kubernetes.io/canary
    service: ObjectRef  # the Service whose selector names a colour
    main_ingress: ObjectRef | None = None  # the Ingress the canary shares a host with
    selector_label: Text = "version"  # the label that tells blue's pods from green's
    steps: tuple[Percent, ...] = Field(default=(5, 20, 50, 100), min_length=1)


SETTINGS = {"slow-roll": "slow_roll", "blue-green": "blue_green"}


def strategy_problems(layout: Layout) -> list[PathProblem]:
    """Every target's strategy settings held to the rest of the layout."""
    problems: list[PathProblem] = []
    for i, target in enumerate(layout.targets):
        problems.extend(_target_problems(layout, target, ("targets", i)))
    return problems


def _target_problems(
    layout: Layout, target: Target, at: tuple[str | int, ...]
) -> list[PathProblem]:
    out: list[PathProblem] = []
    for strategy, key in SETTINGS.items():
        given = getattr(target, key) is not None
        if given and target.strategy != strategy:
            out.append(((*at, key), f"{key} is for strategy: {strategy}; set that or remove it"))
        if not given and target.strategy == strategy:
            out.append(
                ((*at, "strategy"), f"strategy: {strategy} needs {key} under the target; add it")
            )
    settings: Steps | None = target.slow_roll or target.blue_green
    if settings is None:
        return out
    key = "slow_roll" if target.slow_roll is not None else "blue_green"
    if settings.traffic_signal is not None and settings.traffic_signal not in layout.signals:
        out.append(
            (
                (*at, key, "traffic_signal"),
                _unknown(
                    "a signal of this layout", settings.traffic_signal, layout.signals, "signals:"
                ),
            )
        )
    others = {(t.namespace, t.name) for t in layout.targets} - {(target.namespace, target.name)}
    if target.slow_roll is not None:
        stable = target.slow_roll.stable
        if (target.namespace, stable) not in others:
            names = {name for ns, name in others if ns == target.namespace}
            out.append(
                (
                    (*at, key, "stable"),
                    _unknown(f"another target in {target.namespace}", stable, names, "targets:"),
                )
            )
    if target.blue_green is not None:
        out.extend(_blue_green_problems(layout, target, target.blue_green, (*at, key), others))
    return out


def _blue_green_problems(
    layout: Layout,
    target: Target,
    settings: BlueGreen,
    at: tuple[str | int, ...],
    others: set[tuple[str, str]],
) -> list[PathProblem]:
    out: list[PathProblem] = []
    blue = (settings.blue.namespace or target.namespace, settings.blue.name)
    if blue not in others:
        names = {f"{ns}/{name}" for ns, name in others}
        out.append(
            (
                (*at, "blue", "name"),
                _unknown("another target of this layout", "/".join(blue), names, "targets:"),
            )
        )
    watched = layout.cluster.namespaces
    for ref, key in ((settings.service, "service"), (settings.main_ingress, "main_ingress")):
        if ref is not None and ref.namespace is not None and ref.namespace not in watched:
            out.append(
                (
                    (*at, key, "namespace"),
                    f"{ref.namespace!r} is not in cluster.namespaces ({', '.join(watched)}); "
                    "add it there or fix the name",
                )
            )
    return out
