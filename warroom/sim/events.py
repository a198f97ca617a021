"""The event recorder: core/v1 Events as controllers and the kubelet emit them, aggregated."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from warroom.sim.store import Store, clone

EVENTS = ("", "events")

# Bounded history: the oldest events are deleted past this many, as the real TTL would.
MAX_EVENTS = 5000


class Recorder:
    """Writes Events; a repeat of the same reason and message on an object bumps `count`."""

    def __init__(self, store: Store, *, max_events: int = MAX_EVENTS) -> None:
        self.store = store
        self.max_events = max_events
        self._seen: OrderedDict[tuple[str, ...], tuple[str, str]] = OrderedDict()
        self._serial = 0

    def event(
        self,
        obj: Mapping[str, Any],
        kind: str,
        reason: str,
        message: str,
        component: str,
        *,
        host: str = "",
    ) -> None:
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        now = self.store.clock.timestamp()
        key = (meta.get("uid", ""), kind, reason, message, component)
        existing = self._seen.get(key)
        if existing is not None:
            current = self.store.get(EVENTS, *existing)
            if current is not None:
                updated = clone(current)
                updated["count"] = int(updated.get("count", 1)) + 1
                updated["lastTimestamp"] = now
                self.store.update(EVENTS, updated)
                self._seen.move_to_end(key)
                return
        self._serial += 1
        name = f"{meta['name']}.{int(self.store.clock.now() * 1e6):x}{self._serial:04x}"
        source: dict[str, str] = {"component": component}
        if host:
            source["host"] = host
        self.store.create(
            EVENTS,
            {
                "kind": "Event",
                "apiVersion": "v1",
                "metadata": {"name": name, "namespace": namespace},
                "involvedObject": {
                    "kind": obj.get("kind", ""),
                    "namespace": meta.get("namespace", ""),
                    "name": meta["name"],
                    "uid": meta.get("uid", ""),
                    "apiVersion": obj.get("apiVersion", ""),
                    "resourceVersion": meta.get("resourceVersion", ""),
                },
                "reason": reason,
                "message": message,
                "source": source,
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
                "type": kind,
                "eventTime": None,
                "reportingComponent": component,
                "reportingInstance": host,
            },
        )
        self._seen[key] = (namespace, name)
        while len(self._seen) > self.max_events:
            _, (old_ns, old_name) = self._seen.popitem(last=False)
            if self.store.get(EVENTS, old_ns, old_name) is not None:
                self.store.delete(EVENTS, old_ns, old_name)

    def normal(
        self, obj: Mapping[str, Any], reason: str, message: str, component: str, *, host: str = ""
    ) -> None:
        self.event(obj, "Normal", reason, message, component, host=host)

    def warning(
        self, obj: Mapping[str, Any], reason: str, message: str, component: str, *, host: str = ""
    ) -> None:
        self.event(obj, "Warning", reason, message, component, host=host)
