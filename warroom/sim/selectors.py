"""Label and field selectors parsed, printed and matched as kube-apiserver does, with its messages.

Ported from k8s.io/apimachinery pkg/labels/selector.go and pkg/fields/selector.go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple


class SelectorError(ValueError):
    """A selector the apiserver rejects; the message is the one its 400 Status carries."""


# --- validation and Go error formatting (pkg/api/validate/content, util/validation/field) ---

_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_VALUE_FMT = f"({_KEY_FMT})?"
_DNS_FMT = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_KEY_RE, _VALUE_RE, _DNS_RE = re.compile(_KEY_FMT), re.compile(_VALUE_FMT), re.compile(_DNS_FMT)
_ALNUM = "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric"


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    # Go appends "'x', " per example and joins them with " or ", hence the doubled spaces.
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


_KEY_ERR = _regex_error(
    f"must consist of {_ALNUM} character", _KEY_FMT, "MyName", "my.name", "123-abc"
)
_VALUE_ERR = _regex_error(
    f"a valid label must be an empty string or consist of {_ALNUM} character",
    _VALUE_FMT,
    "MyValue",
    "my_value",
    "12345",
)
_DNS_ERR = _regex_error(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or"
    " '.', and must start and end with an alphanumeric character",
    _DNS_FMT,
    "example.com",
)


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))  # Go's limits count bytes


def _label_key_errors(key: str) -> list[str]:
    parts = key.split("/")
    if len(parts) > 2:
        return [
            f"a valid label key {_KEY_ERR} with an optional DNS subdomain prefix and '/'"
            " (e.g. 'example.com/MyName')"
        ]
    errs = []
    if len(parts) == 2:
        if not parts[0]:
            errs.append("prefix part must be non-empty")
        else:
            if _nbytes(parts[0]) > 253:
                errs.append("prefix part must be no more than 253 bytes")
            if not _DNS_RE.fullmatch(parts[0]):
                errs.append("prefix part " + _DNS_ERR)
    name = parts[-1]
    if not name:
        errs.append("name part must be non-empty")
    elif _nbytes(name) > 63:
        errs.append("name part must be no more than 63 bytes")
    if not _KEY_RE.fullmatch(name):
        errs.append("name part " + _KEY_ERR)
    return errs


def _label_value_errors(value: str) -> list[str]:
    errs = ["must be no more than 63 bytes"] if _nbytes(value) > 63 else []
    return errs if _VALUE_RE.fullmatch(value) else [*errs, _VALUE_ERR]


_GO_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": r"\\",
    '"': r"\"",
}


def _go_quote(text: str) -> str:
    """Go's %q, which field.Invalid uses to show a bad string."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(
                f"\\x{code:02x}"
                if code < 0x80
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
    return '"' + "".join(out) + '"'


def _invalid(path: str, value: str | list[str], detail: str) -> str:
    if isinstance(value, str):
        shown = _go_quote(value)
    else:  # encoding/json of a []string: an empty one is nil here, and <>& are escaped
        shown = json.dumps(value or None, ensure_ascii=False, separators=(",", ":"))
        shown = shown.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"{path}: Invalid value: {shown}: {detail}"


def _aggregate(errs: list[str]) -> str:
    unique = list(dict.fromkeys(errs))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _parse_int64(text: object) -> int | None:
    """strconv.ParseInt(text, 10, 64): optional sign, ASCII digits only, in int64 range."""
    if type(text) is not str:
        return None
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None


# --- label selectors ---------------------------------------------------------------------------


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


def _requirement(key: str, op: str, values: list[str]) -> Requirement:
    """labels.NewRequirement, for the operator and value shapes our callers can produce."""
    errs = []
    if key_errs := _label_key_errors(key):
        errs.append(_invalid("key", key, "; ".join(key_errs)))
    if op in ("in", "notin") and not values:
        errs.append(
            _invalid("values", values, "for 'in', 'notin' operators, values set can't be empty")
        )
    elif op in ("exists", "!") and values:
        errs.append(
            _invalid("values", values, "values set must be empty for exists and does not exist")
        )
    elif op in ("gt", "lt"):
        errs += [
            _invalid(f"values[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer")
            for i, v in enumerate(values)
            if _parse_int64(v) is None
        ]
    for i, value in enumerate(values):
        if value_errs := _label_value_errors(value):
            errs.append(_invalid(f"values[{i}][{key}]", value, "; ".join(value_errs)))
    if errs:
        raise SelectorError(_aggregate(errs))
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
                have = _parse_int64(labels.get(key))
                if have is None or (have <= number if code == _GT else have >= number):
                    return False
        return True

    def __str__(self) -> str:
        return ",".join(map(str, self.requirements))

    def __repr__(self) -> str:
        return "LabelSelector(<nothing>)" if self._nothing else f"LabelSelector({str(self)!r})"


_ID, _EOS = "<identifier>", "<end>"  # token kinds; every other token is its own literal
_SPECIAL = frozenset("=!(),><")
_SPACE = frozenset(" \t\r\n")
_WORD_END = _SPECIAL | _SPACE | {"\x00"}
_BINARY_OPS = {"in": "in", "notin": "notin", "=": "=", "==": "==", "!=": "!=", ">": "gt", "<": "lt"}


def _lex(text: str) -> list[tuple[str, str]]:
    """The Go Lexer's tokens, ending with _EOS.

    Go's read() returns 0 both past the end and for a NUL byte, so a NUL ends a word (and is
    swallowed right after a token), and a NUL where a token should start ends the input.
    """
    items: list[tuple[str, str]] = []
    pos, size = 0, len(text)
    while True:
        while pos < size and text[pos] in _SPACE:
            pos += 1
        if pos == size or text[pos] == "\x00":
            return [*items, (_EOS, "")]
        if text[pos] in _SPECIAL:
            lit = text[pos : pos + 2] if text[pos : pos + 2] in ("!=", "==") else text[pos]
            kind = lit
        else:
            end = pos
            while end < size and text[end] not in _WORD_END:
                end += 1
            lit = text[pos:end]
            kind = lit if lit in ("in", "notin") else _ID
        pos += len(lit)
        if pos < size and text[pos] == "\x00":
            pos += 1
        items.append((kind, lit))


class _Parser:
    """labels.Parser; where a value is expected, 'in' and 'notin' are plain identifiers."""

    def __init__(self, text: str) -> None:
        self.items, self.pos = _lex(text), 0

    def peek(self, as_value: bool = True) -> tuple[str, str]:
        kind, lit = self.items[self.pos]
        return (_ID if as_value and kind in ("in", "notin") else kind), lit

    def take(self, as_value: bool = True) -> tuple[str, str]:
        self.pos += 1
        kind, lit = self.items[self.pos - 1]
        return (_ID if as_value and kind in ("in", "notin") else kind), lit

    def parse(self) -> list[Requirement]:
        found: list[Requirement] = []
        kind, lit = self.peek()
        while kind != _EOS:
            if kind not in (_ID, "!"):
                raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                found.append(self.requirement())
            except SelectorError as err:
                raise SelectorError(f"unable to parse requirement: {err}") from None
            kind, lit = self.take()
            if kind == _EOS:
                break
            if kind != ",":
                raise SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            kind, lit = self.peek()
            if kind not in (_ID, "!"):
                raise SelectorError(f"found '{lit}', expected: identifier after ','")
        return found

    def requirement(self) -> Requirement:
        kind, key = self.take()
        op = "!" if kind == "!" else ""
        if op:
            kind, key = self.take()
        if kind != _ID:
            raise SelectorError(f"found '{key}', expected: identifier")
        if key_errs := _label_key_errors(key):  # Go prints this error's nil field path as <nil>
            raise SelectorError(_invalid("<nil>", key, "; ".join(key_errs)))
        if not op and self.peek()[0] in (_EOS, ","):
            op = "exists"
        if op:
            return _requirement(key, op, [])
        kind, lit = self.take(as_value=False)
        if kind not in _BINARY_OPS:
            raise SelectorError(f"found '{lit}', expected: in, notin, =, ==, !=, gt, lt")
        op = _BINARY_OPS[kind]
        return _requirement(
            key, op, sorted(self.value_set() if op in ("in", "notin") else self.exact_value())
        )

    def value_set(self) -> set[str]:
        kind, lit = self.take()
        if kind != "(":
            raise SelectorError(f"found '{lit}' expected: '('")
        kind, lit = self.peek()
        if kind == ")":
            self.take()
            return {""}
        if kind not in (_ID, ","):
            raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")
        values: set[str] = set()
        while True:  # an empty entry, as in "(,a)" or "(a,,b)", is the empty value
            kind, lit = self.take()
            if kind not in (_ID, ","):
                raise SelectorError(f"found '{lit}', expected: ',', or identifier")
            after, after_lit = self.peek()
            if kind == _ID:
                values.add(lit)
                if after not in (",", ")"):
                    raise SelectorError(f"found '{after_lit}', expected: ',' or ')'")
            elif not values or after in (",", ")"):
                values.add("")
            if after == ")":
                self.take()
                return values

    def exact_value(self) -> list[str]:
        if self.peek()[0] in (_EOS, ","):
            return [""]
        kind, lit = self.take()
        if kind != _ID:
            raise SelectorError(f"found '{lit}', expected: identifier")
        return [lit]


def parse_label_selector(text: str) -> LabelSelector:
    """labels.Parse, as for the ``labelSelector`` query parameter; "" selects everything."""
    return LabelSelector(sorted(_Parser(text).parse(), key=lambda r: r.key))


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
        _requirement(_spec_str(k, "matchLabels key"), "=", [_spec_str(v, "matchLabels value")])
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
            raise SelectorError(f"{_go_quote(operator)} is not a valid label selector operator")
        found.append(
            _requirement(
                _spec_str(expr.get("key"), "key"),
                _SPEC_OPERATORS[operator],
                [_spec_str(v, "values entry") for v in values],
            )
        )
    return LabelSelector(sorted(found, key=lambda r: r.key))


# --- field selectors ---------------------------------------------------------------------------


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
