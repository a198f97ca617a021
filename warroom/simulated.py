"""The simulated cluster's metrics, as `warroom demo` and `warroom drill` read them: a real
Prometheus scraping the sim when one is installed, else the sim's built-in PromQL subset.
Wiring: it starts processes of the sim's, and imports no screen."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from warroom.sim.cluster import SimCluster
from warroom.sim.prometheus import PrometheusError, PrometheusProcess, find_binary


@contextlib.asynccontextmanager
async def metrics_of(sim: SimCluster, *, real: bool = True) -> AsyncIterator[tuple[str, bool]]:
    """The sim's metrics: a real Prometheus scraping it when one is installed (and `real`),
    else its built-in PromQL subset; the URL, and whether it is the real one."""
    process: PrometheusProcess | None = None
    url = sim.prometheus_url
    if real and find_binary() is not None:
        process = PrometheusProcess(sim.metrics_target)
        try:
            url = await process.start()
        except PrometheusError as exc:
            logging.warning("real Prometheus unavailable, using the built-in one: %s", exc)
            process = None
    try:
        yield url, process is not None
    finally:
        if process is not None:
            await process.stop()


__all__ = ["metrics_of"]
