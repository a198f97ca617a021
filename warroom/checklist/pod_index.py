"""The pods the checklist's selectors pick, kept as pods change.

A pods, restarts or rollout check reads the pods a selector picks in one namespace. Scanning
10,000 pods for every such item on every tick costs tens of milliseconds, and a busy cluster
changes hundreds of pods a second. So each namespace's pods are followed once (the cache's
`track()`), reduced to what the checks read (labels, Ready, restarts), and every selection is
moved by the changes alone. A selection's `version` moves only when what it holds changes, so
a check keyed on it is judged again only then — an annotation written to 500 pods a second
judges nothing again.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from warroom.kinds.labels import Selector, parse_selector
from warroom.kinds.objects import Obj, section
from warroom.kinds.pod import pod_status
from warroom.kinds.times import parse_timestamp
from warroom.state.store import ObjectCache


class PodFacts(NamedTuple):
    """What the checks read of one pod (a tuple: made for every changed pod, so cheaply)."""

    name: str
    labels: Mapping[str, str]
    ready: bool
    restarts: int
    created: float | None = None  # metadata.creationTimestamp
    started: float | None = None  # when its last container began running; None: not all run


def _time(value: object) -> float | None:
    try:
        return parse_timestamp(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _started(status: Mapping[str, object]) -> float | None:
    """When every container was running: the latest state.running.startedAt; None until then."""
    latest: float | None = None
    containers = status.get("containerStatuses") or ()
    for cs in containers if isinstance(containers, list | tuple) else ():
        running = section(section(cs, "state"), "running")
        at = _time(running.get("startedAt"))
        if at is None:
            return None
        latest = at if latest is None else max(latest, at)
    return latest


def facts_of(pod: Obj) -> PodFacts:
    """The pod's name, labels, Ready (its Ready condition True and not being deleted),
    RESTARTS as kubectl counts it (pod_status), when it was created and when all its containers
    were running, in one pass: this runs for every pod that changed. Without init containers
    RESTARTS is the sum of the containers' restartCount."""
    meta, status = section(pod, "metadata"), section(pod, "status")
    ready = False
    if not meta.get("deletionTimestamp"):
        for cond in status.get("conditions") or ():
            if cond.get("type") == "Ready":
                ready = cond.get("status") == "True"
                break
    if status.get("initContainerStatuses"):
        restarts = pod_status(pod).restarts
    else:
        restarts = 0
        for cs in status.get("containerStatuses") or ():
            restarts += int(cs.get("restartCount") or 0)
    return PodFacts(
        str(meta.get("name", "")),
        meta.get("labels") or {},
        ready,
        restarts,
        _time(meta.get("creationTimestamp")),
        _started(status),
    )


@dataclass(eq=False)
class Selection:
    """The pods one selector picks in one namespace: their uids in the order they came, how
    many are Ready, and the most restarted."""

    selector: Selector
    members: dict[str, PodFacts] = field(default_factory=dict)
    ready: int = 0
    version: int = 0
    _worst: tuple[int, str] | None = None

    def move(self, uid: str, old: PodFacts | None, new: PodFacts | None) -> None:
        """Pod `uid` went from `old` to `new` (None: absent)."""
        was = old is not None and uid in self.members
        if new is not None and old is not None and new.labels == old.labels:
            now = was  # the same labels pick the same pods
        else:
            now = new is not None and self.selector.matches(new.labels)
        if not was and not now:
            return
        if was:
            assert old is not None
            del self.members[uid]
            self.ready -= old.ready
            if self._worst is not None and old.restarts >= self._worst[0]:
                self._worst = None  # the most restarted may have gone: found again when asked
        if now:
            assert new is not None
            self.members[uid] = new
            self.ready += new.ready
            if self._worst is not None and new.restarts > self._worst[0]:
                self._worst = (new.restarts, new.name)
        self.version += 1

    def worst(self) -> tuple[int, str]:
        """(restarts, pod name) of the most restarted pod; (0, "") with none."""
        if self._worst is None:
            self._worst = max(
                ((f.restarts, f.name) for f in self.members.values()), default=(0, "")
            )
        return self._worst


class PodIndex:
    """One namespace's pods (one ObjectCache) and the selections read from them."""

    def __init__(self, cache: ObjectCache) -> None:
        self.cache = cache
        self._changed = cache.track()
        weakref.finalize(self, cache.untrack, self._changed)
        self._facts: dict[str, PodFacts] = {}
        self._selections: dict[str, Selection] = {}

    def select(self, selector: str) -> Selection:
        """The pods `selector` picks now."""
        self.catch_up()
        found = self._selections.get(selector)
        if found is None:
            found = Selection(parse_selector(selector))
            for uid, facts in self._facts.items():
                found.move(uid, None, facts)
            self._selections[selector] = found
        return found

    def pods(self, selection: Selection) -> Iterator[Obj]:
        """The objects of a selection's pods, in its order."""
        for uid in list(selection.members):
            pod = self.cache.by_uid(uid)
            if pod is not None:
                yield pod

    def catch_up(self) -> None:
        """Take in the pods that changed since the last call (select() does it first)."""
        if not self._changed:
            return
        changed = list(self._changed)
        self._changed.clear()
        for uid in changed:
            pod = self.cache.by_uid(uid)
            old = self._facts.get(uid)
            new = facts_of(pod) if pod is not None else None
            if new == old:
                continue
            for selection in self._selections.values():
                selection.move(uid, old, new)
            if new is None:
                del self._facts[uid]
            else:
                self._facts[uid] = new


@dataclass
class PodIndexes:
    """A PodIndex per pods cache, made when first read."""

    _by_cache: dict[int, PodIndex] = field(default_factory=dict)

    def catch_up(self) -> None:
        for index in self._by_cache.values():
            index.catch_up()

    def of(self, cache: ObjectCache) -> PodIndex:
        index = self._by_cache.get(id(cache))
        if index is None or index.cache is not cache:
            index = self._by_cache[id(cache)] = PodIndex(cache)
        return index
