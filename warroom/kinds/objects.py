"""The one type of a raw Kubernetes object (a dict parsed from JSON) and safe reads of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: A Kubernetes object as parsed from JSON; readers treat it as read-only.
Obj = Mapping[str, Any]


def section(obj: Obj, name: str) -> Mapping[str, Any]:
    """`obj[name]` when it is a mapping (metadata, spec, status), else an empty one."""
    value = obj.get(name)
    # Parsed JSON is made of dicts: the exact-type test saves the ABC's isinstance, a hot path.
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def as_int(value: Any) -> int:
    """An integer field the API server may leave out or send as text; 0 when unreadable."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
