"""View models of the live picture, built from raw objects: what each panel shows, headless.

Pure functions over the reflected dicts, so `warroom check` and tests read the same words the
screen shows. Statuses use kubectl's own printing (`warroom.kube.printers`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from warroom.kube.cache import ObjectCache
from warroom.kube.ingress import Canary
from warroom.kube.printers import (
    format_hpa_metrics,
    human_duration,
    print_node,
    print_pod,
    timestamp_of,
)

Obj = Mapping[str, Any]

REVISION = "deployment.kubernetes.io/revision"

# Statuses an on-call engineer must notice; anything not Running/Completed is at least a warning.
BAD_STATUSES = (
    "CrashLoopBackOff",
    "Error",
    "ImagePullBackOff",
    "ErrImagePull",
    "OOMKilled",
    "Unknown",
    "NodeLost",
    "Failed",
    "CreateContainerConfigError",
    "Evicted",
)


def short_image(image: str) -> str:
    """The image without its registry host: `bizra/inference:2.0.1` for ghcr.io/…"""
    first, _, rest = image.partition("/")
    return rest if rest and ("." in first or ":" in first or first == "localhost") else image


def image_tag(image: str) -> str:
    tail = image.rsplit("/", 1)[-1]
    if "@" in tail:
        return tail.split("@", 1)[1][:19]
    return tail.split(":", 1)[1] if ":" in tail else "latest"


def _containers(obj: Obj) -> list[Obj]:
    spec = obj.get("spec") or {}
    template = spec.get("template")
    if isinstance(template, dict):
        spec = template.get("spec") or {}
    return list(spec.get("containers") or ())


def version_of(obj: Obj) -> str:
    """The version a pod or template runs: its `version` label, else its first image's tag."""
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    template = (obj.get("spec") or {}).get("template")
    if isinstance(template, dict):
        labels = (template.get("metadata") or {}).get("labels") or labels
    for key in ("version", "app.kubernetes.io/version"):
        if labels.get(key):
            return str(labels[key])
    containers = _containers(obj)
    return image_tag(str(containers[0].get("image", ""))) if containers else "?"


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


# ---- rollout ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    role: str  # "new" (the template being rolled out), "stable" (serving before it) or "old"
    version: str
    image: str
    replicaset: str
    revision: int
    desired: int
    ready: int
    available: int
    share: float | None  # of the Ready pods behind the Deployment, 0..1


@dataclass(frozen=True)
class RolloutView:
    namespace: str
    name: str
    strategy: str
    paused: bool
    desired: int
    updated: int
    ready: int
    available: int
    revision: int
    condition: str  # in words, as `kubectl rollout status` would say it
    trouble: str  # "" when all is well, else "warn" or "bad"
    versions: tuple[VersionRow, ...]
    canary: Canary | None = None  # an NGINX canary Ingress in front of the target's Service


def _owned(objs: Iterable[Obj], uid: str) -> list[Obj]:
    out = []
    for obj in objs:
        for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
            if ref.get("controller") and ref.get("uid") == uid:
                out.append(obj)
    return out


def rollout_status_words(d: Obj) -> tuple[str, str]:
    """kubectl rollout status's sentence for the Deployment, and a trouble level."""
    meta, spec, status = d.get("metadata") or {}, d.get("spec") or {}, d.get("status") or {}
    name = meta.get("name", "")
    replicas = _int(spec.get("replicas", 1))
    updated = _int(status.get("updatedReplicas"))
    total = _int(status.get("replicas"))
    available = _int(status.get("availableReplicas"))
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            return f'deployment "{name}" exceeded its progress deadline', "bad"
    if spec.get("paused"):
        return f'deployment "{name}" is paused ({updated} of {replicas} updated)', "warn"
    if _int(meta.get("generation")) > _int(status.get("observedGeneration")):
        return "Waiting for deployment spec update to be observed...", "warn"
    if updated < replicas:
        return (
            f"Waiting for rollout to finish: {updated} out of {replicas} new replicas have "
            "been updated...",
            "warn",
        )
    if total > updated:
        return (
            f"Waiting for rollout to finish: {total - updated} old replicas are pending "
            "termination...",
            "warn",
        )
    if available < updated:
        return (
            f"Waiting for rollout to finish: {available} of {updated} updated replicas are "
            "available...",
            "warn",
        )
    return "successfully rolled out", ""


def rollout_view(d: Obj, replicasets: Iterable[Obj], canary: Canary | None = None) -> RolloutView:
    meta, spec, status = d.get("metadata") or {}, d.get("spec") or {}, d.get("status") or {}
    mine = _owned(replicasets, str(meta.get("uid", "")))
    revision = _int((meta.get("annotations") or {}).get(REVISION))
    # Traffic share: each ReplicaSet's Ready pods (its status, kept by the ReplicaSet
    # controller) of all this Deployment's Ready pods, as a Service spreads requests.
    total_ready = sum(_int((rs.get("status") or {}).get("readyReplicas")) for rs in mine)
    rows = []
    for rs in mine:
        rs_meta, rs_status = rs.get("metadata") or {}, rs.get("status") or {}
        rs_rev = _int((rs_meta.get("annotations") or {}).get(REVISION))
        desired = _int((rs.get("spec") or {}).get("replicas"))
        if desired == 0 and _int(rs_status.get("replicas")) == 0 and rs_rev != revision:
            continue  # history, not a live version
        ready_here = _int(rs_status.get("readyReplicas"))
        containers = _containers(rs)
        rows.append(
            VersionRow(
                role="new" if rs_rev == revision else "old",
                version=version_of(rs),
                image=str(containers[0].get("image", "")) if containers else "",
                replicaset=str(rs_meta.get("name", "")),
                revision=rs_rev,
                desired=desired,
                ready=ready_here,
                available=_int(rs_status.get("availableReplicas")),
                share=(ready_here / total_ready) if total_ready else None,
            )
        )
    rows.sort(key=lambda r: (r.role != "new", -r.revision))
    # One live version is simply stable; during a rollout the newest is "new" and the one it
    # replaces "stable" (older leftovers are "old").
    if len(rows) == 1:
        rows = [replace(rows[0], role="stable")]
    elif rows:
        rows = [rows[0]] + [
            replace(r, role="stable" if i == 0 else "old") for i, r in enumerate(rows[1:])
        ]
    words, trouble = rollout_status_words(d)
    return RolloutView(
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        strategy=str((spec.get("strategy") or {}).get("type", "RollingUpdate")),
        paused=bool(spec.get("paused")),
        desired=_int(spec.get("replicas", 1)),
        updated=_int(status.get("updatedReplicas")),
        ready=_int(status.get("readyReplicas")),
        available=_int(status.get("availableReplicas")),
        revision=revision,
        condition=words,
        trouble=trouble,
        versions=tuple(rows),
        canary=canary,
    )


# ---- pods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodRow:
    uid: str
    namespace: str
    name: str
    version: str
    status: str
    ready: str
    restarts: str  # the count, e.g. "3"
    age: str  # as of when the row was built; the screen redraws ages from `created`
    node: str
    gpus: int
    trouble: str  # "", "warn" or "bad"
    created: float | None = None
    last_restart: float | None = None
    search: str = ""  # lowercase text a filter matches against

    def age_at(self, now: float) -> str:
        return human_duration(now - self.created) if self.created is not None else "<unknown>"

    def restarts_at(self, now: float) -> str:
        """kubectl's RESTARTS cell: `3 (5m ago)`."""
        if self.last_restart is None or self.restarts == "0":
            return self.restarts
        return f"{self.restarts} ({human_duration(now - self.last_restart)} ago)"


def pod_gpus(pod: Obj) -> int:
    total = 0
    for c in _containers(pod):
        resources = c.get("resources") or {}
        value = (resources.get("limits") or {}).get("nvidia.com/gpu") or (
            resources.get("requests") or {}
        ).get("nvidia.com/gpu")
        total += _int(value)
    return total


def pod_row(pod: Obj, now: float) -> PodRow:
    cells = print_pod(dict(pod), now)
    name, ready, status, restarts, age = cells[0], cells[1], cells[2], cells[3], cells[4]
    node = cells[6] if len(cells) > 6 else ""
    meta = pod.get("metadata") or {}
    restarted = str(restarts).split(" ", 1)[0] not in ("0", "")
    all_ready = str(ready).split("/")[0] == str(ready).split("/")[-1]
    if status in BAD_STATUSES or status.startswith(("Init:Error", "Init:CrashLoop")):
        trouble = "bad"
    elif status == "Completed" or (status == "Running" and all_ready and not restarted):
        trouble = ""
    else:
        trouble = "warn"
    finished = [
        timestamp_of(((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt"))
        for cs in (pod.get("status") or {}).get("containerStatuses") or ()
    ]
    version = version_of(pod)
    node_name = str(node if node != "<none>" else "")
    return PodRow(
        uid=str(meta.get("uid", "")),
        namespace=str(meta.get("namespace", "")),
        name=str(name),
        version=version,
        status=str(status),
        ready=str(ready),
        restarts=str(restarts).split(" ", 1)[0],
        age=str(age),
        node=node_name,
        gpus=pod_gpus(pod),
        trouble=trouble,
        created=timestamp_of(meta.get("creationTimestamp")),
        last_restart=max((f for f in finished if f is not None), default=None),
        search=" ".join(
            (version, str(name), str(status), node_name, str(meta.get("namespace", "")))
        ).lower(),
    )


class PodRows:
    """Pod rows of some caches, sorted by namespace, version and name, kept across refreshes.

    The caches say which pods changed (`ObjectCache.track`), so a refresh rebuilds and moves
    only those rows: status churn on ten thousand pods costs O(changed), not O(pods).
    """

    def __init__(self, caches: Mapping[str, ObjectCache]) -> None:
        """`caches` by namespace, in the order the namespaces are listed (the layout's: its
        first namespace is the go-live's own)."""
        self._followed = [(cache, cache.track()) for cache in caches.values()]
        self._rank = {namespace: i for i, namespace in enumerate(caches)}
        self._rows: dict[str, PodRow] = {}
        self._order: list[tuple[int, str, str, str]] = []  # sorted; parallel to _sorted
        self._sorted: list[PodRow] = []
        self.rows: tuple[PodRow, ...] = ()

    def close(self) -> None:
        """Stop following the caches (they outlive the screen that reads them)."""
        for cache, changed in self._followed:
            cache.untrack(changed)
        self._followed = []

    def update(self, now: float) -> tuple[PodRow, ...]:
        changes: list[tuple[str, Obj | None]] = []
        for cache, changed in self._followed:
            if changed:
                uids = list(changed)
                changed.clear()
                changes.extend((uid, cache.by_uid(uid)) for uid in uids)
        if not changes:
            return self.rows
        if len(changes) > max(64, len(self._rows) // 4):
            # Many at once (the first list, a relist): rebuild them and sort once.
            for uid, obj in changes:
                if obj is None:
                    self._rows.pop(uid, None)
                else:
                    self._rows[uid] = pod_row(obj, now)
            self._sorted = sorted(self._rows.values(), key=self._key)
            self._order = [self._key(row) for row in self._sorted]
        else:
            for uid, obj in changes:
                old = self._rows.pop(uid, None)
                new = None if obj is None else pod_row(obj, now)
                at = -1 if old is None else bisect.bisect_left(self._order, self._key(old))
                if new is not None:
                    self._rows[uid] = new
                    if at >= 0 and self._key(new) == self._order[at]:
                        self._sorted[at] = new  # same place: status churn
                        continue
                if at >= 0:
                    del self._order[at], self._sorted[at]
                if new is not None:
                    where = bisect.bisect_left(self._order, self._key(new))
                    self._order.insert(where, self._key(new))
                    self._sorted.insert(where, new)
        self.rows = tuple(self._sorted)
        return self.rows

    def _key(self, row: PodRow) -> tuple[int, str, str, str]:
        return (self._rank.get(row.namespace, len(self._rank)), row.version, row.name, row.uid)


# ---- HPA -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HpaView:
    namespace: str
    name: str
    target: str
    current: int
    desired: int
    minimum: int
    maximum: int
    metrics: str  # kubectl's TARGETS column, e.g. "cpu: 45%/70%"
    at_max: bool
    limited: str  # the ScalingLimited reason when true, else ""


def hpa_view(hpa: Obj) -> HpaView:
    meta, spec, status = hpa.get("metadata") or {}, hpa.get("spec") or {}, hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    limited = ""
    for cond in status.get("conditions") or ():
        if cond.get("type") == "ScalingLimited" and cond.get("status") == "True":
            limited = str(cond.get("reason", ""))
    current = _int(status.get("currentReplicas"))
    maximum = _int(spec.get("maxReplicas"))
    return HpaView(
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        target=f"{ref.get('kind', '')}/{ref.get('name', '')}",
        current=current,
        desired=_int(status.get("desiredReplicas")),
        minimum=_int(spec.get("minReplicas", 1)),
        maximum=maximum,
        metrics=format_hpa_metrics(spec.get("metrics") or (), status.get("currentMetrics") or ()),
        at_max=maximum > 0 and current >= maximum,
        limited=limited,
    )


# ---- nodes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeRow:
    name: str
    status: str  # "Ready", "NotReady", "Ready,SchedulingDisabled", "Unknown"
    roles: str
    gpus: int  # allocatable nvidia.com/gpu
    trouble: str


def node_row(node: Obj, now: float) -> NodeRow:
    cells = print_node(dict(node), now)
    status = str(cells[1])
    alloc = ((node.get("status") or {}).get("allocatable") or {}).get("nvidia.com/gpu")
    trouble = "bad" if not status.startswith("Ready") else ("warn" if "," in status else "")
    return NodeRow(
        name=str(cells[0]),
        status=status,
        roles=str(cells[2]),
        gpus=_int(alloc),
        trouble=trouble,
    )


# ---- events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    uid: str
    time: float
    type: str  # Normal, Warning, or "warroom" for the war room's own entries
    reason: str
    subject: str
    message: str
    count: int

    def age_at(self, now: float) -> str:
        return human_duration(now - self.time)


def event_time(ev: Obj) -> float | None:
    """When an event last happened: lastTimestamp, else eventTime, else its creation."""
    return (
        timestamp_of(ev.get("lastTimestamp"))
        or timestamp_of(ev.get("eventTime"))
        or timestamp_of((ev.get("metadata") or {}).get("creationTimestamp"))
    )


def event_row(ev: Obj, now: float) -> EventRow:
    involved = ev.get("involvedObject") or {}
    meta = ev.get("metadata") or {}
    return EventRow(
        uid=str(meta.get("uid") or f"{meta.get('namespace')}/{meta.get('name')}"),
        time=event_time(ev) or now,
        type=str(ev.get("type", "Normal")),
        reason=str(ev.get("reason", "")),
        subject=f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        message=str(ev.get("message", "")).strip(),
        count=_int(ev.get("count", 1)) or 1,
    )


class Timeline:
    """Kubernetes events and the war room's own entries, newest first, kept across refreshes:
    an event's row is rebuilt only when the event changed."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[str, EventRow]] = {}  # uid -> (resourceVersion, row)
        self.rows: tuple[EventRow, ...] = ()

    def update(
        self, events: Iterable[Obj], own: Iterable[EventRow], now: float
    ) -> tuple[EventRow, ...]:
        rows: dict[str, tuple[str, EventRow]] = {}
        for ev in events:
            meta = ev.get("metadata") or {}
            uid, rv = str(meta.get("uid", "")), str(meta.get("resourceVersion", ""))
            cached = self._rows.get(uid)
            fresh = cached is not None and cached[0] == rv
            rows[uid] = cached if fresh and cached is not None else (rv, event_row(ev, now))
        self._rows = rows
        merged = [row for _, row in rows.values()]
        merged.extend(own)
        merged.sort(key=lambda r: r.time, reverse=True)
        self.rows = tuple(merged)
        return self.rows


# ---- custom resources ------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomRow:
    kind: str  # plural.group
    namespace: str
    name: str
    state: str  # status.phase, else the Ready condition, else "–"
    message: str
    trouble: str


def custom_row(kind: str, obj: Obj) -> CustomRow:
    """What a custom resource says about itself: its phase or Ready condition (Flagger-style)."""
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    ready = next((c for c in status.get("conditions") or () if c.get("type") == "Ready"), None)
    state = str(status.get("phase") or (f"Ready={ready.get('status')}" if ready else "–"))
    message = str((ready or {}).get("message") or status.get("message") or "")
    bad = state in ("Failed", "Ready=False") or "fail" in state.lower()
    waiting = state in ("Progressing", "Promoting", "Finalising", "Waiting", "–")
    if status.get("canaryWeight") is not None:  # Flagger: the canary's share of requests
        state += f" · weight {_int(status.get('canaryWeight'))}%"
    return CustomRow(
        kind,
        str(meta.get("namespace", "")),
        str(meta.get("name", "")),
        state,
        message,
        "bad" if bad else ("warn" if waiting else ""),
    )
