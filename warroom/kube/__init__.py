"""Async Kubernetes access: kubeconfig connections, reflectors (list + watch) into a sink, and
writes (`warroom.kube.writes`).

Plain asyncio with no Textual import, so headless commands and tests use it as the UI does.
"""

from __future__ import annotations

from warroom.kube.backoff import Backoff
from warroom.kube.connection import Connection, connect
from warroom.kube.errors import ApiError, KubeError
from warroom.kube.reflector import Reflector, Sink
from warroom.kube.resource import Resource

__all__ = [
    "ApiError",
    "Backoff",
    "Connection",
    "KubeError",
    "Reflector",
    "Resource",
    "Sink",
    "connect",
]
