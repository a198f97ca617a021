"""The one exception the engine raises, shaped like the Prometheus API's error envelope."""

from __future__ import annotations

RUN_REAL_PROMETHEUS = "run a real Prometheus (apt install prometheus) for it"


class QueryError(Exception):
    """A query that cannot be answered: `error_type` is the API's errorType.

    `bad_data` answers HTTP 400, `execution` HTTP 422, exactly as Prometheus does.
    """

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.error_type!r}, {self.message!r})"


class QueryParseError(QueryError):
    """The query text does not parse; the API prefixes these with the parameter name."""

    def __init__(self, message: str) -> None:
        super().__init__("bad_data", message)


def unsupported(what: str) -> QueryError:
    """The error for valid PromQL that lies outside the built-in engine's subset."""
    return QueryError(
        "execution",
        f"{what} not supported by the warroom sim's built-in PromQL engine; {RUN_REAL_PROMETHEUS}",
    )
