"""Nodes and their GPUs: each node's state in kubectl's words, its pods, and per GPU the
readings of dcgm-exporter or nvidia-smi; bare-metal GPU hosts read over SSH come after."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from warroom.kinds.node import node_roles, node_status
from warroom.kinds.objects import Obj, as_int, section
from warroom.state.trouble import Trouble


@dataclass(frozen=True, slots=True)
class NodeRow:
    name: str
    status: str  # "Ready", "NotReady", "Ready,SchedulingDisabled", "Unknown"
    roles: str
    gpus: int  # allocatable nvidia.com/gpu
    trouble: Trouble


@dataclass(frozen=True, slots=True)
class GpuCell:
    """One GPU as the nodes view draws it."""

    index: int
    util: float  # percent
    memory: float  # used / total, 0..1
    temp: float  # °C
    xid: int  # the last XID error, 0 for none
    pod: str


@dataclass(frozen=True)
class GpuReadings:
    """Every GPU source at one moment: cells by node (or SSH host), and each bare-metal host's
    error ("" while it answers); `version` moves when any of it changed."""

    version: int = 0
    cells: Mapping[str, tuple[GpuCell, ...]] = field(default_factory=dict)
    hosts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NodesView:
    """What the nodes view shows: node rows in natural order, pods per node, GPU readings."""

    rows: tuple[NodeRow, ...]
    pods: Mapping[str, int]
    gpus: GpuReadings
    gpus_stale: bool = False  # the GPU readings may be behind (their source is failing)


def natural(name: str) -> tuple[str | int, ...]:
    """gpu-node-2 before gpu-node-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def node_row(node: Obj) -> NodeRow:
    status = node_status(node)
    alloc = section(section(node, "status"), "allocatable").get("nvidia.com/gpu")
    trouble: Trouble = (
        "bad" if not status.startswith("Ready") else ("warn" if "," in status else "")
    )
    return NodeRow(
        name=str(section(node, "metadata").get("name", "")),
        status=status,
        roles=",".join(node_roles(section(section(node, "metadata"), "labels"))) or "<none>",
        gpus=as_int(alloc),
        trouble=trouble,
    )


def node_rows(nodes: Iterable[Obj]) -> tuple[NodeRow, ...]:
    rows = [node_row(n) for n in nodes]
    return tuple(sorted(rows, key=lambda r: natural(r.name)))
