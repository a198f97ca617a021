"""Checks read from the cluster picture: rollouts, pods, nodes, objects, fields, events,
restarts and HPAs — each judged as kubectl would show it, with what it found as evidence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import islice
from typing import Any

from warroom.checklist.pod_index import PodFacts, PodIndex
from warroom.checklist.verdicts import Evidence, Verdict
from warroom.checklist.world import World
from warroom.kinds.catalogue import split_ref
from warroom.kinds.deployment import rollout_status
from warroom.kinds.fieldcheck import compare
from warroom.kinds.jsonpath import compile_jsonpath
from warroom.kinds.labels import parse_selector
from warroom.kinds.node import node_status
from warroom.kinds.objects import Obj, as_int, section
from warroom.kinds.pod import pod_status
from warroom.layout.checks import (
    EventsCheck,
    ExistsCheck,
    FieldCheck,
    HpaCheck,
    NodesCheck,
    PodsCheck,
    RestartsCheck,
    RolloutCheck,
)
from warroom.state.events import event_time

Judged = tuple[Verdict, str, Evidence]
API = "API server"


def _objects(world: World, kind: str, namespace: str) -> Iterator[Obj]:
    assert world.picture is not None
    caches = world.picture.caches.get(kind, {})
    cache = caches.get(namespace) if kind != "nodes" else caches.get("")
    if cache is not None:
        yield from cache


def match_labels(d: Obj) -> str:
    """The selector of a Deployment's spec.selector.matchLabels, as kubectl writes it."""
    labels = section(section(d, "spec"), "selector").get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in labels.items())


def rollout(check: RolloutCheck, namespace: str, world: World, index: PodIndex) -> Judged:
    assert world.picture is not None
    measured = f"rollout of deployment {namespace}/{check.target}"
    query = f"kubectl rollout status deployment/{check.target} -n {namespace}"
    d = world.picture.cache("deployments", namespace).get(namespace, check.target)
    if d is None:
        return "fail", "not found", Evidence(measured, API, query, "no such deployment", None)
    # The pods are read only for a warning while the rollout is not done.
    pods = index.pods(index.select(match_labels(d)))
    said = rollout_status(d, pods)
    evidence = Evidence(measured, API, query, said.error or said.printed, "successfully rolled out")
    if said.done:
        return "pass", "complete", evidence
    if said.error:
        return "fail", "deadline exceeded" if "deadline" in said.error else "failed", evidence
    status = section(d, "status")
    updated, want = (
        as_int(status.get("updatedReplicas")),
        as_int(section(d, "spec").get("replicas")),
    )
    return "pending", f"{updated} of {want} updated", evidence


def pods(
    check: PodsCheck, namespace: str, index: PodIndex, opened: float | None, now: float
) -> Judged:
    """`opened`: when the session opened (pods created since are replacements to time)."""
    chosen = index.select(check.selector)
    ready = chosen.ready
    # The first pods that are not Ready, with their STATUS as kubectl shows it.
    waiting = islice((uid for uid, f in chosen.members.items() if not f.ready), 10)
    objects = [index.cache.by_uid(uid) for uid in waiting]
    names = ", ".join(
        f"{section(p, 'metadata').get('name')} {pod_status(p).reason}"
        for p in objects
        if p is not None
    )
    evidence = Evidence(
        f"pods Ready for {check.selector} in {namespace}",
        API,
        f"kubectl get pods -n {namespace} -l {check.selector}",
        f"{ready} of {len(chosen.members)} Ready",
        f">= {check.min} Ready",
        detail=f"not Ready: {names}" if names else None,
    )
    verdict: Verdict = "pass" if ready >= check.min else "fail"
    if verdict == "fail" or check.started_within is None:
        return (
            verdict,
            f"{ready} of {check.min} ready" if verdict == "fail" else f"{ready} ready",
            evidence,
        )
    return _started_within(check, chosen.members.values(), opened, now, evidence)


def _started_within(
    check: PodsCheck, members: Iterable[PodFacts], opened: float | None, now: float, ev: Evidence
) -> Judged:
    assert check.started_within is not None
    limit = check.started_within.total_seconds()
    want = f"containers running within {limit:g}s of creation"
    since = opened if opened is not None else now
    new = sorted(
        (f for f in members if f.created is not None and f.created >= since),
        key=lambda f: f.created or 0.0,
    )
    slowest: tuple[float, str] | None = None
    for facts in new:
        assert facts.created is not None
        took = (facts.started if facts.started is not None else now) - facts.created
        if took > limit:
            state = "started" if facts.started is not None else "not running"
            value = f"{facts.name} {state} {took:.0f}s after it was created"
            return "fail", value, replace(ev, value=value, threshold=want)
        if facts.started is None:
            value = f"{facts.name} created {took:.0f}s ago, not running yet"
            return "pending", value, replace(ev, value=value, threshold=want)
        if slowest is None or took > slowest[0]:
            slowest = (took, facts.name)
    if slowest is None:
        value = "no pod created since the session opened"
        return (
            "pending",
            f"{value}: delete one to test its replacement",
            replace(ev, value=value, threshold=want),
        )
    value = f"{len(new)} new, the slowest ({slowest[1]}) running {slowest[0]:.0f}s after creation"
    return "pass", value, replace(ev, value=value, threshold=want)


def _gpus(node: Obj) -> int:
    # Extended resources are whole numbers ("4"), as the device plugin advertises them.
    return as_int(section(section(node, "status"), "allocatable").get("nvidia.com/gpu"))


def nodes(check: NodesCheck, world: World) -> Judged:
    chosen = parse_selector(check.selector or "")
    found = [
        n
        for n in _objects(world, "nodes", "")
        if chosen.matches(section(n, "metadata").get("labels"))
    ]
    good = [
        n
        for n in found
        if node_status(n).split(",")[0] == "Ready"
        and (check.gpus is None or _gpus(n) >= check.gpus)
    ]
    want = f">= {check.min} Ready" + (f" with {check.gpus}+ nvidia.com/gpu" if check.gpus else "")
    evidence = Evidence(
        "nodes" + (f" {check.selector}" if check.selector else ""),
        API,
        "kubectl get nodes" + (f" -l {check.selector}" if check.selector else ""),
        f"{len(good)} of {len(found)}",
        want,
        detail=", ".join(str(section(n, "metadata").get("name")) for n in found if n not in good)
        or None,
    )
    verdict: Verdict = "pass" if len(good) >= check.min else "fail"
    reason = f"{len(good)} nodes" if verdict == "pass" else f"{len(good)} of {check.min} nodes"
    return verdict, reason, evidence


def resolve(ref: str, namespace: str, world: World) -> tuple[bool, Obj | None]:
    """(whether the picture keeps this kind, the object or None); objects the picture does
    not keep come from a probe that fetches them. A custom resource the layout watches
    (`custom_resources`, e.g. Flagger's canaries) is read from its watch, as of now."""
    api, name = split_ref(ref)
    if api is not None and not api.picture and world.picture is not None:
        kind = f"{api.plural}.{api.group}"
        scopes = world.picture.caches.get(kind) if kind in world.picture.custom else None
        if scopes is not None and namespace in scopes:
            return True, scopes[namespace].get(namespace, name)
        return False, None
    if api is None or not api.picture or world.picture is None:
        return False, None
    if api.namespaced and namespace not in world.picture.namespaces:
        return False, None
    ns = namespace if api.namespaced else ""
    return True, world.picture.cache(api.picture, ns).get(ns, name)


def exists(check: ExistsCheck, namespace: str, found: Obj | None) -> Judged:
    api, _ = split_ref(check.object)
    where = f" in {namespace}" if api is not None and api.namespaced else ""
    evidence = Evidence(
        f"{check.object}{where}",
        API,
        f"kubectl get {check.object.lower()}" + (f" -n {namespace}" if where else ""),
        "found" if found is not None else "not found",
        "exists",
    )
    return ("pass", "exists", evidence) if found is not None else ("fail", "not found", evidence)


def field(check: FieldCheck, namespace: str, found: Obj | None) -> Judged:
    path = compile_jsonpath(check.path)
    query = f"kubectl get {check.object.lower()} -n {namespace} -o jsonpath='{{{check.path}}}'"
    threshold = f"{check.op} {_shown(check.value)}" if check.op != "exists" else "set"
    measured = f"{check.object} {check.path}"
    if found is None:
        return "fail", "not found", Evidence(measured, API, query, "no such object", threshold)
    values = path.find(found)
    ok, reason = compare(values, check.op, check.value)
    shown = ", ".join(_shown(v) for v in values) if values else "not set"
    evidence = Evidence(measured, API, query, shown, threshold)
    return ("pass" if ok else "fail"), reason, evidence


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def wanted_events(world: World, namespace: str, reasons: Iterable[str]) -> list[Obj]:
    """The namespace's events of these reasons (what an events check counts from)."""
    wanted = set(reasons)
    return [ev for ev in _objects(world, "events", namespace) if ev.get("reason") in wanted]


def events(check: EventsCheck, namespace: str, since: float, found: Iterable[Obj]) -> Judged:
    """`found`: the namespace's events of the check's reasons (wanted_events)."""
    seen: dict[str, int] = {}
    last: str | None = None
    for ev in found:
        reason = str(ev.get("reason", ""))
        when = event_time(ev)
        if when is not None and when >= since:
            seen[reason] = seen.get(reason, 0) + max(1, as_int(ev.get("count")))
            involved = section(ev, "involvedObject")
            last = f"{involved.get('kind')}/{involved.get('name')}: {ev.get('message', '')}"
    evidence = Evidence(
        f"events {', '.join(check.reasons)} in {namespace}",
        API,
        f"kubectl get events -n {namespace} --field-selector reason={','.join(check.reasons)}",
        ", ".join(f"{n} {r}" for r, n in seen.items()) or "none",
        "none",
        since=since,
        detail=last,
    )
    if seen:
        top = max(seen, key=lambda r: seen[r])
        return "fail", f"{seen[top]} {top}", evidence
    return "pass", "none", evidence


def restarts(check: RestartsCheck, namespace: str, index: PodIndex) -> Judged:
    chosen = index.select(check.selector)
    worst, name = chosen.worst()
    evidence = Evidence(
        f"restarts of {check.selector} in {namespace}",
        API,
        f"kubectl get pods -n {namespace} -l {check.selector}",
        f"at most {worst}" + (f" ({name})" if worst else ""),
        f"<= {check.max}",
    )
    if not chosen.members:
        return "unknown", "no pods", evidence
    verdict: Verdict = "pass" if worst <= check.max else "fail"
    return verdict, f"{worst} restarts", evidence


def hpa(check: HpaCheck, namespace: str, world: World) -> Judged:
    assert world.picture is not None
    obj = world.picture.cache("hpas", namespace).get(namespace, check.name)
    lo = check.min if check.min is not None else 0
    want = f"{lo}–{check.max}" if check.max is not None else f">= {lo}"
    query = f"kubectl get hpa {check.name} -n {namespace}"
    measured = f"replicas of HPA {namespace}/{check.name}"
    if obj is None:
        return "fail", "not found", Evidence(measured, API, query, "no such HPA", want)
    current = as_int(section(obj, "status").get("currentReplicas"))
    evidence = Evidence(measured, API, query, f"{current} replicas", want)
    inside = current >= lo and (check.max is None or current <= check.max)
    return ("pass" if inside else "fail"), f"{current} replicas", evidence
