"""NGINX canary Ingresses, read as ingress-nginx reads them: which Service takes what share.

ingress-nginx sends a share of a host's requests to a second Ingress's backend when that
Ingress carries `nginx.ingress.kubernetes.io/canary: "true"` and the same host as the main one,
in whatever namespace it is: alternative backends are merged by host and path, and upstream
names carry the namespace (mergeAlternativeBackends in internal/ingress/controller/controller.go).
`canary-weight` out of `canary-weight-total` (default 100; a total below 100 counts as 100, as
the balancer does) is the share of requests not already routed by header or cookie
(internal/ingress/annotations/canary and rootfs/etc/nginx/lua/balancer.lua).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from warroom.kinds.objects import Obj, section

PREFIX = "nginx.ingress.kubernetes.io/"
CANARY = PREFIX + "canary"
CANARY_WEIGHT = PREFIX + "canary-weight"
CANARY_WEIGHT_TOTAL = PREFIX + "canary-weight-total"
BY_HEADER = PREFIX + "canary-by-header"
BY_COOKIE = PREFIX + "canary-by-cookie"
DEFAULT_WEIGHT_TOTAL = 100

_GO_INT = re.compile(r"^[+-]?[0-9]+$")  # what strconv.Atoi accepts
_GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # what strconv.ParseBool takes as true


@dataclass(frozen=True, slots=True)
class Canary:
    """A canary Ingress in front of a Service, as the controller configures its balancer."""

    ingress: str  # the canary Ingress's name
    service: str  # the Service it sends its share to
    weight: int  # canary-weight as written
    weight_total: int  # canary-weight-total as the balancer uses it (at least 100)
    header: str = ""  # canary-by-header: requests with it set to "always" go to the canary
    cookie: str = ""  # canary-by-cookie: the same by cookie
    namespace: str = ""  # the canary Ingress's (and its Service's) namespace

    @property
    def share(self) -> float:
        """The fraction 0..1 of weighed requests the canary gets (math.random(total) <= weight)."""
        return min(max(self.weight, 0), self.weight_total) / self.weight_total


def _int(annotations: Mapping[str, str], key: str) -> int | None:
    value = annotations.get(key)
    return int(value) if isinstance(value, str) and _GO_INT.match(value) else None


def canary_of(ing: Obj) -> Canary | None:
    """The canary configuration of one Ingress, or None when it is not a (valid) canary.

    As the annotation parser does: an invalid `canary` is false, an invalid weight 0, an
    invalid total 100; canary settings on an Ingress whose `canary` is not true make the
    configuration invalid, so it is no canary at all.
    """
    annotations = section(section(ing, "metadata"), "annotations")
    enabled = annotations.get(CANARY) in _GO_TRUE
    weight = _int(annotations, CANARY_WEIGHT) or 0
    total = _int(annotations, CANARY_WEIGHT_TOTAL)
    header = str(annotations.get(BY_HEADER) or "").strip()
    cookie = str(annotations.get(BY_COOKIE) or "").strip()
    backend = backend_service(ing)
    if not enabled or not backend:
        return None
    return Canary(
        ingress=str(section(ing, "metadata").get("name", "")),
        service=backend,
        weight=weight,
        weight_total=max(DEFAULT_WEIGHT_TOTAL, total if total is not None else 0),
        header=header,
        cookie=cookie,
        namespace=str(section(ing, "metadata").get("namespace") or ""),
    )


def backend_service(ing: Obj) -> str:
    """The Service an Ingress routes to: its default backend, else its first path's."""
    spec = section(ing, "spec")
    backend = section(section(spec, "defaultBackend"), "service")
    if backend.get("name"):
        return str(backend["name"])
    for rule in spec.get("rules") or ():
        for path in section(rule, "http").get("paths") or ():
            name = section(section(path, "backend"), "service").get("name")
            if name:
                return str(name)
    return ""


def host(ing: Obj) -> str:
    for rule in section(ing, "spec").get("rules") or ():
        return str(rule.get("host", ""))
    return ""


def _namespace(ing: Obj) -> str:
    return str(section(ing, "metadata").get("namespace") or "")


def canary_for(
    ingresses: Iterable[Obj], service: str, namespace: str | None = None
) -> Canary | None:
    """The NGINX canary in front of `service`: a canary Ingress (of any namespace) on the host
    of a main Ingress that routes to `service` (in `namespace`, when given), sending its share
    to another Service; None when there is none. (ingress-nginx applies at most one canary per
    Ingress rule: the first found wins.)"""
    ingresses = list(ingresses)

    def here(ing: Obj) -> bool:
        return namespace is None or _namespace(ing) == namespace

    hosts = {
        host(i)
        for i in ingresses
        if canary_of(i) is None and backend_service(i) == service and here(i)
    }
    for ing in ingresses:
        canary = canary_of(ing)
        if canary is None or host(ing) not in hosts:
            continue
        if canary.service != service or not here(ing):
            return canary
    return None
