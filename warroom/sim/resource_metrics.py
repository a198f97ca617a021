"""The resource metrics API (metrics.k8s.io/v1beta1) that metrics-server serves and `kubectl
top` reads: each running pod's per-container CPU and memory, and each node's sum.

Shapes follow metrics-server (pkg/api/pod.go, node.go): nanocores (`123456789n`) and bytes
in Ki, a `timestamp` and a `window`, a 404 `podmetrics.metrics.k8s.io "NS/NAME" not found`
(pkg/storage/pod.go).
Usage follows the load model where a pod serves traffic, as the HPA reads it: CPU at
15 % + 80 % of the pod's load of its request, memory at 55 % + 20 %; an idle pod uses 5 % of
its CPU request and 40 % of its memory request (a container with no requests, 1m and 16Mi).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from warroom.sim.api_requests import list_query
from warroom.sim.api_responses import json_response
from warroom.sim.catalogue import ResourceType
from warroom.sim.errors import ApiError
from warroom.sim.load import LoadModel
from warroom.sim.quantity import parse_quantity
from warroom.sim.store import Obj, Store

GROUP_VERSION = "metrics.k8s.io/v1beta1"
PODS = ("", "pods")
NODES = ("", "nodes")
WINDOW = "15s"
IDLE_CPU, IDLE_MEMORY = 0.05, 0.40
FLOOR_CPU, FLOOR_MEMORY = 0.001, 16 * 2**20
# The kubelet, the runtime and the system daemons on every node.
NODE_CPU, NODE_MEMORY = 0.25, 1.5 * 2**30


def _cpu(cores: float) -> str:
    return f"{round(cores * 1e9)}n"


def _memory(size: float) -> str:
    return f"{round(size / 1024)}Ki"


def _requested(container: Obj, resource: str) -> float:
    value = ((container.get("resources") or {}).get("requests") or {}).get(resource)
    try:
        return parse_quantity(value) if value is not None else 0.0
    except ValueError:
        return 0.0


class ResourceMetrics:
    """Answers GET and LIST of podmetrics and nodemetrics from the store and the load model."""

    def __init__(self, store: Store, load: LoadModel) -> None:
        self.store = store
        self.load = load

    def container_usage(self, pod: Obj) -> list[tuple[str, float, float]]:
        """(container, cores, bytes) of a running pod."""
        stats = self.load.pods.get(pod["metadata"].get("uid", ""))
        if stats is not None:
            cpu_share = 0.15 + 0.80 * stats.utilisation
            memory_share = 0.55 + 0.20 * min(stats.utilisation, 1.0)
        else:
            cpu_share, memory_share = IDLE_CPU, IDLE_MEMORY
        out = []
        for container in (pod.get("spec") or {}).get("containers") or ():
            cpu = max(FLOOR_CPU, _requested(container, "cpu") * cpu_share)
            memory = max(FLOOR_MEMORY, _requested(container, "memory") * memory_share)
            out.append((str(container.get("name", "")), cpu, memory))
        return out

    def _running(self, namespace: str | None) -> list[Obj]:
        return [
            p
            for p in self.store.list(PODS, namespace)
            if (p.get("status") or {}).get("phase") == "Running"
            and not p["metadata"].get("deletionTimestamp")
        ]

    def pod_metrics(self, pod: Obj) -> dict[str, Any]:
        meta = pod["metadata"]
        return {
            "metadata": {
                "name": meta["name"],
                "namespace": meta.get("namespace", ""),
                "creationTimestamp": self.store.clock.timestamp(),
                "labels": dict(meta.get("labels") or {}),
            },
            "timestamp": self.store.clock.timestamp(),
            "window": WINDOW,
            "containers": [
                {"name": name, "usage": {"cpu": _cpu(cpu), "memory": _memory(memory)}}
                for name, cpu, memory in self.container_usage(pod)
            ],
        }

    def node_metrics(self, node: Obj) -> dict[str, Any]:
        name = node["metadata"]["name"]
        cpu, memory = NODE_CPU, NODE_MEMORY
        running = [
            p
            for p in self.store.pods_on_node(name)
            if (p.get("status") or {}).get("phase") == "Running"
        ]
        for pod in running:
            for _, c, m in self.container_usage(pod):
                cpu += c
                memory += m
        return {
            "metadata": {
                "name": name,
                "creationTimestamp": self.store.clock.timestamp(),
                "labels": dict(node["metadata"].get("labels") or {}),
            },
            "timestamp": self.store.clock.timestamp(),
            "window": WINDOW,
            "usage": {"cpu": _cpu(cpu), "memory": _memory(memory)},
        }

    def serve(
        self, request: web.Request, rt: ResourceType, namespace: str, name: str
    ) -> web.Response:
        nodes = rt.plural == "nodes"
        if name:
            found = (
                self.store.get(NODES, "", name)
                if nodes
                else next(
                    (p for p in self._running(namespace) if p["metadata"]["name"] == name), None
                )
            )
            if found is None:
                what = name if nodes else f"{namespace}/{name}"
                resource = rt.kind.lower()
                raise ApiError(
                    404,
                    f'{resource}.metrics.k8s.io "{what}" not found',
                    details={"name": what, "group": "metrics.k8s.io", "kind": resource},
                )
            body = self.node_metrics(found) if nodes else self.pod_metrics(found)
            return json_response({"kind": rt.kind, "apiVersion": GROUP_VERSION, **body})
        query = list_query(request, rt)
        objects = self.store.list(NODES) if nodes else self._running(namespace or None)
        if query.labels is not None:
            selector = query.labels
            objects = [o for o in objects if selector.matches(o["metadata"].get("labels") or {})]
        items = [self.node_metrics(o) if nodes else self.pod_metrics(o) for o in objects]
        return json_response(
            {
                "kind": rt.list_kind,
                "apiVersion": GROUP_VERSION,
                "metadata": {},
                "items": items,
            }
        )
