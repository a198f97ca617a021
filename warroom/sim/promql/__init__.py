"""A built-in subset of PromQL for the sim, used when no real `prometheus` binary is around.

`Engine(store).instant(query, ts)` and `.range(query, start, end, step)` return the `data`
object of Prometheus' HTTP API; anything outside the subset (see docs/promql-subset.md) raises
`QueryError` shaped like Prometheus' own error envelope.
"""

from __future__ import annotations

from warroom.sim.promql.engine import MAX_POINTS, Engine
from warroom.sim.promql.errors import QueryError, QueryParseError
from warroom.sim.promql.parse import SUPPORTED_AGGREGATIONS, SUPPORTED_FUNCTIONS

__all__ = [
    "MAX_POINTS",
    "SUPPORTED_AGGREGATIONS",
    "SUPPORTED_FUNCTIONS",
    "Engine",
    "QueryError",
    "QueryParseError",
]
