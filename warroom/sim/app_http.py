"""What a pod's program answers over HTTP when the API server's proxy reaches it.

Only the inference server's own API is modelled, as FastAPI would answer it: `/health` (the
liveness probe's path) and `/ready` (the readiness probe's), compact JSON, `{"detail": ...}`
for a path it lacks (404) or a method it does not route (405; FastAPI routes no HEAD for a
GET route). The sim's own notions: an image the load model marks regressed answers `/health`
200 but `degraded`, and a container failing under a fault (broken image, lost GPU) answers it
503 `unhealthy` until the kubelet restarts it. Any other program, or a port of the inference
container other than its API port, answers as a bare Go server does: 404 page not found.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from warroom.sim.app_flavours import ModelServer, flavour_of

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class AppState:
    """What the program in a container knows of itself when a request reaches it."""

    image: str
    api_port: bool  # the request reached the port the inference server's API listens on
    ready: bool
    failing: bool
    regressed: bool
    p95: float | None = None  # the pod's current p95 latency in the load model, seconds


@dataclass(frozen=True)
class AppReply:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def _json(status: int, body: dict[str, Any], *headers: tuple[str, str]) -> AppReply:
    # FastAPI's JSONResponse: compact separators, so /health reads {"status":"healthy"}.
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return AppReply(status, text.encode(), JSON, (("server", "uvicorn"), *headers))


def _health(state: AppState) -> AppReply:
    if state.failing:
        return _json(503, {"status": "unhealthy"})
    if state.regressed:
        return _json(200, {"status": "degraded", "model_loaded": True})
    return _json(200, {"status": "healthy"})


def _ready(state: AppState) -> AppReply:
    if state.ready and not state.failing:
        return _json(200, {"status": "ready", "model_loaded": True})
    return _json(503, {"status": "loading", "model_loaded": False})


ROUTES = {"/health": _health, "/ready": _ready}


def answer(state: AppState, method: str, path: str) -> AppReply:
    """The reply of the program behind the port to `method path`."""
    if not state.api_port or not isinstance(flavour_of(state.image), ModelServer):
        return AppReply(404, b"404 page not found\n", TEXT)
    route = ROUTES.get(path)
    if route is None:
        return _json(404, {"detail": "Not Found"})
    if method != "GET":
        return _json(405, {"detail": "Method Not Allowed"}, ("allow", "GET"))
    reply = route(state)
    if state.p95 is not None:
        reply = AppReply(
            reply.status,
            reply.body,
            reply.content_type,
            (*reply.headers, ("X-Sim-Latency", f"{state.p95:.3f}")),
        )
    return reply
