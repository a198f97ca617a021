"""The sim's own control API under /_sim/: deny rules, node failure, broken images, HPA input.

Drills and tests drive the cluster through it over HTTP; it is not part of the Kubernetes API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from warroom.sim.access import DenyRule

if TYPE_CHECKING:
    from warroom.sim.cluster import SimCluster

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


def _problem(message: str, status: int = 400) -> web.Response:
    return _json({"error": message}, status)


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw:
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise web.HTTPBadRequest(text=f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return data


def control_routes(sim: SimCluster) -> list[tuple[str, str, Handler]]:
    async def list_rules(_: web.Request) -> web.Response:
        return _json({"rules": [r.to_dict() for r in sim.access.rules]})

    async def add_rule(request: web.Request) -> web.Response:
        try:
            rule = DenyRule.from_dict(await _body(request))
        except ValueError as exc:
            return _problem(str(exc))
        sim.access.deny(rule)
        return _json({"rules": [r.to_dict() for r in sim.access.rules]}, 201)

    async def clear_rules(_: web.Request) -> web.Response:
        sim.access.clear()
        return _json({"rules": []})

    async def node_fault(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        action = request.match_info["action"]
        if sim.store.get(("", "nodes"), "", name) is None:
            return _problem(f"no node named {name!r}", 404)
        if action == "fail":
            sim.fail_node(name)
        elif action == "recover":
            sim.recover_node(name)
        else:
            return _problem("node action must be fail or recover", 404)
        return _json({"node": name, "failed": name in sim.faults.failed_nodes})

    async def broken_image(request: web.Request) -> web.Response:
        body = await _body(request)
        image = body.get("image")
        if not isinstance(image, str) or not image:
            return _problem('give the image as {"image": "repo:tag", "broken": true}')
        sim.set_image_broken(image, bool(body.get("broken", True)))
        return _json({"brokenImages": sorted(sim.faults.broken_images)})

    async def hpa_metric(request: web.Request) -> web.Response:
        body = await _body(request)
        value = body.get("value")
        if not isinstance(value, int | float) or isinstance(value, bool):
            return _problem('give the metric as {"value": 85, "metric": "cpu"}')
        sim.set_hpa_metric(
            request.match_info["namespace"],
            request.match_info["name"],
            float(value),
            str(body.get("metric", "*")),
        )
        return _json({"ok": True})

    async def drop_watches(_: web.Request) -> web.Response:
        count = len(sim.api.hub.watchers)
        sim.drop_watches()
        return _json({"dropped": count})

    async def clock(_: web.Request) -> web.Response:
        return _json(
            {"now": sim.clock.timestamp(), "speed": sim.clock.speed, "manual": sim.clock.manual}
        )

    return [
        ("GET", "/_sim/rbac/deny", list_rules),
        ("POST", "/_sim/rbac/deny", add_rule),
        ("DELETE", "/_sim/rbac/deny", clear_rules),
        ("POST", "/_sim/nodes/{name}/{action}", node_fault),
        ("POST", "/_sim/images", broken_image),
        ("POST", "/_sim/hpa/{namespace}/{name}", hpa_metric),
        ("POST", "/_sim/watches/drop", drop_watches),
        ("GET", "/_sim/clock", clock),
    ]
