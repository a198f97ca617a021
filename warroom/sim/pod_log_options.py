"""The rules a pods/log request passes before any line is read, in the real server's order:
PodLogOptions decoded from the query and validated (LogREST.Get), the container picked
(LogLocation), then the kubelet's choice of container instance (validateContainerLogStatus).
Every refusal is worded as Kubernetes words it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.sim.errors import ApiError

_RFC3339 = "2006-01-02T15:04:05Z07:00"


@dataclass(frozen=True, slots=True)
class LogOptions:
    """PodLogOptions, with sinceTime as epoch seconds."""

    container: str = ""
    follow: bool = False
    previous: bool = False
    timestamps: bool = False
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: float | None = None
    limit_bytes: int | None = None


def _flag(query: Mapping[str, str], key: str) -> bool:
    """Convert_Slice_string_To_bool: present and not "0" or "false" (any case) is true."""
    if key not in query:
        return False
    value = query[key]
    return not (value == "0" or value.lower() == "false")


def _integer(query: Mapping[str, str], key: str) -> int | None:
    value = query.get(key, "")
    if value == "":
        return None
    try:
        return int(value, 10)
    except ValueError:
        raise ApiError(400, f'strconv.ParseInt: parsing "{value}": invalid syntax') from None


def _time(query: Mapping[str, str], key: str) -> float | None:
    value = query.get(key, "")
    if value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ApiError(
            400, f'parsing time "{value}" as "{_RFC3339}": cannot parse "{value}" as "2006"'
        )
    # The API server hands sinceTime to the kubelet as RFC 3339 in whole seconds.
    return float(math.floor(parsed.timestamp()))


def parse_options(query: Mapping[str, str], name: str) -> LogOptions:
    """Decode the query and validate it (ValidatePodLogOptions): 400 for a value that does not
    decode, 422 PodLogOptions Invalid for one that breaks a rule."""
    opts = LogOptions(
        container=query.get("container", ""),
        follow=_flag(query, "follow"),
        previous=_flag(query, "previous"),
        timestamps=_flag(query, "timestamps"),
        tail_lines=_integer(query, "tailLines"),
        since_seconds=_integer(query, "sinceSeconds"),
        since_time=_time(query, "sinceTime"),
        limit_bytes=_integer(query, "limitBytes"),
    )
    problems: list[tuple[str, str, str]] = []  # (field, cause type, body)
    if opts.tail_lines is not None and opts.tail_lines < 0:
        problems.append(
            (
                "tailLines",
                "FieldValueInvalid",
                f"Invalid value: {opts.tail_lines}: must be greater than or equal to 0",
            )
        )
    if opts.limit_bytes is not None and opts.limit_bytes < 1:
        problems.append(
            (
                "limitBytes",
                "FieldValueInvalid",
                f"Invalid value: {opts.limit_bytes}: must be greater than 0",
            )
        )
    if opts.since_seconds is not None and opts.since_time is not None:
        problems.append(
            (
                "",
                "FieldValueForbidden",
                "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified",
            )
        )
    elif opts.since_seconds is not None and opts.since_seconds < 1:
        problems.append(
            (
                "sinceSeconds",
                "FieldValueInvalid",
                f"Invalid value: {opts.since_seconds}: must be greater than 0",
            )
        )
    if problems:
        texts = [f"{field}: {body}" for field, _, body in problems]
        joined = texts[0] if len(texts) == 1 else f"[{', '.join(texts)}]"
        raise ApiError(
            422,
            f'PodLogOptions "{name}" is invalid: {joined}',
            details={
                "name": name,
                "kind": "PodLogOptions",
                "causes": [
                    {"reason": kind, "message": body, "field": field}
                    for field, kind, body in problems
                ],
            },
        )
    return opts


def pick_container(pod: Mapping[str, Any], container: str) -> str:
    """LogLocation: the named container (of the containers or init containers), or the only
    container when none is named."""
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    containers = [c.get("name", "") for c in spec.get("containers") or ()]
    inits = [c.get("name", "") for c in spec.get("initContainers") or ()]
    if container:
        if container not in containers and container not in inits:
            raise ApiError(400, f"container {container} is not valid for pod {name}")
        return container
    if len(containers) == 1:
        return containers[0]
    if not containers:
        raise ApiError(400, f"a container name must be specified for pod {name}")
    message = (
        f"a container name must be specified for pod {name}, "
        f"choose one of: [{' '.join(containers)}]"
    )
    if inits:
        message += f" or one of the init containers: [{' '.join(inits)}]"
    raise ApiError(400, message)


def container_instance(pod: Mapping[str, Any], container: str, previous: bool) -> str:
    """validateContainerLogStatus: the container ID whose log the kubelet reads, or its
    refusal (a 400 carrying the kubelet's words, as the API server passes them on)."""
    pod_name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    found = None
    for field in ("containerStatuses", "initContainerStatuses"):
        for cs in status.get(field) or ():
            if cs.get("name") == container:
                found = cs
                break
        if found is not None:
            break
    if found is None:
        raise ApiError(400, f'container "{container}" in pod "{pod_name}" is not available')
    state = found.get("state") or {}
    last = (found.get("lastState") or {}).get("terminated")
    waiting, running = state.get("waiting"), state.get("running")
    terminated = state.get("terminated")
    if previous:
        if not last or not last.get("containerID"):
            raise ApiError(
                400, f'previous terminated container "{container}" in pod "{pod_name}" not found'
            )
        return str(last["containerID"])
    if running is not None:
        return str(found.get("containerID", ""))
    if terminated is not None:
        if terminated.get("containerID"):
            return str(terminated["containerID"])
        if last and last.get("containerID"):
            return str(last["containerID"])
        raise ApiError(400, f'container "{container}" in pod "{pod_name}" is terminated')
    if last is not None:
        if not last.get("containerID"):
            raise ApiError(400, f'container "{container}" in pod "{pod_name}" is terminated')
        return str(last["containerID"])
    if waiting is not None:
        reason = waiting.get("reason", "")
        detail = {
            "ErrImagePull": "image can't be pulled",
            "ImagePullBackOff": "trying and failing to pull image",
        }.get(reason, reason)
        raise ApiError(
            400, f'container "{container}" in pod "{pod_name}" is waiting to start: {detail}'
        )
    raise ApiError(
        400, f'container "{container}" in pod "{pod_name}" is waiting to start - no logs yet'
    )
