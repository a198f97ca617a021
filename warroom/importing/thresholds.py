"""Measurable criteria in the ways people write them in go-live checklists.

"P95 latency <1.5s verified", "Error rate < 0.5%", "GPU utilization 60-80%", "≥ 90%",
"Throughput >5K docs/hour", "p95 latency > 2s sustained for 5 min", "5% traffic to green
(monitor 30min)": each becomes a Criterion — what is measured (the words before the
comparison), the comparison, the value in base units (seconds, a ratio for percentages) and,
when the text says so, how long it must hold. `warroom import` turns them into promql checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

# Words for comparisons, longest first so "<=" wins over "<".
_OPS = {
    "<=": "<=",
    "≤": "<=",
    "=<": "<=",
    ">=": ">=",
    "≥": ">=",
    "=>": ">=",
    "<": "<",
    ">": ">",
    "below": "<",
    "less than": "<",
    "at most": "<=",
    "over": ">",
    "above": ">",
    "more than": ">",
    "at least": ">=",
    "within": "<=",
}
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
# Units as written, to (kind, factor to the base unit). A suffix K/M multiplies counts.
_UNITS: dict[str, tuple[str, float]] = {
    "ms": ("s", 0.001),
    "msec": ("s", 0.001),
    "milliseconds": ("s", 0.001),
    "s": ("s", 1.0),
    "sec": ("s", 1.0),
    "secs": ("s", 1.0),
    "second": ("s", 1.0),
    "seconds": ("s", 1.0),
    "min": ("s", 60.0),
    "mins": ("s", 60.0),
    "minute": ("s", 60.0),
    "minutes": ("s", 60.0),
    "h": ("s", 3600.0),
    "hr": ("s", 3600.0),
    "hrs": ("s", 3600.0),
    "hour": ("s", 3600.0),
    "hours": ("s", 3600.0),
    "%": ("ratio", 0.01),
    "gb": ("GB", 1.0),
    "gi": ("GiB", 1.0),
    "gib": ("GiB", 1.0),
    "mb": ("MB", 1.0),
    "mi": ("MiB", 1.0),
    "mib": ("MiB", 1.0),
}
_UNIT = r"(?:[A-Za-z]+(?:/[A-Za-z]+)?|%)"
_OP = "|".join(re.escape(k) for k in sorted(_OPS, key=len, reverse=True))
_VALUE = rf"(?P<dollar>\$)?(?P<value>{_NUMBER})\s?(?P<k>[KkM](?![A-Za-z]))?\s?(?P<unit>{_UNIT})?"
_RANGE = rf"(?P<low>{_NUMBER})\s?(?:-|–|to)\s?(?P<high>{_NUMBER})\s?(?P<runit>{_UNIT})"
# A range starts at a number of its own, not inside a name (`stage1-10pct`, `node-1-3`).
_COMPARISON = re.compile(
    rf"(?P<op>{_OP})(?![A-Za-z])\s*{_VALUE}|(?<![\w.-]){_RANGE}", re.IGNORECASE
)
_HELD = re.compile(
    rf"(?:for|monitor)\s*(?:>|over|at least)?\s*(?P<n>{_NUMBER})\s?-?\s?(?P<u>[A-Za-z]+)",
    re.IGNORECASE,
)
_SUSTAINED = re.compile(r"\bsustained\b", re.IGNORECASE)
# Up to four words (any script: "احسان pass rate") right before the comparison.
_MEASURED = re.compile(r"([^\W\d_][\w./-]*(?:\s+[^\W\d_][\w./-]*){0,3})\s*:?\s*\(?\s*$")
# Words that end the name of what is measured rather than belong to it.
_FILLER = {"verify", "check", "confirm", "target", "the", "is", "be", "should", "must", "and"}


@dataclass(frozen=True)
class Criterion:
    """One measurable criterion found in a line of text."""

    measured: str  # what is measured, in the text's words ("P95 latency"); "" when unsaid
    op: str  # <, <=, >, >=, between
    value: float | None  # in base units: seconds, a ratio for %, a count
    unit: str  # s, ratio, GB, "docs/hour", "" for a plain count
    between: tuple[float, float] | None = None
    held: timedelta | None = None  # "for 5 min", "(monitor 30min)"; sustained without one: None
    sustained: bool = False
    text: str = ""  # the comparison as written


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _base(value: float) -> float:
    """A value in base units without the float noise of the conversion (95 % → 0.95)."""
    return float(f"{value:.12g}")


def _unit(written: str | None) -> tuple[str, float]:
    if not written:
        return "", 1.0
    known = _UNITS.get(written.lower())
    if known is not None:
        return known
    return written, 1.0


def _duration(n: str, unit: str) -> timedelta | None:
    kind, factor = _unit(unit)
    if kind != "s":
        return None
    return timedelta(seconds=_number(n) * factor)


def _measured(before: str) -> str:
    """The words naming what is measured, from the text before the comparison."""
    before = re.sub(r"\*\*|__|`|✅|✓|\[[ xX]\]|^\s*[-*+]|\d+\.\s", " ", before)
    found = _MEASURED.search(before.rstrip())
    if found is None:
        return ""
    words = found.group(1).split()
    while words and words[0].lower() in _FILLER:
        words.pop(0)
    while words and words[-1].lower() in _FILLER:
        words.pop()
    return " ".join(words)


def hold_of(text: str) -> timedelta | None:
    """How long `text` says something must hold: "for 5 min", "(monitor 30min)"."""
    found = _HELD.search(text)
    return _duration(found.group("n"), found.group("u")) if found else None


_CODE_SPAN = re.compile(r"`[^`]*`")


def find_criteria(text: str) -> list[Criterion]:
    """Every measurable criterion in `text`, in order; code spans (`stage1-10pct.yaml`) are
    names, not criteria."""
    text = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)
    out: list[Criterion] = []
    held_match = _HELD.search(text)
    held = hold_of(text)
    sustained = bool(_SUSTAINED.search(text))
    for match in _COMPARISON.finditer(text):
        if held_match is not None and held_match.start() <= match.start() < held_match.end():
            continue  # "for > 5 minutes" is how long, not what
        measured = _measured(text[: match.start()])
        if match.group("low") is not None:
            kind, factor = _unit(match.group("runit"))
            low = _base(_number(match.group("low")) * factor)
            high = _base(_number(match.group("high")) * factor)
            if kind == "s" and held is not None and held.total_seconds() == high:
                continue
            out.append(
                Criterion(
                    measured, "between", None, kind, (low, high), held, sustained, match.group(0)
                )
            )
            continue
        value = _number(match.group("value"))
        if match.group("k"):
            value *= 1000 if match.group("k").lower() == "k" else 1_000_000
        kind, factor = _unit(match.group("unit"))
        if match.group("dollar"):
            kind = "$" + (f"/{match.group('unit')}" if match.group("unit") else "")
        op = _OPS[match.group("op").lower()]
        out.append(
            Criterion(
                measured, op, _base(value * factor), kind, None, held, sustained, match.group(0)
            )
        )
    return out
