"""Flagger's loadtester (ghcr.io/fluxcd/flagger-loadtester) as a sim program: its gate API.

Followed: fluxcd/flagger pkg/loadtester/server.go and gate.go. Each loadtester pod keeps its
gates in memory, closed until opened: /gate/* keyed "name.namespace" from the
CanaryWebhookPayload and /rollback/* keyed "rollback.name.namespace" in the same store, as
upstream's are, so opening a canary's promotion gate never approves its rollback check (nor
the other way round). Flagger's webhooks and the API server's Service proxy reach the same
pod, so a gate opened through the proxy is what Flagger reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

IMAGE = "ghcr.io/fluxcd/flagger-loadtester"
TEXT = "text/plain; charset=utf-8"


def is_loadtester(image: str) -> bool:
    return image.split("@", 1)[0].rsplit(":", 1)[0] == IMAGE


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = TEXT


OK = Reply(200, b"OK")
FORBIDDEN = Reply(403, b"Forbidden")
APPROVED = Reply(200, b"Approved")
ACCEPTED = Reply(202, b"")
BAD_REQUEST = Reply(400, b"")
NOT_FOUND = Reply(404, b"404 page not found\n")


def canary_key(body: bytes) -> str | None:
    """`name.namespace` of a CanaryWebhookPayload, or None when the body does not decode."""
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    return f"{payload.get('name', '')}.{payload.get('namespace', '')}"


class GateStorage:
    """gate.go's in-memory store: a gate never opened reads closed."""

    def __init__(self) -> None:
        self._open: dict[str, bool] = {}

    def is_open(self, key: str) -> bool:
        return self._open.setdefault(key, False)

    def set(self, key: str, value: bool) -> None:
        self._open[key] = value


class Loadtesters:
    """The gate store of every loadtester pod (by uid) and the HTTP API each answers."""

    def __init__(self) -> None:
        self._gates: dict[str, GateStorage] = {}

    def gates(self, pod_uid: str) -> GateStorage:
        return self._gates.setdefault(pod_uid, GateStorage())

    def answer(self, pod_uid: str, path: str, body: bytes) -> Reply:
        """server.go's mux: the reply of one loadtester pod to a request on `path`."""
        if path == "/healthz":
            return OK
        if path == "/gate/approve":
            return OK
        if path == "/gate/halt":
            return FORBIDDEN
        action = _ACTIONS.get(path)
        if action is None:
            # "/" runs load-test tasks (HandleNewTask), which the sim does not run.
            return NOT_FOUND
        key = canary_key(body)
        if key is None:
            return BAD_REQUEST
        if path.startswith("/rollback/"):
            key = f"rollback.{key}"
        store = self.gates(pod_uid)
        if action == "check":
            return APPROVED if store.is_open(key) else FORBIDDEN
        store.set(key, action == "open")
        return ACCEPTED


_ACTIONS = {
    "/gate/check": "check",
    "/gate/open": "open",
    "/gate/close": "close",
    "/rollback/check": "check",
    "/rollback/open": "open",
    "/rollback/close": "close",
}
