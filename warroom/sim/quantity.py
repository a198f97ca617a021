"""Kubernetes resource quantities (`500m`, `16Gi`, `1e3`) and int-or-percent values."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from kubernetes.utils.quantity import parse_quantity as _parse


@lru_cache(maxsize=4096)
def _parsed(text: str) -> float:
    try:
        return float(_parse(text))
    except (ValueError, ArithmeticError) as exc:
        raise ValueError(f"not a quantity: {text!r}") from exc


def parse_quantity(value: Any) -> float:
    """The value in base units (cores, bytes, devices), parsed by the kubernetes client's
    `kubernetes.utils.quantity`; ValueError if malformed. Cached: the scheduler asks often."""
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    return _parsed(str(value).strip())


def scaled_value(value: Any, total: int, *, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int, or a percent of `total`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if not text.endswith("%"):
        try:
            return int(text)
        except ValueError as exc:
            raise ValueError(f"invalid value for IntOrString: {value!r}") from exc
    try:
        percent = int(text[:-1])
    except ValueError as exc:
        raise ValueError(f"invalid value for IntOrString: {value!r}") from exc
    exact = percent * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


_BINARY = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))


def format_quantity(value: float, *, binary: bool) -> str:
    """resource.Quantity's canonical String() of a sum: whole cores or millicores (DecimalSI),
    or bytes in the largest binary unit that holds them exactly (BinarySI; below 1Ki as is)."""
    if binary and abs(value) >= 1024 and float(value).is_integer():
        for suffix, size in _BINARY:
            if value % size == 0:
                return f"{int(value // size)}{suffix}"
    milli = round(value * 1000)
    if milli % 1000 == 0:
        return str(milli // 1000)
    return f"{milli}m"
