"""PromQL syntax check at load time, with promql_parser, so a typo fails before go-live."""

from __future__ import annotations

import re

import promql_parser

# The Rust parser recurses per nesting level and per operator, and past a few thousand levels
# it overflows the C stack and kills the process (no `except` can catch that). Layouts are
# read from files people edit, so refuse absurdly long queries before parsing them.
MAX_TOKENS = 2000
_TOKEN_RE = re.compile(
    r'"(?:[^"\\]|\\.)*"?|\'(?:[^\'\\]|\\.)*\'?|`[^`]*`?|#[^\n]*|[A-Za-z0-9_:.]+|\s+|.', re.S
)


def _count_tokens(query: str) -> int:
    return sum(1 for m in _TOKEN_RE.finditer(query) if not m.group().isspace())


def _parse(query: str) -> object:
    try:
        return promql_parser.parse(query)
    except Exception as err:
        raise ValueError(f"parse error: {err}; fix the query") from None
    except BaseException as err:
        # pyo3 turns a Rust panic into PanicException, a BaseException; it is still just a
        # query the parser could not read.
        if type(err).__name__ != "PanicException":
            raise
        raise ValueError(f"parse error: {err}; fix the query") from None


def check_query(query: str) -> str:
    """The query stripped, or ValueError with the parser's message and what to do."""
    query = query.strip()
    if not query:
        raise ValueError("is empty; write a PromQL query")
    if _count_tokens(query) > MAX_TOKENS:
        raise ValueError(f"is longer than {MAX_TOKENS} tokens; shorten the query")
    node = _parse(query)
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    # A signal is polled as an instant query and graphed as a range query: both need an
    # instant vector or a scalar.
    if isinstance(node, promql_parser.MatrixSelector | promql_parser.SubqueryExpr):
        raise ValueError(
            "returns a range vector, which cannot be graphed; wrap it in a function "
            "such as rate(...) or avg_over_time(...)"
        )
    if isinstance(node, promql_parser.StringLiteral):
        raise ValueError("returns a string, which cannot be graphed; write a query for a number")
    return query
