"""Once when a room opens: who the server says the context is (a SelfSubjectReview, or the
kubeconfig's user name on a server that has none) and which of the writes the layout's actions
make it may not (a SelfSubjectAccessReview each, all at once), as `state.identity.Identity`."""

from __future__ import annotations

import asyncio

from warroom.actions.calls import Permission
from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError, KubeError
from warroom.kube.writes import who_am_i
from warroom.layout import Layout
from warroom.state.identity import NODES, Denial, Identity

# What each strategy's actions write, as (verb, resource, group, subresource).
WRITES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "rolling": (("patch", "deployments", "apps", ""),),
    "slow-roll": (("patch", "deployments", "apps", ""),),
    "blue-green": (
        ("patch", "ingresses", "networking.k8s.io", ""),
        ("patch", "services", "", ""),
    ),
    "flagger": (
        ("patch", "canaries", "flagger.app", ""),
        ("create", "services", "", "proxy"),
    ),
}
LOCK = ("create", "leases", "coordination.k8s.io", "")  # every action's pairing lock
NODE_WRITES = (("patch", "nodes", "", ""),)  # cordon, uncordon, a drain's cordon
EVICT = ("create", "pods", "", "eviction")  # a drain's evictions, in each watched namespace


def _words(verb: str, resource: str, group: str, subresource: str, namespace: str) -> str:
    what = f"{resource}.{group}" if group else resource
    if subresource:
        what += f"/{subresource}"
    return f"{verb} {what}" + (f" in {namespace}" if namespace else "")


def needed(layout: Layout) -> dict[Permission, list[str]]:
    """Each mutating permission the layout's actions need, with the target keys it stops."""
    primary = layout.cluster.namespaces[0] if layout.cluster.namespaces else ""
    wanted: dict[Permission, list[str]] = {}

    def want(spec: tuple[str, str, str, str], namespace: str, target: str) -> None:
        verb, resource, group, sub = spec
        keys = wanted.setdefault(Permission(verb, resource, group, namespace, "", sub), [])
        if target not in keys:
            keys.append(target)

    for target in layout.targets:
        namespace = target.namespace or primary
        key = layout.target_key(target)
        for spec in (*WRITES.get(target.strategy, ()), LOCK):
            want(spec, namespace, key)
    for spec in NODE_WRITES:
        want(spec, "", NODES)
    for namespace in layout.cluster.namespaces:
        want(EVICT, namespace, NODES)
    if primary:
        want(LOCK, primary, NODES)  # a node's lock lives in the first namespace
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
            _words(p.verb, p.resource, p.group, p.subresource, p.namespace),
            _words(p.verb, p.resource, p.group, p.subresource, ""),
            tuple(targets),
        )
        for (p, targets), (allowed, _) in zip(wanted.items(), grants, strict=True)
        if not allowed
    )
    return Identity(connection.context, username, len(wanted), denied)
