"""A simulated go-live for the checklist's live tests: the sim over HTTP, its Prometheus, a
room on it and the real kubectl to drive it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.sim.conftest import Kubectl, kubectl_binary  # noqa: F401 - fixtures reused here
from warroom.layout import Layout, parse_layout
from warroom.live.room import Room, open_room
from warroom.sim.cluster import SimCluster

NS = "bizra-prod"
SPEED = 10.0
LAYOUT = """
name: live checklist
cluster: {namespaces: [bizra-prod]}
prometheus: {interval: 1s, range: 5m}
targets: [{name: bizra-inference, container: inference-server}]
signals:
  rps:
    query: sum(rate(http_requests_total{namespace="bizra-prod"}[30s]))
    unit: rps
  p95:
    query: >-
      histogram_quantile(0.95, sum by (le) (
        rate(http_request_duration_seconds_bucket{namespace="bizra-prod"}[30s])))
    unit: s
    slo: {max: 1.0}
  ihsan:
    query: >-
      sum(rate(ihsan_checks_total{namespace="bizra-prod", result="pass"}[30s]))
      / sum(rate(ihsan_checks_total{namespace="bizra-prod"}[30s]))
    unit: ratio
phases:
  - id: go
    title: Go
    items:
      - {id: rolled, title: Rolled out, rollout: {target: bizra-inference}}
      - {id: traffic, title: Traffic, promql: {signal: rps, op: ">", value: 0, for: 1m}}
      - {id: soak, title: p95 within its SLO for 2 minutes, soak: {signals: [p95], for: 2m}}
      - {id: runbook, title: Runbook written}
triggers:
  slow: {title: p95 over 1s, signal: p95, op: ">", value: 1.0}
  ihsan_low: {title: احسان pass rate under 50%, signal: ihsan, op: "<", value: 0.5}
"""


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("bizra-inference-10k", speed=SPEED, scrape_interval=0.5) as cluster:
        cluster.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # hold the replica count
        cluster.set_users(f"{NS}/bizra-inference", 600)
        yield cluster


def live_layout(prometheus: str) -> Layout:
    return parse_layout(LAYOUT).with_overrides(context="warroom-sim", prometheus=prometheus)


@pytest.fixture
async def room(sim: SimCluster) -> AsyncIterator[Room]:
    layout = live_layout(sim.prometheus_url)
    async with open_room(layout, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as live:
        await live.sources.wait_synced(20)
        yield live


@pytest.fixture
def kubectl(kubectl_binary: str, sim: SimCluster, tmp_path: Path) -> Kubectl:  # noqa: F811
    return Kubectl(kubectl_binary, sim.kubeconfig, tmp_path / "kube-cache")
