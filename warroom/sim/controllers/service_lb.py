"""The cloud provider's service controller: every Service of type LoadBalancer gets an
address in status.loadBalancer.ingress, as k8s.io/cloud-provider's controllers/service does
(EnsuringLoadBalancer, then EnsuredLoadBalancer), from a documentation range (203.0.113.0/24)
so no one mistakes it for a real address. A Service it addressed that stops being one loses
the address; the status of Services it never provisioned is not its to touch.
"""

from __future__ import annotations

from collections.abc import Iterable

from warroom.sim.controllers.context import Context, key_of, split_key
from warroom.sim.store import Change, clone

SERVICES = ("", "services")
POOL = "203.0.113."
COMPONENT = "service-controller"


class ServiceLoadBalancer:
    name = "service-lb"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._next = 10
        self._addressed: set[str] = set()

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key != SERVICES:
            return []
        meta = change.obj["metadata"]
        return [key_of(meta["namespace"], meta["name"])]

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        svc = self.ctx.store.get(SERVICES, ns, name)
        if svc is None:
            self._addressed.discard(key)
            return None
        wanted = (svc.get("spec") or {}).get("type") == "LoadBalancer"
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress")
        if wanted == bool(ingress) or (not wanted and key not in self._addressed):
            return None
        updated = clone(svc)
        if wanted:
            self.ctx.recorder.normal(
                svc, "EnsuringLoadBalancer", "Ensuring load balancer", COMPONENT
            )
            address = f"{POOL}{self._next}"
            self._next = self._next + 1 if self._next < 254 else 10
            lb = {"ingress": [{"ip": address, "ipMode": "VIP"}]}
            self._addressed.add(key)
        else:
            lb = {}
            self._addressed.discard(key)
        updated.setdefault("status", {})["loadBalancer"] = lb
        self.ctx.store.update(SERVICES, updated)
        if wanted:
            self.ctx.recorder.normal(
                updated, "EnsuredLoadBalancer", "Ensured load balancer", COMPONENT
            )
        return None
