"""Fixtures for the metrics tests: a simulated cluster with its built-in Prometheus."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from warroom.sim.cluster import SimCluster

NS = "bizra-prod"
SERVICE = f"{NS}/bizra-inference"


async def eventually(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait until `predicate()` holds, failing with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not so within {timeout:g} s")
        await asyncio.sleep(0.02)


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("gpu-inference", speed=10, scrape_interval=0.5) as cluster:
        cluster.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # hold the replica count
        yield cluster
