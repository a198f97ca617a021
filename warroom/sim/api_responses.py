"""How the API server answers: JSON bodies, Status objects for failures, and the Status a
delete returns for kinds whose storage does not return the deleted object."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from warroom.sim.catalogue import ResourceType
from warroom.sim.errors import ApiError
from warroom.sim.store import Obj, encode


def wants_table(request: web.Request) -> bool:
    """Whether the client asked for a Table (kubectl get does), not the objects."""
    return "as=Table" in request.headers.get("Accept", "")


def json_response(body: Any, status: int = 200) -> web.Response:
    """``body`` (an object, or JSON bytes already encoded) as an application/json answer."""
    raw = body if isinstance(body, bytes) else encode(body)
    return web.Response(body=raw, status=status, content_type="application/json")


def deleted_status(rt: ResourceType, obj: Obj) -> dict[str, Any]:
    """What a finished delete answers for kinds whose storage does not return the object."""
    meta = obj["metadata"]
    details = {"name": meta["name"], "group": rt.group, "kind": rt.plural, "uid": meta["uid"]}
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {k: v for k, v in details.items() if v},
    }


def error_response(err: ApiError) -> web.Response:
    """The Status a failed request answers; a 429, or a Status that names a retry delay, says
    when to retry in Retry-After, as the real one does (responsewriters.ErrorNegotiated)."""
    response = json_response(err.status(), err.code)
    retry_after = (err.details or {}).get("retryAfterSeconds")
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    elif err.code == 429:
        response.headers["Retry-After"] = "1"
    return response
