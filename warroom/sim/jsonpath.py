"""A small JSONPath, as k8s.io/client-go/util/jsonpath evaluates the paths of CRD printer
columns (`.status.replicas`, `.spec.containers[0].image`, `[?(@.type=="Ready")]`); missing
keys yield nothing rather than an error, as the server's printer allows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

_OPS = ("==", "!=", "<=", ">=", "<", ">")
_FILTER_STOP = " =!<>)"


@lru_cache(maxsize=1024)
def parse_jsonpath(path: str) -> tuple[tuple[Any, ...], ...]:
    """Compile a simple JSONPath into steps: fields, ``['key']``, ``[n]``, ``[a:b]``, ``[*]``,
    ``.*`` and filters like ``[?(@.type=="Ready")]``. Raises ValueError for anything else."""
    text = path.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    steps, pos = _parse_steps(text, 0, in_filter=False)
    if pos != len(text):
        raise ValueError(f"unrecognized JSONPath {path!r}")
    return steps


def _parse_steps(
    text: str, pos: int, *, in_filter: bool
) -> tuple[tuple[tuple[Any, ...], ...], int]:
    steps: list[tuple[Any, ...]] = []
    while pos < len(text):
        ch = text[pos]
        if in_filter and ch in _FILTER_STOP:
            break
        if ch == ".":
            pos += 1
            if text.startswith("*", pos):
                steps.append(("all",))
                pos += 1
                continue
            name, pos = _read_field(text, pos, in_filter)
            if not name:
                raise ValueError(f"empty field in JSONPath {text!r}")
            steps.append(("key", name))
        elif ch == "[":
            step, pos = _parse_bracket(text, pos + 1)
            steps.append(step)
        else:
            raise ValueError(f"unexpected {ch!r} in JSONPath {text!r}")
    return tuple(steps), pos


def _read_field(text: str, pos: int, in_filter: bool) -> tuple[str, int]:
    out = []
    while pos < len(text):
        ch = text[pos]
        if ch == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            continue
        if ch in ".[" or (in_filter and ch in _FILTER_STOP):
            break
        out.append(ch)
        pos += 1
    return "".join(out), pos


def _read_quoted(text: str, pos: int) -> tuple[str, int]:
    quote = text[pos]
    end = text.find(quote, pos + 1)
    if end < 0:
        raise ValueError(f"unterminated string in JSONPath {text!r}")
    return text[pos + 1 : end], end + 1


def _expect(text: str, pos: int, token: str) -> int:
    while pos < len(text) and text[pos] == " ":
        pos += 1
    if not text.startswith(token, pos):
        raise ValueError(f"expected {token!r} in JSONPath {text!r}")
    return pos + len(token)


def _parse_bracket(text: str, pos: int) -> tuple[tuple[Any, ...], int]:
    if text.startswith("?(", pos):
        return _parse_filter(text, pos + 2)
    if pos < len(text) and text[pos] in "'\"":
        key, pos = _read_quoted(text, pos)
        return ("key", key), _expect(text, pos, "]")
    end = text.find("]", pos)
    if end < 0:
        raise ValueError(f"unterminated [ in JSONPath {text!r}")
    body = text[pos:end].strip()
    if body == "*":
        return ("all",), end + 1
    if ":" in body:
        start, _, stop = body.partition(":")
        return (
            "slice",
            int(start) if start.strip() else None,
            int(stop) if stop.strip() else None,
        ), end + 1
    return ("index", int(body)), end + 1


def _parse_filter(text: str, pos: int) -> tuple[tuple[Any, ...], int]:
    pos = _expect(text, pos, "@")
    left, pos = _parse_steps(text, pos, in_filter=True)
    while pos < len(text) and text[pos] == " ":
        pos += 1
    op = next((o for o in _OPS if text.startswith(o, pos)), None)
    literal: Any = None
    if op is not None:
        pos += len(op)
        while pos < len(text) and text[pos] == " ":
            pos += 1
        if pos < len(text) and text[pos] in "'\"":
            literal, pos = _read_quoted(text, pos)
        else:
            end = pos
            while end < len(text) and text[end] not in " )":
                end += 1
            word = text[pos:end]
            literal = {"true": True, "false": False}.get(word)
            if literal is None:
                literal = float(word) if "." in word else int(word)
            pos = end
    pos = _expect(text, pos, ")")
    return ("filter", left, op, literal), _expect(text, pos, "]")


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _filter_keeps(step: tuple[Any, ...], item: Any) -> bool:
    _, left, op, literal = step
    found = jsonpath_find(left, item)
    if op is None:
        return bool(found)
    if len(found) != 1 or isinstance(found[0], bool) != isinstance(literal, bool):
        return False
    try:
        return _COMPARE[op](found[0], literal)
    except TypeError:
        return False


def jsonpath_find(steps: Sequence[tuple[Any, ...]], data: Any) -> list[Any]:
    """Every value the compiled path reaches in ``data``; missing keys yield nothing."""
    current = [data]
    for step in steps:
        kind = step[0]
        found: list[Any] = []
        for value in current:
            if kind == "key":
                if isinstance(value, Mapping) and step[1] in value:
                    found.append(value[step[1]])
            elif kind == "index":
                if isinstance(value, list | tuple) and -len(value) <= step[1] < len(value):
                    found.append(value[step[1]])
            elif kind == "slice":
                if isinstance(value, list | tuple):
                    found.extend(value[step[1] : step[2]])
            elif kind == "all":
                if isinstance(value, Mapping):
                    found.extend(value[k] for k in sorted(value))
                elif isinstance(value, list | tuple):
                    found.extend(value)
            elif isinstance(value, list | tuple):
                found.extend(item for item in value if _filter_keeps(step, item))
        current = found
        if not current:
            break
    return current
