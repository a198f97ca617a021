"""Prometheus signals (queries, history, staleness) and GPU readings (DCGM, nvidia-smi over SSH).

Headless asyncio: pollers record into history objects; a UI takes immutable snapshots.
"""

from __future__ import annotations

from warroom.metrics.client import BUILTIN_VERSION, PromClient, PromError, ServerInfo
from warroom.metrics.freshness import STALE_FACTOR, Health
from warroom.metrics.gpus import GpuRecord, GpuSnapshot, PrometheusGpus
from warroom.metrics.history import GraphSpec, SeriesSnapshot, SignalSnapshot, graph_spec
from warroom.metrics.signals import Signal, SignalPoller, SignalsSnapshot
from warroom.metrics.smi import SshGpus, parse_smi_csv

__all__ = [
    "BUILTIN_VERSION",
    "STALE_FACTOR",
    "GpuRecord",
    "GpuSnapshot",
    "GraphSpec",
    "Health",
    "PromClient",
    "PromError",
    "PrometheusGpus",
    "SeriesSnapshot",
    "ServerInfo",
    "Signal",
    "SignalPoller",
    "SignalSnapshot",
    "SignalsSnapshot",
    "SshGpus",
    "graph_spec",
    "parse_smi_csv",
]
