"""Starts and stops the reflectors that keep a ClusterPicture current."""

from __future__ import annotations

import asyncio
from functools import partial
from types import TracebackType

from warroom.kube.connection import Connection
from warroom.kube.reflector import Reflector
from warroom.kube.resource import Resource
from warroom.state.picture import CLUSTER, NAMESPACED, ClusterPicture


class ClusterSources:
    """One reflector per kind and watched namespace (nodes cluster-wide), writing to `picture`."""

    def __init__(
        self, connection: Connection, picture: ClusterPicture, *, bookmark_interval: float = 60.0
    ) -> None:
        self.connection = connection
        self.picture = picture
        self.reflectors: list[Reflector] = []
        for kind, res in NAMESPACED.items():
            for ns in picture.namespaces:
                scoped = Resource(res.group, res.version, res.plural, namespace=ns)
                self._add(f"{kind}/{ns}", scoped, kind, ns, bookmark_interval)
        for kind, res in CLUSTER.items():
            self._add(kind, res, kind, "", bookmark_interval)
        for kind, res in picture.custom.items():
            for ns in picture.caches[kind]:
                scoped = Resource(res.group, res.version, res.plural, namespace=ns or None)
                self._add(f"{kind}/{ns}", scoped, kind, ns, bookmark_interval)

    def _add(
        self, name: str, resource: Resource, kind: str, namespace: str, bookmark_interval: float
    ) -> None:
        reflector = Reflector(
            self.connection,
            resource,
            self.picture.cache(kind, namespace),
            bookmark_interval=bookmark_interval,
        )
        self.reflectors.append(reflector)
        # The bound method's owner is read on each call: health is a live property.
        self.picture.health[name] = partial(getattr, reflector, "health")

    def start(self) -> None:
        for reflector in self.reflectors:
            reflector.start()

    async def wait_synced(self, timeout: float | None = None) -> None:
        await asyncio.gather(*(r.wait_synced(timeout) for r in self.reflectors))

    async def stop(self) -> None:
        await asyncio.gather(*(r.stop() for r in self.reflectors))

    async def __aenter__(self) -> ClusterSources:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
