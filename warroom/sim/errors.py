"""API errors as the real server words them: a `Status` object with a code, reason and message."""

from __future__ import annotations

from typing import Any

REASONS = {
    400: "BadRequest",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


class ApiError(Exception):
    """A failed request; the server answers it with `status()` and `code`."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or REASONS.get(code, "Unknown")
        self.details = details

    def status(self) -> dict[str, Any]:
        return failure_status(self.code, self.message, self.reason, self.details)


def failure_status(
    code: int, message: str, reason: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        status["details"] = details
    return status


def unknown_failure(code: int, message: str) -> dict[str, Any]:
    """ErrorToAPIStatus of an error that is not a Status (a dial error): no reason."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "code": code,
    }


def success_status(code: int = 200, details: dict[str, Any] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": code,
    }
    if details:
        status["details"] = details
    return status


def qualified(plural: str, group: str) -> str:
    """`deployments.apps`, or `pods` for the core group, as messages name a resource."""
    return f"{plural}.{group}" if group else plural


def not_found(plural: str, group: str, name: str) -> ApiError:
    return ApiError(
        404,
        f'{qualified(plural, group)} "{name}" not found',
        details={"name": name, "group": group, "kind": plural},
    )


def already_exists(plural: str, group: str, name: str, *, deleting: bool = False) -> ApiError:
    message = f'{qualified(plural, group)} "{name}" already exists'
    return ApiError(
        409,
        f"object is being deleted: {message}" if deleting else message,
        reason="AlreadyExists",
        details={"name": name, "group": group, "kind": plural},
    )


def generate_name_conflict(plural: str, group: str, name: str, *, deleting: bool) -> ApiError:
    """NewGenerateNameConflict: every name the server drew for generateName was taken.

    `deleting` when the object holding the name is being deleted (the store says so)."""
    message = (
        f'{qualified(plural, group)} "{name}" already exists, the server was not able to '
        "generate a unique name for the object"
    )
    return ApiError(
        409,
        f"object is being deleted: {message}" if deleting else message,
        reason="AlreadyExists",
        details={"name": name, "group": group, "kind": plural, "retryAfterSeconds": 1},
    )


def conflict(plural: str, group: str, name: str) -> ApiError:
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {qualified(plural, group)} "{name}": the object has '
        "been modified; please apply your changes to the latest version and try again",
        details={"name": name, "group": group, "kind": plural},
    )


def invalid(kind: str, name: str, group: str, field: str, problem: str) -> ApiError:
    return ApiError(
        422,
        f'{kind}{"." + group if group else ""} "{name}" is invalid: {field}: {problem}',
        details={
            "name": name,
            "group": group,
            "kind": kind,
            "causes": [{"reason": "FieldValueInvalid", "message": problem, "field": field}],
        },
    )


def expired(message: str) -> ApiError:
    return ApiError(410, message, reason="Expired")
