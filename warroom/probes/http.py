"""An HTTP check (httpx, async): ask an endpoint once, then judge the answer.

`http_probe` never raises for the network: what went wrong is `HttpResult.error`, one sentence
naming the URL and what to do. `judge_http` fails an endpoint that did not answer (refused,
timed out, unresolvable, TLS refused): the endpoint answering is what the check asks. Only a
URL that cannot be asked at all (the check's own mistake) is "unknown".
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

BODY_LIMIT = 64 * 1024

ErrorKind = Literal["refused", "timeout", "dns", "tls", "invalid", "other"]
Verdict = Literal["pass", "fail", "unknown"]
_NOT_JSON = object()


@dataclass(frozen=True, slots=True)
class HttpResult:
    """One request's answer, or why there was none (`error`, `error_kind`)."""

    url: str
    status: int | None = None
    elapsed: float = 0.0
    body: str = ""
    body_cut: bool = False
    json: Any = _NOT_JSON  # the parsed body when it is JSON; see `is_json`
    final_url: str = ""
    error: str | None = None
    error_kind: ErrorKind | None = None

    @property
    def is_json(self) -> bool:
        return self.json is not _NOT_JSON


async def http_probe(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    verify: bool | str = True,
    client: httpx.AsyncClient | None = None,
) -> HttpResult:
    """Send one request, following redirects; `verify` may be a CA bundle's path.

    `timeout` bounds the whole exchange, from connecting to the body's last byte."""
    started = time.monotonic()
    own = client is None
    if client is None:
        client = httpx.AsyncClient(verify=_ssl_context(verify), follow_redirects=True)
    try:
        async with asyncio.timeout(timeout):
            request = client.build_request(method, url, headers=headers, timeout=timeout)
            response = await client.send(request, stream=True, follow_redirects=True)
            try:
                raw, cut = await _read(response)
            finally:
                await response.aclose()
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError, TimeoutError) as err:
        kind, sentence = _explain(err, url, timeout)
        return HttpResult(url, elapsed=time.monotonic() - started, error=sentence, error_kind=kind)
    finally:
        if own:
            await client.aclose()
    elapsed = time.monotonic() - started
    body = raw.decode(response.encoding or "utf-8", "replace")
    parsed = _NOT_JSON if cut else _json(body)
    return HttpResult(url, response.status_code, elapsed, body, cut, parsed, str(response.url))


def answered(url: str, status: int, raw: bytes, elapsed: float) -> HttpResult:
    """A result for an answer read by other means (the API server's service proxy)."""
    cut = len(raw) > BODY_LIMIT
    body = raw[:BODY_LIMIT].decode("utf-8", "replace")
    return HttpResult(url, status, elapsed, body, cut, _NOT_JSON if cut else _json(body), url)


def unanswered(url: str, sentence: str, elapsed: float = 0.0) -> HttpResult:
    """A result for a request that got no answer: `sentence` says why."""
    return HttpResult(url, elapsed=elapsed, error=sentence, error_kind="other")


def _ssl_context(verify: bool | str) -> ssl.SSLContext | bool:
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


async def _read(response: httpx.Response) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > BODY_LIMIT:
            return b"".join(chunks)[:BODY_LIMIT], True
    return b"".join(chunks), False


def _json(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return _NOT_JSON


def _causes(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _explain(err: Exception, url: str, timeout: float) -> tuple[ErrorKind, str]:
    causes = _causes(err)
    try:
        host = httpx.URL(url).host or url
    except httpx.InvalidURL:
        host = url
    if isinstance(err, httpx.TimeoutException | TimeoutError):
        return "timeout", (
            f"{url}: no answer within {timeout:g} s; the service may be overloaded or the "
            "address unreachable from here"
        )
    if any(isinstance(c, ssl.SSLError) for c in causes):
        reason = str(err).split("] ", 1)[-1] or type(err).__name__
        return "tls", (
            f"{url}: TLS failed ({reason}); check the server's certificate, or give the "
            "check a CA bundle (verify)"
        )
    if any(isinstance(c, socket.gaierror) for c in causes):
        return "dns", f"{url}: cannot resolve {host}; check the host name and DNS"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "refused", (
            f"{url}: connection refused; check that the service is running and the port is right"
        )
    if isinstance(err, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "invalid", f"{url}: not a URL warroom can ask ({err}); check the check's url"
    if isinstance(err, httpx.TooManyRedirects):
        return "other", f"{url}: too many redirects; check where the endpoint sends clients"
    return "other", f"{url}: the request failed ({str(err) or type(err).__name__})"


def judge_http(
    result: HttpResult,
    *,
    status: int | Sequence[int] = 200,
    json_subset: Mapping[str, Any] | None = None,
    body_pattern: str | None = None,
    max_latency: float | None = None,
) -> tuple[Verdict, str]:
    """(verdict, reason): status, then the JSON subset, then the body pattern, then latency.

    `json_subset`: every key of the expected mapping present with an equal value, recursively;
    lists must equal the answer's list exactly (no subset semantics inside lists)."""
    if result.error is not None:
        return ("unknown" if result.error_kind == "invalid" else "fail"), _unanswered(result)
    wanted = [status] if isinstance(status, int) else list(status)
    if result.status not in wanted:
        wants = str(wanted[0]) if len(wanted) == 1 else "one of " + ", ".join(map(str, wanted))
        return "fail", f"status {result.status}, wants {wants}"
    if json_subset is not None:
        if not result.is_json:
            return "fail", "the body is not JSON" + (" (cut at 64 KiB)" if result.body_cut else "")
        differs = _subset_diff(result.json, json_subset, "")
        if differs is not None:
            return "fail", differs
    if body_pattern is not None and not re.search(body_pattern, result.body, re.MULTILINE):
        return "fail", f"no line matches {body_pattern!r}"
    if max_latency is not None and result.elapsed > max_latency:
        return "fail", f"took {result.elapsed:.2f} s, wants at most {max_latency:g} s"
    return "pass", f"{result.status} in {result.elapsed:.2f} s"


def _unanswered(result: HttpResult) -> str:
    return {
        "refused": "unreachable (connection refused)",
        "timeout": "timed out",
        "dns": "unreachable (host name does not resolve)",
        "tls": "TLS failed",
    }.get(result.error_kind or "", result.error or "no answer")


def _subset_diff(actual: Any, expected: Any, where: str) -> str | None:
    """A phrase naming the first key whose value differs, or None when `expected` is in."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return f"{where or 'the body'} is {_shown(actual)}, wants an object"
        for key, value in expected.items():
            name = f"{where}.{key}" if where else str(key)
            if key not in actual:
                return f"{name} is missing, wants {_shown(value)}"
            differs = _subset_diff(actual[key], value, name)
            if differs is not None:
                return differs
        return None
    if _same(actual, expected):
        return None
    return f"{where or 'the body'} is {_shown(actual)}, wants {_shown(expected)}"


def _same(a: Any, b: Any) -> bool:
    # JSON's kinds: true is not 1, 1 is 1.0.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if _number(a) and _number(b):
        return bool(a == b)
    return type(a) is type(b) and a == b


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    text = json.dumps(value, separators=(",", ":"))
    return text if len(text) <= 60 else text[:59] + "…"
