"""The simulated Kubernetes API server: aiohttp routes in front of the registry and store.

Paths and verbs are read in api_paths, bodies and query parameters in api_requests, and
answers built in api_responses; this module routes each request to its handler.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from aiohttp import hdrs, web

from warroom.sim import discovery
from warroom.sim.access import AccessRules
from warroom.sim.access_reviews import answer_review
from warroom.sim.api_paths import Target, request_verb, resolve
from warroom.sim.api_requests import delete_options, list_query, patch_type, read_body, watch_spec
from warroom.sim.api_responses import deleted_status, error_response, json_response, wants_table
from warroom.sim.authentication import Authentication, user_of
from warroom.sim.catalogue import METRICS_GROUP, VIRTUAL_KINDS, Catalogue, ResourceType
from warroom.sim.errors import ApiError, failure_status
from warroom.sim.eviction import evict
from warroom.sim.listing import Lister, ListQuery
from warroom.sim.pod_logs import PodLogs
from warroom.sim.registry import Registry
from warroom.sim.resource_metrics import ResourceMetrics
from warroom.sim.scale import scale_get, scale_patch, scale_update
from warroom.sim.service_proxy import ServiceProxy
from warroom.sim.store import Obj, Store
from warroom.sim.tables import TableOptionsError, to_table
from warroom.sim.watch import WatchHub

log = logging.getLogger(__name__)

# Kinds whose storage sets ReturnDeletedObject: a delete answers with the object, not a Status.
RETURNS_DELETED = frozenset({("", "pods"), ("", "services"), ("", "namespaces")})


@dataclass
class InjectedFailure:
    """Answer the next `count` matching requests with `code` (fault injection for tests)."""

    code: int
    count: int
    path: str = ""  # a prefix of the request path; "" matches all
    verb: str = ""  # list, watch, get, ...; "" matches all

    def matches(self, path: str, verb: str) -> bool:
        return (
            self.count > 0 and path.startswith(self.path) and (not self.verb or self.verb == verb)
        )


class ApiServer:
    """Routes every request to discovery, the registry, lists, watches or subresources."""

    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        registry: Registry,
        access: AccessRules,
        authentication: Authentication,
        *,
        bookmark_interval: float = 60.0,
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.registry = registry
        self.access = access
        self.authentication = authentication
        self.hub = WatchHub(store, bookmark_interval=bookmark_interval)
        self.lister = Lister(store)
        self.address = "127.0.0.1:0"
        self.extra_routes: list[tuple[str, str, Any]] = []
        self.refuse_requests = False
        self.injected: list[InjectedFailure] = []
        # pods/log is served from the kubelets' records, which the cluster wires in.
        self.pod_logs: PodLogs | None = None
        # services/proxy is answered by the pods' app model, which the cluster wires in.
        self.service_proxy: ServiceProxy | None = None
        self.resource_metrics: ResourceMetrics | None = None

    def app(self) -> web.Application:
        app = web.Application(
            client_max_size=64 * 1024 * 1024, middlewares=[self.authentication.middleware]
        )
        app.on_response_prepare.append(self._date)
        for method, path, handler in self.extra_routes:
            app.router.add_route(method, path, handler)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    async def _date(self, request: web.Request, response: web.StreamResponse) -> None:
        """The Date header by the cluster's clock, as a real API server sends its own: a
        client that estimates the server's clock from it then sees the simulated time."""
        response.headers[hdrs.DATE] = formatdate(self.store.clock.now(), usegmt=True)

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        try:
            if self.refuse_requests:
                raise ApiError(503, "the API server is restarting; retry shortly")
            return await self._dispatch(request)
        except ApiError as err:
            return error_response(err)
        except TableOptionsError as exc:
            return error_response(ApiError(400, str(exc)))
        except Exception as exc:  # a bug in the sim must still answer as an API server does
            log.exception("internal error serving %s %s", request.method, request.path_qs)
            return json_response(
                failure_status(500, f"Internal error occurred: {exc}", "InternalError"), 500
            )

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        if request.method == "GET":
            doc = self._discovery(path)
            if doc is not None:
                return json_response(doc)
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        target = resolve(self.catalogue, path)
        if target is None:
            raise ApiError(404, "the server could not find the requested resource")
        accept = request.headers.get("Accept", "")
        # What a proxied app answers is its own; a log may be asked for as text.
        passed = target.subresource == "proxy" or (
            target.subresource == "log" and "text/plain" in accept
        )
        if accept and not passed and not any(t in accept for t in ("json", "*/*", "yaml")):
            raise ApiError(406, f"only application/json is served; Accept was {accept!r}")
        verb = request_verb(request, target)
        for failure in self.injected:
            if failure.matches(path, verb):
                failure.count -= 1
                raise ApiError(failure.code, f"injected failure {failure.code} (sim fault)")
        sub = target.rt.subresource(target.subresource) if target.subresource else None
        if verb not in (sub.verbs if sub is not None else target.rt.verbs):
            raise ApiError(405, "the server does not allow this method on the requested resource")
        self.access.check(
            user_of(request),
            verb,
            target.rt.group,
            target.rt.plural,
            target.namespace,
            target.name,
            target.subresource,
        )
        return await self._serve(request, target, verb)

    def _discovery(self, path: str) -> dict[str, Any] | None:
        if path == "/version":
            return discovery.version()
        if path == "/api":
            return discovery.core_versions(self.address)
        if path == "/apis":
            return discovery.group_list(self.catalogue)
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) == 2:
            return discovery.resource_list(self.catalogue, "", parts[1])
        if parts[0] == "apis" and len(parts) == 2:
            return discovery.group(self.catalogue, parts[1])
        if parts[0] == "apis" and len(parts) == 3:
            return discovery.resource_list(self.catalogue, parts[1], parts[2])
        return None

    def _render(
        self,
        request: web.Request,
        rt: ResourceType,
        obj: Obj,
        status: int = 200,
    ) -> web.Response:
        if wants_table(request) and rt.kind not in VIRTUAL_KINDS:
            include = request.query.get("includeObject", "Metadata")
            return json_response(
                to_table(
                    rt,
                    [obj],
                    now=self.store.clock.now_dt(),
                    include_object=include,
                    list_meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                ),
                status,
            )
        return json_response(obj, status)

    async def _serve(self, request: web.Request, target: Target, verb: str) -> web.StreamResponse:
        rt, ns, name, sub = target.rt, target.namespace, target.name, target.subresource
        query = request.query
        dry_run = "All" in query.getall("dryRun", [])
        if sub == "scale":
            if verb == "get":
                return json_response(scale_get(self.registry, rt, ns, name))
            body = await read_body(request)
            if verb == "update":
                return json_response(
                    scale_update(self.registry, rt, ns, name, body, dry_run=dry_run)
                )
            ctype = patch_type(request)
            return json_response(
                scale_patch(self.registry, rt, ns, name, ctype, body, dry_run=dry_run)
            )
        if sub == "eviction":
            return json_response(
                evict(self.registry, ns, name, await read_body(request), dry_run=dry_run), 201
            )
        if sub == "binding":
            return json_response(self.registry.bind(ns, name, await read_body(request)), 201)
        if sub == "log":
            if self.pod_logs is None:
                raise ApiError(404, "the server could not find the requested resource")
            return await self.pod_logs.serve(request, ns, name)
        if rt.group == METRICS_GROUP:
            if self.resource_metrics is None:
                raise ApiError(503, "the server is currently unable to handle the request")
            return self.resource_metrics.serve(request, rt, ns, name)
        if sub == "proxy":
            if self.service_proxy is None or rt.plural != "services":
                raise ApiError(404, "the server could not find the requested resource")
            if dry_run:  # handlers/rest.go ConnectResource: a connect has no dry run
                raise ApiError(400, "dryRun is not supported")
            return await self.service_proxy.serve(request, ns, name)
        if verb == "list":
            return self._list(request, rt, ns)
        if verb == "watch":
            return await self.hub.stream(request, watch_spec(request, self.store, rt, ns))
        if verb == "get":
            obj = self.registry.get(rt, ns, name)
            return self._render(request, rt, obj)
        if verb == "create":
            body = await read_body(request)
            if rt.kind in VIRTUAL_KINDS:
                return json_response(answer_review(rt, body, self.access, user_of(request)), 201)
            return self._render(
                request, rt, self.registry.create(rt, ns, body, dry_run=dry_run), 201
            )
        if verb == "update":
            body = await read_body(request)
            obj = self.registry.update(rt, ns, name, body, subresource=sub, dry_run=dry_run)
            return self._render(request, rt, obj)
        if verb == "patch":
            body = await read_body(request)
            obj = self.registry.patch(
                rt, ns, name, patch_type(request), body, subresource=sub, dry_run=dry_run
            )
            return self._render(request, rt, obj)
        options = await delete_options(request)
        dry_run = "All" in (options.get("dryRun") or [])
        if verb == "delete":
            obj = self.registry.delete(rt, ns, name, options, dry_run=dry_run)
            gone = not dry_run and self.store.get(rt.storage_key, ns, name) is None
            if gone and rt.storage_key not in RETURNS_DELETED:
                return json_response(deleted_status(rt, obj))
            # As the real handler does, 202 only when orphanDependents=false left it in place.
            accepted = not gone and not dry_run and options.get("orphanDependents") is False
            return self._render(request, rt, obj, 202 if accepted else 200)
        return self._delete_collection(request, rt, ns, options, dry_run)

    def _list(self, request: web.Request, rt: ResourceType, ns: str) -> web.Response:
        q = list_query(request, rt)
        page = self.lister.page(rt, ns, q)
        if wants_table(request):
            include = request.query.get("includeObject", "Metadata")
            return json_response(
                to_table(
                    rt,
                    page.objects,
                    now=self.store.clock.now_dt(),
                    include_object=include,
                    list_meta=page.meta,
                )
            )
        return json_response(self.lister.encode(rt, page))

    def _delete_collection(
        self,
        request: web.Request,
        rt: ResourceType,
        ns: str,
        options: dict[str, Any],
        dry_run: bool,
    ) -> web.Response:
        q = list_query(request, rt)
        doomed = self.lister.page(rt, ns, ListQuery(q.labels, q.fields, 0, "")).objects
        deleted = []
        for obj in doomed:
            meta = obj["metadata"]
            deleted.append(
                self.registry.delete(
                    rt, meta.get("namespace", ""), meta["name"], options, dry_run=dry_run
                )
            )
        return json_response(
            {
                "kind": rt.list_kind,
                "apiVersion": rt.api_version,
                "metadata": {"resourceVersion": str(self.store.rv)},
                "items": deleted,
            }
        )
