"""The field check's judgement: do the values a JSONPath found satisfy `op expected`?

Values compare as kubectl prints them: a JSON or YAML `true` and the string "true" both print
`true`, so they are equal; when both sides read as numbers ("3" and 3, 0.5 and "0.5") they
compare as numbers. Several matches must all satisfy the check; no match is "not set", which
the caller turns into unknown or fail as its check says.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "exists")


def compare(
    found: Sequence[Any], op: str, expected: Any, *, name: str | None = None
) -> tuple[bool, str]:
    """(passed, reason); `name` (the field's last name, say) starts the reason.

    `exists` passes when something non-null was found (expected False: when nothing was);
    `in` wants `expected` to be a list. Raises ValueError for an unknown op."""
    if op not in OPS:
        raise ValueError(f"unknown comparison {op!r}; use one of {', '.join(OPS)}")
    subject = name or "value"
    present = [v for v in found if v is not None]
    if op == "exists":
        want = expected is not False
        if want == bool(present):
            return True, f"{subject} is set" if want else f"{subject} is not set"
        return False, f"{subject} is not set" if want else f"{subject} is set, wants it unset"
    if not found:
        return False, f"{name} is not set" if name else "not set"
    if op == "in" and not isinstance(expected, list | tuple):
        raise ValueError(f"`in` wants a list of values, not {shown(expected)}")
    for index, value in enumerate(found):
        ok, why = _one(value, op, expected)
        if not ok:
            which = subject if len(found) == 1 else f"{subject} {index + 1} of {len(found)}"
            tail = f" (all {len(found)} must)" if len(found) > 1 else ""
            return False, f"{which} {why}{tail}"
    if len(found) == 1:
        return True, f"{subject} is {shown(found[0])}"
    return True, f"all {len(found)} {subject} values are {_wants(op, expected)}"


def _one(value: Any, op: str, expected: Any) -> tuple[bool, str]:
    if op == "in":
        if any(_equal(value, e) for e in expected):
            return True, ""
        return False, f"is {shown(value)}, wants {_wants(op, expected)}"
    if op in ("==", "!="):
        if _equal(value, expected) == (op == "=="):
            return True, ""
        return False, f"is {shown(value)}, wants {_wants(op, expected)}"
    order = _order(value, expected)
    if order is None:
        return False, f"is {shown(value)}, cannot compare with {op} {shown(expected)}"
    holds = {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[op]
    return holds, "" if holds else f"is {shown(value)}, wants {_wants(op, expected)}"


def _wants(op: str, expected: Any) -> str:
    if op == "==":
        return shown(expected)
    if op == "!=":
        return f"anything but {shown(expected)}"
    if op == "in":
        return "one of " + ", ".join(shown(e) for e in expected)
    return f"{op} {shown(expected)}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _equal(value: Any, expected: Any) -> bool:
    a, b = _number(value), _number(expected)
    if a is not None and b is not None:
        return a == b
    return printed(value) == printed(expected)


def _order(value: Any, expected: Any) -> int | None:
    a, b = _number(value), _number(expected)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    if isinstance(value, str) and isinstance(expected, str):
        return (value > expected) - (value < expected)  # RFC 3339 times sort as text
    return None


def printed(value: Any) -> str:
    """The value as `kubectl get -o jsonpath` prints it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


def shown(value: Any, limit: int = 60) -> str:
    """The value in a reason: strings quoted, the rest as kubectl prints them."""
    text = repr(value) if isinstance(value, str) else printed(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
