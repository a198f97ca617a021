"""The cluster as the war room sees it: one reflected cache per kind and namespace, versioned.

Reflectors write into the caches; the UI reads on its own cadence and compares `version` to
know whether anything moved. Reading never copies the objects: treat them as read-only.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from warroom.kinds.objects import Obj
from warroom.state.events import EventRow, event_time
from warroom.state.freshness import Freshness, data_age
from warroom.state.store import NewestCache, ObjectCache

# What the war room watches, per namespace (nodes are cluster-wide).
NAMESPACED = ("pods", "deployments", "replicasets", "hpas", "pdbs", "events", "ingresses")
CLUSTER = ("nodes",)
OWN_TIMELINE = 500  # the war room's own entries kept on the timeline
# Events kept per namespace, newest first: a bounded history, whatever the API server keeps.
EVENT_HISTORY = 1000


class ClusterPicture:
    """Caches by kind: `objects("pods")` yields the pods of every watched namespace."""

    def __init__(
        self,
        namespaces: Iterable[str],
        custom: Iterable[tuple[str, Iterable[str]]] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`custom`: custom kinds the layout names ("plural.group", e.g. canaries.flagger.app),
        each with the namespaces watched ("" for cluster-wide). `clock`: the cluster's wall
        clock, which stamps the war room's own entries so they sort among the cluster's events
        (a simulated cluster's runs ahead)."""
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
        self.custom: tuple[str, ...] = ()
        for kind, scopes in custom:
            self.custom += (kind,)
            self.caches[kind] = {ns: ObjectCache() for ns in scopes}
        self.own: deque[EventRow] = deque(maxlen=OWN_TIMELINE)
        # Counts every entry ever noted: the deque's length stops moving once it is full.
        self.own_version = 0
        # How current each source that writes here is, read when the screen draws.
        self.readers: dict[str, Callable[[], Freshness]] = {}

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
        return sum(self.kind_version(k) for k in self.caches) + self.own_version

    def note(self, reason: str, message: str, subject: str = "warroom") -> None:
        """A war-room entry on the timeline (actions, verdicts, source trouble)."""
        self.own.append(
            EventRow(
                uid=f"warroom/{self.own_version}",
                time=self.clock(),
                type="warroom",
                reason=reason,
                subject=subject,
                message=message,
                count=1,
            )
        )
        self.own_version += 1

    def pod_counts(self) -> dict[str, int]:
        """Pods per node name, from the node indexes: no pod is read."""
        counts: dict[str, int] = {}
        for cache in self.caches["pods"].values():
            for node, count in cache.node_counts().items():
                counts[node] = counts.get(node, 0) + count
        return counts

    def sources(self) -> list[Freshness]:
        """Every source writing into the picture, by name."""
        return [read() for _, read in sorted(self.readers.items())]

    def data_age(self) -> float | None:
        """How old the picture may be: 0 while every watch is live, else the age of the
        stalest failing source's data; None until every source has listed once."""
        return data_age(self.sources())
