"""What a bad selector answers: SelectorError, with label keys and values validated and the
failures worded as apimachinery words them (pkg/util/validation, util/validation/field), since
clients show the 400's message as it comes."""

from __future__ import annotations

import json
import re


class SelectorError(ValueError):
    """A selector the apiserver rejects; the message is the one its 400 Status carries."""


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


def label_key_errors(key: str) -> list[str]:
    """validation.IsQualifiedName's complaints about a label key; empty when it is valid."""
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


def label_value_errors(value: str) -> list[str]:
    """validation.IsValidLabelValue's complaints about a label value; empty when valid."""
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


def go_quote(text: str) -> str:
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


def invalid_value(path: str, value: str | list[str], detail: str) -> str:
    """field.Invalid(path, value, detail).Error()."""
    if isinstance(value, str):
        shown = go_quote(value)
    else:  # encoding/json of a []string: an empty one is nil here, and <>& are escaped
        shown = json.dumps(value or None, ensure_ascii=False, separators=(",", ":"))
        shown = shown.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"{path}: Invalid value: {shown}: {detail}"


def aggregate(errs: list[str]) -> str:
    """utilerrors.NewAggregate(errs).Error(): one message, or several in brackets."""
    unique = list(dict.fromkeys(errs))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def parse_int64(text: object) -> int | None:
    """strconv.ParseInt(text, 10, 64): optional sign, ASCII digits only, in int64 range."""
    if type(text) is not str:
        return None
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None
