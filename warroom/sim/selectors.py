"""Label selectors: built from a LabelSelector spec as metav1.LabelSelectorAsSelector builds
them, with the apiserver's messages, and matched against labels. The ``labelSelector`` query
string is parsed in label_parser; field selectors are in field_selectors.

Ported from k8s.io/apimachinery pkg/labels/selector.go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from warroom.sim.selector_errors import (
    SelectorError,
    aggregate,
    go_quote,
    invalid_value,
    label_key_errors,
    label_value_errors,
    parse_int64,
)


class Requirement(NamedTuple):
    """One term; ``operator`` is spelled as selection.Operator: in notin = == != exists ! gt lt."""

    key: str
    operator: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        if self.operator in ("exists", "!"):
            return self.key if self.operator == "exists" else "!" + self.key
        values = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if self.operator in ("in", "notin"):
            return f"{self.key} {self.operator} ({values})"
        return self.key + {"gt": ">", "lt": "<"}.get(self.operator, self.operator) + values


def new_requirement(key: str, op: str, values: list[str]) -> Requirement:
    """labels.NewRequirement, for the operator and value shapes our callers can produce."""
    errs = []
    if key_errs := label_key_errors(key):
        errs.append(invalid_value("key", key, "; ".join(key_errs)))
    if op in ("in", "notin") and not values:
        errs.append(
            invalid_value(
                "values", values, "for 'in', 'notin' operators, values set can't be empty"
            )
        )
    elif op in ("exists", "!") and values:
        errs.append(
            invalid_value(
                "values", values, "values set must be empty for exists and does not exist"
            )
        )
    elif op in ("gt", "lt"):
        errs += [
            invalid_value(
                f"values[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer"
            )
            for i, v in enumerate(values)
            if parse_int64(v) is None
        ]
    for i, value in enumerate(values):
        if value_errs := label_value_errors(value):
            errs.append(invalid_value(f"values[{i}][{key}]", value, "; ".join(value_errs)))
    if errs:
        raise SelectorError(aggregate(errs))
    return Requirement(key, op, tuple(values))


_IN, _NOTIN, _EXISTS, _ABSENT, _GT, _LT = range(6)
_OPCODES = {
    "in": _IN,
    "=": _IN,
    "==": _IN,
    "notin": _NOTIN,
    "!=": _NOTIN,
    "exists": _EXISTS,
    "!": _ABSENT,
    "gt": _GT,
    "lt": _LT,
}
_MISSING = object()
_NO_LABELS: Mapping[str, str] = {}


class LabelSelector:
    """An AND of requirements; the one made from a nil metav1.LabelSelector matches nothing."""

    __slots__ = ("_compiled", "_nothing", "requirements")

    def __init__(self, requirements: Iterable[Requirement] = (), *, nothing: bool = False) -> None:
        self.requirements = tuple(requirements)
        self._nothing = nothing
        self._compiled = tuple(
            (
                _OPCODES[r.operator],
                r.key,
                frozenset(r.values),
                int(r.values[0]) if r.operator in ("gt", "lt") else 0,
            )
            for r in self.requirements
        )

    @property
    def empty(self) -> bool:
        return not self._nothing and not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self._nothing:
            return False
        labels = labels or _NO_LABELS
        for code, key, values, number in self._compiled:
            if code == _IN:
                if labels.get(key, _MISSING) not in values:
                    return False
            elif code == _NOTIN:
                if labels.get(key, _MISSING) in values:
                    return False
            elif code == _EXISTS:
                if key not in labels:
                    return False
            elif code == _ABSENT:
                if key in labels:
                    return False
            else:
                have = parse_int64(labels.get(key))
                if have is None or (have <= number if code == _GT else have >= number):
                    return False
        return True

    def __str__(self) -> str:
        return ",".join(map(str, self.requirements))

    def __repr__(self) -> str:
        return "LabelSelector(<nothing>)" if self._nothing else f"LabelSelector({str(self)!r})"


_SPEC_OPERATORS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}


def _spec_str(value: Any, what: str) -> str:
    # JSON null decodes to Go's zero value; other non-strings never get past decoding.
    if value is not None and not isinstance(value, str):
        raise SelectorError(f"invalid label selector: {what} must be a string")
    return value or ""


def label_selector_from_spec(spec: Mapping[str, Any] | None) -> LabelSelector:
    """metav1.LabelSelectorAsSelector: None selects nothing, a spec with no terms everything."""
    if spec is None:
        return LabelSelector(nothing=True)
    match_labels, expressions = spec.get("matchLabels") or {}, spec.get("matchExpressions") or []
    if not isinstance(match_labels, Mapping) or not isinstance(expressions, list):
        raise SelectorError(
            "invalid label selector: matchLabels must be an object and matchExpressions a list"
        )
    # Go ranges over the map, so which bad entry it reports first is arbitrary; sorted is stable.
    found = [
        new_requirement(_spec_str(k, "matchLabels key"), "=", [_spec_str(v, "matchLabels value")])
        for k, v in sorted(match_labels.items())
    ]
    for expr in expressions:
        values = (expr.get("values") or []) if isinstance(expr, Mapping) else None
        if not isinstance(values, list):
            raise SelectorError(
                "invalid label selector: matchExpressions must hold objects whose values are lists"
            )
        operator = _spec_str(expr.get("operator"), "operator")
        if operator not in _SPEC_OPERATORS:
            raise SelectorError(f"{go_quote(operator)} is not a valid label selector operator")
        found.append(
            new_requirement(
                _spec_str(expr.get("key"), "key"),
                _SPEC_OPERATORS[operator],
                [_spec_str(v, "values entry") for v in values],
            )
        )
    return LabelSelector(sorted(found, key=lambda r: r.key))
