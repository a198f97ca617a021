"""What the action tests share: a connection, kubectl and a session journal on the module's
own `sim` fixture (each module runs the scenario of the seed it proves)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.sim.conftest import Kubectl
from warroom.journal.journal import Journal, open_journal
from warroom.kube import Connection, connect
from warroom.sim.cluster import CONTEXT, SimCluster


@pytest.fixture
async def conn(sim: SimCluster) -> AsyncIterator[Connection]:
    async with await connect(sim.kubeconfig, CONTEXT) as connection:
        yield connection


@pytest.fixture
def kubectl(sim: SimCluster, tmp_path: Path) -> Kubectl:
    return Kubectl(require_tool("kubectl"), sim.kubeconfig, tmp_path / "kube-cache")


@pytest.fixture
def journal(sim: SimCluster, tmp_path: Path) -> Journal:
    return open_journal(tmp_path / "session.jsonl", "ana", clock=sim.clock.now)
