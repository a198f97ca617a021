"""A signal: one PromQL query the war room polls, graphs and judges against its SLO."""

from __future__ import annotations

import difflib
import math
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    model_validator,
)

from warroom.layout.errors import FieldProblems
from warroom.layout.fields import LabelName, Number, Text, describe
from warroom.layout.promql import check_query

#: Units the UI knows how to format; "" is a plain number.
UNITS: tuple[str, ...] = (
    "s",
    "ms",
    "ratio",
    "percent",
    "rps",
    "tokens/s",
    "count",
    "bytes",
    "MiB",
    "celsius",
    "watts",
)


# The metric of a query still to be written (`warroom import` writes them): no Prometheus has
# it, so checks on it read as unknown until someone writes the real PromQL.
PLACEHOLDER_METRIC = "warroom_placeholder"


def is_placeholder(query: str) -> bool:
    return query.strip().startswith(PLACEHOLDER_METRIC + "{") or query.strip() == PLACEHOLDER_METRIC


# Spellings people reach for first, used only to suggest the right one.
_SPELLINGS = {
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "msec": "ms",
    "millisecond": "ms",
    "milliseconds": "ms",
    "%": "percent",
    "pct": "percent",
    "req/s": "rps",
    "requests/s": "rps",
    "tokens/sec": "tokens/s",
    "tok/s": "tokens/s",
    "c": "celsius",
    "°c": "celsius",
    "w": "watts",
    "watt": "watts",
    "mib": "MiB",
    "b": "bytes",
}


def _unit(value: object) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or value not in UNITS:
        spelt = _SPELLINGS.get(str(value).strip().lower())
        close = [spelt] if spelt else difflib.get_close_matches(str(value), UNITS, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(UNITS)}"
        raise ValueError(
            f"{describe(value)} is not a unit the war room knows; {hint} (or leave it out)"
        )
    return value


Unit = Annotated[str, BeforeValidator(_unit)]
Query = Annotated[Text, AfterValidator(check_query)]


class Slo(BaseModel):
    """Thresholds a signal must stay within: above `max` or below `min` is a breach."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max: Number | None = None
    min: Number | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Slo:
        if self.max is None and self.min is None:
            raise FieldProblems([((), "is empty; give max, min or both")])
        if self.max is not None and self.min is not None and self.min >= self.max:
            raise FieldProblems(
                [
                    (
                        ("min",),
                        f"min {self.min:g} is not below max {self.max:g}; swap them or fix one",
                    )
                ]
            )
        return self

    def breached(self, value: float) -> bool:
        """Whether `value` is outside the SLO; NaN (no data) never counts as a breach."""
        if math.isnan(value):
            return False
        return (self.max is not None and value > self.max) or (
            self.min is not None and value < self.min
        )


class Signal(BaseModel):
    """One PromQL query; `title` defaults from the signal's id when the layout is loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Empty only on a Signal built outside a Layout; Layout fills it from the id.
    title: Text = ""
    query: Query
    unit: Unit = ""
    slo: Slo | None = None
    graph: StrictBool = True
    by: LabelName | None = None
