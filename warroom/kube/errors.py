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
        causes: tuple[str, ...] = (),
        sentence: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.reason = reason
        self.retry_after = retry_after
        # The Status's details.causes messages: a PDB's "needs 3 healthy pods and has 3".
        self.causes = causes
        super().__init__(sentence or f"{phrase(code)}: {message}")

    def worded(self, sentence: str) -> ApiError:
        """The same refusal, said as `sentence`."""
        return ApiError(
            self.code,
            self.message,
            reason=self.reason,
            retry_after=self.retry_after,
            causes=self.causes,
            sentence=sentence,
        )

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
    causes: tuple[str, ...] = ()
    if isinstance(details, dict):
        seconds = details.get("retryAfterSeconds")
        if retry_after is None and isinstance(seconds, int | float) and seconds > 0:
            retry_after = min(float(seconds), MAX_RETRY_AFTER)
        listed = details.get("causes")
        if isinstance(listed, list):
            causes = tuple(
                str(c["message"]) for c in listed if isinstance(c, dict) and c.get("message")
            )
    return ApiError(
        int(code) if isinstance(code, int) else 500,
        str(status.get("message") or "").strip() or "no message",
        reason=str(status.get("reason") or ""),
        retry_after=retry_after,
        causes=causes,
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
            error = ApiError(
                code,
                error.message,
                reason=error.reason,
                retry_after=seconds,
                causes=error.causes,
            )
        return error
    text = body[:200].decode("utf-8", "replace").strip().splitlines()
    return ApiError(code, text[0] if text else "no message", retry_after=seconds)


def refusal(exc: ApiError, doing: str) -> str:
    """One sentence for a request the server refused: what was refused, the server's own words
    (with the causes it gave, such as a disruption budget's count), and what to do.

    `doing` names the request, e.g. `evict pod bizra-prod/bizra-inference-7f9c`."""
    said = exc.message.rstrip(". ")
    extra = [c for c in exc.causes if c not in said]
    if extra:
        said += f" ({'; '.join(extra)})"
    return f"{doing} refused: {said}; {_advice(exc)}"


def _advice(exc: ApiError) -> str:
    if exc.code == 401:
        return "log in again or renew the credentials of this context"
    if exc.code == 403:
        return "ask a cluster admin for that permission"
    if exc.code == 404:
        return "it is not there (any more): refresh and check the name"
    if exc.code == 409 and exc.reason == "AlreadyExists":
        return "it already exists: use it, or another name"
    if exc.code == 409:
        return "someone changed it first: read it again before retrying"
    if exc.code in (400, 415, 422):
        return "the request is not valid as sent: fix it before trying again"
    if exc.code == 429 and exc.message.startswith("Cannot evict pod"):
        return "wait until the budget allows another disruption, then retry"
    if exc.code == 429 or exc.code >= 500:
        wait = f"in {exc.retry_after:g} s" if exc.retry_after else "shortly"
        return f"the server is busy or failing: retry {wait}"
    return "check the request and the cluster, then retry"
