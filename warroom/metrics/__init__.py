"""Prometheus signals (queries, history, staleness) and GPU readings (DCGM, nvidia-smi over SSH).

Headless asyncio: pollers record into history objects; a view takes immutable readings.
"""

from __future__ import annotations

from warroom.metrics.client import BUILTIN_VERSION, PromClient, PromError, ServerInfo
from warroom.metrics.freshness import STALE_FACTOR, FreshnessRecorder
from warroom.metrics.gpus import GpuRecord, GpuSnapshot, PrometheusGpus
from warroom.metrics.history import GraphSpec, SeriesReading, SignalReading, graph_spec
from warroom.metrics.signals import SignalPoller, SignalQuery, SignalReadings
from warroom.metrics.smi import SshGpus, parse_smi_csv

__all__ = [
    "BUILTIN_VERSION",
    "STALE_FACTOR",
    "FreshnessRecorder",
    "GpuRecord",
    "GpuSnapshot",
    "GraphSpec",
    "PromClient",
    "PromError",
    "PrometheusGpus",
    "SeriesReading",
    "ServerInfo",
    "SignalPoller",
    "SignalQuery",
    "SignalReading",
    "SignalReadings",
    "SshGpus",
    "graph_spec",
    "parse_smi_csv",
]
