"""generateName collisions, held to kube-apiserver's RetryGenerateName (GA in 1.32).

The server draws a new name when the one it drew is taken, up to maxNameGenerationCreateAttempts
= 8 draws (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go), then answers
NewGenerateNameConflict: 409 AlreadyExists, "... already exists, the server was not able to
generate a unique name for the object", retryAfterSeconds 1 (and so a Retry-After header).
The ReplicaSet controller meets that 409 as the real one does: a FailedCreate Warning event
"Error creating: <err>", a ReplicaFailure condition, and a retry after the queue's back-off.
The name generator is injected, so every collision here is forced, not hoped for.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.sim.conftest import Kubectl
from warroom.sim.cluster import SimCluster
from warroom.sim.names import SimpleNameGenerator
from warroom.sim.scenario import parse

NS = "default"
PODS = ("", "pods")
REPLICASETS = ("apps", "replicasets")
EVENTS = ("", "events")
TAKEN = "aaaaa"
IMAGE = "registry.example/shop/web:1.0"
SCENARIO = (
    "name: names-test\n"
    "warmup: 0\n"
    "nodePools:\n"
    '  - {name: worker, prefix: node, count: 2, cpu: "16", memory: 64Gi}\n'
)


class Colliding:
    """Draws the suffix `aaaaa` for the first `times` names, then random ones."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.draws: list[str] = []
        self._random = SimpleNameGenerator(random.Random(7))

    def generate_name(self, base: str) -> str:
        name = base + TAKEN if len(self.draws) < self.times else self._random.generate_name(base)
        self.draws.append(name)
        return name


def pod(name: str = "", generate: str = "", labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": labels or {"run": "probe"}}
    if name:
        meta["name"] = name
    if generate:
        meta["generateName"] = generate
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [{"name": "web", "image": IMAGE}]},
    }


@pytest.fixture
def names() -> Colliding:
    return Colliding(times=0)


@pytest.fixture
async def sim(names: Colliding) -> AsyncIterator[SimCluster]:
    async with SimCluster(
        parse(SCENARIO, "test"), manual_clock=True, start_time=1.7e9, names=names
    ) as cluster:
        yield cluster


@pytest.fixture
async def http(sim: SimCluster) -> AsyncIterator[aiohttp.ClientSession]:
    async with sim.session() as session:
        yield session


async def post_pod(
    http: aiohttp.ClientSession, sim: SimCluster, body: dict[str, Any]
) -> tuple[int, dict[str, Any], str]:
    async with http.post(f"{sim.url}/api/v1/namespaces/{NS}/pods", json=body) as resp:
        return resp.status, await resp.json(), resp.headers.get("Retry-After", "")


@pytest.mark.parametrize("collisions", [1, 3, 7])
async def test_a_taken_generated_name_is_drawn_again(
    sim: SimCluster, names: Colliding, http: aiohttp.ClientSession, collisions: int
) -> None:
    status, _, _ = await post_pod(http, sim, pod(name=f"web-{TAKEN}"))
    assert status == 201
    names.times = collisions
    status, body, _ = await post_pod(http, sim, pod(generate="web-"))
    assert status == 201, body
    assert len(names.draws) == collisions + 1
    assert body["metadata"]["name"] == names.draws[-1] != f"web-{TAKEN}"
    assert body["metadata"]["generateName"] == "web-"


async def test_eight_taken_names_answer_409_already_exists_with_retry_after(
    sim: SimCluster, names: Colliding, http: aiohttp.ClientSession
) -> None:
    await post_pod(http, sim, pod(name=f"web-{TAKEN}"))
    names.times = 8
    status, body, retry_after = await post_pod(http, sim, pod(generate="web-"))
    assert status == 409
    assert names.draws == [f"web-{TAKEN}"] * 8
    assert body["kind"] == "Status"
    assert (body["status"], body["reason"], body["code"]) == ("Failure", "AlreadyExists", 409)
    assert body["message"] == (
        f'pods "web-{TAKEN}" already exists, the server was not able to generate a unique name '
        "for the object"
    )
    assert body["details"] == {
        "name": f"web-{TAKEN}",
        "group": "",
        "kind": "pods",
        "retryAfterSeconds": 1,
    }
    assert retry_after == "1"
    assert [p["metadata"]["name"] for p in sim.store.list(PODS, NS)] == [f"web-{TAKEN}"]
    # The next request draws afresh.
    status, body, _ = await post_pod(http, sim, pod(generate="web-"))
    assert status == 201 and len(names.draws) == 9


async def test_a_name_held_by_a_terminating_pod_says_it_is_being_deleted(
    sim: SimCluster, names: Colliding, http: aiohttp.ClientSession
) -> None:
    await post_pod(http, sim, pod(name=f"web-{TAKEN}"))
    await sim.advance(30)  # scheduled and running, so a delete waits for the kubelet
    async with http.delete(f"{sim.url}/api/v1/namespaces/{NS}/pods/web-{TAKEN}") as resp:
        assert resp.status == 200
    assert sim.store.get(PODS, NS, f"web-{TAKEN}")["metadata"]["deletionTimestamp"]
    status, body, _ = await post_pod(http, sim, pod(name=f"web-{TAKEN}"))
    assert (status, body["reason"]) == (409, "AlreadyExists")
    assert body["message"] == f'object is being deleted: pods "web-{TAKEN}" already exists'
    names.times = 8
    status, body, _ = await post_pod(http, sim, pod(generate="web-"))
    assert body["message"] == (
        f'object is being deleted: pods "web-{TAKEN}" already exists, the server was not able '
        "to generate a unique name for the object"
    )


async def test_a_long_generate_name_is_cut_to_58_characters(
    sim: SimCluster, http: aiohttp.ClientSession
) -> None:
    base = "w" * 70
    status, body, _ = await post_pod(http, sim, pod(generate=base))
    assert status == 201, body
    assert len(body["metadata"]["name"]) == 63
    assert body["metadata"]["name"].startswith("w" * 58)


async def test_kubectl_create_reports_the_generate_name_conflict(
    sim: SimCluster, names: Colliding, kubectl_binary: str, tmp_path: Path
) -> None:
    kubectl = Kubectl(kubectl_binary, sim.kubeconfig, tmp_path / "cache")
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(yaml.safe_dump(pod(generate="web-")), encoding="utf-8")
    await kubectl.ok("run", f"web-{TAKEN}", f"--image={IMAGE}")
    names.times = 8
    refused = await kubectl("create", "--validate=false", "-f", str(manifest))
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f'Error from server (AlreadyExists): error when creating "{manifest}": pods '
        f'"web-{TAKEN}" already exists, the server was not able to generate a unique name for '
        "the object"
    )
    names.times = 0
    out = await kubectl.ok("create", "--validate=false", "-f", str(manifest))
    assert out.startswith("pod/web-") and f"web-{TAKEN}" not in out


def replica_set(replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": IMAGE}]},
            },
        },
    }


async def test_replicaset_meets_409s_with_an_event_a_condition_and_backed_off_retries(
    sim: SimCluster, names: Colliding, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    pods_rt = sim.catalogue.get("", "v1", "pods")
    rs_rt = sim.catalogue.get("apps", "v1", "replicasets")
    assert pods_rt is not None and rs_rt is not None
    sim.registry.create(pods_rt, NS, pod(name=f"web-{TAKEN}"), dry_run=False)
    failures_seen: list[list[tuple[str, str, str]]] = []
    sim.store.subscribe(
        lambda change: (
            failures_seen.append(replica_failures(change.obj))
            if change.type_key == REPLICASETS
            else None
        )
    )
    # Two creates' worth of draws collide: the first sync fails, its status write brings a
    # second sync at once (the update event), which fails too and waits out the back-off.
    names.times = 16
    sim.registry.create(rs_rt, NS, replica_set(3), dry_run=False)
    sim.settle()

    message = (
        f'pods "web-{TAKEN}" already exists, the server was not able to generate a unique name '
        "for the object"
    )
    assert names.draws == [f"web-{TAKEN}"] * 16
    rs = sim.store.get(REPLICASETS, NS, "web")
    assert rs is not None
    assert replica_failures(rs) == [("True", "FailedCreate", message)]
    events = [e for e in sim.store.list(EVENTS, NS) if e["reason"] == "FailedCreate"]
    assert [(e["type"], e["message"], e["involvedObject"]["name"], e["count"]) for e in events] == [
        ("Warning", f"Error creating: {message}", "web", 2)
    ]
    assert owned_pods(sim) == []  # slowStartBatch stops at the first failure

    await sim.advance(1)  # past the queue's back-off; the draws no longer collide
    assert len(owned_pods(sim)) == 3
    rs = sim.store.get(REPLICASETS, NS, "web")
    assert rs is not None
    assert replica_failures(rs) == []
    assert rs["status"]["replicas"] == 3
    assert [f for f in failures_seen if f] == [[("True", "FailedCreate", message)]]
    assert failures_seen[-1] == []
    assert sim.manager.errors == 0
    logged = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in logged] == []


def replica_failures(rs: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (c["status"], c.get("reason", ""), c.get("message", ""))
        for c in (rs.get("status") or {}).get("conditions") or ()
        if c["type"] == "ReplicaFailure"
    ]


def owned_pods(sim: SimCluster) -> list[dict[str, Any]]:
    return [p for p in sim.store.list(PODS, NS) if p["metadata"].get("ownerReferences")]
