"""Async Kubernetes access: kubeconfig connections, reflectors (list + watch) and their caches.

Plain asyncio with no Textual import, so headless commands and tests use it as the UI does.
"""

from __future__ import annotations

from warroom.kube.backoff import Backoff
from warroom.kube.cache import ObjectCache
from warroom.kube.connection import Connection, connect
from warroom.kube.errors import ApiError, KubeError
from warroom.kube.health import Health
from warroom.kube.reflector import Reflector, Sink
from warroom.kube.resource import Resource

__all__ = [
    "ApiError",
    "Backoff",
    "Connection",
    "Health",
    "KubeError",
    "ObjectCache",
    "Reflector",
    "Resource",
    "Sink",
    "connect",
]
