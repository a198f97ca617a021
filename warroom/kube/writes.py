"""Writes to the API server as client-go and kubectl send them, through the Connection's own
ApiClient: create (POST), replace (PUT), patch (strategic merge, JSON merge or JSON patch),
delete, evict (pods/eviction, policy/v1), `proxy` (a POST through the API server's service
proxy, as `kubectl create --raw .../services/NAME:PORT/proxy/PATH` sends it), and `can_i` (a
SelfSubjectAccessReview, as `kubectl auth can-i` asks).

`dry_run=True` is client-go's DryRun: ["All"]: the query's `?dryRun=All` for create, update
and patch; inside the DeleteOptions body for a delete or an eviction, as client-go and
`kubectl drain` send it (the server reads a delete's options from its body and ignores the
query once there is one). Objects are the JSON dicts the server answered.

A refusal raises ApiError (code, reason, message and the Status's causes kept) whose text is
one sentence: "evict pod bizra-prod/x refused: …; what to do". A write whose answer never
came raises KubeError saying it may or may not have taken effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiohttp
import orjson

from warroom.kube.connection import Connection, Query, network_reason
from warroom.kube.errors import ApiError, KubeError, refusal
from warroom.kube.resource import Resource

Obj = dict[str, Any]
FIELD_MANAGER = "warroom"
DRY_RUN = ("dryRun", "All")
REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


class PatchType(StrEnum):
    """The Content-Type of a PATCH (client-go's types.PatchType)."""

    STRATEGIC = "application/strategic-merge-patch+json"
    MERGE = "application/merge-patch+json"
    JSON = "application/json-patch+json"


@dataclass(frozen=True, slots=True)
class Access:
    """What a SelfSubjectAccessReview answered for one verb on one resource."""

    verb: str
    resource: str
    group: str
    namespace: str
    name: str
    subresource: str
    allowed: bool
    reason: str = ""
    evaluation_error: str = ""
    context: str = ""

    @property
    def permission(self) -> str:
        """`patch deployments.apps/scale "web" in namespace "prod"`, as RBAC names it."""
        what = f"{self.resource}.{self.group}" if self.group else self.resource
        if self.subresource:
            what += f"/{self.subresource}"
        if self.name:
            what += f' "{self.name}"'
        where = f' in namespace "{self.namespace}"' if self.namespace else " cluster-wide"
        return f"{self.verb} {what}{where}"

    @property
    def sentence(self) -> str:
        """The denial in one sentence, naming the missing permission and what to do."""
        why = "; ".join(s for s in (self.reason, self.evaluation_error) if s)
        said = f" ({why})" if why else ""
        return (
            f'context "{self.context}" may not {self.permission}{said}; ask a cluster admin '
            "for that permission"
        )


def _path(resource: Resource, name: str, subresource: str = "") -> str:
    path = f"{resource.path}/{name}"
    return f"{path}/{subresource}" if subresource else path


def _what(resource: Resource, name: str, subresource: str = "") -> str:
    """`deployments.apps bizra-prod/web` (with `/scale` for a subresource)."""
    kind = f"{resource.plural}.{resource.group}" if resource.group else resource.plural
    where = f"{resource.namespace}/{name}" if resource.namespace else name
    return f"{kind} {where}" + (f"/{subresource}" if subresource else "")


def _write_query(dry_run: bool, field_manager: str) -> list[tuple[str, str]]:
    query = [DRY_RUN] if dry_run else []
    if field_manager:
        query.append(("fieldManager", field_manager))
    return query


async def _exchange(
    connection: Connection,
    method: str,
    path: str,
    doing: str,
    *,
    query: Query = (),
    body: object = None,
    content_type: str = "application/json",
) -> tuple[int, bytes]:
    """(status, body) of one request; its refusal or a lost answer as one sentence."""
    try:
        response = await connection.open(
            path, query, method=method, body=body, content_type=content_type
        )
        try:
            raw = await response.read()
        finally:
            response.release()
    except ApiError as exc:
        raise exc.worded(refusal(exc, doing)) from None
    except aiohttp.ClientConnectorError as exc:  # never sent
        raise connection.unreachable(exc) from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        if method == "GET":
            raise connection.unreachable(exc) from None
        raise KubeError(
            f"{doing}: no answer from the API server at {connection.server} "
            f"({network_reason(exc)}), so whether it took effect is unknown; read it back "
            "before trying again"
        ) from None
    return response.status, raw


async def _send(
    connection: Connection,
    method: str,
    path: str,
    doing: str,
    *,
    query: Query = (),
    body: object = None,
    content_type: str = "application/json",
) -> Obj:
    _, raw = await _exchange(
        connection, method, path, doing, query=query, body=body, content_type=content_type
    )
    parsed = orjson.loads(raw) if raw else {}
    if not isinstance(parsed, dict):
        raise KubeError(f"{doing}: the API server answered {type(parsed).__name__}, not an object")
    return parsed


async def get(
    connection: Connection, resource: Resource, name: str, *, subresource: str = ""
) -> Obj:
    """GET one object (or its subresource, e.g. `scale`)."""
    path = _path(resource, name, subresource)
    return await _send(connection, "GET", path, f"get {_what(resource, name, subresource)}")


async def create(
    connection: Connection,
    resource: Resource,
    body: Obj,
    *,
    dry_run: bool = False,
    field_manager: str = FIELD_MANAGER,
) -> Obj:
    """POST `body` to the collection; the created object (with its server-set fields)."""
    meta = body.get("metadata") or {}
    name = str(meta.get("name") or f"{meta.get('generateName', '')}*")
    doing = f"create {_what(resource, name)}" + (" (dry run)" if dry_run else "")
    query = _write_query(dry_run, field_manager)
    return await _send(connection, "POST", resource.path, doing, query=query, body=body)


async def replace(
    connection: Connection,
    resource: Resource,
    name: str,
    body: Obj,
    *,
    subresource: str = "",
    dry_run: bool = False,
    field_manager: str = FIELD_MANAGER,
) -> Obj:
    """PUT `body` over the object: its metadata.resourceVersion, if set, is a precondition
    (409 Conflict when someone wrote in between)."""
    doing = f"update {_what(resource, name, subresource)}" + (" (dry run)" if dry_run else "")
    path = _path(resource, name, subresource)
    query = _write_query(dry_run, field_manager)
    return await _send(connection, "PUT", path, doing, query=query, body=body)


async def patch(
    connection: Connection,
    resource: Resource,
    name: str,
    body: Obj | list[Obj],
    patch_type: PatchType = PatchType.STRATEGIC,
    *,
    subresource: str = "",
    dry_run: bool = False,
    field_manager: str = FIELD_MANAGER,
) -> Obj:
    """PATCH the object with `body` (a list of operations for a JSON patch)."""
    if (patch_type is PatchType.JSON) != isinstance(body, list):
        shape = "a list of operations" if patch_type is PatchType.JSON else "an object"
        raise ValueError(f"a {patch_type.value} patch must be {shape}")
    doing = f"patch {_what(resource, name, subresource)}" + (" (dry run)" if dry_run else "")
    path = _path(resource, name, subresource)
    query = _write_query(dry_run, field_manager)
    return await _send(
        connection, "PATCH", path, doing, query=query, body=body, content_type=patch_type.value
    )


@dataclass(frozen=True, slots=True)
class DeleteOptions:
    """How to delete: propagation, grace, and the uid/resourceVersion preconditions."""

    propagation_policy: str | None = None  # Orphan, Background or Foreground
    grace_period_seconds: int | None = None
    uid: str | None = None
    resource_version: str | None = None

    def fields(self, *, dry_run: bool) -> Obj:
        """The DeleteOptions fields set, as client-go leaves the others out."""
        options: Obj = {"dryRun": ["All"]} if dry_run else {}
        if self.propagation_policy is not None:
            options["propagationPolicy"] = self.propagation_policy
        if self.grace_period_seconds is not None:
            options["gracePeriodSeconds"] = self.grace_period_seconds
        preconditions = {
            key: value
            for key, value in (("uid", self.uid), ("resourceVersion", self.resource_version))
            if value is not None
        }
        if preconditions:
            options["preconditions"] = preconditions
        return options


async def delete(
    connection: Connection,
    resource: Resource,
    name: str,
    *,
    dry_run: bool = False,
    options: DeleteOptions = DeleteOptions(),
) -> Obj:
    """DELETE the object with `options` in the body. The answer is the object (still there
    while it terminates, or as it was) or a Success Status."""
    body = {
        "kind": "DeleteOptions",
        "apiVersion": "meta.k8s.io/v1",
        **options.fields(dry_run=dry_run),
    }
    doing = f"delete {_what(resource, name)}" + (" (dry run)" if dry_run else "")
    return await _send(connection, "DELETE", _path(resource, name), doing, body=body)


async def evict(
    connection: Connection,
    namespace: str,
    pod: str,
    *,
    dry_run: bool = False,
    grace_period_seconds: int | None = None,
) -> Obj:
    """POST a policy/v1 Eviction for the pod, as `kubectl drain` does; a PodDisruptionBudget
    that allows no disruption now refuses it with 429 (its count in the error's causes)."""
    eviction = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": pod, "namespace": namespace},
        "deleteOptions": DeleteOptions(grace_period_seconds=grace_period_seconds).fields(
            dry_run=dry_run
        ),
    }
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/eviction"
    doing = f"evict pod {namespace}/{pod}" + (" (dry run)" if dry_run else "")
    return await _send(connection, "POST", path, doing, body=eviction)


async def proxy(connection: Connection, namespace: str, service: str, path: str, body: Obj) -> Obj:
    """POST `body` as JSON to PATH of the Service (`service` is NAME:PORT, as the API server's
    service proxy names it) through the API server; the answer is the program's own, kept as
    {"proxied": {"code", "body"}}. The API server refuses `dryRun` on a proxy (ConnectResource:
    "dryRun is not supported"), so this has no dry run: the program alone decides."""
    url = f"/api/v1/namespaces/{namespace}/services/{service}/proxy/{path.lstrip('/')}"
    doing = f"POST /{path.lstrip('/')} to service {namespace}/{service}"
    status, raw = await _exchange(connection, "POST", url, doing, body=body)
    text = raw.decode("utf-8", "replace").strip()
    return {"proxied": {"code": status, "body": text}}


async def can_i(
    connection: Connection,
    verb: str,
    resource: str,
    group: str = "",
    namespace: str = "",
    name: str = "",
    subresource: str = "",
) -> Access:
    """Whether the context's user may `verb` the resource, as `kubectl auth can-i` asks."""
    attributes = {
        key: value
        for key, value in (
            ("namespace", namespace),
            ("verb", verb),
            ("group", group),
            ("resource", resource),
            ("subresource", subresource),
            ("name", name),
        )
        if value
    }
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }
    asked = Access(verb, resource, group, namespace, name, subresource, allowed=False)
    answer = await _send(
        connection, "POST", REVIEWS, f"ask whether it may {asked.permission}", body=review
    )
    status = answer.get("status") or {}
    return Access(
        verb,
        resource,
        group,
        namespace,
        name,
        subresource,
        allowed=status.get("allowed") is True,
        reason=str(status.get("reason") or ""),
        evaluation_error=str(status.get("evaluationError") or ""),
        context=connection.context,
    )


SELF_REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews"


async def who_am_i(connection: Connection) -> tuple[str, tuple[str, ...]]:
    """(username, groups) the API server authenticates the context as, from a SelfSubjectReview
    (`kubectl auth whoami`); ApiError 404 on a server older than 1.28 (403 where not granted)."""
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    answer = await _send(connection, "POST", SELF_REVIEWS, "ask who it is", body=review)
    info = (answer.get("status") or {}).get("userInfo") or {}
    groups = info.get("groups") or ()
    return str(info.get("username") or ""), tuple(str(g) for g in groups)
