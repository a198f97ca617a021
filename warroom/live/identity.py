"""Once when a room opens: who the server says the context is (a SelfSubjectReview, or the
kubeconfig's user name on a server that has none) and which of the writes the layout's actions
make it may not (a SelfSubjectAccessReview each, all at once), as `state.identity.Identity`."""

from __future__ import annotations

import asyncio

from warroom.actions.calls import Permission
from warroom.actions.lease import GROUP
from warroom.actions.nodes import NodeActions
from warroom.actions.strategies import for_target
from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError, KubeError
from warroom.kube.resource import Resource
from warroom.kube.writes import who_am_i
from warroom.layout import Layout
from warroom.state.identity import NODES, Denial, Identity


def _lock(namespace: str) -> Permission:
    """Taking a target's pairing lock: creating its Lease."""
    return Permission.on("create", Resource(GROUP, "v1", "leases", namespace=namespace))


def _words(p: Permission, namespace: str) -> str:
    what = f"{p.resource}.{p.group}" if p.group else p.resource
    if p.subresource:
        what += f"/{p.subresource}"
    return f"{p.verb} {what}" + (f" in {namespace}" if namespace else "")


def needed(layout: Layout) -> dict[Permission, list[str]]:
    """Each mutating permission the layout's actions need, with the target keys it stops:
    what each target's strategy writes and its pairing lock, and what a node's actions write
    (on any node) and their lock."""
    primary = layout.cluster.namespaces[0] if layout.cluster.namespaces else ""
    wanted: dict[Permission, list[str]] = {}

    def want(permission: Permission, target: str) -> None:
        keys = wanted.setdefault(permission, [])
        if target not in keys:
            keys.append(target)

    for target in layout.targets:
        key = layout.target_key(target)
        for permission in (*for_target(target).writes(), _lock(target.namespace or primary)):
            want(permission, key)
    for permission in NodeActions("").writes():
        want(permission, NODES)
    if primary:  # a node's lock lives in the first namespace
        want(_lock(primary), NODES)
    return wanted


async def _username(connection: Connection) -> str:
    """The server's name for the context's user; the kubeconfig's user entry where the server
    has no SelfSubjectReview (before 1.28: 404) or does not grant it (403)."""
    try:
        username, _ = await who_am_i(connection)
    except ApiError as exc:
        if exc.code in (403, 404):
            return connection.user or connection.context
        raise
    return username or connection.user or connection.context


async def identify(connection: Connection, layout: Layout) -> Identity:
    """Who the context is and what of the layout's writes it may not make; a cluster that does
    not answer leaves the permissions unknown (each action's preflight still asks)."""
    wanted = needed(layout)
    try:
        username, grants = await asyncio.gather(
            _username(connection), asyncio.gather(*(p.ask(connection) for p in wanted))
        )
    except KubeError as exc:
        return Identity(connection.context, connection.user, problem=str(exc))
    denied = tuple(
        Denial(
            _words(p, p.namespace),
            _words(p, ""),
            tuple(targets),
        )
        for (p, targets), (allowed, _) in zip(wanted.items(), grants, strict=True)
        if not allowed
    )
    return Identity(connection.context, username, len(wanted), denied)
