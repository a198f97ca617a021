"""Fixtures for the metrics tests: a simulated cluster with its built-in Prometheus."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from warroom.sim.cluster import SimCluster

NS = "bizra-prod"
SERVICE = f"{NS}/bizra-inference"


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("bizra-inference-10k", speed=10, scrape_interval=0.5) as cluster:
        cluster.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # hold the replica count
        yield cluster
