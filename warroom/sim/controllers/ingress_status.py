"""ingress-nginx's status sync: every Ingress of its class gets the address of the
controller's own Service (`--publish-service=ingress-nginx/ingress-nginx-controller`, the
Helm chart's default), as internal/ingress/status/status.go does, so `kubectl get ingress`
shows an ADDRESS once that Service has a load balancer's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from warroom.sim.controllers.context import Context, key_of, split_key
from warroom.sim.store import Change, clone

INGRESSES = ("networking.k8s.io", "ingresses")
SERVICES = ("", "services")
PUBLISHED = ("ingress-nginx", "ingress-nginx-controller")
CLASS = "nginx"


def _of_class(ingress: dict[str, Any]) -> bool:
    spec_class = (ingress.get("spec") or {}).get("ingressClassName")
    annotated = ((ingress.get("metadata") or {}).get("annotations") or {}).get(
        "kubernetes.io/ingress.class"
    )
    return CLASS in (spec_class, annotated)


class IngressStatusSync:
    name = "ingress-nginx-status"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key == INGRESSES and change.type != "DELETED":
            meta = change.obj["metadata"]
            return [key_of(meta["namespace"], meta["name"])]
        meta = change.obj["metadata"]
        if change.type_key == SERVICES and (meta.get("namespace"), meta["name"]) == PUBLISHED:
            return [
                key_of(i["metadata"]["namespace"], i["metadata"]["name"])
                for i in self.ctx.store.list(INGRESSES)
            ]
        return []

    def _addresses(self) -> list[dict[str, str]] | None:
        """The published Service's addresses; None when there is no such Service to publish
        (then the status is someone else's to write)."""
        svc = self.ctx.store.get(SERVICES, *PUBLISHED)
        if svc is None:
            return None
        points = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress")
        return [
            {k: p[k] for k in ("ip", "hostname") if p.get(k)}
            for p in points or ()
            if p.get("ip") or p.get("hostname")
        ]

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        ingress = self.ctx.store.get(INGRESSES, ns, name)
        addresses = self._addresses()
        if ingress is None or addresses is None or not _of_class(ingress):
            return None
        status: dict[str, Any] = {"loadBalancer": {"ingress": addresses} if addresses else {}}
        if (ingress.get("status") or {}) != status:
            updated = clone(ingress)
            updated["status"] = status
            self.ctx.store.update(INGRESSES, updated)
        return None
