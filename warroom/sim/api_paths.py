"""What an API request names: the resource type, namespace, name and subresource a path points
at, and the verb (get, list, watch, create, ...) that RBAC and the handlers go by."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from aiohttp import web

from warroom.sim.catalogue import Catalogue, ResourceType
from warroom.sim.errors import ApiError

TRUE = ("true", "1")
PROXY_VERBS = {
    "GET": "get",
    "HEAD": "get",
    "POST": "create",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}


@dataclass(frozen=True)
class Target:
    """What a request path names."""

    rt: ResourceType
    namespace: str
    name: str
    subresource: str


def resolve(catalogue: Catalogue, path: str) -> Target | None:
    """The Target of an /api or /apis path; None for a path that names no served resource."""
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
    proxied = len(rest) > 3 and rest[2] == "proxy"  # the path after proxy/ goes to the pod
    if not rest or (len(rest) > 3 and not proxied):
        return None
    rt = catalogue.get(group, version, rest[0])
    if rt is None:
        return None
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    if sub and rt.subresource(sub) is None:
        return None
    return Target(rt, namespace, name, sub)


def request_verb(request: web.Request, target: Target) -> str:
    """The verb a request is, or the 405 the real server answers for one it does not serve."""
    method = request.method
    if target.subresource == "proxy":
        # RequestInfo: HEAD is a get; the proxied request keeps its own method.
        verb = PROXY_VERBS.get(method)
        if verb is None:
            raise ApiError(405, f"the server does not allow {method} on the requested resource")
        return verb
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
