"""Turn pydantic's validation errors into layout problems: a path, a line and one sentence."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Collection, Iterator
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from warroom.layout.errors import FieldProblems, Problem
from warroom.layout.fields import describe
from warroom.layout.source import LineMap, Path

_KEY_MARK = "[key]"
_PLAIN_KEY_RE = re.compile(r"[\w-]+")


def format_path(path: Path) -> str:
    """`('targets', 0, 'name')` → `targets[0].name`; odd keys are quoted."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY_RE.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def _key_text(key: object) -> str | int:
    # A loaded file's keys are all text (the reader reports the others), but a caller of
    # Layout.model_validate may pass `True: ...`: print it as YAML would, not as Python does.
    if isinstance(key, bool):
        return str(key).lower()
    return key if isinstance(key, str | int) else str(key)


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def model_at(root: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """The model class whose fields live at `path`, following tuples and dicts."""
    current: Any = root
    for part in path:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) in (tuple, list):
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the name the file writes (its alias: `for`, `json`)."""
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def without_union_tags(root: type[BaseModel], loc: Path) -> Path:
    """`loc` without the parts pydantic inserts to name the member of a union it tried
    (`since["literal['session','phase']"]`): the user wrote only the keys."""
    out: list[str | int] = []
    current: Any = root
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        out.append(part)
        current = _unwrap(current) if current is not None else None
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = _fields(current).get(str(part))
            current = field.annotation if field is not None else None
        elif get_origin(current) in (tuple, list):
            current = get_args(current)[0] if get_args(current) else None
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            current = None
        inner = _unwrap(current) if current is not None else None
        if get_origin(inner) in (Union, types.UnionType) and parts and isinstance(parts[0], str):
            tag = parts.pop(0)
            current = next(
                (m for m in get_args(inner) if isinstance(m, type) and m.__name__ == tag), None
            )
    return tuple(out)


def _suggestion(root: type[BaseModel], path: Path) -> str | None:
    model = model_at(root, path[:-1])
    if model is None:
        return None
    close = difflib.get_close_matches(str(path[-1]), list(model.model_fields), n=1, cutoff=0.7)
    return close[0] if close else None


def _unknown_key(root: type[BaseModel], path: Path) -> str:
    suggestion = _suggestion(root, path)
    if suggestion is not None:
        return f"unknown key; did you mean {suggestion}?"
    model = model_at(root, path[:-1])
    if model is None:
        return "unknown key; remove it"
    return f"unknown key; expected one of {', '.join(model.model_fields)}"


def _sentence(error: ErrorDetails) -> str:
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    got = describe(value)
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind in ("string_type", "string_sub_type"):
        return f"expected text, got {got}"
    if kind == "bool_type":
        return f"expected true or false, got {got}"
    if kind in ("int_type", "int_parsing", "float_type", "float_parsing"):
        return f"expected a number, got {got}"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        if value is None:
            return "has no value; give it keys or remove it"
        return f"expected a mapping of keys, got {got}"
    if kind in ("list_type", "tuple_type", "iterable_type"):
        if value is None:
            return "has no value; list items under it or remove it"
        return f"expected a list, got {got}"
    if kind == "too_short":
        return "is empty; list at least one"
    if kind == "finite_number":
        return "must be a finite number"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": "above",
            "greater_than_equal": "at least",
            "less_than": "below",
            "less_than_equal": "at most",
        }[kind]
        bound = next(iter(ctx.values()), "")
        return f"{got} is out of range; it must be {words} {bound}"
    if kind == "literal_error":
        return f"{got} is not allowed; use {ctx.get('expected', 'one of the listed values')}"
    if kind == "invalid_key":
        return f"keys must be text, got {got}; put it in quotes"
    message = str(error["msg"])
    return message[:1].lower() + message[1:]


def _length(value: object) -> int:
    return len(value) if isinstance(value, list | tuple | dict) else 0


def _expand(error: ErrorDetails) -> Iterator[tuple[Path, bool, str]]:
    """(path, point at the key rather than the value, message) for one pydantic error."""
    loc: Path = tuple(_key_text(part) for part in error["loc"])
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("error"), FieldProblems):
        for relative, message in ctx["error"].items:
            yield (*loc, *relative), False, message
        return
    if error["type"] == "too_short" and _length(error.get("input")) >= ctx.get("min_length", 1):
        # pydantic counts only the entries that validated: "is empty" would be untrue, and
        # each bad entry has its own problem already.
        return
    if loc and loc[-1] == _KEY_MARK:
        yield loc[:-1], True, _sentence(error)
        return
    yield loc, error["type"] in ("extra_forbidden", "invalid_key"), _sentence(error)


def problems_from_validation(
    error: ValidationError,
    source: str,
    root: type[BaseModel],
    lines: LineMap | None = None,
    skip: Collection[Path] = (),
) -> list[Problem]:
    """One Problem per pydantic error, placed at the line of the key or value it is about.

    `skip` holds paths already reported another way (values YAML could not read).
    """
    found: list[tuple[Path, bool, str, str]] = []
    for details in error.errors(include_url=False):
        for path, at_key, message in _expand(details):
            path = without_union_tags(root, path)
            entry = (path, at_key, details["type"], message)
            if path not in skip and entry not in found:
                found.append(entry)
    # `qeury:` is reported as "did you mean query?"; "query is missing" would only repeat it.
    misspelt = {
        (*path[:-1], suggestion)
        for path, _, kind, _ in found
        if kind == "extra_forbidden" and (suggestion := _suggestion(root, path)) is not None
    }
    problems = []
    for path, at_key, kind, message in found:
        if kind == "missing":
            if path in misspelt:
                continue
            message = "required key is missing; add it"
        elif kind == "extra_forbidden":
            message = _unknown_key(root, path)
        line = None
        if lines is not None:
            # A missing key has no line of its own: point at its parent's key.
            line = (
                lines.line_of(path[:-1], key=True)
                if kind == "missing"
                else lines.line_of(path, key=at_key)
            )
        problems.append(Problem(source, line, format_path(path), message))
    return problems
