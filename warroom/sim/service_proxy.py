"""services/{name}[:port]/proxy/{path}: the API server's service proxy, answered by the app
model (app_http) of a Ready pod behind the Service.

As ProxyREST and ResourceLocation do (pkg/registry/core/service/storage): the id is `name`,
`name:port` or `scheme:name:port`; a port number is first turned into the Service port's
name (503 when no port has it); then the Endpoints (here made from the pods, as the
endpoints controller makes them) give the address: none at all is 503 naming the service,
none Ready on that port is 503 naming the id. An absent port matches only an unnamed one, so
a Service of several (named) ports needs one. The proxy's errors reaching the pod (a lost
node, a port nothing listens on, TLS to a plain-HTTP app) are Status objects of code 500
and no reason, as ErrorToAPIStatus makes of a transport error. A path under the endpoint
fault answers the program's error of the given status, or only after a delay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from warroom.sim.app_api import AppApi, api_for
from warroom.sim.app_http import AppReply, AppState, answer, detail
from warroom.sim.controllers.context import PODS, Faults
from warroom.sim.errors import ApiError, not_found, unknown_failure
from warroom.sim.load import LoadModel
from warroom.sim.pods import is_ready, is_terminating
from warroom.sim.selector_errors import SelectorError
from warroom.sim.selectors import label_selector_from_spec
from warroom.sim.store import Obj, Store, encode

SERVICES = ("", "services")
SCHEMES = ("", "http", "https")


@dataclass(frozen=True)
class Subset:
    """An Endpoints subset: pods that share the same port numbers, Ready or not."""

    ports: tuple[tuple[str, int], ...]  # (service port name, target port number)
    addresses: tuple[Obj, ...]
    not_ready: tuple[Obj, ...]


def split_id(service_id: str) -> tuple[str, str, str]:
    """utilnet.SplitSchemeNamePort: (scheme, name, port), or the 400 of an id it cannot read."""
    parts = service_id.split(":")
    scheme, name, port = "", "", ""
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        name, port = parts
    elif len(parts) == 3:
        scheme, name, port = parts
    if not name or scheme not in SCHEMES:
        raise ApiError(400, f'invalid service request "{service_id}"')
    return scheme, name, port


def _find_port(pod: Obj, port: dict[str, Any]) -> int | None:
    """podutil.FindPort: a named targetPort is the container port of that name and protocol."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = port.get("protocol", "TCP")
    for container in (pod.get("spec") or {}).get("containers") or ():
        for declared in container.get("ports") or ():
            if declared.get("name") == target and declared.get("protocol", "TCP") == protocol:
                return int(declared["containerPort"])
    return None


def endpoint_subsets(service: Obj, pods: Iterable[Obj]) -> list[Subset] | None:
    """The Endpoints the endpoints controller keeps for `service` (None: it keeps none, as for
    a Service without a selector); pods of equal port numbers share a subset (RepackSubsets)."""
    spec = service.get("spec") or {}
    wanted = spec.get("selector")
    if not wanted:
        return None
    try:
        selector = label_selector_from_spec({"matchLabels": wanted})
    except SelectorError:
        return None
    publish = bool(spec.get("publishNotReadyAddresses"))
    grouped: dict[tuple[tuple[str, int], ...], tuple[list[Obj], list[Obj]]] = {}
    for pod in pods:
        status = pod.get("status") or {}
        if not selector.matches(pod["metadata"].get("labels") or {}):
            continue
        if status.get("phase") in ("Succeeded", "Failed") or not status.get("podIP"):
            continue
        if is_terminating(pod) and not publish:
            continue
        ports = []
        for port in spec.get("ports") or ():
            number = _find_port(pod, port)
            if number is not None:
                ports.append((str(port.get("name", "")), number))
        if not ports:
            continue
        ready, not_ready = grouped.setdefault(tuple(sorted(ports)), ([], []))
        (ready if publish or is_ready(pod) else not_ready).append(pod)
    return [Subset(ports, tuple(r), tuple(n)) for ports, (r, n) in grouped.items()]


def _api_port(container: dict[str, Any]) -> int | None:
    """The port the inference server's API listens on: its HTTP probes', else its first."""
    named = {p.get("name"): p.get("containerPort") for p in container.get("ports") or ()}
    for kind in ("readinessProbe", "livenessProbe"):
        port = ((container.get(kind) or {}).get("httpGet") or {}).get("port")
        port = named.get(port, port)
        if isinstance(port, int):
            return port
    declared = [p.get("containerPort") for p in container.get("ports") or ()]
    return declared[0] if declared and isinstance(declared[0], int) else None


class ServiceProxy:
    """Serves services/proxy from the pods behind each Service, Ready ones taken in turn."""

    def __init__(
        self,
        store: Store,
        faults: Faults,
        load: LoadModel,
        apps: Iterable[AppApi] = (),
        pod_metrics: Callable[[str], bytes] | None = None,
    ) -> None:
        self.store = store
        self.faults = faults
        self.load = load
        self.apps = list(apps)
        self.pod_metrics = pod_metrics  # a pod's own /metrics, by uid
        self._turn: dict[str, int] = {}

    async def serve(self, request: web.Request, namespace: str, service_id: str) -> web.Response:
        scheme, pod, port = self._locate(namespace, service_id)
        path = _proxied_path(request.path)
        if not path and request.method in ("GET", "HEAD"):
            # proxyRedirectsforRootPath: the root without its slash is redirected to it.
            query = f"?{request.query_string}" if request.query_string else ""
            return web.Response(status=301, headers={"Location": f"{request.path}/{query}"})
        body = await request.read() if request.can_read_body else b""
        ip = str(pod["status"]["podIP"])
        node = (pod.get("spec") or {}).get("nodeName", "")
        if node in self.faults.failed_nodes:
            return _unreachable(f"dial tcp {ip}:{port}: i/o timeout")
        container = _listening(pod, port)
        if container is None:
            return _unreachable(f"dial tcp {ip}:{port}: connect: connection refused")
        if scheme == "https":  # the app serves plain HTTP
            return _unreachable("tls: first record does not look like a TLS handshake")
        _, name, _ = split_id(service_id)
        fault = self.faults.endpoints.get((f"{namespace}/{name}", path or "/"))
        if fault is not None and fault.delay > 0:
            await asyncio.sleep(fault.delay)  # a path that takes this long to answer
        state = self._state(pod, container, port, f"{namespace}/{name}")
        if fault is not None and fault.status is not None:
            reply: AppReply = detail(fault.status)
        else:
            reply = answer(state, request.method, path or "/", body)
        return web.Response(
            status=reply.status,
            body=reply.body,
            headers={"Content-Type": reply.content_type, **dict(reply.headers)},
        )

    def _locate(self, namespace: str, service_id: str) -> tuple[str, Obj, int]:
        """ResourceLocation: the scheme, the pod and the port number a request goes to."""
        scheme, name, port_name = split_id(service_id)
        service = self.store.get(SERVICES, namespace, name)
        if port_name.isdigit():
            if service is None:
                raise not_found("services", "", name)
            number = int(port_name)
            ports = (service.get("spec") or {}).get("ports") or ()
            names = [str(p.get("name", "")) for p in ports if p.get("port") == number]
            if not names:
                raise ApiError(503, f'no service port {number} found for service "{name}"')
            port_name = names[0]
        subsets = None if service is None else endpoint_subsets(service, self._pods(namespace))
        if subsets is None:
            raise not_found("endpoints", "", name)
        if not subsets:
            raise ApiError(503, f'no endpoints available for service "{name}"')
        for subset in subsets:
            for port, number in subset.ports:
                if port == port_name and subset.addresses:
                    key = f"{namespace}/{service_id}"
                    turn = self._turn.get(key, 0)
                    self._turn[key] = turn + 1
                    return scheme, subset.addresses[turn % len(subset.addresses)], number
        raise ApiError(503, f'no endpoints available for service "{service_id}"')

    def _pods(self, namespace: str) -> list[Obj]:
        return sorted(self.store.list(PODS, namespace), key=lambda p: p["metadata"]["name"])

    def _state(self, pod: Obj, container: dict[str, Any], port: int, service: str) -> AppState:
        image = str(container.get("image", ""))
        meta = pod["metadata"]
        uid = meta["uid"]
        stats = self.load.pods.get(uid)
        api = api_for(self.apps, image, {service})
        dependencies = {
            kind: self._ready_pods(kind)
            for route in (api.routes if api is not None else ())
            for kind in route.components.values()
            if "/" in kind
        }
        load = self.load.services.get(service)
        limits = (container.get("resources") or {}).get("limits") or {}
        metrics = self.pod_metrics
        return AppState(
            image=image,
            api_port=_api_port(container) == port,
            ready=is_ready(pod),
            failing=uid in self.faults.broken_pods or image in self.faults.broken_images,
            regressed=image in self.load.regressions,
            p95=stats.p95 if stats is not None and stats.p95 > 0 else None,
            api=api,
            port=port,
            ports={
                str(p["name"]): int(p["containerPort"])
                for p in container.get("ports") or ()
                if p.get("name")
            },
            pod={
                "pod": meta["name"],
                "namespace": meta["namespace"],
                "version": stats.version if stats is not None else "",
                "node": (pod.get("spec") or {}).get("nodeName", ""),
            },
            gpus=int(str(limits.get("nvidia.com/gpu", 0))),
            gpu_lost=uid in self.faults.broken_pods,
            dependencies=dependencies,
            tokens_per_request=load.tokens_per_request if load is not None else 16.0,
            now=self.store.clock.now(),
            metrics=(lambda: metrics(uid)) if metrics is not None else None,
        )

    def _ready_pods(self, service: str) -> int:
        """Ready pods behind the Service NAMESPACE/NAME, as its Endpoints hold them."""
        namespace, _, name = service.partition("/")
        found = self.store.get(SERVICES, namespace, name)
        subsets = endpoint_subsets(found, self._pods(namespace)) if found is not None else None
        return sum(len(s.addresses) for s in subsets or ())


def _proxied_path(request_path: str) -> str:
    """The path after .../services/{id}/proxy, with its slashes as sent ("" for none)."""
    parts = request_path.split("/", 8)  # "", api, v1, namespaces, ns, services, id, proxy, rest
    return "/" + parts[8] if len(parts) == 9 else ""


def _listening(pod: Obj, port: int) -> dict[str, Any] | None:
    """The container that declares `port`: the sim's programs listen on the ports they declare."""
    for container in (pod.get("spec") or {}).get("containers") or ():
        for declared in container.get("ports") or ():
            if declared.get("containerPort") == port:
                return dict(container)
    return None


def _unreachable(cause: str) -> web.Response:
    body = unknown_failure(500, f"error trying to reach service: {cause}")
    return web.Response(status=500, body=encode(body), content_type="application/json")
