"""Server-side ``meta.k8s.io`` Tables, the answer ``kubectl get`` asks for with ``as=Table``:
built-in printers, CRD additionalPrinterColumns, or the default Name / Created At table."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from warroom.kinds.objects import Obj
from warroom.kinds.times import human_duration, parse_timestamp, timestamp_of
from warroom.sim.catalogue import ResourceType
from warroom.sim.columns import CREATED_DESC, NAME_COL, col
from warroom.sim.jsonpath import jsonpath_find, parse_jsonpath
from warroom.sim.kind_printers import PRINTERS

__all__ = ["INCLUDE_OBJECT_VALUES", "TableOptionsError", "to_table"]

INCLUDE_OBJECT_VALUES = ("None", "Metadata", "Object")

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
