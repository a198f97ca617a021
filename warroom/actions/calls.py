"""One write an action makes, as data: what it sends where, in plain words, and the permission
it needs. The preflight asks a SelfSubjectAccessReview for each permission and sends each call
as a server-side dry run; the action then sends the same calls for real."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from warroom.kube.connection import Connection
from warroom.kube.resource import Resource
from warroom.kube.writes import PatchType, can_i, create, delete, evict, patch

Obj = dict[str, Any]
Verb = Literal["patch", "create", "delete", "evict"]


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


@dataclass(frozen=True, slots=True)
class Call:
    """One write: `says` is what it does in plain words ("scale deployment x 2 → 4")."""

    verb: Verb
    resource: Resource
    name: str
    says: str
    body: Any = None
    patch_type: PatchType = PatchType.STRATEGIC
    subresource: str = ""

    @property
    def permission(self) -> Permission:
        namespace = self.resource.namespace or ""
        if self.verb == "evict":
            return Permission("create", "pods", "", namespace, self.name, "eviction")
        name = "" if self.verb == "create" else self.name  # a create names no existing object
        return Permission(
            self.verb, self.resource.plural, self.resource.group, namespace, name, self.subresource
        )

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
        return await evict(connection, self.resource.namespace or "", self.name, dry_run=dry_run)

    def journalled(self) -> Obj:
        """The call as the journal keeps it: what, where, and the body sent."""
        return {
            "verb": self.verb,
            "path": f"{self.resource.path}/{self.name}"
            + (f"/{self.subresource}" if self.subresource else ""),
            "says": self.says,
            "patch_type": self.patch_type.value if self.verb == "patch" else None,
            "body": self.body,
        }
