"""The view models of one room: what each view shows, rebuilt only when what it reads moved.

Headless: the screen takes a part on its own cadence and redraws only when the part's
version changed; `warroom check` and tests read the same parts. Each part is built lazily,
when first asked for after its inputs moved, so a view that is not on screen costs nothing —
except the pod rows, which follow every change as it comes (O(pods changed) a refresh) so that
switching to the pods view has nothing to catch up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any, Generic, TypeVar

from warroom.kinds.deployment import revision_of
from warroom.kinds.holds import Hold, LeaseKey, holds_in_force
from warroom.kinds.ingress import canary_for
from warroom.kinds.lease import lease_name
from warroom.kinds.objects import Obj, section
from warroom.state.custom import CustomRow, custom_row
from warroom.state.events import EventRow, Timeline
from warroom.state.freshness import Freshness
from warroom.state.hpa import HpaHistory, HpaView, hpa_view
from warroom.state.lookup import about, find
from warroom.state.nodes import NodesView, node_rows
from warroom.state.picture import ClusterPicture
from warroom.state.pods import PodRow, PodRows
from warroom.state.rollout import RolloutView, rollout_view
from warroom.state.room import RoomSnapshot, Targets
from warroom.state.signals import GraphView, SignalsView, graph_view

T = TypeVar("T")
BANNER_LINES = 3  # failing sources named one by one; the rest are counted


@dataclass(frozen=True, slots=True)
class Part(Generic[T]):
    """A view model and a number that goes up whenever it was rebuilt."""

    version: int
    value: T


def banner_lines(sources: tuple[Freshness, ...]) -> tuple[str, ...]:
    """One short line per server that is failing (the API server, Prometheus, an SSH host),
    however many of its sources a failure broke: what went wrong in a few words, how many
    sources it hit, how old their data is. The whole sentences are on the sources view."""
    groups: dict[str, list[Freshness]] = {}
    for source in sources:
        if source.failing:
            groups.setdefault(source.group or source.source, []).append(source)
    lines = []
    for group, failing in list(groups.items())[:BANNER_LINES]:
        first = failing[0]
        said = first.summary or first.error or "failing"
        named = said.casefold().startswith((group.casefold(), f"the {group.casefold()}"))
        line = f"⚠ {said}" if named else f"⚠ {group}: {said}"
        if len(failing) > 1:
            kind = "watches" if group == "API server" else "sources"
            line += f" — {len(failing)} {kind}"
        ages = [s.age for s in failing]
        oldest = None if any(a is None for a in ages) else max(a for a in ages if a is not None)
        lines.append(f"{line} ({age_words(oldest, live='data 0s old')})")
    if len(groups) > BANNER_LINES:
        lines.append(f"⚠ and {len(groups) - BANNER_LINES} more failing")
    return tuple(lines)


def age_words(age: float | None, *, live: str = "live") -> str:
    """How old a view's data is, in the words a panel's corner says it."""
    if age is None:
        return "no data yet"
    return live if age == 0 else f"data {age:.0f}s old"


class RoomModel:
    """Every view model of one room, over a feed of snapshots (see `warroom.live`)."""

    def __init__(
        self,
        feed: Callable[[], RoomSnapshot],
        targets: Targets,
        *,
        clock: Callable[[], float] = time.time,
        wall: Callable[[], float] = time.time,
        ours: str = "",
    ) -> None:
        """`clock` is the cluster's (ages, the HPA history, whether a hold lapsed); `wall`
        ours, which Prometheus stamps its samples with (the graphs' right edge); `ours` the
        tail of this process's holder identities (`@host:pid`), whose holds are not
        another warroom's."""
        self.feed = feed
        self.targets = targets
        self.clock = clock
        self.wall = wall
        self.ours = ours
        self.snapshot = feed()
        self.now = clock()
        self.pod_rows = PodRows(self.picture.caches["pods"])
        self.timeline = Timeline()
        self.hpa_history = HpaHistory()
        self._parts: dict[str, tuple[Hashable, Part[Any]]] = {}

    @property
    def picture(self) -> ClusterPicture:
        return self.snapshot.picture

    def close(self) -> None:
        """Stop following the picture's caches (they outlive the views that read them)."""
        self.pod_rows.close()

    def refresh(self) -> None:
        """Take the newest snapshot; bring the pod rows and the HPA history up to date."""
        self.snapshot = self.feed()
        self.now = self.clock()
        self.pod_rows.update()
        self.hpa_history.sample(self._hpa_views().value, self.now)

    def _part(self, name: str, key: Hashable, build: Callable[[], T]) -> Part[T]:
        cached = self._parts.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        part = Part((cached[1].version + 1) if cached else 1, build())
        self._parts[name] = (key, part)
        return part

    # ---- the cluster -------------------------------------------------------------------

    def rollouts(self) -> Part[tuple[RolloutView, ...]]:
        picture = self.picture
        key: tuple[Hashable, ...] = tuple(
            picture.kind_version(kind) for kind in ("deployments", "replicasets", "ingresses")
        )
        previous = self._parts.get("rollouts")
        if previous is not None and not all(v.done for v in previous[1].value):
            # kubectl's warnings name stuck pods: follow them, at most once a second.
            key += (picture.kind_version("pods"), int(self.now))
        return self._part("rollouts", key, self._build_rollouts)

    def _build_rollouts(self) -> tuple[RolloutView, ...]:
        picture, views = self.picture, []
        for ns, name in self.targets.deployments:
            d = picture.cache("deployments", ns).get(ns, name)
            if d is None:
                continue
            # Through the owner index: a target's own ReplicaSets, not every ReplicaSet.
            rss = picture.cache("replicasets", ns).owned_by(str(section(d, "metadata")["uid"]))
            service = self.targets.services.get((ns, name))
            # A canary Ingress may sit in another watched namespace (blue and green).
            ingresses = chain.from_iterable(
                picture.cache("ingresses", n) for n in picture.namespaces
            )
            canary = canary_for(ingresses, service, ns) if service else None
            newest = _newest(rss)
            pods = picture.cache("pods", ns).owned_by(newest) if newest else []
            views.append(rollout_view(d, rss, canary, pods))
        return tuple(views)

    # ---- other warrooms' holds -----------------------------------------------------------

    def holds(self) -> Part[dict[LeaseKey, Hold]]:
        """Other warrooms' holds now, by Lease; rebuilt when a Lease moved, and every second
        of the cluster's clock while one is held (it lapses, its age moves)."""
        leases = self.snapshot.leases
        key: tuple[Hashable, ...] = (sum(cache.version for cache in leases),)
        previous = self._parts.get("holds")
        if previous is not None and previous[1].value:
            key += (int(self.now),)
        return self._part(
            "holds",
            key,
            lambda: holds_in_force((obj for cache in leases for obj in cache), self.now, self.ours),
        )

    def rollout_holds(self) -> Part[dict[tuple[str, str], str]]:
        """The line of each target Deployment another warroom holds, by (namespace, name):
        "ana is rolling back bizra-inference (12 s)"."""
        holds = self.holds()

        def build() -> dict[tuple[str, str], str]:
            lines = {}
            for ns, name in self.targets.deployments:
                hold = holds.value.get((ns, lease_name("Deployment", name)))
                if hold is not None:
                    lines[(ns, name)] = hold.line(name)
            return lines

        return self._part("rollout-holds", holds.version, build)

    def node_holds(self) -> Part[dict[str, str]]:
        """The line of each node another warroom holds (a drain, a cordon), by name: a node's
        Lease lives in the first watched namespace."""
        holds, picture = self.holds(), self.picture
        home = picture.namespaces[0] if picture.namespaces else ""

        def build() -> dict[str, str]:
            if not holds.value:
                return {}
            lines = {}
            for node in picture.objects("nodes"):
                name = str(section(node, "metadata").get("name") or "")
                hold = holds.value.get((home, lease_name("Node", name)))
                if hold is not None:
                    lines[name] = hold.line(name)
            return lines

        key = (holds.version, picture.kind_version("nodes") if holds.value else 0)
        return self._part("node-holds", key, build)

    def _hpa_views(self) -> Part[tuple[HpaView, ...]]:
        def build() -> tuple[HpaView, ...]:
            found = (self.picture.cache("hpas", ns).get(ns, name) for ns, name in self.targets.hpas)
            return tuple(hpa_view(h) for h in found if h is not None)

        return self._part("hpa-views", self.picture.kind_version("hpas"), build)

    def hpas(self) -> Part[tuple[HpaView, ...]]:
        """The target HPAs, each with its replica history."""
        views = self._hpa_views()
        history = self.hpa_history
        return self._part(
            "hpas",
            (views.version, history.version),
            lambda: tuple(replace(v, history=history.of(v.key)) for v in views.value),
        )

    def custom(self) -> Part[tuple[CustomRow, ...]]:
        picture = self.picture

        def build() -> tuple[CustomRow, ...]:
            rows = [
                custom_row(kind, obj) for kind in picture.custom for obj in picture.objects(kind)
            ]
            return tuple(sorted(rows, key=lambda r: (r.kind, r.namespace, r.name)))

        key = tuple(picture.kind_version(kind) for kind in picture.custom)
        return self._part("custom", key, build)

    def pods(self) -> Part[tuple[PodRow, ...]]:
        rows = self.pod_rows
        return self._part("pods", rows.version, lambda: rows.rows)

    def nodes(self) -> Part[NodesView]:
        """Rows are rebuilt when a node changes; pod counts come from the node indexes, so
        pods moving on or off nodes redraw the view and their status churn does not."""
        picture, gpus = self.picture, self.snapshot.gpus
        rows = self._part(
            "node-rows", picture.kind_version("nodes"), lambda: node_rows(picture.objects("nodes"))
        )
        counts = picture.pod_counts()
        stale = self.gpus_age()[1]
        key = (rows.version, gpus.version, frozenset(counts.items()), stale)
        return self._part("nodes", key, lambda: NodesView(rows.value, counts, gpus, stale))

    def events(self) -> Part[tuple[EventRow, ...]]:
        picture = self.picture
        key = (picture.kind_version("events"), picture.own_version)
        return self._part(
            "events",
            key,
            lambda: self.timeline.update(picture.objects("events"), picture.own, self.now),
        )

    def pod(self, uid: str) -> tuple[Obj, list[Obj]] | None:
        """A pod and the events about it, for its detail view; None once it is gone."""
        pod = find(self.picture, "pods", uid)
        return None if pod is None else (pod, about(self.picture, pod))

    # ---- signals and sources -----------------------------------------------------------

    def signals(self) -> Part[SignalsView]:
        view = self.snapshot.signals
        return self._part("signals", view.version, lambda: view)

    def graphs(self) -> Part[tuple[GraphView, ...]]:
        view = self.snapshot.signals
        return self._part(
            "graphs",
            view.version,
            lambda: tuple(
                graph_view(s, self.wall()) for s in view.signals if s.graph and view.configured
            ),
        )

    def banner(self) -> tuple[str, ...]:
        """The sources failing now, one line each."""
        return banner_lines(self.snapshot.sources)

    def cluster_stale(self) -> bool:
        """Whether the cluster's picture may be behind: a watch is failing, or none has
        listed yet."""
        picture = self.picture
        return bool(picture.readers) and picture.data_age() != 0

    def gpus_age(self) -> tuple[str, bool]:
        """("GPUs live" / "GPUs 35s old" / "no GPU telemetry", whether they are stale)."""
        sources = self.snapshot.gpu_sources
        if not sources:
            return "no GPU telemetry", False
        ages = [s.age for s in sources]
        stale = any(s.stale for s in sources)
        if any(a is None for a in ages):
            return "GPUs: no data yet", True
        oldest = max(a for a in ages if a is not None)
        return ("GPUs live" if not stale else f"GPUs {oldest:.0f}s old"), stale

    def signals_age(self) -> tuple[str, bool]:
        """("Prometheus 2s old" / "no Prometheus" / …, whether every signal is stale: each
        signal's own staleness is drawn on its line and graph)."""
        view = self.snapshot.signals
        if not view.configured:
            return "no Prometheus", False
        ages = [s.age for s in view.signals if s.age is not None]
        stale = bool(view.signals) and all(s.stale for s in view.signals)
        if not ages:
            return ("no Prometheus data yet" if view.signals else ""), bool(view.signals)
        return f"Prometheus {max(ages):.0f}s old", stale

    def cluster_age(self) -> str:
        """How old the cluster's picture is: "live", "data 12s old", "no data yet"; "" for a
        picture no source writes into (a snapshot, a replay)."""
        picture = self.picture
        return age_words(picture.data_age()) if picture.readers else ""


def _newest(replicasets: list[Obj]) -> str:
    """The uid of the ReplicaSet with the highest revision (the one being rolled out)."""
    best = max(replicasets, key=revision_of, default=None)
    return str(section(best, "metadata").get("uid", "")) if best is not None else ""
