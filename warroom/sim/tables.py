"""Server-side ``meta.k8s.io`` Tables, the answer ``kubectl get`` asks for with ``as=Table``:
built-in printers, CRD additionalPrinterColumns, or the default Name / Created At table."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from warroom.kinds.times import human_duration, parse_timestamp, timestamp_of
from warroom.sim.catalogue import ResourceType
from warroom.sim.columns import CREATED_DESC, NAME_COL, col
from warroom.sim.printers import PRINTERS

__all__ = [
    "INCLUDE_OBJECT_VALUES",
    "TableOptionsError",
    "human_duration",
    "jsonpath_find",
    "parse_jsonpath",
    "to_table",
]

INCLUDE_OBJECT_VALUES = ("None", "Metadata", "Object")

Obj = Mapping[str, Any]
RowFn = Callable[[Obj, float], tuple[list[Any], Sequence[Mapping[str, str]] | None]]


class TableOptionsError(ValueError):
    """A TableOptions value the real server refuses; the text is its 400 BadRequest message."""


def to_table(
    rt: ResourceType,
    objs: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    include_object: str = "Metadata",
    list_meta: Mapping[str, Any] | None = None,
    no_headers: bool = False,
    version: str = "v1",
) -> dict[str, Any]:
    """Convert stored objects of one type into a ``meta.k8s.io`` Table.

    ``now`` is the simulated clock; every age is measured from it. ``list_meta`` supplies the
    Table's resourceVersion / continue (for a single GET or a watch event, pass the object's
    resourceVersion). ``no_headers`` drops the column definitions, as the real server does for
    every watch event after the first. Rows share the stored objects' dicts rather than copying
    them, so serialise the result before the objects change.
    """
    include = _include_object(include_object)
    columns, row_fn = _convertor(rt)
    now_s = (now if now.tzinfo is not None else now.replace(tzinfo=UTC)).timestamp()
    meta_api_version = f"meta.k8s.io/{version}"
    rows = []
    for obj in objs:
        cells, conditions = row_fn(obj, now_s)
        row: dict[str, Any] = {"cells": cells}
        if conditions:
            row["conditions"] = [dict(c) for c in conditions]
        if include == "None":
            row["object"] = None
        elif include == "Object":
            row["object"] = _full_object(rt, obj)
        else:
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": meta_api_version,
                "metadata": obj.get("metadata") or {},
            }
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": meta_api_version,
        "metadata": _list_meta(list_meta),
        "columnDefinitions": None if no_headers else [dict(c) for c in columns],
        "rows": rows,
    }


def _include_object(value: str) -> str:
    if value == "":
        return "Metadata"
    if value not in INCLUDE_OBJECT_VALUES:
        raise TableOptionsError(
            "Unable to convert to Table as requested: includeObject: Invalid value: "
            f"{json.dumps(value)}: must be 'Metadata', 'Object', 'None', or empty"
        )
    return value


def _full_object(rt: ResourceType, obj: Obj) -> Obj:
    if obj.get("apiVersion") == rt.api_version and obj.get("kind") == rt.kind:
        return obj
    return {**obj, "apiVersion": rt.api_version, "kind": rt.kind}


def _list_meta(list_meta: Mapping[str, Any] | None) -> dict[str, Any]:
    # ListMeta's fields are all omitempty on the wire.
    out: dict[str, Any] = {}
    if not list_meta:
        return out
    for key in ("resourceVersion", "continue"):
        if list_meta.get(key):
            out[key] = list_meta[key]
    if list_meta.get("remainingItemCount") is not None:
        out["remainingItemCount"] = list_meta["remainingItemCount"]
    return out


def _convertor(rt: ResourceType) -> tuple[Sequence[Mapping[str, Any]], RowFn]:
    if rt.custom:
        return _crd_convertor(rt.printer_columns)
    printer = PRINTERS.get((rt.group, rt.kind))
    if printer is None:
        return _DEFAULT_COLUMNS, _default_row
    cells_fn, conditions_fn = printer.cells, printer.conditions

    def row(obj: Obj, now: float) -> tuple[list[Any], Sequence[Mapping[str, str]] | None]:
        return cells_fn(obj, now), (conditions_fn(obj) if conditions_fn else None)

    return printer.columns, row


# --- default table (rest.NewDefaultTableConvertor) --------------------------------------------

_DEFAULT_COLUMNS = (NAME_COL, col("Created At", "date", CREATED_DESC))


def _default_row(obj: Obj, now: float) -> tuple[list[Any], None]:
    meta = obj.get("metadata") or {}
    created = timestamp_of(meta.get("creationTimestamp"))
    # Go formats the zero time too, rather than leaving the cell empty.
    stamp = (
        "0001-01-01T00:00:00Z"
        if created is None
        else (datetime.fromtimestamp(math.floor(created), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    )
    return [meta.get("name", ""), stamp], None


# --- custom resources (apiextensions tableconvertor) ------------------------------------------

_DEFAULT_CRD_COLUMNS: tuple[dict[str, object], ...] = (
    {
        "name": "Age",
        "type": "date",
        "description": CREATED_DESC,
        "jsonPath": ".metadata.creationTimestamp",
    },
)


def _crd_convertor(
    printer_columns: Sequence[Mapping[str, object]],
) -> tuple[Sequence[Mapping[str, Any]], RowFn]:
    specs = printer_columns or _DEFAULT_CRD_COLUMNS
    headers: list[Mapping[str, Any]] = [NAME_COL]
    compiled: list[tuple[str, tuple[tuple[Any, ...], ...] | None]] = []
    for spec in specs:
        path = str(spec.get("jsonPath") or spec.get("JSONPath") or "")
        type_ = str(spec.get("type") or "")
        try:
            steps: tuple[tuple[Any, ...], ...] | None = parse_jsonpath(path)
        except ValueError:
            # The real server refuses such a CRD; a column it cannot evaluate stays empty.
            steps = None
        compiled.append((type_, steps))
        headers.append(
            col(
                str(spec.get("name") or ""),
                type_,
                str(
                    spec.get("description")
                    or f"Custom resource definition column (in JSONPath format): {path}"
                ),
                priority=_as_int(spec.get("priority")),
                fmt=str(spec.get("format") or ""),
            )
        )

    def row(obj: Obj, now: float) -> tuple[list[Any], None]:
        cells: list[Any] = [(obj.get("metadata") or {}).get("name", "")]
        for type_, steps in compiled:
            found = jsonpath_find(steps, obj) if steps is not None else []
            if not found:
                cells.append(None)
            elif type_ == "string":
                cells.append(_print_result(found[0]))
            else:
                cells.append(_json_cell(type_, found[0], now))
        return cells, None

    return headers, row


def _as_int(value: object) -> int:
    return int(value) if isinstance(value, int | float | str) and value != "" else 0


def _json_cell(type_: str, value: Any, now: float) -> Any:
    """``cellForJSONValue``: a typed cell, or None when the value does not fit the type."""
    if value is None or (isinstance(value, bool) and type_ != "boolean"):
        return None
    if type_ == "integer":
        return int(value) if isinstance(value, int | float) else None
    if type_ == "number":
        return float(value) if isinstance(value, int | float) else None
    if type_ == "boolean":
        return value if isinstance(value, bool) else None
    if type_ == "date" and isinstance(value, str):
        try:
            stamp = parse_timestamp(value)
        except ValueError:
            return "<invalid>"
        return "<unknown>" if stamp is None else human_duration(now - stamp)
    return None


def _print_result(value: Any) -> str:
    """``jsonpath.PrintResults`` of one value: text for scalars, compact JSON for the rest."""
    if value is None:
        return "<no value>"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # Go's encoder escapes HTML-significant characters.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _go_float(value: float) -> str:
    """``fmt.Sprint(float64)``: shortest digits, exponent form below 1e-4 or from 1e6 up."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign, digits_t, exp = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, digits_t))
    point = len(digits) + int(exp)
    x = point - 1
    prefix = "-" if sign else ""
    if x < -4 or x >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{prefix}{digits}{'0' * (point - len(digits))}"
    return f"{prefix}{digits[:point]}.{digits[point:]}"


# --- a small JSONPath (k8s.io/client-go/util/jsonpath, missing keys allowed) ------------------

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
