"""One war room's data at a moment, as the live core offers it to views (headless or not)."""

from __future__ import annotations

from dataclasses import dataclass, field

from warroom.state.freshness import Freshness
from warroom.state.identity import Identity
from warroom.state.nodes import GpuReadings
from warroom.state.picture import ClusterPicture
from warroom.state.signals import SignalsView
from warroom.state.store import ObjectCache


@dataclass(frozen=True)
class Targets:
    """The Deployments (and their HPAs) the layout names, by (namespace, name)."""

    deployments: tuple[tuple[str, str], ...] = ()
    hpas: tuple[tuple[str, str], ...] = ()
    # The Service in front of a Deployment, by (namespace, deployment): where a canary
    # Ingress's weight is read.
    services: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class HeaderInfo:
    """Who and where: the context, namespaces and session the header names."""

    context: str
    namespaces: tuple[str, ...]
    session: str
    drill: bool = False
    read_only: bool = False
    production: bool = False  # the layout marks the cluster as production
    clock: str = "cluster time"  # whose time the header's clock tells: "sim time ×5"


@dataclass(frozen=True)
class RoomSnapshot:
    """Everything a room knows now. The picture is the live store (versioned, read-only to
    readers); signals and GPUs are immutable readings; `sources` says how current each of
    the room's sources is (reflectors, Prometheus, GPU readers, SSH hosts); `leases` the
    war room's own Leases per watched namespace (live stores, like the picture), whose holds
    the views say."""

    picture: ClusterPicture
    signals: SignalsView = field(default_factory=SignalsView)
    gpus: GpuReadings = field(default_factory=GpuReadings)
    sources: tuple[Freshness, ...] = ()
    prometheus: bool = True  # whether the layout names a Prometheus at all
    gpu_sources: tuple[Freshness, ...] = ()  # those of `sources` that read GPUs
    leases: tuple[ObjectCache, ...] = ()
    identity: Identity | None = None  # who the context is and what it may not change
