"""Which HTTP API a pod's program serves: the scenario's `apps:`, per image or per Service.

An entry names the program by `image` (a repository, any tag, or `repo:tag`) or by the
`service` (NAMESPACE/NAME) in front of it, and lists its `routes`: a path, what answers it
(`health`, `ready`, `detailed`, `completion`, `metrics`), the port (a container port's name
or number; default the API port, where the HTTP probes go) and extra JSON `fields`. A
`detailed` route lists its `components`: `model` (the program itself), `gpu`, or a Service
NAMESPACE/NAME the program depends on. An inference server no entry names serves `/health`
and `/ready`, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ANSWERS = {  # what answers a route → the one method it routes
    "health": "GET",
    "ready": "GET",
    "detailed": "GET",
    "completion": "POST",
    "metrics": "GET",
}
SELF, GPU = "model", "gpu"
# A string field of exactly one of these is the pod's own value.
PLACEHOLDERS = ("{pod}", "{namespace}", "{version}", "{image}", "{node}")


@dataclass(frozen=True)
class Route:
    path: str
    answer: str
    port: str | int | None = None  # None: the API port
    fields: dict[str, Any] = field(default_factory=dict)
    # detailed: component name → "model", "gpu" or a Service "NAMESPACE/NAME"
    components: dict[str, str] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return ANSWERS[self.answer]


@dataclass(frozen=True)
class AppApi:
    """The routes one program serves; `image` or `service` says which program it is."""

    routes: tuple[Route, ...]
    image: str = ""
    service: str = ""

    def matches(self, image: str, services: set[str]) -> bool:
        if self.service:
            return self.service in services
        repository = image.split("@")[0]
        tail = repository.rsplit("/", 1)[-1]
        if ":" in tail:
            repository = repository[: len(repository) - len(tail)] + tail.split(":", 1)[0]
        return self.image in (image, repository)


MODEL_SERVER = AppApi((Route("/health", "health"), Route("/ready", "ready")))


def api_for(apps: list[AppApi], image: str, services: set[str]) -> AppApi | None:
    """The declared API of the program (an exact image first, then its repository, then a
    Service in front of it), or None when no entry names it."""
    for wanted in (
        lambda a: a.image == image,
        lambda a: bool(a.image) and a.matches(image, services),
        lambda a: bool(a.service) and a.matches(image, services),
    ):
        for app in apps:
            if wanted(app):
                return app
    return None


def parse_apps(data: Any, source: str) -> list[AppApi]:
    """The scenario's `apps:`; ValueError with one sentence naming the mistake."""
    if not isinstance(data, list):
        raise ValueError(f"{source}: apps must be a list of entries with image or service")
    return [_app(item, f"{source}: apps[{i}]") for i, item in enumerate(data)]


def _app(item: Any, where: str) -> AppApi:
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be a mapping with image or service, and routes")
    unknown = sorted(set(item) - {"image", "service", "routes"})
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(map(str, unknown))}")
    image, service = item.get("image", ""), item.get("service", "")
    if not isinstance(image, str) or not isinstance(service, str) or bool(image) == bool(service):
        raise ValueError(f"{where} needs either image: REPOSITORY[:TAG] or service: NS/NAME")
    if service and "/" not in service:
        raise ValueError(f"{where}: service must be NAMESPACE/NAME")
    routes = item.get("routes")
    if not isinstance(routes, list) or not routes:
        raise ValueError(f"{where} needs routes: a list of path and answer")
    parsed = tuple(_route(r, f"{where}.routes[{j}]") for j, r in enumerate(routes))
    paths = [(r.path, r.port) for r in parsed]
    twice = sorted({p for p, port in paths if paths.count((p, port)) > 1})
    if twice:
        raise ValueError(f"{where} routes {', '.join(twice)} more than once on one port")
    return AppApi(parsed, image, service)


def _route(item: Any, where: str) -> Route:
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be a mapping with path and answer")
    unknown = sorted(set(item) - {"path", "answer", "port", "fields", "components"})
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(map(str, unknown))}")
    path, answer = item.get("path"), item.get("answer")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"{where} needs path: starting with /")
    if answer not in ANSWERS:
        raise ValueError(f"{where} ({path}): answer must be one of {', '.join(ANSWERS)}")
    port = item.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, str | int)):
        raise ValueError(f"{where} ({path}): port must be a container port's name or number")
    fields = item.get("fields") or {}
    if not isinstance(fields, dict) or "status" in fields or "components" in fields:
        raise ValueError(
            f"{where} ({path}): fields must be a mapping of JSON fields other than status "
            "and components"
        )
    components = item.get("components") or {}
    if components and answer != "detailed":
        raise ValueError(f"{where} ({path}): only a detailed answer lists components")
    if not isinstance(components, dict) or not all(
        isinstance(v, str) and (v in (SELF, GPU) or "/" in v) for v in components.values()
    ):
        raise ValueError(
            f"{where} ({path}): components must map names to model, gpu or a Service NS/NAME"
        )
    return Route(path, str(answer), port, dict(fields), {str(k): v for k, v in components.items()})
