"""The sim asks who is calling, as a real API server does, and kubectl hears it in its words.

The expected outputs are kubectl's and kube-apiserver's own: `You must be logged in to the
server (Unauthorized)` for a 401, RBAC's `User "…" cannot VERB resource "…"` for a 403, a bare
`no` from `auth can-i`, and `auth whoami`'s table.
"""

from __future__ import annotations

import asyncio
import stat
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from tests.conftest import require_tool
from warroom.sim.cluster import SimCluster

NS = "bizra-prod"


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("bizra-inference-10k", manual_clock=True) as cluster:
        yield cluster


async def kubectl(sim: SimCluster, *args: str, kubeconfig: Path | None = None) -> tuple[int, str]:
    binary = require_tool("kubectl")
    config = str(kubeconfig or sim.kubeconfig)
    ran = await asyncio.to_thread(
        subprocess.run,
        [binary, "--kubeconfig", config, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return ran.returncode, (ran.stdout + ran.stderr).strip()


async def test_both_contexts_through_kubectl(sim: SimCluster) -> None:
    code, out = await kubectl(sim, "get", "deployments", "-n", NS)
    assert code == 0 and "bizra-inference" in out
    code, out = await kubectl(sim, "--context", "warroom-sim-viewer", "get", "pods", "-n", NS)
    assert code == 0 and "bizra-inference" in out
    assert await kubectl(sim, "--context", "warroom-sim-viewer", "auth", "can-i", "patch",
                         "deployments", "-n", NS) == (1, "no")  # fmt: skip
    assert await kubectl(sim, "auth", "can-i", "patch", "deployments", "-n", NS) == (0, "yes")
    code, out = await kubectl(sim, "--context", "warroom-sim-viewer", "scale",
                              "deployment/bizra-inference", "--replicas=9", "-n", NS)  # fmt: skip
    assert code == 1
    assert out == (
        'Error from server (Forbidden): deployments.apps "bizra-inference" is forbidden: User '
        '"warroom-sim-viewer" cannot patch resource "deployments/scale" in API group "apps" in '
        'the namespace "bizra-prod"'
    )
    deployment = sim.store.get(("apps", "deployments"), NS, "bizra-inference")
    assert deployment is not None and deployment["spec"]["replicas"] != 9
    code, out = await kubectl(sim, "--context", "warroom-sim-viewer", "auth", "whoami")
    assert code == 0 and "warroom-sim-viewer" in out and "warroom:viewers" in out


async def test_an_unknown_token_is_401_in_kubectls_words(
    sim: SimCluster, tmp_path: Path
) -> None:
    doc = yaml.safe_load(sim.kubeconfig_text())
    for user in doc["users"]:  # (with no credential at all kubectl would prompt for a password)
        user["user"] = {"token": "not-one-the-sim-made"}
    bare = tmp_path / "kubeconfig"
    bare.write_text(yaml.safe_dump(doc), encoding="utf-8")
    code, out = await kubectl(sim, "get", "pods", kubeconfig=bare)
    assert code == 1
    assert "the server has asked for the client to provide credentials" in out, out


async def test_the_control_api_is_the_operators(sim: SimCluster) -> None:
    async with (
        sim.session("warroom-sim-viewer") as viewer,
        viewer.post(f"{sim.url}/_sim/faults/prometheus", json={"down": True}) as answer,
    ):
        assert answer.status == 403
        assert "control API is the operator's" in (await answer.json())["message"]
    assert not sim.metrics_down
    async with (
        aiohttp.ClientSession() as nobody,
        nobody.post(f"{sim.url}/_sim/faults/prometheus", json={"down": True},
                    ssl=sim.ssl_context()) as answer,  # fmt: skip
    ):
        assert answer.status == 401
    async with (
        sim.session() as operator,
        operator.post(f"{sim.url}/_sim/faults/prometheus", json={"down": True}) as answer,
    ):
        assert answer.status == 200
    assert sim.metrics_down


async def test_a_deny_rule_can_name_its_users(sim: SimCluster) -> None:
    sim.deny({"verbs": ["delete"], "resources": ["pods"], "users": ["warroom-sim"]})
    code, out = await kubectl(sim, "auth", "can-i", "delete", "pods", "-n", NS)
    assert (code, out) == (1, "no")
    code, out = await kubectl(sim, "auth", "can-i", "list", "pods", "-n", NS)
    assert (code, out) == (0, "yes")


def test_the_kubeconfig_and_tokens_are_the_owners_alone(sim: SimCluster) -> None:
    files = [sim.kubeconfig, sim.token_file("warroom-sim"), sim.token_file("warroom-sim-viewer")]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert sim.tokens["warroom-sim"] not in sim.kubeconfig.read_text(encoding="utf-8")


async def test_an_expired_token_is_401(sim: SimCluster) -> None:
    token, _ = sim.authority.mint_token("old", ["system:masters"], ttl=-1)
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http,
        http.get(f"{sim.url}/api/v1/namespaces", ssl=sim.ssl_context()) as answer,
    ):
        assert answer.status == 401
        assert (await answer.json())["reason"] == "Unauthorized"
