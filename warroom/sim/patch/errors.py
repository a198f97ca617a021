"""PatchError and the message pieces every patch type shares, worded as the real API server
words them so that kubectl prints what it would print against a real cluster."""

from __future__ import annotations

import json
from typing import Any


class PatchError(Exception):
    """A PATCH the apiserver would refuse; ``code`` is the HTTP status it answers with."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _json_type(value: Any) -> str:
    # Go's encoding/json names, so messages read like the apiserver's.
    names = {dict: "object", list: "array", str: "string", bool: "bool", type(None): "null"}
    return names.get(type(value), "number")


def excerpt(value: Any) -> str:
    """``value`` as a message shows it: sorted JSON, cut to 200 characters."""
    try:
        text = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def cannot_unmarshal(value: Any, go_type: str) -> PatchError:
    """A body of the wrong JSON type, refused as Go's decoder refuses it (400)."""
    message = f"json: cannot unmarshal {_json_type(value)} into Go value of type {go_type}"
    return PatchError(message, 400)


def too_deep() -> PatchError:
    """What a document deeper than Python's recursion limit answers."""
    return PatchError("the object or patch is nested too deeply", 422)
