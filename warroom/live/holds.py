"""The war room's own Leases, watched: one reflector per watched namespace on
`coordination.k8s.io/v1 leases` matching `app.kubernetes.io/managed-by=warroom`, so the screen
sees another warroom's hold on a target as it is taken, renewed and released (kinds/holds.py
reads them).

A source among the room's (the sources view, the banner), but not part of the cluster's
picture: a user who may not list leases loses only the sight of other warrooms' holds, never
the freshness of the picture the checklist judges by. Its 403 says so in one sentence; the
action's own lock still refuses a held target when it is taken.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import replace

from warroom.kinds.lease import GROUP, SELECTOR
from warroom.kinds.objects import Obj
from warroom.kube.connection import Connection
from warroom.kube.reflector import Reflector
from warroom.kube.resource import Resource
from warroom.state.freshness import Freshness
from warroom.state.store import ObjectCache

GROUP_WORDS = "Pairing locks"  # how the banner names this source when only it is refused


class HoldSources:
    """The warroom Leases of each watched namespace, each kept by its reflector."""

    def __init__(
        self, connection: Connection, namespaces: Iterable[str], *, bookmark_interval: float = 60.0
    ) -> None:
        self.connection = connection
        self.caches: dict[str, ObjectCache] = {}
        self.reflectors: list[Reflector] = []
        for ns in namespaces:
            cache = self.caches[ns] = ObjectCache()
            resource = Resource(GROUP, "v1", "leases", namespace=ns, label_selector=SELECTOR)
            self.reflectors.append(
                Reflector(connection, resource, cache, bookmark_interval=bookmark_interval)
            )

    def start(self) -> None:
        for reflector in self.reflectors:
            reflector.start()

    async def stop(self) -> None:
        await asyncio.gather(*(r.stop() for r in self.reflectors))

    async def wait_synced(self, timeout: float | None = None) -> None:
        await asyncio.gather(*(r.wait_synced(timeout) for r in self.reflectors))

    @property
    def version(self) -> int:
        return sum(cache.version for cache in self.caches.values())

    def leases(self) -> Iterator[Obj]:
        for cache in self.caches.values():
            yield from cache

    def freshness(self) -> list[Freshness]:
        """How current each namespace's Leases are; a refusal (403) in one sentence saying
        what is lost, under its own name on the banner rather than the API server's."""
        out = []
        for reflector in self.reflectors:
            ns = reflector.resource.namespace
            # Named short: the label selector's words would crowd the sources view's columns.
            fresh = replace(reflector.freshness(), source=f"warroom leases in namespace {ns}")
            if fresh.failing and reflector.last_cause.startswith("403"):
                fresh = replace(
                    fresh,
                    error=f'context "{self.connection.context}" may not list leases in {ns}: '
                    "another warroom's hold on a target is not shown, and its lock still "
                    "refuses an action on it when taken; ask a cluster admin for list and "
                    f"watch on leases.coordination.k8s.io in {ns}",
                    group=GROUP_WORDS,
                    summary="may not list leases; other warrooms' holds are not shown",
                )
            out.append(fresh)
        return out
