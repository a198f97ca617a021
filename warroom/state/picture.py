"""The cluster as the war room sees it: one reflected cache per kind and namespace, versioned.

Reflectors write into the caches; the UI reads on its own cadence and compares `version` to
know whether anything moved. Reading never copies the objects: treat them as read-only.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from warroom.kube.cache import NewestCache, Obj, ObjectCache
from warroom.kube.health import Health
from warroom.kube.resource import Resource
from warroom.state.views import EventRow, event_time

# What the war room watches, per namespace (nodes are cluster-wide).
NAMESPACED = {
    "pods": Resource("", "v1", "pods"),
    "deployments": Resource("apps", "v1", "deployments"),
    "replicasets": Resource("apps", "v1", "replicasets"),
    "hpas": Resource("autoscaling", "v2", "horizontalpodautoscalers"),
    "pdbs": Resource("policy", "v1", "poddisruptionbudgets"),
    "events": Resource("", "v1", "events"),
    "ingresses": Resource("networking.k8s.io", "v1", "ingresses"),
}
CLUSTER = {"nodes": Resource("", "v1", "nodes")}
OWN_TIMELINE = 500
# Events kept per namespace, newest first: a bounded history, whatever the API server keeps.
EVENT_HISTORY = 1000


@dataclass(frozen=True)
class SourceState:
    """One source's freshness, as the header and banners show it."""

    name: str
    healthy: bool
    synced: bool
    age: float | None  # seconds since the source last heard from its server
    error: str | None


class ClusterPicture:
    """Caches by kind: `objects("pods")` yields the pods of every watched namespace."""

    def __init__(
        self,
        namespaces: list[str],
        custom: Iterable[tuple[Resource, Iterable[str]]] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`custom`: custom resources the layout names, each with the namespaces to watch.
        `clock`: the cluster's wall clock, which stamps the war room's own entries so they sort
        among the cluster's events (a simulated cluster's runs ahead)."""
        self.namespaces = list(namespaces)
        self.clock = clock
        self.caches: dict[str, dict[str, ObjectCache]] = {
            kind: {ns: ObjectCache() for ns in self.namespaces} for kind in NAMESPACED
        }
        self.caches["events"] = {
            ns: NewestCache(EVENT_HISTORY, lambda ev: event_time(ev) or 0.0)
            for ns in self.namespaces
        }
        for kind in CLUSTER:
            self.caches[kind] = {"": ObjectCache()}
        # Custom kinds are keyed "plural.group" (e.g. canaries.flagger.app).
        self.custom: dict[str, Resource] = {}
        for resource, scopes in custom:
            kind = f"{resource.plural}.{resource.group}"
            self.custom[kind] = resource
            self.caches[kind] = {ns: ObjectCache() for ns in scopes}
        self.own: deque[EventRow] = deque(maxlen=OWN_TIMELINE)
        self._own_version = 0
        # Each source's live health, read when the screen draws.
        self.health: dict[str, Callable[[], Health]] = {}

    def cache(self, kind: str, namespace: str = "") -> ObjectCache:
        return self.caches[kind][namespace]

    def objects(self, kind: str) -> Iterator[Obj]:
        for cache in self.caches[kind].values():
            yield from cache

    def count(self, kind: str) -> int:
        return sum(len(c) for c in self.caches[kind].values())

    def kind_version(self, kind: str) -> int:
        return sum(c.version for c in self.caches[kind].values())

    @property
    def version(self) -> int:
        return sum(self.kind_version(k) for k in self.caches) + self._own_version

    def note(self, reason: str, message: str, subject: str = "warroom") -> None:
        """A war-room entry on the timeline (actions, verdicts, source trouble)."""
        now = self.clock()
        self.own.append(
            EventRow(
                uid=f"warroom/{self._own_version}",
                time=now,
                type="warroom",
                reason=reason,
                subject=subject,
                message=message,
                count=1,
            )
        )
        self._own_version += 1

    def pod_counts(self) -> dict[str, int]:
        """Pods per node name, from the node indexes: no pod is read."""
        counts: dict[str, int] = {}
        for cache in self.caches["pods"].values():
            for node, count in cache.node_counts().items():
                counts[node] = counts.get(node, 0) + count
        return counts

    def data_age(self, now: float | None = None) -> float | None:
        """How old the picture may be: 0 while every watch is live (it is current), else the
        age of the stalest failing source's data; None until every source has listed once."""
        sources = self.sources(now)
        if not sources or any(not s.synced for s in sources):
            return None
        ages = [s.age or 0.0 for s in sources if not s.healthy]
        return max(ages) if ages else 0.0

    def sources(self, now: float | None = None) -> list[SourceState]:
        now = time.monotonic() if now is None else now
        out = []
        for name, read in sorted(self.health.items()):
            h = read()
            out.append(SourceState(name, h.healthy, h.synced, h.age(now), h.last_error))
        return out
