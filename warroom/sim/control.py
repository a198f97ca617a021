"""The sim's own control API under /_sim/: deny rules, node failure, broken images, HPA input,
and credentials (tokens and client certificates minted and revoked).

Drills and tests drive the cluster through it over HTTP, as the operator (sim/authentication.py
refuses anyone else); it is not part of the Kubernetes API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from warroom.sim.access import DenyRule
from warroom.sim.apiserver import InjectedFailure

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

    def _number(body: dict[str, Any], key: str, default: float | None = None) -> float:
        value = body.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise web.HTTPBadRequest(text=f"{key} must be a number")
        return float(value)

    async def regression(request: web.Request) -> web.Response:
        body = await _body(request)
        image = body.get("image")
        if not isinstance(image, str) or not image:
            return _problem('give {"image": "repo:tag", "latency": 3, "errors": 0.05}')
        if request.method == "DELETE":
            sim.clear_regression(image)
        else:
            try:
                sim.regress_image(
                    image,
                    _number(body, "latency", 3.0),
                    _number(body, "errors", 0.05),
                    _number(body, "ihsan", 0.0),
                    body.get("metrics"),
                )
            except ValueError as exc:
                return _problem(str(exc))
        shown = {
            image: {k: v for k, v in vars(r).items() if k != "metrics" or v}
            for image, r in sim.load.regressions.items()
        }
        return _json({"regressions": shown})

    async def error_burst(request: web.Request) -> web.Response:
        if request.method == "DELETE":
            sim.clear_error_bursts()
            return _json({"bursts": 0})
        body = await _body(request)
        sim.error_burst(
            _number(body, "ratio", 0.2),
            _number(body, "seconds", 120.0),
            str(body.get("service", "")),
        )
        return _json({"bursts": len(sim.load.bursts)})

    async def gpu_fault(request: web.Request) -> web.Response:
        body = await _body(request)
        node, index = body.get("node"), body.get("gpu", 0)
        if not isinstance(node, str) or not isinstance(index, int):
            return _problem('give {"node": "gpu-node-1", "gpu": 0, "xid": 79, "lost": false}')
        try:
            if request.method == "DELETE":
                sim.restore_gpu(node, index)
            elif body.get("lost"):
                sim.lose_gpu(node, index)
            else:
                sim.gpu_xid(node, index, int(_number(body, "xid", 79)))
        except ValueError as exc:
            return _problem(str(exc), 404)
        return _json(
            {
                "lost": sorted(map(list, sim.gpus.faults.lost)),
                "xid": {f"{n}/{i}": c for (n, i), c in sim.gpus.faults.xid.items()},
            }
        )

    async def prometheus_fault(request: web.Request) -> web.Response:
        body = await _body(request)
        sim.prometheus_outage(bool(body.get("down", True)))
        return _json({"down": sim.metrics_down})

    async def apiserver_restart(request: web.Request) -> web.Response:
        body = await _body(request)
        seconds = _number(body, "seconds", 3.0)
        dropped = len(sim.api.hub.watchers)
        sim.restart_apiserver(seconds)
        return _json({"dropped": dropped, "unavailable_seconds": seconds})

    async def http_failure(request: web.Request) -> web.Response:
        if request.method == "DELETE":
            sim.api.injected.clear()
            return _json({"injected": 0})
        body = await _body(request)
        code = body.get("code")
        if not isinstance(code, int) or not 400 <= code <= 599:
            return _problem(
                'give {"code": 429, "count": 2, "path": "/api/v1/pods", "verb": "list"}'
            )
        sim.api.injected.append(
            InjectedFailure(
                code,
                int(_number(body, "count", 1)),
                str(body.get("path", "")),
                str(body.get("verb", "")),
            )
        )
        return _json({"injected": len(sim.api.injected)}, 201)

    async def endpoint_fault(request: web.Request) -> web.Response:
        body = await _body(request)
        service, path = body.get("service", ""), body.get("path", "")
        if not isinstance(service, str) or not isinstance(path, str):
            return _problem('give {"service": "NS/NAME", "path": "/health", "status": 503}')
        if request.method == "DELETE":
            sim.clear_endpoint_fault(service, path)
        else:
            status = body.get("status")
            if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
                return _problem("status must be a whole number such as 503")
            try:
                sim.fail_endpoint(service, path, status, _number(body, "delay", 0.0))
            except ValueError as exc:
                return _problem(str(exc))
        faults = [
            {"service": svc, "path": where, "status": f.status, "delay": f.delay}
            for (svc, where), f in sorted(sim.faults.endpoints.items())
        ]
        return _json({"endpoints": faults})

    async def volume_fault(request: web.Request) -> web.Response:
        body = await _body(request)
        claim = body.get("claim", "")
        if not isinstance(claim, str):
            return _problem('give {"claim": "NS/NAME", "used": 0.95}')
        try:
            sim.fill_volume(claim, _number(body, "used"))
        except ValueError as exc:
            return _problem(str(exc))
        return _json({"volumes": dict(sorted(sim.faults.volume_use.items()))})

    async def users(request: web.Request) -> web.Response:
        body = await _body(request)
        value = body.get("users")
        service = f"{request.match_info['namespace']}/{request.match_info['name']}"
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
            return _problem('give {"users": 5000}, or {"users": null} to follow the stages')
        try:
            sim.set_users(service, None if value is None else float(value))
        except ValueError as exc:
            return _problem(str(exc), 404)
        return _json({"service": service, "users": value})

    def _groups(body: dict[str, Any]) -> tuple[str, ...]:
        groups = body.get("groups", [])
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise web.HTTPBadRequest(text="groups must be a list of strings")
        return tuple(groups)

    def _user(body: dict[str, Any]) -> str:
        user = body.get("user")
        if not isinstance(user, str) or not user:
            raise web.HTTPBadRequest(text='give {"user": "alice", "groups": ["system:masters"]}')
        return user

    async def tokens(request: web.Request) -> web.Response:
        body = await _body(request)
        if request.method == "DELETE":
            token = body.get("token")
            if not isinstance(token, str) or not sim.authority.revoke_token(token):
                return _problem("no such token", 404)
            return _json({"revoked": True})
        ttl = body.get("ttl")
        if ttl is not None:
            ttl = _number(body, "ttl")
        token, expires = sim.authority.mint_token(_user(body), _groups(body), ttl=ttl)
        stamp = (
            None
            if expires is None
            else datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        return _json({"token": token, "expirationTimestamp": stamp}, 201)

    async def certificates(request: web.Request) -> web.Response:
        body = await _body(request)
        issued = sim.authority.issue_certificate(
            _user(body), _groups(body), days=_number(body, "days", 30.0)
        )
        return _json(
            {
                "certificate": issued.certificate.decode(),
                "key": issued.key.decode(),
                "serial": str(issued.serial),
            },
            201,
        )

    async def revoke_certificate(request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            serial = int(str(body.get("serial", "")))
        except ValueError:
            return _problem('give {"serial": "..."} as POST /_sim/certificates answered it')
        sim.authority.revoke_certificate(serial)
        return _json({"revoked": str(serial)})

    return [
        ("POST", "/_sim/tokens", tokens),
        ("DELETE", "/_sim/tokens", tokens),
        ("POST", "/_sim/certificates", certificates),
        ("POST", "/_sim/certificates/revoke", revoke_certificate),
        ("POST", "/_sim/faults/regression", regression),
        ("DELETE", "/_sim/faults/regression", regression),
        ("POST", "/_sim/faults/error-burst", error_burst),
        ("DELETE", "/_sim/faults/error-burst", error_burst),
        ("POST", "/_sim/faults/gpu", gpu_fault),
        ("DELETE", "/_sim/faults/gpu", gpu_fault),
        ("POST", "/_sim/faults/prometheus", prometheus_fault),
        ("POST", "/_sim/faults/apiserver-restart", apiserver_restart),
        ("POST", "/_sim/load/{namespace}/{name}", users),
        ("POST", "/_sim/faults/endpoint", endpoint_fault),
        ("DELETE", "/_sim/faults/endpoint", endpoint_fault),
        ("POST", "/_sim/faults/volume", volume_fault),
        ("POST", "/_sim/faults/http", http_failure),
        ("DELETE", "/_sim/faults/http", http_failure),
        ("GET", "/_sim/rbac/deny", list_rules),
        ("POST", "/_sim/rbac/deny", add_rule),
        ("DELETE", "/_sim/rbac/deny", clear_rules),
        ("POST", "/_sim/nodes/{name}/{action}", node_fault),
        ("POST", "/_sim/images", broken_image),
        ("POST", "/_sim/hpa/{namespace}/{name}", hpa_metric),
        ("POST", "/_sim/watches/drop", drop_watches),
        ("GET", "/_sim/clock", clock),
    ]
