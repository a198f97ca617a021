"""How the API server prints an Ingress row: printIngress of pkg/printers/internalversion.

NAME, CLASS, HOSTS, ADDRESS, PORTS, AGE. The server prints wide cells, so the address list is
never clipped to the 16 characters a client-side printer would keep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warroom.kinds.objects import Obj
from warroom.kinds.times import since

# formatHosts shows at most this many hosts, then "+ N more...".
MAX_HOSTS = 3


def format_hosts(rules: Sequence[Mapping[str, Any]]) -> str:
    """formatHosts: the rules' hosts joined with ",", `*` when none names one.

    As in Kubernetes, "N more" counts the rules past the third, with or without a host."""
    hosts: list[str] = []
    more = False
    for rule in rules:
        if len(hosts) == MAX_HOSTS:
            more = True
        if not more and rule.get("host"):
            hosts.append(str(rule["host"]))
    if not hosts:
        return "*"
    text = ",".join(hosts)
    return f"{text} + {len(rules) - MAX_HOSTS} more..." if more else text


def format_ports(tls: Sequence[Any] | None) -> str:
    """formatPorts: 80, and 443 beside it once the Ingress has any TLS section."""
    return "80, 443" if tls else "80"


def load_balancer_addresses(status: Mapping[str, Any]) -> str:
    """ingressLoadBalancerStatusStringer (wide): each ingress point's IP, else its hostname,
    without repeats, sorted, joined with ","."""
    points = (status.get("loadBalancer") or {}).get("ingress") or ()
    found = {p.get("ip") or p.get("hostname") for p in points if p.get("ip") or p.get("hostname")}
    return ",".join(sorted(str(a) for a in found))


def print_ingress(ing: Obj, now: float) -> list[Any]:
    meta = ing.get("metadata") or {}
    spec = ing.get("spec") or {}
    return [
        meta.get("name", ""),
        spec.get("ingressClassName") or "<none>",
        format_hosts(spec.get("rules") or ()),
        load_balancer_addresses(ing.get("status") or {}),
        format_ports(spec.get("tls")),
        since(meta.get("creationTimestamp"), now),
    ]
