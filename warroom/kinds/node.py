"""A node as `kubectl get nodes` prints it: STATUS and ROLES (printNode)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warroom.kinds.objects import Obj, section

_ROLE_PREFIX = "node-role.kubernetes.io/"


def node_status(node: Obj) -> str:
    """`Ready`, `NotReady`, `Unknown`, with `,SchedulingDisabled` when cordoned."""
    ready: str | None = None
    for cond in section(node, "status").get("conditions") or ():
        # The last Ready condition wins, as in the real printer's condition map.
        if cond.get("type") == "Ready":
            ready = cond.get("status") or ""
    states = ["Unknown" if ready is None else ("Ready" if ready == "True" else "NotReady")]
    if section(node, "spec").get("unschedulable"):
        states.append("SchedulingDisabled")
    return ",".join(states)


def node_roles(labels: Mapping[str, Any]) -> list[str]:
    """Roles from `node-role.kubernetes.io/<role>` labels and the old `kubernetes.io/role`."""
    roles = set()
    for key, value in labels.items():
        if key.startswith(_ROLE_PREFIX):
            role = key[len(_ROLE_PREFIX) :]
            if role:
                roles.add(role)
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)
