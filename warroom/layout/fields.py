"""Checked text fields of the layout: Kubernetes names, label names, signal ids, URLs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field

# Kubernetes' own rules (apimachinery validation): a DNS-1123 label for namespaces and
# containers, a DNS-1123 subdomain for object names.
_DNS_LABEL_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_SIGNAL_ID_RE = re.compile(r"[a-z][a-z0-9_]*")
_HOST_RE = re.compile(r"[^\s/@]+")

# Words that read wrong when only capitalised ("Gpu util").
_ACRONYMS = {"api", "cpu", "gpu", "hpa", "http", "id", "pdb", "rps", "slo", "ssh", "url", "xid"}


def describe(value: object) -> str:
    """How a YAML reader would name a value: `true`, `the number 5`, `a list`, `'abc'`."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__} value"


def _text(value: object) -> object:
    # YAML reads `name: 2024` or `name: yes` as a number or a boolean; say so rather than
    # pydantic's generic "valid string".
    if isinstance(value, bool | int | float):
        raise ValueError(f"expected text, got {describe(value)}; put it in quotes")
    return value


def _optional_text(value: object) -> object:
    return "" if value is None else _text(value)


def _number(value: object) -> object:
    # pydantic would take "1.5" or true as a number; a layout should say what it means.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {describe(value)}")
    return value


def _whole_number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {describe(value)}")
    return value


def _non_empty(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("is empty; give it a value or remove the key")
    return value


def _matching(pattern: re.Pattern[str], what: str, limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) > limit or pattern.fullmatch(value) is None:
            raise ValueError(f"{value!r} is not a valid {what}")
        return value

    return check


def _kube_name(kind: str, pattern: re.Pattern[str], limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) > limit or pattern.fullmatch(value) is None:
            raise ValueError(
                f"{value!r} is not a valid {kind}; Kubernetes names use lowercase letters, "
                f"digits and '-' (at most {limit} characters)"
            )
        return value

    return check


check_namespace = _kube_name("namespace name", _DNS_LABEL_RE, 63)


def check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    # Clients append API paths (`/api/v1/query`); a trailing slash would double up.
    return value.rstrip("/")


def title_from_id(signal_id: str) -> str:
    """`p95_latency` → `P95 latency`, `gpu_util` → `GPU util`: the default signal title."""
    words = [w.upper() if w in _ACRONYMS else w for w in signal_id.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


Text = Annotated[str, BeforeValidator(_text), AfterValidator(_non_empty)]
#: Free text that may be left out or empty (a description).
OptionalText = Annotated[str, BeforeValidator(_optional_text)]
Namespace = Annotated[Text, AfterValidator(check_namespace)]
ContainerName = Annotated[Text, AfterValidator(_kube_name("container name", _DNS_LABEL_RE, 63))]
ObjectName = Annotated[Text, AfterValidator(_kube_name("object name", _DNS_SUBDOMAIN_RE, 253))]
LabelName = Annotated[
    Text, AfterValidator(_matching(_LABEL_NAME_RE, "Prometheus label name", 1024))
]
HostName = Annotated[Text, AfterValidator(_matching(_HOST_RE, "host name", 253))]
HttpUrl = Annotated[Text, AfterValidator(check_http_url)]
#: Any finite number; YAML's .inf and .nan are refused.
Number = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


def _signal_id(value: str) -> str:
    if _SIGNAL_ID_RE.fullmatch(value) is None:
        raise ValueError(
            f"{value!r} is not a signal id; use lowercase letters, digits and '_', "
            "starting with a letter, like p95_latency"
        )
    return value


SignalId = Annotated[str, BeforeValidator(_text), AfterValidator(_signal_id)]
