"""Credentials out of everything the journal writes: a session file is shared and kept, so
a token pasted into a note or carried in a command's evidence must not reach it."""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
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
    """`text` with every credential in it replaced by "<redacted>": the values registered
    with `register_secret`, then whatever has a credential's shape."""
    known = _known
    if known is not None:
        text = known.sub(REDACTED, text)
    if not _MAYBE.search(text):
        return text
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _secret_key(key: str) -> bool:
    norm = key.lower().replace("-", "").replace("_", "")
    return norm in SECRET_KEYS or norm.endswith(SECRET_ENDINGS)


# Known secrets: the values of the credentials this process uses (the connection's token, each
# token an exec plugin hands out, the client key and certificate), in every form registered,
# replaced wherever they appear, whatever their shape. Process-wide: the journal, the
# screen's evidence and the log lines all read it.
MIN_SECRET = 8  # shorter values are not registered: they would redact ordinary words
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_lock = threading.Lock()
_secrets: set[str] = set()
_known: re.Pattern[str] | None = None


def register_secret(value: str | bytes | None) -> None:
    """Redact `value` from now on, with its base64 forms and, for base64 data (a kubeconfig's
    client-key-data), what it decodes to; for PEM, each line of its body too."""
    if value is None:
        return
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    forms = set(_forms(text.strip()))
    decoded = _decoded(text.strip())
    if decoded is not None:
        forms.update(_forms(decoded.strip()))
    _add(forms)


def register_secrets(values: Iterable[str | bytes | None]) -> None:
    for value in values:
        register_secret(value)


def known_secrets() -> frozenset[str]:
    """Every form of every registered secret (for tests and diagnostics: never print it)."""
    return frozenset(_secrets)


def forget_secrets() -> None:
    """Drop every registered secret (a process that ends its session, and tests)."""
    global _known
    with _lock:
        _secrets.clear()
        _known = None


def _forms(text: str) -> Iterable[str]:
    if text.lower().startswith(("bearer ", "basic ")):
        text = text.split(None, 1)[1].strip() if " " in text else text
    if len(text) < MIN_SECRET:
        return
    yield text
    raw = text.encode()
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        yield encoded.decode()
        yield encoded.decode().rstrip("=")
    for match in _PEM.finditer(text):
        body = match.group(2).strip()
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        yield "".join(lines)
        yield from (line for line in lines if len(line) >= MIN_SECRET * 2)


def _decoded(text: str) -> str | None:
    """`text` decoded from base64 when it is base64 of UTF-8 text, else None."""
    if len(text) < MIN_SECRET or not re.fullmatch(r"[A-Za-z0-9+/_-]+=*", text):
        return None
    try:
        padded = text + "=" * (-len(text) % 4)
        urlsafe = "-" in text or "_" in text
        raw = base64.b64decode(padded, altchars=b"-_" if urlsafe else None, validate=True)
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded.isprintable() or "-----BEGIN" in decoded else None


def _add(forms: set[str]) -> None:
    global _known
    forms = {f for f in forms if len(f) >= MIN_SECRET}
    with _lock:
        if forms <= _secrets:
            return
        _secrets.update(forms)
        # Longest first, so a whole PEM goes before one of its lines.
        ordered = sorted(_secrets, key=len, reverse=True)
        _known = re.compile("|".join(re.escape(s) for s in ordered))


class RedactingFilter(logging.Filter):
    """Redacts a log record's message (arguments merged in) and its traceback, so no
    credential reaches a log line; attached to handlers, it sees every record they write."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def redact_logging(logger: logging.Logger | None = None) -> None:
    """Put a RedactingFilter on every handler of `logger` (the root logger by default) and on
    the last-resort handler (stderr, when none is configured): called wherever warroom
    configures logging, and again after. Idempotent."""
    handlers = list((logger or logging.getLogger()).handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def log_to_file(path: str | os.PathLike[str], level: int = logging.WARNING) -> None:
    """Send the process's log to `path` (replacing any handler), credentials redacted."""
    logging.basicConfig(filename=path, level=level, force=True)
    redact_logging()
