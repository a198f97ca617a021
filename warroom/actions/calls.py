"""One write an action makes, as data: what it sends where, in plain words, and the permission
it needs. The preflight asks a SelfSubjectAccessReview for each permission and sends each call
as a server-side dry run; the action then sends the same calls for real.

A `proxy` call (a POST through the API server's service proxy to a program behind a Service,
e.g. Flagger's loadtester gate) cannot be dry-run: the API server refuses `dryRun` on a proxy
and the program would act on it. Its permission is still asked; `untried` says why the rest is
not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from warroom.kube.connection import Connection
from warroom.kube.resource import Resource
from warroom.kube.writes import PatchType, can_i, create, delete, evict, patch, proxy

Obj = dict[str, Any]
Verb = Literal["patch", "create", "delete", "evict", "proxy"]


@dataclass(frozen=True, slots=True)
class Permission:
    """A verb on a resource, as RBAC and `kubectl auth can-i` name it."""

    verb: str
    resource: str
    group: str = ""
    namespace: str = ""
    name: str = ""
    subresource: str = ""

    async def ask(self, connection: Connection) -> tuple[bool, str]:
        """(allowed, the denial in one sentence) from a SelfSubjectAccessReview."""
        access = await can_i(
            connection,
            self.verb,
            self.resource,
            self.group,
            self.namespace,
            self.name,
            self.subresource,
        )
        return access.allowed, "" if access.allowed else access.sentence

    @classmethod
    def on(cls, verb: str, resource: Resource, name: str = "", subresource: str = "") -> Permission:
        """`verb` on `resource` (its namespace included), the object `name` ("" for any)."""
        namespace = resource.namespace or ""
        return cls(verb, resource.plural, resource.group, namespace, name, subresource)


@dataclass(frozen=True, slots=True)
class Call:
    """One write: `says` is what it does in plain words ("scale deployment x 2 → 4"). For a
    proxy call, `name` is the Service's NAME:PORT (RBAC's resource name for services/proxy),
    `path` the program's path and `untried` why it cannot be dry-run."""

    verb: Verb
    resource: Resource
    name: str
    says: str
    body: Any = None
    patch_type: PatchType = PatchType.STRATEGIC
    subresource: str = ""
    path: str = ""
    untried: str = ""

    @property
    def dry_runnable(self) -> bool:
        return self.verb != "proxy"

    @property
    def permission(self) -> Permission:
        namespace = self.resource.namespace or ""
        if self.verb == "evict":
            return Permission("create", "pods", "", namespace, self.name, "eviction")
        if self.verb == "proxy":  # a POST is RBAC's create, on services/proxy named NAME:PORT
            return Permission("create", "services", "", namespace, self.name, "proxy")
        name = "" if self.verb == "create" else self.name  # a create names no existing object
        return Permission.on(self.verb, self.resource, name, self.subresource)

    async def send(self, connection: Connection, *, dry_run: bool = False) -> Obj:
        """Send the call (as a dry run: the server judges it, admission and PDBs included, and
        changes nothing); the server's answer."""
        if self.verb == "patch":
            return await patch(
                connection,
                self.resource,
                self.name,
                self.body,
                self.patch_type,
                subresource=self.subresource,
                dry_run=dry_run,
            )
        if self.verb == "create":
            return await create(connection, self.resource, self.body, dry_run=dry_run)
        if self.verb == "delete":
            return await delete(connection, self.resource, self.name, dry_run=dry_run)
        if self.verb == "proxy":
            if dry_run:
                raise ValueError(f"{self.says} cannot be dry-run: {self.untried}")
            return await proxy(
                connection, self.resource.namespace or "", self.name, self.path, self.body
            )
        return await evict(connection, self.resource.namespace or "", self.name, dry_run=dry_run)

    def journalled(self) -> Obj:
        """The call as the journal keeps it: what, where, and the body sent."""
        return {
            "verb": self.verb,
            "path": f"{self.resource.path}/{self.name}"
            + (f"/{self.subresource}" if self.subresource else "")
            + (f"/{self.path.lstrip('/')}" if self.path else ""),
            "says": self.says,
            "patch_type": self.patch_type.value if self.verb == "patch" else None,
            "body": self.body,
        }
