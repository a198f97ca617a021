"""The layout file: what one go-live watches and how it judges it (schema, loader, errors)."""

from __future__ import annotations

from warroom.layout.durations import format_duration, parse_duration
from warroom.layout.errors import LayoutError, Problem
from warroom.layout.loader import load_layout, parse_layout
from warroom.layout.schema import (
    Cluster,
    CustomResource,
    Gpus,
    Layout,
    Prometheus,
    SshHost,
    Target,
)
from warroom.layout.signals import UNITS, Signal, Slo

__all__ = [
    "UNITS",
    "Cluster",
    "CustomResource",
    "Gpus",
    "Layout",
    "LayoutError",
    "Problem",
    "Prometheus",
    "Signal",
    "Slo",
    "SshHost",
    "Target",
    "format_duration",
    "load_layout",
    "parse_duration",
    "parse_layout",
]
