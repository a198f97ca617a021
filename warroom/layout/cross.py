"""Checks across the checklist and the rest of a layout: ids used once, and every name a
check gives (a signal, a target, a role, an SSH host, a namespace) defined where it should be."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warroom.layout.schema import Layout

PathProblem = tuple[tuple[str | int, ...], str]


def _unknown(what: str, name: str, known: Iterable[str], where: str) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        return f"{name!r} is not {what}; did you mean {close[0]!r}?"
    if not names:
        return f"{name!r} is not {what}; the layout has none — add it under {where}"
    return f"{name!r} is not {what} ({', '.join(names)}); add it under {where} or fix the name"


def checklist_problems(layout: Layout) -> list[PathProblem]:
    """Every cross-reference problem of the checklist, each at its own path."""
    problems: list[PathProblem] = []
    signals = layout.signals
    targets = {t.name for t in layout.targets}
    watched = set(layout.cluster.namespaces)
    hosts = {h.host for h in layout.gpus.ssh} | {f"{h.host}:{h.port}" for h in layout.gpus.ssh}
    phases_seen: set[str] = set()
    items_seen: dict[str, str] = {}
    for p, phase in enumerate(layout.phases):
        here: tuple[str | int, ...] = ("phases", p)
        if phase.id in phases_seen:
            problems.append(((*here, "id"), f"phase {phase.id!r} is listed twice; rename one"))
        phases_seen.add(phase.id)
        for i, item in enumerate(phase.items):
            at: tuple[str | int, ...] = (*here, "items", i)
            if item.id in items_seen:
                problems.append(
                    (
                        (*at, "id"),
                        f"item {item.id!r} is already in phase {items_seen[item.id]!r}; "
                        "item ids are unique across the checklist",
                    )
                )
            items_seen.setdefault(item.id, phase.id)
            problems.extend(_item_problems(layout, item, at, signals, targets, watched, hosts))
    for tid, trigger in layout.triggers.items():
        if trigger.signal not in signals:
            problems.append(
                (
                    ("triggers", tid, "signal"),
                    _unknown("a signal of this layout", trigger.signal, signals, "signals:"),
                )
            )
        if trigger.target is not None and trigger.target not in targets:
            problems.append(
                (
                    ("triggers", tid, "target"),
                    _unknown("a target of this layout", trigger.target, targets, "targets:"),
                )
            )
        elif trigger.target is not None:
            problems.extend(
                _which_target(layout, ("triggers", tid), trigger.target, trigger.namespace)
            )
    return problems


def _which_target(
    layout: Layout, at: tuple[str | int, ...], name: str, namespace: str | None
) -> list[PathProblem]:
    """A target named by a trigger or a rollback check must be one target: a name two share
    needs its namespace, and a namespace given must be that of a target of that name."""
    named = [t for t in layout.targets if t.name == name]
    if namespace is None and len(named) > 1:
        spaces = " and ".join(t.namespace for t in named)
        return [
            (
                (*at, "target"),
                f"two targets are named {name} (in {spaces}): add namespace: to say which",
            )
        ]
    if namespace is not None and all(t.namespace != namespace for t in named):
        spaces = ", ".join(t.namespace for t in named)
        return [((*at, "namespace"), f"no target {name} is in {namespace}; its targets: {spaces}")]
    return []


def _item_problems(
    layout: Layout,
    item: object,
    at: tuple[str | int, ...],
    signals: Mapping[str, object],
    targets: set[str],
    watched: set[str],
    hosts: set[str],
) -> list[PathProblem]:
    from warroom.layout.checklist import Item

    assert isinstance(item, Item)
    out: list[PathProblem] = []
    listed = "cluster.namespaces"
    if item.promql is not None and item.promql.signal not in signals:
        out.append(
            (
                (*at, "promql", "signal"),
                _unknown("a signal of this layout", item.promql.signal, signals, "signals:"),
            )
        )
    if item.soak is not None:
        named = item.soak.signals or tuple(s for s, v in layout.signals.items() if v.slo)
        if not named:
            out.append(((*at, "soak"), "no signal has an SLO to soak; name signals with an slo"))
        for j, sid in enumerate(item.soak.signals):
            if sid not in signals:
                out.append(
                    (
                        (*at, "soak", "signals", j),
                        _unknown("a signal of this layout", sid, signals, "signals:"),
                    )
                )
            elif layout.signals[sid].slo is None:
                out.append(
                    (
                        (*at, "soak", "signals", j),
                        f"signal {sid!r} has no slo, so it cannot be within one; give it an slo",
                    )
                )
    if item.rollback is not None and item.rollback.target not in targets:
        out.append(
            (
                (*at, "rollback", "target"),
                _unknown("a target of this layout", item.rollback.target, targets, "targets:"),
            )
        )
    elif item.rollback is not None:
        out.extend(
            _which_target(layout, (*at, "rollback"), item.rollback.target, item.rollback.namespace)
        )
    if item.rollout is not None and item.rollout.target not in targets:
        out.append(
            (
                (*at, "rollout", "target"),
                _unknown("a target of this layout", item.rollout.target, targets, "targets:"),
            )
        )
    if item.signoff is not None:
        if item.signoff.role not in layout.roles:
            out.append(
                (
                    (*at, "signoff", "role"),
                    _unknown("a role of this layout", item.signoff.role, layout.roles, "roles:"),
                )
            )
        if item.signoff.target is not None and item.signoff.target not in targets:
            out.append(
                (
                    (*at, "signoff", "target"),
                    _unknown("a target of this layout", item.signoff.target, targets, "targets:"),
                )
            )
    if item.ssh is not None and item.ssh.host not in hosts:
        out.append(
            (
                (*at, "ssh", "host"),
                _unknown("an SSH host of this layout", item.ssh.host, hosts, "gpus.ssh:"),
            )
        )
    # Checks read from the room's watch need their namespace watched.
    for kind in ("pods", "events", "restarts", "hpa", "rollout"):
        check = getattr(item, kind)
        ns = getattr(check, "namespace", None) if check is not None else None
        if ns is not None and ns not in watched:
            out.append(
                (
                    (*at, kind, "namespace"),
                    f"{ns!r} is not in {listed} ({', '.join(layout.cluster.namespaces)}); "
                    "the war room reads this check from what it watches — add it there",
                )
            )
    return out
