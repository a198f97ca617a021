"""Field selectors: the ``fieldSelector`` query string parsed as fields.ParseSelector parses it,
checked against the kind's selectable fields, and matched against raw objects the way the
apiserver's ToSelectableFields reads them.

Ported from k8s.io/apimachinery pkg/fields/selector.go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from warroom.sim.selector_errors import SelectorError


def _lookup(obj: Any, parts: tuple[str, ...]) -> Any:
    try:
        for part in parts:
            obj = obj.get(part)
    except AttributeError:  # walked into None, a list or a scalar
        return None
    return obj


def _scalar(value: Any, default: str = "") -> str:
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else default


def _event_source(obj: Mapping[str, Any]) -> str:
    # Event: source.component, else reportingController (core/v1 JSON: reportingComponent).
    return _scalar(_lookup(obj, ("source", "component"))) or _scalar(obj.get("reportingComponent"))


def _pod_ip(obj: Mapping[str, Any]) -> str:
    # The v1 -> internal conversion lets status.podIP win, else takes the first status.podIPs.
    if ip := _scalar(_lookup(obj, ("status", "podIP"))):
        return ip
    ips = _lookup(obj, ("status", "podIPs"))
    return _scalar(_lookup(ips[0], ("ip",))) if isinstance(ips, list) and ips else ""


# Fields whose selectable value (ToSelectableFields) is not simply the JSON at that path.
_COMPUTED: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "source": _event_source,
    "status.podIP": _pod_ip,
    "status.podIPs": lambda obj: "",  # pods accept the label but leave it out of the field set
    "status.successful": lambda obj: _scalar(_lookup(obj, ("status", "succeeded")), "0"),
}
# The field set is built from typed structs, so an absent bool or int reads as its zero value.
_ZERO_VALUES = {"spec.hostNetwork": "false", "spec.unschedulable": "false", "status.replicas": "0"}
_ALIASES = {"spec.host": "spec.nodeName"}  # pods still accept the old name, converted


@lru_cache(maxsize=512)
def _getter(path: str) -> Callable[[Mapping[str, Any]], str]:
    if path in _COMPUTED:
        return _COMPUTED[path]
    parts, zero = tuple(path.split(".")), _ZERO_VALUES.get(path, "")
    return lambda obj: _scalar(_lookup(obj, parts), zero)


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string a field selector compares for ``path`` (e.g. ``spec.nodeName``) of ``obj``."""
    return _getter(path)(obj)


class FieldSelector:
    """An AND of ``field=value`` / ``field!=value`` terms over raw object dicts."""

    __slots__ = ("_compiled", "fields", "terms")

    def __init__(self, terms: Iterable[tuple[str, str, str]] = ()) -> None:
        self.terms = tuple(terms)  # (field, "=" or "!=", value), in the apiserver's order
        self.fields = frozenset(field for field, _, _ in self.terms)
        self._compiled = tuple((_getter(f), op == "=", value) for f, op, value in self.terms)

    @property
    def empty(self) -> bool:
        return not self.terms

    def matches(self, obj: Mapping[str, Any]) -> bool:
        # A plain loop: all() over a generator costs measurably more at 10,000 objects a LIST.
        for get, equal, value in self._compiled:  # noqa: SIM110
            if (get(obj) == value) is not equal:
                return False
        return True

    def __str__(self) -> str:
        escape = str.maketrans({"\\": "\\\\", ",": "\\,", "=": "\\="})
        return ",".join(f"{f}{op}{value.translate(escape)}" for f, op, value in self.terms)

    def __repr__(self) -> str:
        return f"FieldSelector({str(self)!r})"


def _split_terms(text: str) -> list[str]:
    """Split at commas that are not backslash-escaped, keeping the escapes."""
    terms, start, escaped = [], 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    return [*terms, text[start:]] if text else []


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None


def _unescape(value: str) -> str:
    out, escaped = [], False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":  # Go prints the rune with %v, which gives its code point
            raise SelectorError(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def parse_field_selector(text: str, supported: Iterable[str]) -> FieldSelector:
    """fields.ParseSelector, then the kind's field-label conversion against ``supported``."""
    parsed = []
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        if (split := _split_term(part)) is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        field, op, raw = split
        if (value := _unescape(raw)) or field:  # Go's parse drops a term with neither
            parsed.append((field, "!=" if op == "!=" else "=", value))
    allowed = supported if isinstance(supported, (set, frozenset)) else frozenset(supported)
    for field, _, _ in parsed:  # every term is parsed before any label is converted
        if field not in allowed:
            raise SelectorError(f"field label not supported: {field}")
    return FieldSelector((_ALIASES.get(f, f), op, value) for f, op, value in parsed)
