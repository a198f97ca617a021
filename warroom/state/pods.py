"""Pod rows: each watched pod as kubectl reads it (`warroom.kinds.pod`), with its version, node,
GPUs and how much it needs attention; kept sorted across refreshes at O(pods changed).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass

from warroom.kinds.objects import Obj, section
from warroom.kinds.pod import PodStatus, pod_gpus, pod_status, unschedulable
from warroom.kinds.times import elapsed, timestamp_of
from warroom.state.store import ObjectCache
from warroom.state.trouble import Trouble
from warroom.state.versions import version_of

# Container and pod reasons that mean the pod is broken, not merely on its way.
BAD_REASONS = frozenset(
    {
        "CrashLoopBackOff",
        "Error",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "OOMKilled",
        "Unknown",
        "NodeLost",
        "Failed",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "StartError",
        "ContainerStatusUnknown",
        "Evicted",
    }
)


@dataclass(frozen=True, slots=True)
class PodRow:
    """One pod as the pods view lists it; times are kept as times and formatted when drawn."""

    uid: str
    namespace: str
    name: str
    version: str
    printed: PodStatus  # READY, STATUS, RESTARTS as kubectl prints them
    node: str
    gpus: int
    trouble: Trouble
    created: float | None = None
    why: str = ""  # what kubectl's STATUS does not say: the scheduler's refusal
    search: str = ""  # lowercase text a filter matches against

    @property
    def status(self) -> str:
        return self.printed.reason

    @property
    def ready(self) -> str:
        return self.printed.ready_text

    def age_at(self, now: float) -> str:
        return elapsed(now, self.created) if self.created is not None else "<unknown>"

    def restarts_at(self, now: float) -> str:
        """kubectl's RESTARTS cell: `3 (5m ago)`."""
        printed = self.printed
        if printed.restarts == 0 or printed.last_restart is None:
            return str(printed.restarts)
        return f"{printed.restarts} ({elapsed(now, printed.last_restart)} ago)"


def pod_trouble(printed: PodStatus, why: str, ready: bool = True) -> Trouble:
    """bad for a broken pod (a crash, an image that will not pull, an eviction, a pod no node
    can take), "" for one running ready without restarts or completed, warn for the rest.

    `ready`: the pod's Ready condition. The node lifecycle controller turns it False on a lost
    node and leaves the container statuses as the kubelet last wrote them, so kubectl still
    prints `1/1 Running` for a pod that serves nothing."""
    reason = printed.reason.removeprefix("Init:")
    if reason in BAD_REASONS or reason.startswith(("ExitCode:", "Signal:")) or why:
        return "bad"
    if printed.reason == "Completed":
        return ""
    if (
        printed.reason == "Running"
        and printed.ready == printed.total
        and not printed.restarts
        and ready
    ):
        return ""
    return "warn"


def condition_ready(pod: Obj) -> bool:
    """Whether the pod's Ready condition is True (a pod without one is taken as ready)."""
    for cond in section(pod, "status").get("conditions") or ():
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return True


def pod_row(pod: Obj) -> PodRow:
    meta, spec = section(pod, "metadata"), section(pod, "spec")
    printed = pod_status(pod)
    why = unschedulable(pod) if printed.reason == "Pending" else ""
    version = version_of(pod)
    name, namespace = str(meta.get("name", "")), str(meta.get("namespace", ""))
    node = str(spec.get("nodeName") or "")
    return PodRow(
        uid=str(meta.get("uid", "")),
        namespace=namespace,
        name=name,
        version=version,
        printed=printed,
        node=node,
        gpus=pod_gpus(pod),
        trouble=pod_trouble(printed, why, condition_ready(pod)),
        created=timestamp_of(meta.get("creationTimestamp")),
        why=why,
        search=" ".join((version, name, printed.reason, node, namespace)).lower(),
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
        self.version = 0  # goes up whenever `rows` changed

    def close(self) -> None:
        """Stop following the caches (they outlive the screen that reads them)."""
        for cache, changed in self._followed:
            cache.untrack(changed)
        self._followed = []

    def update(self) -> tuple[PodRow, ...]:
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
                    self._rows[uid] = pod_row(obj)
            self._sorted = sorted(self._rows.values(), key=self._key)
            self._order = [self._key(row) for row in self._sorted]
        else:
            for uid, obj in changes:
                self._move(uid, obj)
        self.rows = tuple(self._sorted)
        self.version += 1
        return self.rows

    def _move(self, uid: str, obj: Obj | None) -> None:
        old = self._rows.pop(uid, None)
        new = None if obj is None else pod_row(obj)
        at = -1 if old is None else bisect.bisect_left(self._order, self._key(old))
        if new is not None:
            self._rows[uid] = new
            if at >= 0 and self._key(new) == self._order[at]:
                self._sorted[at] = new  # same place: status churn
                return
        if at >= 0:
            del self._order[at], self._sorted[at]
        if new is not None:
            where = bisect.bisect_left(self._order, self._key(new))
            self._order.insert(where, self._key(new))
            self._sorted.insert(where, new)

    def _key(self, row: PodRow) -> tuple[int, str, str, str]:
        return (self._rank.get(row.namespace, len(self._rank)), row.version, row.name, row.uid)
