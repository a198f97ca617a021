"""The timeline: Kubernetes events and the war room's own entries, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from warroom.kinds.objects import Obj, as_int, section
from warroom.kinds.times import elapsed, timestamp_of


@dataclass(frozen=True, slots=True)
class EventRow:
    uid: str
    time: float
    type: str  # Normal, Warning, or "warroom" for the war room's own entries
    reason: str
    subject: str
    message: str
    count: int

    def age_at(self, now: float) -> str:
        return elapsed(now, self.time)


def event_time(ev: Obj) -> float | None:
    """When an event last happened: lastTimestamp, else eventTime, else its creation."""
    return (
        timestamp_of(ev.get("lastTimestamp"))
        or timestamp_of(ev.get("eventTime"))
        or timestamp_of(section(ev, "metadata").get("creationTimestamp"))
    )


def event_row(ev: Obj, now: float) -> EventRow:
    """`now` stands in for an event that carries no time at all."""
    involved = section(ev, "involvedObject")
    meta = section(ev, "metadata")
    return EventRow(
        uid=str(meta.get("uid") or f"{meta.get('namespace')}/{meta.get('name')}"),
        time=event_time(ev) or now,
        type=str(ev.get("type", "Normal")),
        reason=str(ev.get("reason", "")),
        subject=f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        message=str(ev.get("message", "")).strip(),
        count=as_int(ev.get("count", 1)) or 1,
    )


class Timeline:
    """Kubernetes events and the war room's own entries, newest first, kept across refreshes:
    an event's row is rebuilt only when the event changed."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[str, EventRow]] = {}  # uid -> (resourceVersion, row)
        self.rows: tuple[EventRow, ...] = ()

    def update(
        self, events: Iterable[Obj], own: Iterable[EventRow], now: float
    ) -> tuple[EventRow, ...]:
        rows: dict[str, tuple[str, EventRow]] = {}
        for ev in events:
            meta = section(ev, "metadata")
            uid, rv = str(meta.get("uid", "")), str(meta.get("resourceVersion", ""))
            cached = self._rows.get(uid)
            fresh = cached is not None and cached[0] == rv
            rows[uid] = cached if fresh and cached is not None else (rv, event_row(ev, now))
        self._rows = rows
        # The newest of our own first, so that entries noted in the same instant still read
        # newest first (the sort keeps the order of equal times).
        merged = list(reversed(list(own)))
        merged.extend(row for _, row in rows.values())
        merged.sort(key=lambda r: r.time, reverse=True)
        self.rows = tuple(merged)
        return self.rows
