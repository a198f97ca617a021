"""The one exception type for Kubernetes access, and the API server's refusals in plain words.

Every failure a user can cause (a bad kubeconfig, an unreachable server, missing RBAC) ends
as a `KubeError` whose text is one sentence saying what happened and what to do.
"""

from __future__ import annotations

from typing import Any

import orjson

# Reason phrases as the API server's Status objects name them, for messages.
PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# A Retry-After beyond this is a misconfigured server; waiting longer would look like a hang.
MAX_RETRY_AFTER = 300.0


class KubeError(Exception):
    """A failure of Kubernetes access, worded as one sentence for the user."""


class ApiError(KubeError):
    """The API server answered with a failure `Status` (or an HTTP error without one)."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        reason: str = "",
        retry_after: float | None = None,
        sentence: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(sentence or f"{phrase(code)}: {message}")

    @property
    def expired(self) -> bool:
        """410 Gone / Expired: the resourceVersion or continue token is no longer served."""
        return self.code == 410 or self.reason in ("Expired", "Gone")

    @property
    def throttled(self) -> bool:
        return self.code == 429

    @property
    def transient(self) -> bool:
        """Worth retrying unchanged: throttling, server-side trouble, a request timeout."""
        return self.code in (408, 429) or self.code >= 500


def phrase(code: int) -> str:
    return f"{code} {PHRASES.get(code, 'Error')}"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header; None for absent or HTTP-date forms (rare here)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def from_status(status: dict[str, Any], retry_after: float | None = None) -> ApiError:
    """An ApiError from a `Status` object (a response body or a watch ERROR event)."""
    code = status.get("code")
    details = status.get("details") or {}
    if retry_after is None and isinstance(details, dict):
        seconds = details.get("retryAfterSeconds")
        if isinstance(seconds, int | float) and seconds > 0:
            retry_after = min(float(seconds), MAX_RETRY_AFTER)
    return ApiError(
        int(code) if isinstance(code, int) else 500,
        str(status.get("message") or "").strip() or "no message",
        reason=str(status.get("reason") or ""),
        retry_after=retry_after,
    )


def from_response(code: int, body: bytes, retry_after: str | None) -> ApiError:
    """An ApiError from a non-2xx answer, whether or not its body is a `Status`."""
    seconds = parse_retry_after(retry_after)
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        error = from_status(parsed, seconds)
        if error.code != code:  # the HTTP status is what the server really did
            error = ApiError(code, error.message, reason=error.reason, retry_after=seconds)
        return error
    text = body[:200].decode("utf-8", "replace").strip().splitlines()
    return ApiError(code, text[0] if text else "no message", retry_after=seconds)
