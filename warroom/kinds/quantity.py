"""Resource quantities (`500m`, `1.5Gi`, `129e6`) in canonical form, as `Quantity.String()`
prints them in kubectl's HPA TARGETS column.

Parsing is the kubernetes client's (`kubernetes.utils.quantity`); only the canonical form is
ours, since the client has no `String()`: the value rounded up to nano units, in the format
the text was written in (binary `Ki`…, decimal `k`…, or an exponent), with the largest unit
that leaves an integer.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from kubernetes.utils.quantity import parse_quantity

# Canonical output units in ascending order: decimal by powers of 1000 from nano, binary by
# powers of 1024 from none.
_DECIMAL_UNITS = ("n", "u", "m", "", "k", "M", "G", "T", "P", "E")
_BINARY_UNITS = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
_EXPONENT = re.compile(r"[eE][+-]?\d+$")
_NANO = Fraction(1, 10**9)


@lru_cache(maxsize=4096)
def canonical_quantity(text: str) -> str:
    """``resource.Quantity.String()`` of a parsed quantity; the text itself if it does not parse."""
    raw = text.strip()
    try:
        parsed = parse_quantity(raw)  # type: ignore[no-untyped-call]  # the client is untyped
    except ValueError:
        return text
    if not isinstance(parsed, Decimal) or not parsed.is_finite():
        return text
    value = Fraction(parsed)
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # Parsing rounds away from zero to nano precision.
    nanos = -((-abs(value)) // _NANO)
    value = nanos * _NANO
    if raw.endswith("i") and value >= 1024 and value.denominator == 1:
        amount, unit = int(value), 0
        while amount % 1024 == 0 and unit < len(_BINARY_UNITS) - 1:
            amount //= 1024
            unit += 1
        return f"{sign}{amount}{_BINARY_UNITS[unit]}"
    mantissa, exp = nanos, -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exp += 1
    while exp % 3 != 0:
        mantissa *= 10
        exp -= 1
    if _EXPONENT.search(raw):
        return f"{sign}{mantissa}" + (f"e{exp}" if exp else "")
    unit = exp // 3 + 3
    while unit >= len(_DECIMAL_UNITS):  # beyond exa: keep the largest unit, grow the number
        mantissa *= 1000
        unit -= 1
    return f"{sign}{mantissa}{_DECIMAL_UNITS[unit]}"


def quantity(value: Any) -> str:
    """A quantity field as the printers show it; a missing one prints as Go's nil ``<nil>``."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return str(value).lower()
    return canonical_quantity(value if isinstance(value, str) else repr(value))
