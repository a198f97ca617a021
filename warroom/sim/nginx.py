"""The sim's ingress-nginx: which backend Service a host's weighed requests go to.

A model of the controller's balancer (rootfs/etc/nginx/lua/balancer.lua): an Ingress marked
`canary: "true"` on the host of a main Ingress takes `canary-weight` out of
`canary-weight-total` (never less than 100) of the requests. The canary may sit in another
namespace than the main Ingress (blue and green namespaces): the controller merges
alternative backends by host and path (mergeAlternativeBackends in controller.go), and
upstream names carry the namespace. The war room reads the same
annotations in `warroom.kinds.ingress`; this is written apart on purpose, so that the load
the sim routes is an independent check of what the war room says the weight is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

ANNOTATION = "nginx.ingress.kubernetes.io/"
_ATOI = re.compile(r"[+-]?\d+")
_TRUE = ("1", "t", "T", "true", "True", "TRUE")  # what Go's strconv.ParseBool reads as true


def _annotations(ingress: Mapping[str, Any]) -> Mapping[str, Any]:
    return (ingress.get("metadata") or {}).get("annotations") or {}


def _atoi(text: Any, default: int) -> int:
    return int(text) if isinstance(text, str) and _ATOI.fullmatch(text) else default


def _is_canary(ingress: Mapping[str, Any]) -> bool:
    return _annotations(ingress).get(ANNOTATION + "canary") in _TRUE


def _routes(ingress: Mapping[str, Any]) -> tuple[str, str]:
    """(host, backend Service) of an Ingress's first rule, or its default backend's Service."""
    spec = ingress.get("spec") or {}
    rules = spec.get("rules") or [{}]
    host = str(rules[0].get("host") or "")
    default = ((spec.get("defaultBackend") or {}).get("service") or {}).get("name")
    if default:
        return host, str(default)
    for rule in rules:
        for path in (rule.get("http") or {}).get("paths") or ():
            name = ((path.get("backend") or {}).get("service") or {}).get("name")
            if name:
                return host, str(name)
    return host, ""


def _namespace(ingress: Mapping[str, Any]) -> str:
    return str((ingress.get("metadata") or {}).get("namespace") or "")


def canary_split(
    ingresses: Iterable[Mapping[str, Any]], namespace: str, service: str
) -> tuple[str, str, float] | None:
    """(canary's namespace, canary Service, its share 0..1) for requests to hosts whose main
    Ingress in `namespace` routes to `service`; None when no canary Ingress (of any
    namespace) sits on those hosts."""
    mains: set[str] = set()
    canaries: list[tuple[str, Mapping[str, Any]]] = []
    for ingress in ingresses:
        host, backend = _routes(ingress)
        here = _namespace(ingress) == namespace
        if _is_canary(ingress):
            if backend and not (here and backend == service):
                canaries.append((host, ingress))
        elif here and backend == service:
            mains.add(host)
    for host, ingress in canaries:
        if host not in mains:
            continue
        notes = _annotations(ingress)
        weight = _atoi(notes.get(ANNOTATION + "canary-weight"), 0)
        total = max(100, _atoi(notes.get(ANNOTATION + "canary-weight-total"), 100))
        return _namespace(ingress), _routes(ingress)[1], min(max(weight, 0), total) / total
    return None
