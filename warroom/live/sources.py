"""The reflectors that keep a ClusterPicture current: one per kind and watched namespace."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from types import TracebackType

import aiohttp

from warroom.background import Periodic
from warroom.kube.connection import Connection
from warroom.kube.errors import KubeError
from warroom.kube.reflector import Reflector
from warroom.kube.resource import Resource
from warroom.state.picture import CLUSTER, NAMESPACED, ClusterPicture

# The API resource behind each kind the picture keeps.
RESOURCES = {
    "pods": Resource("", "v1", "pods"),
    "deployments": Resource("apps", "v1", "deployments"),
    "replicasets": Resource("apps", "v1", "replicasets"),
    "hpas": Resource("autoscaling", "v2", "horizontalpodautoscalers"),
    "pdbs": Resource("policy", "v1", "poddisruptionbudgets"),
    "events": Resource("", "v1", "events"),
    "ingresses": Resource("networking.k8s.io", "v1", "ingresses"),
    "nodes": Resource("", "v1", "nodes"),
}
assert set(RESOURCES) == set(NAMESPACED) | set(CLUSTER)


def custom_kind(resource: Resource) -> str:
    """How the picture names a custom resource's kind: plural.group (canaries.flagger.app)."""
    return f"{resource.plural}.{resource.group}"


class ClockProbe(Periodic):
    """Asks the API server its version every `interval` seconds, so that its clock is seen
    often enough to follow: a watch's answer carries a Date only when it opens."""

    def __init__(self, connection: Connection, interval: float = 10.0) -> None:
        super().__init__(interval)
        self.connection = connection

    async def step(self) -> None:
        # A failure is the reflectors' to report; the clock simply waits for the next answer.
        with contextlib.suppress(KubeError, aiohttp.ClientError, OSError, TimeoutError):
            await self.connection.get_json("/version")


class ClusterSources:
    """One reflector per kind and watched namespace (nodes cluster-wide), writing to `picture`."""

    def __init__(
        self,
        connection: Connection,
        picture: ClusterPicture,
        *,
        custom: Mapping[str, Resource] | None = None,
        bookmark_interval: float = 60.0,
    ) -> None:
        """`custom`: the resource behind each custom kind of the picture (by `custom_kind`)."""
        self.connection = connection
        self.picture = picture
        self.clock = ClockProbe(connection)
        self.reflectors: list[Reflector] = []
        for kind in NAMESPACED:
            for ns in picture.namespaces:
                self._add(kind, ns, RESOURCES[kind], bookmark_interval)
        for kind in CLUSTER:
            self._add(kind, "", RESOURCES[kind], bookmark_interval)
        for kind, resource in (custom or {}).items():
            for ns in picture.caches[kind]:
                self._add(kind, ns, resource, bookmark_interval)

    def _add(self, kind: str, namespace: str, resource: Resource, bookmark_interval: float) -> None:
        scoped = Resource(resource.group, resource.version, resource.plural, namespace or None)
        reflector = Reflector(
            self.connection,
            scoped,
            self.picture.cache(kind, namespace),
            bookmark_interval=bookmark_interval,
        )
        self.reflectors.append(reflector)
        self.picture.readers[f"{kind}/{namespace}" if namespace else kind] = reflector.freshness

    def start(self) -> None:
        for reflector in self.reflectors:
            reflector.start()
        self.clock.start()

    async def wait_synced(self, timeout: float | None = None) -> None:
        await asyncio.gather(*(r.wait_synced(timeout) for r in self.reflectors))

    async def stop(self) -> None:
        await asyncio.gather(self.clock.stop(), *(r.stop() for r in self.reflectors))

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
