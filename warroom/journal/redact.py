"""Credentials out of everything the journal writes: a session file is shared and kept, so
a token pasted into a note or carried in a command's evidence must not reach it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

REDACTED = "<redacted>"

# Keys whose value is a credential, compared lower-cased with '-' and '_' removed: exact
# names, and endings (db_password, authToken, client_secret, x-api-key, ...).
SECRET_KEYS = frozenset(
    (
        "authorization",
        "proxyauthorization",
        "auth",
        "cookie",
        "setcookie",
        "clientkeydata",
        "clientcertificatedata",
        "tokenfile",
        "credentials",
    )
)
SECRET_ENDINGS = ("token", "password", "passwd", "secret", "apikey", "privatekey", "keydata")

_WORDS = (
    r"(?:password|passwd|secret|token|api[-_]?key|private[-_]?key|client-key-data"
    r"|client-certificate-data)"
)
_VALUE = r"""(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s"',;&}\]]+)"""


def _keep_key(match: re.Match[str]) -> str:
    return match.group(1) + _quoted(match.group(2))


def _quoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[0] + REDACTED + value[0]
    return REDACTED


PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # A PEM private key block (RSA, EC, OPENSSH, ENCRYPTED, ...), also when cut off.
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        REDACTED,
    ),
    # Authorization / Cookie header values: the scheme stays, what follows it goes.
    (
        re.compile(
            r"(?i)(\b(?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*[\"']?)"
            r"((?:(?:bearer|basic|digest|negotiate|token|apikey)[ \t]+)?+)(?!<redacted>)[^\s\"',;]+"
        ),
        r"\1\2" + REDACTED,
    ),
    (re.compile(r"(?i)(\b(?:set-)?cookie[ \t]*:[ \t]*)[^\"'\r\n]+"), r"\1" + REDACTED),
    # `Bearer xxx` anywhere else (but not the words "bearer token" in prose).
    (
        re.compile(
            r"(?i)\b(bearer[ \t]+)(?!<redacted>)(?!(?:tokens?|auth\w*|credentials?)\b)"
            r"[A-Za-z0-9\-._~+/]+=*"
        ),
        r"\1" + REDACTED,
    ),
    # https://user:pass@host → https://user:<redacted>@host
    (
        re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]+):(?!<redacted>@)[^/\s@]+@"),
        r"\1:" + REDACTED + "@",
    ),
    # --token=x, --token x, --password 'x', --client-secret=x on a command line.
    (
        re.compile(
            r"(?i)(--(?:[a-z0-9]+-)*" + _WORDS + r"(?:=|[ \t]+))(?!<redacted>)(?!-)" + _VALUE
        ),
        r"\1" + REDACTED,
    ),
    # key: value / key=value in text (YAML, JSON, env, query strings): token: x,
    # "password": "x", DB_PASSWORD=x, ?access_token=x, client-key-data: LS0t...
    (
        re.compile(
            r"(?i)((?<![\w-])[\"']?[\w.-]*?" + _WORDS + r"[\"']?[ \t]*[:=][ \t]*)"
            r"(?!<redacted>)(?![\"']<redacted>)(?!(?:bearer|basic)[ \t])" + r"(" + _VALUE + r")"
        ),
        _keep_key,
    ),
    # A JWT (header.payload.signature, the header base64url JSON: "eyJ").
    (
        re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
        REDACTED,
    ),
    # Tokens with a well-known shape: GitHub, GitLab, Slack.
    (
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}"
            r"|xox[abprs]-[A-Za-z0-9-]{10,})"
        ),
        REDACTED,
    ),
)
# Cheap gate: a string with none of these cannot match any pattern above.
_MAYBE = re.compile(
    r"(?i)private key|authorization|cookie|bearer|://|--|token|passw|secret|api[-_]?key|"
    r"key-data|certificate-data|eyJ|gh[pousr]_|github_pat_|glpat-|xox"
)


def redact(value: Any) -> Any:
    """A deep copy of `value` (JSON-shaped: mappings, lists, tuples, strings, numbers, None)
    with every credential replaced by "<redacted>". Raises TypeError for other values, so
    nothing unredacted reaches the encoder."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and item is not None and _secret_key(key):
                if isinstance(item, Mapping | list | tuple):
                    out[key] = redact(item)
                else:
                    out[key] = REDACTED if item != "" else item
            else:
                out[key] = redact(item)
        return out
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if value is None or isinstance(value, int | float):
        return value
    raise TypeError(f"a journal payload holds only JSON values, not {type(value).__name__}")


def redact_text(text: str) -> str:
    """`text` with every credential in it replaced by "<redacted>"."""
    if not _MAYBE.search(text):
        return text
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _secret_key(key: str) -> bool:
    norm = key.lower().replace("-", "").replace("_", "")
    return norm in SECRET_KEYS or norm.endswith(SECRET_ENDINGS)
