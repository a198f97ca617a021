"""What a pod's program answers over HTTP when the API server's proxy reaches it.

The routes are the program's declared API (app_api: the scenario's `apps:`, else an
inference server's `/health` and `/ready`), answered as FastAPI would: compact JSON,
`{"detail": ...}` for a path it lacks on its API port (404) or a method it does not route
(405; FastAPI routes no HEAD for a GET route). The answers follow the pod's state: not Ready
is `/ready` 503; a container failing under a fault (broken image, lost GPU) is `unhealthy`
503 until the kubelet restarts it; an image the load model marks regressed is `degraded`;
in `/health/detailed` each component is judged alone (the GPU lost, a dependency's Service
without Ready pods) and the worst one is the answer's status. Any other program, or a port
no route is on, answers as a bare Go server does: 404 page not found.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from warroom.sim.app_api import GPU, MODEL_SERVER, PLACEHOLDERS, SELF, AppApi, Route
from warroom.sim.app_completion import completion
from warroom.sim.app_flavours import ModelServer, flavour_of

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"
METRICS = "text/plain; version=0.0.4; charset=utf-8"
RANK = {"healthy": 0, "degraded": 1, "unhealthy": 2}


@dataclass(frozen=True)
class AppState:
    """What the program in a container knows of itself when a request reaches it."""

    image: str
    api_port: bool  # the request reached the port the program's API listens on
    ready: bool
    failing: bool
    regressed: bool
    p95: float | None = None  # the pod's current p95 latency in the load model, seconds
    api: AppApi | None = None  # the declared API; None: the default for its image
    port: int = 0  # the port the request reached
    ports: Mapping[str, int] = field(default_factory=dict)  # the container's named ports
    pod: Mapping[str, str] = field(default_factory=dict)  # pod, namespace, version, node
    gpus: int = 0  # GPUs the container was given
    gpu_lost: bool = False
    # Ready pods behind each Service a detailed health names, by NAMESPACE/NAME.
    dependencies: Mapping[str, int] = field(default_factory=dict)
    tokens_per_request: float = 16.0
    now: float = 0.0
    metrics: Callable[[], bytes] | None = None  # the pod's own exposition


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


def detail(status: int) -> AppReply:
    """What FastAPI answers for an HTTPException of `status` without a detail of its own."""
    return _json(status, {"detail": HTTPStatus(status).phrase})


def _fields(state: AppState, route: Route) -> dict[str, Any]:
    values = {**state.pod, "image": state.image}
    out = {}
    for key, value in route.fields.items():
        if isinstance(value, str) and value in PLACEHOLDERS:
            value = values.get(value[1:-1], "")
        out[key] = value
    return out


def _model_status(state: AppState) -> str:
    if state.failing:
        return "unhealthy"
    return "degraded" if state.regressed else "healthy"


def _health(state: AppState, route: Route, body: bytes) -> AppReply:
    status = _model_status(state)
    extra = {"model_loaded": True} if status == "degraded" else {}
    return _json(
        503 if status == "unhealthy" else 200, {"status": status, **extra, **_fields(state, route)}
    )


def _ready(state: AppState, route: Route, body: bytes) -> AppReply:
    if state.ready and not state.failing:
        return _json(200, {"status": "ready", "model_loaded": True, **_fields(state, route)})
    return _json(503, {"status": "loading", "model_loaded": False, **_fields(state, route)})


def _component(state: AppState, kind: str) -> str:
    if kind == SELF:
        return _model_status(state)
    if kind == GPU:
        return "unhealthy" if state.gpu_lost or state.gpus == 0 else "healthy"
    return "healthy" if state.dependencies.get(kind, 0) > 0 else "unhealthy"


def _detailed(state: AppState, route: Route, body: bytes) -> AppReply:
    components = {
        name: {"status": _component(state, kind)} for name, kind in route.components.items()
    }
    worst = max(
        [_model_status(state), *(c["status"] for c in components.values())], key=RANK.__getitem__
    )
    answer = {"status": worst, **_fields(state, route), "components": components}
    return _json(503 if worst == "unhealthy" else 200, answer)


def _completion(state: AppState, route: Route, body: bytes) -> AppReply:
    if state.failing or not state.ready:
        return detail(503)
    name = state.image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    status, answer = completion(
        body,
        model=name,
        pod=state.pod.get("pod", ""),
        now=state.now,
        tokens=state.tokens_per_request,
    )
    return _json(status, {**answer, **_fields(state, route)} if status == 200 else answer)


def _metrics(state: AppState, route: Route, body: bytes) -> AppReply:
    text = state.metrics() if state.metrics is not None else b""
    return AppReply(200, text, METRICS)


ANSWERS: dict[str, Callable[[AppState, Route, bytes], AppReply]] = {
    "health": _health,
    "ready": _ready,
    "detailed": _detailed,
    "completion": _completion,
    "metrics": _metrics,
}


def _on_port(state: AppState, route: Route) -> bool:
    if route.port is None:
        return state.api_port
    wanted = state.ports.get(route.port) if isinstance(route.port, str) else route.port
    return wanted == state.port


def answer(state: AppState, method: str, path: str, body: bytes = b"") -> AppReply:
    """The reply of the program behind the port to `method path`."""
    api = state.api
    if api is None and isinstance(flavour_of(state.image), ModelServer):
        api = MODEL_SERVER
    routes = [r for r in (api.routes if api is not None else ()) if _on_port(state, r)]
    if not routes and not (api is not None and state.api_port):
        return AppReply(404, b"404 page not found\n", TEXT)
    route = next((r for r in routes if r.path == path), None)
    if route is None:
        return _json(404, {"detail": "Not Found"})
    if method != route.method:
        return _json(405, {"detail": "Method Not Allowed"}, ("allow", route.method))
    reply = ANSWERS[route.answer](state, route, body)
    if state.p95 is not None:
        reply = AppReply(
            reply.status,
            reply.body,
            reply.content_type,
            (*reply.headers, ("X-Sim-Latency", f"{state.p95:.3f}")),
        )
    return reply
