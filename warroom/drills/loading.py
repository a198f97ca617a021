"""Read a drill scenario file: YAML with line numbers → the schema → the checks that need its
layout (every trigger, phase, item, target, signal and namespace it names is the layout's)
and, on the simulated cluster, its nodes. Every problem is one `file:line: path: message`
line of one ScenarioError, never a traceback."""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from warroom.drills.scenario import Scenario
from warroom.layout import Layout
from warroom.layout.errors import LayoutError, Problem
from warroom.layout.loader import parse_model, read_text
from warroom.layout.messages import format_path
from warroom.layout.source import LineMap, Path

_EMPTY = "is empty; a drill scenario needs name, layout, says, faults and responses"


class ScenarioError(LayoutError):
    """A drill scenario that cannot be used; str() lists each problem at its file and line."""


def parse_scenario(
    text: str,
    source: str = "<scenario>",
    *,
    layout: Layout | None = None,
    nodes: Collection[str] | None = None,
) -> Scenario:
    """The scenario in `text`, checked against `layout` (the go-live it rehearses) and, where
    given, the `nodes` of the cluster it runs on (the sim scenario's)."""
    scenario, document = parse_model(
        text, source, Scenario, what="scenario", empty=_EMPTY,
        keys="name, layout, faults, responses", error=ScenarioError,
    )  # fmt: skip
    problems = []
    if layout is not None:
        problems.extend(_at(source, document.lines, against_layout(scenario, layout)))
    if nodes is not None:
        problems.extend(_at(source, document.lines, against_nodes(scenario, nodes)))
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: p.line or 0))
    return scenario


def read_scenario_file(path: str | os.PathLike[str]) -> str:
    """The text of a scenario file; ScenarioError naming the file when it cannot be read."""
    return read_text(path, "scenario", ScenarioError)


def _at(source: str, lines: LineMap, found: list[tuple[Path, str]]) -> list[Problem]:
    return [Problem(source, lines.line_of(path), format_path(path), msg) for path, msg in found]


def _unknown(what: str, name: str, known: Collection[str]) -> str:
    listed = ", ".join(sorted(known)) or "none"
    return f"{name!r} is not {what} (the layout's: {listed})"


def against_layout(scenario: Scenario, layout: Layout) -> list[tuple[Path, str]]:
    """What the scenario names that its layout does not have."""
    triggers, signals = set(layout.triggers), set(layout.signals)
    phases = {p.id for p in layout.phases}
    items = {i.id for _, i in layout.items()}
    targets = {t.name for t in layout.targets}
    namespaces = set(layout.cluster.namespaces)
    out: list[tuple[Path, str]] = []

    def check(path: Path, value: str | None, known: set[str], what: str) -> None:
        if value is not None and value not in known:
            out.append((path, _unknown(what, value, known)))

    for i, fault in enumerate(scenario.faults):
        at: Path = ("faults", i)
        when = fault.when
        if when is not None:
            check((*at, "when", "trigger"), when.trigger, triggers, "a trigger of the layout")
            check((*at, "when", "phase"), when.phase, phases, "a phase of the layout")
            if when.share is not None:
                check((*at, "when", "share", "target"), when.share.target, targets, "a target")
            if when.action is not None:
                check((*at, "when", "action", "target"), when.action.target, targets, "a target")
        spec: Any = fault.spec
        kind = fault.kind
        if kind == "release":
            check((*at, kind, "target"), spec.target, targets, "a target of the layout")
        namespace = getattr(spec, "namespace", None)
        check((*at, kind, "namespace"), namespace, namespaces, "a namespace the layout watches")
    for i, response in enumerate(scenario.responses):
        at = ("responses", i)
        if response.acknowledged is not None:
            check((*at, "acknowledged", "trigger"), response.acknowledged.trigger, triggers,
                  "a trigger of the layout")  # fmt: skip
        if response.action is not None:
            check((*at, "action", "target"), response.action.target, targets, "a target")
        if response.checklist is not None:
            check((*at, "checklist", "item"), response.checklist.item, items,
                  "an item of the layout")  # fmt: skip
    for i, guard in enumerate(scenario.halt):
        check(("halt", i, "signal"), guard.signal, signals, "a signal of the layout")
    by_hand = {i.id for _, i in layout.items() if i.ticked_by_person}
    for i, item in enumerate(scenario.requires):
        check(("requires", i), item, items, "an item of the layout")
        if item in by_hand:
            out.append(
                (("requires", i), f"{item!r} is ticked by hand; a prerequisite is an item "
                 "proved by its evidence (a check), so that the drill starts on what is true")
            )  # fmt: skip
    if scenario.error_budget is not None:
        check(("error_budget", "signal"), scenario.error_budget.signal, signals,
              "a signal of the layout")  # fmt: skip
    return out


def against_nodes(scenario: Scenario, nodes: Collection[str]) -> list[tuple[Path, str]]:
    """Faults and responses on nodes the cluster does not have."""
    known = set(nodes)
    out: list[tuple[Path, str]] = []
    shown = ", ".join(sorted(known)[:6]) + (" …" if len(known) > 6 else "")
    for i, fault in enumerate(scenario.faults):
        node = getattr(fault.spec, "node", None)
        if node is not None and node not in known:
            out.append(
                (
                    ("faults", i, fault.kind, "node"),
                    f"there is no node {node!r} (its nodes: {shown})",
                )
            )
    for i, response in enumerate(scenario.responses):
        for kind in ("drained", "cordoned"):
            on = getattr(response, kind)
            if on is not None and on.node not in known:
                out.append(
                    (("responses", i, kind, "node"),
                     f"there is no node {on.node!r} (its nodes: {shown})")
                )  # fmt: skip
    return out


__all__ = [
    "ScenarioError",
    "against_layout",
    "against_nodes",
    "parse_scenario",
    "read_scenario_file",
]
