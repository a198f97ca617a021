"""NGINX canary Ingresses, read from raw Ingress objects: which Service takes what share.

ingress-nginx sends a share of a host's requests to a second Ingress's backend when that
Ingress carries `nginx.ingress.kubernetes.io/canary: "true"` and the same host as the main
one; `canary-weight` (0–100) is the share. The simulated cluster routes its load with this and
the war room shows it, so both read the annotations the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Obj = Mapping[str, Any]

CANARY = "nginx.ingress.kubernetes.io/canary"
CANARY_WEIGHT = "nginx.ingress.kubernetes.io/canary-weight"


@dataclass(frozen=True)
class Canary:
    ingress: str  # the canary Ingress's name
    service: str  # the Service it sends its share to
    weight: float  # 0..1 of the host's requests


def backend_service(ing: Obj) -> str:
    """The Service an Ingress routes to: its default backend, else its first path's."""
    spec = ing.get("spec") or {}
    backend = (spec.get("defaultBackend") or {}).get("service") or {}
    if backend.get("name"):
        return str(backend["name"])
    for rule in spec.get("rules") or ():
        for path in ((rule.get("http") or {}).get("paths")) or ():
            name = ((path.get("backend") or {}).get("service") or {}).get("name")
            if name:
                return str(name)
    return ""


def host(ing: Obj) -> str:
    for rule in (ing.get("spec") or {}).get("rules") or ():
        return str(rule.get("host", ""))
    return ""


def is_canary(ing: Obj) -> bool:
    return ((ing.get("metadata") or {}).get("annotations") or {}).get(CANARY) == "true"


def canary_for(ingresses: Iterable[Obj], service: str) -> Canary | None:
    """The NGINX canary in front of `service`: a canary Ingress on the host of a main Ingress
    that routes to `service`, sending its weight to another Service; None when there is none."""
    ingresses = list(ingresses)
    hosts = {host(i) for i in ingresses if not is_canary(i) and backend_service(i) == service}
    for ing in ingresses:
        backend = backend_service(ing)
        if not is_canary(ing) or not backend or backend == service or host(ing) not in hosts:
            continue
        annotations = (ing.get("metadata") or {}).get("annotations") or {}
        try:
            weight = float(annotations.get(CANARY_WEIGHT, "0")) / 100
        except ValueError:
            weight = 0.0
        name = str((ing.get("metadata") or {}).get("name", ""))
        return Canary(name, backend, min(max(weight, 0.0), 1.0))
    return None
