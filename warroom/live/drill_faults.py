"""A drill's faults put into the cluster, and taken back out.

The Kubernetes faults (a release, a blocked PodDisruptionBudget, a pod deleted, a node
cordoned, a Deployment scaled) are writes through the room's own connection, as kubectl sends
them; they are what a real context (staging) may take. The rest (a regressed image, an error
burst, a failed node or GPU, a crash-looping image, a Prometheus outage, a failing endpoint, a
load spike) only the simulated cluster can take: they go to its control API (`/_sim/…`, on the
same API server, through the same connection and so with its credentials, which must be the
operator's), and a run against staging refuses them before it starts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from warroom.drills.scenario import (
    BlockDisruptions,
    CrashImage,
    DeletePod,
    Endpoint,
    ErrorBurst,
    Fault,
    OnGpu,
    OnNode,
    Outage,
    Regress,
    Release,
    Scale,
    Users,
)
from warroom.kube import writes
from warroom.kube.connection import Connection
from warroom.kube.errors import KubeError
from warroom.kube.resource import Resource
from warroom.layout import Layout

Undo = Callable[[], Awaitable[str]]


class FaultError(Exception):
    """A fault that could not be injected (or undone), in one sentence."""


@dataclass(frozen=True, slots=True)
class Injected:
    """A fault in the cluster: what it did in words, how to take it back (None: it cannot be,
    or ends by itself), and after how many cluster seconds the drill takes it back."""

    says: str
    undo: Undo | None = None
    lasts: float | None = None


def _deployments(namespace: str) -> Resource:
    return Resource("apps", "v1", "deployments", namespace=namespace)


def _pdbs(namespace: str) -> Resource:
    return Resource("policy", "v1", "poddisruptionbudgets", namespace=namespace)


NODES = Resource("", "v1", "nodes")


def needs_sim(fault: Fault) -> bool:
    """Whether only the simulated cluster can take the fault."""
    return not fault.staging_safe


class FaultInjector:
    """Injects a layout's drill faults on `connection`. With `simulated`, the connection's
    server is the simulated cluster, whose control API (`/_sim/…`, the operator's alone) is
    asked for the faults only it can take, with the connection's own credentials."""

    def __init__(self, connection: Connection, layout: Layout, *, simulated: bool) -> None:
        self.connection = connection
        self.layout = layout
        self.simulated = simulated

    @property
    def namespace(self) -> str:
        namespaces = self.layout.cluster.namespaces
        return namespaces[0] if namespaces else "default"

    def namespace_of(self, fault: Fault) -> str | None:
        """The namespace the fault writes in (None: a node, or the sim as a whole)."""
        spec = fault.spec
        if isinstance(spec, Release):
            target = self.layout.target_named(spec.target, spec.namespace)
            return spec.namespace or (target.namespace if target else None) or self.namespace
        if isinstance(spec, BlockDisruptions | DeletePod | Scale):
            return spec.namespace or self.namespace
        return None

    async def inject(self, fault: Fault) -> Injected:
        """Put the fault in; FaultError (one sentence) when the cluster refused it."""
        spec: Any = fault.spec
        if needs_sim(fault) and not self.simulated:
            raise FaultError(f"a {fault.kind} fault needs the simulated cluster (--sim)")
        try:
            return await self._inject(fault.kind, spec)
        except KubeError as exc:
            raise FaultError(f"the {fault.kind} fault was refused: {exc}") from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise FaultError(
                f"the simulated cluster's control API did not answer the {fault.kind} fault ({exc})"
            ) from exc

    async def _inject(self, kind: str, spec: Any) -> Injected:
        if isinstance(spec, Release):
            return await self._release(spec)
        if isinstance(spec, BlockDisruptions):
            return await self._block(spec)
        if isinstance(spec, DeletePod):
            return await self._delete_pod(spec)
        if isinstance(spec, Scale):
            return await self._scale(spec)
        if isinstance(spec, OnNode) and kind == "cordon":
            return await self._cordon(spec.node)
        return await self._sim_fault(kind, spec)

    # ---- Kubernetes writes (staging-safe, but the release and the budget) -----------------

    async def _release(self, spec: Release) -> Injected:
        target = self.layout.target_named(spec.target, spec.namespace)
        namespace = spec.namespace or (target.namespace if target else None) or self.namespace
        container = spec.container or (target.container if target else None)
        if not container:
            deployment = await writes.get(self.connection, _deployments(namespace), spec.target)
            found = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
            names = [c.get("name") for c in found.get("containers") or ()]
            if not names:
                raise FaultError(f"deployment {namespace}/{spec.target} has no container")
            container = str(names[0])
        # `kubectl set image`'s own patch: the container by name, its image.
        body = {
            "spec": {
                "template": {"spec": {"containers": [{"name": container, "image": spec.image}]}}
            }
        }
        await writes.patch(self.connection, _deployments(namespace), spec.target, body)
        return Injected(f"deployment {namespace}/{spec.target} set to {spec.image}")

    async def _block(self, spec: BlockDisruptions) -> Injected:
        namespace = spec.namespace or self.namespace
        resource = _pdbs(namespace)
        before = (await writes.get(self.connection, resource, spec.pdb)).get("spec") or {}
        kept = {key: before.get(key) for key in ("minAvailable", "maxUnavailable")}
        await writes.patch(
            self.connection,
            resource,
            spec.pdb,
            {"spec": {"minAvailable": None, "maxUnavailable": 0}},
            writes.PatchType.MERGE,
        )

        async def undo() -> str:
            await writes.patch(
                self.connection, resource, spec.pdb, {"spec": kept}, writes.PatchType.MERGE
            )
            return f"poddisruptionbudget {namespace}/{spec.pdb} given back as it was"

        lasts = spec.for_.total_seconds() if spec.for_ is not None else None
        return Injected(
            f"poddisruptionbudget {namespace}/{spec.pdb} allows no disruption", undo, lasts
        )

    async def _delete_pod(self, spec: DeletePod) -> Injected:
        namespace = spec.namespace or self.namespace
        pods = Resource("", "v1", "pods", namespace=namespace)
        listed = await self.connection.get_json(pods.path, [("labelSelector", spec.selector)])
        names = sorted(
            str((p.get("metadata") or {}).get("name", ""))
            for p in listed.get("items") or ()
            if not (p.get("metadata") or {}).get("deletionTimestamp")
        )
        if not names:
            raise FaultError(f"no pod in {namespace} matches {spec.selector}; nothing to delete")
        await writes.delete(self.connection, pods, names[0])
        return Injected(f"pod {namespace}/{names[0]} deleted")

    async def _scale(self, spec: Scale) -> Injected:
        namespace = spec.namespace or self.namespace
        resource = _deployments(namespace)
        scale = await writes.get(self.connection, resource, spec.deployment, subresource="scale")
        before = int((scale.get("spec") or {}).get("replicas") or 0)

        async def to(replicas: int) -> None:
            await writes.patch(
                self.connection,
                resource,
                spec.deployment,
                {"spec": {"replicas": replicas}},
                writes.PatchType.MERGE,
                subresource="scale",
            )

        await to(spec.replicas)

        async def undo() -> str:
            await to(before)
            return f"deployment {namespace}/{spec.deployment} scaled back to {before}"

        return Injected(
            f"deployment {namespace}/{spec.deployment} scaled from {before} to {spec.replicas}",
            undo,
        )

    async def _cordon(self, node: str) -> Injected:
        async def mark(cordoned: bool) -> None:
            body = {"spec": {"unschedulable": True if cordoned else None}}
            await writes.patch(self.connection, NODES, node, body)

        await mark(True)

        async def undo() -> str:
            await mark(False)
            return f"node {node} uncordoned"

        return Injected(f"node {node} cordoned", undo)

    # ---- the simulated cluster's own faults -----------------------------------------------

    async def _sim_fault(self, kind: str, spec: Any) -> Injected:
        if isinstance(spec, Regress):
            body = {"image": spec.image, "latency": spec.latency, "errors": spec.errors}
            await self._sim("POST", "/_sim/faults/regression", body)
            return Injected(
                f"{spec.image} answers ×{spec.latency:g} slower"
                + (f" with {spec.errors:.0%} more errors" if spec.errors else ""),
                self._undo(
                    "DELETE",
                    "/_sim/faults/regression",
                    {"image": spec.image},
                    f"{spec.image} answers as before",
                ),
            )
        if isinstance(spec, ErrorBurst):
            seconds = spec.for_.total_seconds()
            body = {"ratio": spec.ratio, "seconds": seconds, "service": spec.service}
            await self._sim("POST", "/_sim/faults/error-burst", body)
            where = spec.service or "every service"
            return Injected(f"{spec.ratio:.0%} of {where}'s requests fail for {seconds:g} s")
        if isinstance(spec, OnGpu):
            body = {"node": spec.node, "gpu": spec.gpu, "xid": spec.code}
            if kind == "lose_gpu":
                body["lost"] = True
            await self._sim("POST", "/_sim/faults/gpu", body)
            said = "is lost" if kind == "lose_gpu" else f"reports XID {spec.code}"
            return Injected(
                f"GPU {spec.gpu} of {spec.node} {said}",
                self._undo(
                    "DELETE",
                    "/_sim/faults/gpu",
                    {"node": spec.node, "gpu": spec.gpu},
                    f"GPU {spec.gpu} of {spec.node} healthy again",
                ),
            )
        if isinstance(spec, OnNode):
            await self._sim("POST", f"/_sim/nodes/{spec.node}/fail", {})
            return Injected(
                f"node {spec.node} stops reporting",
                self._undo(
                    "POST",
                    f"/_sim/nodes/{spec.node}/recover",
                    {},
                    f"node {spec.node} reports again",
                ),
            )
        if isinstance(spec, CrashImage):
            await self._sim("POST", "/_sim/images", {"image": spec.image, "broken": True})
            return Injected(
                f"containers of {spec.image} crash as they start",
                self._undo(
                    "POST",
                    "/_sim/images",
                    {"image": spec.image, "broken": False},
                    f"{spec.image} starts again",
                ),
            )
        if isinstance(spec, Outage):
            await self._sim("POST", "/_sim/faults/prometheus", {"down": True})
            return Injected(
                "Prometheus stops answering",
                self._undo(
                    "POST", "/_sim/faults/prometheus", {"down": False}, "Prometheus answers again"
                ),
                spec.for_.total_seconds(),
            )
        if isinstance(spec, Endpoint):
            service = f"{spec.namespace or self.namespace}/{spec.service}"
            body = {
                "service": service,
                "path": spec.path,
                "status": spec.status,
                "delay": spec.delay.total_seconds() if spec.delay else 0.0,
            }
            await self._sim("POST", "/_sim/faults/endpoint", body)
            late = f" {spec.delay.total_seconds():g} s late" if spec.delay else ""
            return Injected(
                f"{service}{spec.path} answers {spec.status}{late}",
                self._undo(
                    "DELETE",
                    "/_sim/faults/endpoint",
                    {"service": service, "path": spec.path},
                    f"{service}{spec.path} answers again",
                ),
            )
        if isinstance(spec, Users):
            namespace, _, name = spec.service.partition("/")
            if not name:
                raise FaultError(
                    f"give the users fault's service as namespace/name, not {spec.service!r}"
                )
            path = f"/_sim/load/{namespace}/{name}"
            await self._sim("POST", path, {"users": spec.users})
            return Injected(
                f"{spec.users:g} users on {spec.service}",
                self._undo("POST", path, {"users": None}, f"{spec.service}'s load as staged"),
            )
        raise FaultError(f"the {kind} fault is not one warroom injects")

    def _undo(self, method: str, path: str, body: dict[str, Any], says: str) -> Undo:
        async def undo() -> str:
            await self._sim(method, path, body)
            return says

        return undo

    async def _sim(self, method: str, path: str, body: dict[str, Any]) -> None:
        if not self.simulated:
            raise FaultError("that fault needs the simulated cluster (--sim)")
        status, text = await self.connection.fetch(path, method=method, body=body, timeout=10)
        if status >= 400:
            try:
                answer = orjson.loads(text)
                said = answer.get("error") or answer.get("message") or text.decode()
            except (orjson.JSONDecodeError, AttributeError, UnicodeDecodeError):
                said = text.decode(errors="replace")
            raise FaultError(f"the simulated cluster refused {path}: {said}")


__all__ = ["FaultError", "FaultInjector", "Injected", "needs_sim"]
