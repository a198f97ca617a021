"""How the API server reads a request: its body (JSON, YAML or protobuf), its patch type, its
DeleteOptions, and the selectors and parameters of a list or watch, refusing bad ones with the
real server's 400 and 415 answers."""

from __future__ import annotations

from typing import Any

import orjson
import yaml
from aiohttp import web

from warroom.sim import protobuf
from warroom.sim.api_paths import TRUE
from warroom.sim.api_responses import wants_table
from warroom.sim.catalogue import ResourceType
from warroom.sim.defaults import DELETE_OPTIONS, type_problem
from warroom.sim.errors import ApiError
from warroom.sim.field_selectors import parse_field_selector
from warroom.sim.label_parser import parse_label_selector
from warroom.sim.listing import ListQuery
from warroom.sim.registry import PATCH_TYPES
from warroom.sim.selector_errors import SelectorError
from warroom.sim.store import Obj, Store, encode
from warroom.sim.tables import to_table
from warroom.sim.watch import WatchSpec

DEFAULT_WATCH_TIMEOUT = 1800.0


async def read_body(request: web.Request) -> Any:
    """The object a create, update or patch sends."""
    raw = await request.read()
    if not raw:
        raise ApiError(400, "the request has no body; send the object as JSON")
    if request.content_type == protobuf.CONTENT_TYPE:
        return protobuf.decode(raw)
    if "yaml" in request.content_type:
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ApiError(400, f"the body of the request is not valid YAML: {exc}") from exc
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"the body of the request is not valid JSON: {exc}") from exc


def patch_type(request: web.Request) -> str:
    """The patch type a PATCH names by its Content-Type."""
    ctype = request.content_type
    if ctype not in PATCH_TYPES:
        raise ApiError(
            415,
            f"the body of the request was in an unknown format - accepted media types "
            f"include: {', '.join(PATCH_TYPES)}",
        )
    return ctype


async def delete_options(request: web.Request) -> dict[str, Any]:
    """DeleteOptions from the body, or from the query when there is no body: the real
    handler decodes one or the other (a body's options win, the query is then ignored)."""
    options: dict[str, Any] = {}
    raw = await request.read()
    if raw:
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, f"the DeleteOptions body is not valid JSON: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ApiError(400, "the DeleteOptions body must be a JSON object")
        problem = type_problem(parsed, DELETE_OPTIONS)
        if problem is not None:
            raise ApiError(
                400,
                f'DeleteOptions in version "v1" cannot be handled as a DeleteOptions: {problem}',
            )
        options.update(parsed)
    else:
        _query_options(request, options)
    if options.get("propagationPolicy") not in (None, "Orphan", "Background", "Foreground"):
        raise ApiError(
            400,
            f"propagationPolicy must be Orphan, Background or Foreground, not "
            f"{options['propagationPolicy']!r}",
        )
    return options


def _query_options(request: web.Request, options: dict[str, Any]) -> None:
    query = request.query
    if "dryRun" in query:
        options["dryRun"] = query.getall("dryRun")
    if "gracePeriodSeconds" in query:
        try:
            options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
        except ValueError as exc:
            raise ApiError(400, "gracePeriodSeconds must be an integer") from exc
    if "propagationPolicy" in query:
        options["propagationPolicy"] = query["propagationPolicy"]


def list_query(request: web.Request, rt: ResourceType) -> ListQuery:
    """The label and field selectors, limit and continue token of a list or watch."""
    query = request.query
    try:
        labels = (
            parse_label_selector(query["labelSelector"]) if query.get("labelSelector") else None
        )
        fields = (
            parse_field_selector(
                query["fieldSelector"],
                ("metadata.name", "metadata.namespace", *rt.selectable_fields),
            )
            if query.get("fieldSelector")
            else None
        )
    except SelectorError as exc:
        raise ApiError(400, str(exc)) from exc
    limit = 0
    if query.get("limit"):
        try:
            limit = int(query["limit"])
        except ValueError as exc:
            raise ApiError(400, f"limit must be an integer, not {query['limit']!r}") from exc
    return ListQuery(labels, fields, limit, query.get("continue", ""))


def watch_spec(request: web.Request, store: Store, rt: ResourceType, ns: str) -> WatchSpec:
    """What a watch asks for, and how each of its events is rendered (as objects or rows)."""
    q = list_query(request, rt)
    query = request.query
    rv = query.get("resourceVersion", "")
    since: int | None = None
    if rv not in ("", "0"):
        try:
            since = int(rv)
        except ValueError as exc:
            raise ApiError(400, f"resourceVersion {rv!r} is not a valid resource version") from exc
    timeout = DEFAULT_WATCH_TIMEOUT
    if query.get("timeoutSeconds"):
        try:
            asked = float(query["timeoutSeconds"])
        except ValueError as exc:
            raise ApiError(400, "timeoutSeconds must be a number") from exc
        if asked > 0:  # 0 means "unset", as on the real server
            timeout = asked
    if wants_table(request):
        include = query.get("includeObject", "Metadata")
        clock = store.clock
        to_table(rt, [], now=clock.now_dt(), include_object=include)  # 400 before streaming
        sent_headers = False

        def render(kind: str, obj: Obj) -> bytes:
            # As the real server: column definitions with the first event only.
            nonlocal sent_headers
            table = to_table(
                rt,
                [obj],
                now=clock.now_dt(),
                include_object=include,
                list_meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                no_headers=sent_headers,
            )
            sent_headers = True
            return b'{"type":"' + kind.encode() + b'","object":' + encode(table) + b"}\n"
    else:

        def render(kind: str, obj: Obj) -> bytes:
            return b'{"type":"' + kind.encode() + b'","object":' + encode(obj) + b"}\n"

    return WatchSpec(
        rt,
        ns,
        q.labels,
        q.fields,
        since,
        timeout,
        query.get("allowWatchBookmarks", "").lower() in TRUE,
        render,
    )
