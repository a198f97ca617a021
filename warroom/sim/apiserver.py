"""The simulated Kubernetes API server: aiohttp routes in front of the registry and store."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import orjson
import yaml
from aiohttp import web

from warroom.sim import discovery, protobuf
from warroom.sim.access import AccessRules
from warroom.sim.catalogue import VIRTUAL_KINDS, Catalogue, ResourceType
from warroom.sim.defaults import DELETE_OPTIONS, type_problem
from warroom.sim.errors import ApiError, failure_status
from warroom.sim.eviction import evict
from warroom.sim.field_selectors import parse_field_selector
from warroom.sim.label_parser import parse_label_selector
from warroom.sim.listing import Lister, ListQuery
from warroom.sim.registry import PATCH_TYPES, Registry
from warroom.sim.scale import scale_get, scale_patch, scale_update
from warroom.sim.selector_errors import SelectorError
from warroom.sim.store import Obj, Store, encode
from warroom.sim.tables import TableOptionsError, to_table
from warroom.sim.watch import WatchHub, WatchSpec

log = logging.getLogger(__name__)

DEFAULT_WATCH_TIMEOUT = 1800.0
REVIEW_FIELDS = (
    ("spec", "object"),
    ("spec.resourceAttributes", "object"),
    ("spec.nonResourceAttributes", "object"),
)
# Kinds whose storage sets ReturnDeletedObject: a delete answers with the object, not a Status.
RETURNS_DELETED = frozenset({("", "pods"), ("", "services"), ("", "namespaces")})
TRUE = ("true", "1")


@dataclass(frozen=True)
class Target:
    """What a request path names."""

    rt: ResourceType
    namespace: str
    name: str
    subresource: str


def resolve(catalogue: Catalogue, path: str) -> Target | None:
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace = ""
    if len(rest) >= 3 and rest[0] == "namespaces":
        rt = catalogue.get(group, version, rest[2])
        if rt is not None and rt.namespaced:
            namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        return None
    rt = catalogue.get(group, version, rest[0])
    if rt is None:
        return None
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    if sub and rt.subresource(sub) is None:
        return None
    return Target(rt, namespace, name, sub)


def wants_table(request: web.Request) -> bool:
    return "as=Table" in request.headers.get("Accept", "")


def json_response(body: Any, status: int = 200) -> web.Response:
    raw = body if isinstance(body, bytes) else encode(body)
    return web.Response(body=raw, status=status, content_type="application/json")


def deleted_status(rt: ResourceType, obj: Obj) -> dict[str, Any]:
    """What a finished delete answers for kinds whose storage does not return the object."""
    meta = obj["metadata"]
    details = {"name": meta["name"], "group": rt.group, "kind": rt.plural, "uid": meta["uid"]}
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {k: v for k, v in details.items() if v},
    }


def error_response(err: ApiError) -> web.Response:
    response = json_response(err.status(), err.code)
    if err.code == 429:
        response.headers["Retry-After"] = "1"
    return response


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
        *,
        bookmark_interval: float = 60.0,
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.registry = registry
        self.access = access
        self.hub = WatchHub(store, bookmark_interval=bookmark_interval)
        self.lister = Lister(store)
        self.address = "127.0.0.1:0"
        self.extra_routes: list[tuple[str, str, Any]] = []
        self.refuse_requests = False
        self.injected: list[InjectedFailure] = []

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for method, path, handler in self.extra_routes:
            app.router.add_route(method, path, handler)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

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
        if accept and "json" not in accept and "*/*" not in accept and "yaml" not in accept:
            raise ApiError(406, f"only application/json is served; Accept was {accept!r}")
        verb = self._verb(request, target)
        for failure in self.injected:
            if failure.matches(path, verb):
                failure.count -= 1
                raise ApiError(failure.code, f"injected failure {failure.code} (sim fault)")
        sub = target.rt.subresource(target.subresource) if target.subresource else None
        if verb not in (sub.verbs if sub is not None else target.rt.verbs):
            raise ApiError(405, "the server does not allow this method on the requested resource")
        self.access.check(
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

    @staticmethod
    def _verb(request: web.Request, target: Target) -> str:
        method = request.method
        collection = not target.name
        if method == "GET":
            if collection:
                return "watch" if request.query.get("watch", "").lower() in TRUE else "list"
            return "get"
        if method == "POST":
            if collection or target.subresource:
                return "create"
            raise ApiError(405, "POST is not allowed on a named object; use PUT or PATCH")
        if method == "PUT" and not collection:
            return "update"
        if method == "PATCH" and not collection:
            return "patch"
        if method == "DELETE":
            return "deletecollection" if collection else "delete"
        raise ApiError(405, f"the server does not allow {method} on the requested resource")

    async def _body(self, request: web.Request) -> Any:
        raw = await request.read()
        if not raw:
            raise ApiError(400, "the request has no body; send the object as JSON")
        if request.content_type == protobuf.CONTENT_TYPE:
            return protobuf.decode(raw)
        if "yaml" in request.content_type:
            try:
                return yaml.safe_load(raw)
            except yaml.YAMLError as exc:
                raise ApiError(400, f"the body of the request is not valid YAML: {exc}") from exc
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, f"the body of the request is not valid JSON: {exc}") from exc

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
            body = await self._body(request)
            if verb == "update":
                return json_response(
                    scale_update(self.registry, rt, ns, name, body, dry_run=dry_run)
                )
            ctype = self._patch_type(request)
            return json_response(
                scale_patch(self.registry, rt, ns, name, ctype, body, dry_run=dry_run)
            )
        if sub == "eviction":
            return json_response(
                evict(self.registry, ns, name, await self._body(request), dry_run=dry_run), 201
            )
        if sub == "binding":
            return json_response(self.registry.bind(ns, name, await self._body(request)), 201)
        if verb == "list":
            return self._list(request, rt, ns)
        if verb == "watch":
            return await self.hub.stream(request, self._watch_spec(request, rt, ns))
        if verb == "get":
            obj = self.registry.get(rt, ns, name)
            return self._render(request, rt, obj)
        if verb == "create":
            body = await self._body(request)
            if rt.kind in VIRTUAL_KINDS:
                return json_response(self._review(rt, body), 201)
            return self._render(
                request, rt, self.registry.create(rt, ns, body, dry_run=dry_run), 201
            )
        if verb == "update":
            body = await self._body(request)
            obj = self.registry.update(rt, ns, name, body, subresource=sub, dry_run=dry_run)
            return self._render(request, rt, obj)
        if verb == "patch":
            body = await self._body(request)
            obj = self.registry.patch(
                rt, ns, name, self._patch_type(request), body, subresource=sub, dry_run=dry_run
            )
            return self._render(request, rt, obj)
        options = await self._delete_options(request)
        dry_run = dry_run or "All" in (options.get("dryRun") or [])
        if verb == "delete":
            obj = self.registry.delete(rt, ns, name, options, dry_run=dry_run)
            gone = not dry_run and self.store.get(rt.storage_key, ns, name) is None
            if gone and rt.storage_key not in RETURNS_DELETED:
                return json_response(deleted_status(rt, obj))
            # As the real handler does, 202 only when orphanDependents=false left it in place.
            accepted = not gone and not dry_run and options.get("orphanDependents") is False
            return self._render(request, rt, obj, 202 if accepted else 200)
        return self._delete_collection(request, rt, ns, options, dry_run)

    def _patch_type(self, request: web.Request) -> str:
        ctype = request.content_type
        if ctype not in PATCH_TYPES:
            raise ApiError(
                415,
                f"the body of the request was in an unknown format - accepted media types "
                f"include: {', '.join(PATCH_TYPES)}",
            )
        return ctype

    async def _delete_options(self, request: web.Request) -> dict[str, Any]:
        options: dict[str, Any] = {}
        raw = await request.read()
        if raw:
            try:
                parsed = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise ApiError(400, f"the DeleteOptions body is not valid JSON: {exc}") from exc
            if not isinstance(parsed, dict):
                raise ApiError(400, "the DeleteOptions body must be a JSON object")
            problem = type_problem(parsed, DELETE_OPTIONS)
            if problem is not None:
                raise ApiError(
                    400,
                    f'DeleteOptions in version "v1" cannot be handled as a DeleteOptions: '
                    f"{problem}",
                )
            options.update(parsed)
        query = request.query
        if "gracePeriodSeconds" in query:
            try:
                options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
            except ValueError as exc:
                raise ApiError(400, "gracePeriodSeconds must be an integer") from exc
        if "propagationPolicy" in query:
            options["propagationPolicy"] = query["propagationPolicy"]
        if options.get("propagationPolicy") not in (None, "Orphan", "Background", "Foreground"):
            raise ApiError(
                400,
                f"propagationPolicy must be Orphan, Background or Foreground, not "
                f"{options['propagationPolicy']!r}",
            )
        return options

    def _selectors(self, request: web.Request, rt: ResourceType) -> ListQuery:
        query = request.query
        try:
            labels = (
                parse_label_selector(query["labelSelector"]) if query.get("labelSelector") else None
            )
            fields = (
                parse_field_selector(
                    query["fieldSelector"],
                    ("metadata.name", "metadata.namespace", *rt.selectable_fields),
                )
                if query.get("fieldSelector")
                else None
            )
        except SelectorError as exc:
            raise ApiError(400, str(exc)) from exc
        limit = 0
        if query.get("limit"):
            try:
                limit = int(query["limit"])
            except ValueError as exc:
                raise ApiError(400, f"limit must be an integer, not {query['limit']!r}") from exc
        return ListQuery(labels, fields, limit, query.get("continue", ""))

    def _list(self, request: web.Request, rt: ResourceType, ns: str) -> web.Response:
        q = self._selectors(request, rt)
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

    def _watch_spec(self, request: web.Request, rt: ResourceType, ns: str) -> WatchSpec:
        q = self._selectors(request, rt)
        query = request.query
        rv = query.get("resourceVersion", "")
        since: int | None = None
        if rv not in ("", "0"):
            try:
                since = int(rv)
            except ValueError as exc:
                raise ApiError(
                    400, f"resourceVersion {rv!r} is not a valid resource version"
                ) from exc
        timeout = DEFAULT_WATCH_TIMEOUT
        if query.get("timeoutSeconds"):
            try:
                asked = float(query["timeoutSeconds"])
            except ValueError as exc:
                raise ApiError(400, "timeoutSeconds must be a number") from exc
            if asked > 0:  # 0 means "unset", as on the real server
                timeout = asked
        if wants_table(request):
            include = query.get("includeObject", "Metadata")
            clock = self.store.clock
            to_table(rt, [], now=clock.now_dt(), include_object=include)  # 400 before streaming
            sent_headers = False

            def render(kind: str, obj: Obj) -> bytes:
                # As the real server: column definitions with the first event only.
                nonlocal sent_headers
                table = to_table(
                    rt,
                    [obj],
                    now=clock.now_dt(),
                    include_object=include,
                    list_meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                    no_headers=sent_headers,
                )
                sent_headers = True
                return b'{"type":"' + kind.encode() + b'","object":' + encode(table) + b"}\n"
        else:

            def render(kind: str, obj: Obj) -> bytes:
                return b'{"type":"' + kind.encode() + b'","object":' + encode(obj) + b"}\n"

        return WatchSpec(
            rt,
            ns,
            q.labels,
            q.fields,
            since,
            timeout,
            query.get("allowWatchBookmarks", "").lower() in TRUE,
            render,
        )

    def _delete_collection(
        self,
        request: web.Request,
        rt: ResourceType,
        ns: str,
        options: dict[str, Any],
        dry_run: bool,
    ) -> web.Response:
        q = self._selectors(request, rt)
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

    def _review(self, rt: ResourceType, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiError(400, f"the body of the request must be a {rt.kind} object")
        problem = type_problem(body, REVIEW_FIELDS)
        if problem is not None:
            raise ApiError(
                400, f'{rt.kind} in version "v1" cannot be handled as a {rt.kind}: {problem}'
            )
        spec = body.get("spec") or {}
        out = {
            "kind": rt.kind,
            "apiVersion": rt.api_version,
            "metadata": {"creationTimestamp": None},
            "spec": spec,
        }
        if rt.kind == "SelfSubjectAccessReview":
            out["status"] = self.access.review(spec)
        else:
            out["status"] = {
                "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                "incomplete": bool(self.access.rules),
                **(
                    {
                        "evaluationError": "the sim has deny rules, which a rules review cannot "
                        "express"
                    }
                    if self.access.rules
                    else {}
                ),
            }
        return out
