"""`warroom check` end to end: the real CLI in a subprocess, stdout a pipe (as in CI), against
the simulated cluster over HTTP and its Prometheus (built in, or a real one scraping it), with
small layouts; what it prints and how it exits."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import require_tool
from tests.sim.conftest import kubectl_binary  # noqa: F401 - the fixture
from tests.waiting import until_value
from warroom.sim.cluster import SimCluster
from warroom.sim.prometheus import PrometheusProcess

ROOT = Path(__file__).resolve().parents[1]
NS = "bizra-prod"

HEAD = """
name: check e2e
cluster: {namespaces: [bizra-prod]}
prometheus: {interval: 1s}
targets: [{name: bizra-inference, container: inference-server}]
signals:
  rps:
    query: sum(rate(http_requests_total{namespace="bizra-prod"}[30s]))
    unit: rps
  nothing:
    query: sum(rate(http_requests_total{namespace="nowhere"}[30s]))
    unit: rps
"""

# Every automatic kind the gate is asked about most: pods, rollout, exists, field, http through
# the API server's service proxy, promql; and one item a person ticks.
PASSING = """
phases:
  - id: deploy
    title: Deploy
    items:
      - {id: pods, title: Three pods Ready, pods: {selector: app=bizra-inference, min: 3}}
      - {id: rolled, title: Rolled out, rollout: {target: bizra-inference}}
      - {id: deployment, title: Deployment exists, exists: {object: Deployment/bizra-inference}}
      - id: hpa-max
        title: HPA allows 50
        field: {object: HorizontalPodAutoscaler/bizra-inference-hpa, path: .spec.maxReplicas,
                value: 50}
      - id: health
        title: /health answers healthy
        http: {service: bizra-inference, port: http, path: /health, json: {status: healthy}}
      - {id: runbook, title: Runbook read}
  - id: traffic
    title: Traffic
    items:
      - {id: traffic, title: Requests flowing, promql: {signal: rps, op: ">", value: 0}}
"""


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.out)
        return parsed

    def items(self) -> dict[str, dict[str, Any]]:
        return {i["item"]: i for i in self.json()["items"]}


async def warroom_check(*args: str, timeout: float = 30, home: Path | None = None) -> Ran:
    """`python -m warroom check ARGS` from this checkout, stdout and stderr pipes; awaited, so
    the sim in this process keeps serving it. `home`: a HOME of its own, no KUBECONFIG."""
    env = dict(os.environ, COLUMNS="200")
    if home is not None:
        env["HOME"] = str(home)
        env.pop("KUBECONFIG", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "warroom", "check", *args,
        cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout + 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return Ran(proc.returncode, out.decode(), err.decode())


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    async with SimCluster("bizra-inference-10k", speed=10, scrape_interval=0.5) as cluster:
        cluster.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # hold the replica count
        cluster.set_users(f"{NS}/bizra-inference", 600)
        yield cluster


def layout(tmp_path: Path, checklist: str, name: str = "layout.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + checklist, encoding="utf-8")
    return path


def on(sim: SimCluster, prometheus: str | None = None) -> list[str]:
    return [
        "--kubeconfig", str(sim.kubeconfig), "--context", "warroom-sim",
        "--prometheus", prometheus or sim.prometheus_url, "--timeout", "20",
    ]  # fmt: skip


async def test_every_automatic_kind_passing_exits_0(sim: SimCluster, tmp_path: Path) -> None:
    ran = await warroom_check(str(layout(tmp_path, PASSING)), *on(sim))
    assert ran.code == 0, ran
    lines = ran.out.splitlines()
    assert lines[0].split()[:3] == ["PHASE", "ITEM", "VERDICT"]
    for title in ("Three pods Ready", "Rolled out", "Deployment exists", "HPA allows 50",
                  "/health answers healthy", "Requests flowing"):  # fmt: skip
        row = next(line for line in lines if title in line)
        assert " PASS " in row, row
    assert "Runbook read" not in ran.out  # ticked by a person: counted, not judged
    assert "1 item(s) are ticked by a person in the war room; check does not judge them" in lines
    assert lines[-1] == "check e2e: 6 pass — exit 0: all pass"
    assert "\x1b[" not in ran.out and ran.err == ""  # no terminal: no colour, no noise


async def test_a_false_field_and_too_few_pods_exit_1(sim: SimCluster, tmp_path: Path) -> None:
    failing = """
phases:
  - id: deploy
    title: Deploy
    items:
      - {id: pods, title: Ninety-nine pods Ready, pods: {selector: app=bizra-inference, min: 99}}
      - id: paused
        title: Deployment paused
        field: {object: Deployment/bizra-inference, path: .spec.paused, value: true}
      - {id: rolled, title: Rolled out, rollout: {target: bizra-inference}}
"""
    ran = await warroom_check(str(layout(tmp_path, failing)), *on(sim), "--json")
    assert ran.code == 1, ran
    items = ran.items()
    assert {k: v["verdict"] for k, v in items.items()} == {
        "pods": "fail", "paused": "fail", "rolled": "pass",
    }  # fmt: skip
    pods = items["pods"]["evidence"]
    assert pods["query"] == f"kubectl get pods -n {NS} -l app=bizra-inference"
    assert pods["threshold"] is not None and "99" in pods["threshold"]
    assert ran.json()["result"] == "some fail"


async def test_a_query_that_returns_nothing_is_unknown_exit_2(
    sim: SimCluster, tmp_path: Path
) -> None:
    empty = """
phases:
  - id: traffic
    title: Traffic
    items:
      - {id: traffic, title: Requests flowing, promql: {signal: rps, op: ">", value: 0}}
      - {id: elsewhere, title: Requests elsewhere, promql: {signal: nothing, op: ">", value: 0}}
"""
    ran = await warroom_check(str(layout(tmp_path, empty)), *on(sim))
    assert ran.code == 2, ran
    row = next(line for line in ran.out.splitlines() if "Requests elsewhere" in line)
    assert " UNKNOWN " in row and "no data" in row
    last = ran.out.splitlines()[-1]
    assert last == "check e2e: 1 pass, 1 unknown — exit 2: some unknown (no data)"


async def test_prometheus_down_is_unreachable_exit_3_in_one_sentence(
    sim: SimCluster, tmp_path: Path
) -> None:
    sim.prometheus_outage(True)
    ran = await warroom_check(str(layout(tmp_path, PASSING)), *on(sim))
    assert ran.code == 3, ran
    said = [line for line in ran.out.splitlines() if line.startswith("unreachable: ")]
    assert said == [
        "unreachable: Prometheus answered 503 (unavailable): Prometheus is "
        "unavailable (warroom sim fault injection)"
    ], ran.out
    assert "Traceback" not in ran.out + ran.err
    rows = ran.out.splitlines()
    # What Prometheus would prove is unknown; what the API server proves is still judged.
    assert " UNKNOWN " in next(r for r in rows if "Requests flowing" in r)
    assert " PASS " in next(r for r in rows if "Rolled out" in r)


async def test_prometheus_not_listening_is_exit_3(sim: SimCluster, tmp_path: Path) -> None:
    closed = await closed_port()
    ran = await warroom_check(
        str(layout(tmp_path, PASSING)), *on(sim, f"http://127.0.0.1:{closed}"), "--json"
    )
    assert ran.code == 3, ran
    (sentence,) = ran.json()["unreachable"]
    assert f"127.0.0.1:{closed}" in sentence and "\n" not in sentence
    assert ran.err == ""


async def test_the_api_server_unreachable_is_exit_3_in_one_sentence(
    sim: SimCluster, tmp_path: Path
) -> None:
    closed = await closed_port()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        sim.kubeconfig.read_text().replace(f"127.0.0.1:{sim.port}", f"127.0.0.1:{closed}")
    )
    args = on(sim)
    args[1] = str(kubeconfig)
    ran = await warroom_check(str(layout(tmp_path, PASSING)), *args)
    assert ran.code == 3, ran
    assert "Traceback" not in ran.out + ran.err
    said = [line for line in (ran.out + ran.err).splitlines() if str(closed) in line]
    assert len(said) == 1, ran


async def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port


async def test_phase_selects_and_json_carries_the_evidence(sim: SimCluster, tmp_path: Path) -> None:
    path = str(layout(tmp_path, PASSING))
    ran = await warroom_check(path, *on(sim), "--phase", "traffic", "--json")
    assert ran.code == 0, ran
    report = ran.json()
    assert report["layout"] == "check e2e" and report["code"] == 0
    assert [i["item"] for i in report["items"]] == ["traffic"]
    evidence = report["items"][0]["evidence"]
    assert evidence["measured"] == "RPS"  # the title made from its id
    assert evidence["query"] == 'sum(rate(http_requests_total{namespace="bizra-prod"}[30s]))'
    assert float(evidence["value"].split()[0]) > 0
    assert evidence["threshold"] == "> 0"
    assert report["manual"] == []
    whole = (await warroom_check(path, *on(sim), "--json")).json()
    assert [m["item"] for m in whole["manual"]] == ["runbook"]
    assert "runbook" not in {i["item"] for i in whole["items"]}
    health = next(i for i in whole["items"] if i["item"] == "health")["evidence"]
    assert "/services/bizra-inference:http/proxy/health" in (health["query"] or "")


async def test_kubernetes_checks_alone_wait_for_their_watches(
    sim: SimCluster, tmp_path: Path
) -> None:
    """With nothing else to wait for, the watches must be open (not just listed) before the
    judging, or every Kubernetes item would read 'stale'."""
    path = tmp_path / "kube-only.yaml"
    path.write_text(
        """
name: kube only
cluster: {namespaces: [bizra-prod]}
targets: [{name: bizra-inference, container: inference-server}]
phases:
  - id: deploy
    title: Deploy
    items:
      - {id: rolled, title: Rolled out, rollout: {target: bizra-inference}}
      - {id: pods, title: Three pods Ready, pods: {selector: app=bizra-inference, min: 3}}
""",
        encoding="utf-8",
    )
    ran = await warroom_check(str(path), *on(sim)[:4], "--json")
    assert ran.code == 0, ran
    assert {i["item"]: i["verdict"] for i in ran.json()["items"]} == {
        "rolled": "pass", "pods": "pass",
    }  # fmt: skip


HELD = """
name: held
cluster: {namespaces: [bizra-prod]}
prometheus: {interval: 1s}
signals:
  rps:
    query: sum(rate(http_requests_total{namespace="bizra-prod"}[2s]))
    unit: rps
phases:
  - id: traffic
    title: Traffic
    items:
      - {id: held, title: Traffic for 6 s, promql: {signal: rps, op: ">", value: 0, for: 6s}}
"""


@pytest.fixture
async def realtime_sim() -> AsyncIterator[SimCluster]:
    """The sim at the wall clock's pace: `warroom check` lives a second or two, too short for
    its connection to learn a faster pace from the Date headers (it needs 5 s), so a `for`
    is judged at pace 1; at speed 1 that is the truth."""
    async with SimCluster("bizra-inference-10k", speed=1, scrape_interval=0.5) as cluster:
        cluster.set_hpa_metric(NS, "bizra-inference-hpa", 70)
        cluster.set_users(f"{NS}/bizra-inference", 600)
        yield cluster


async def test_for_is_judged_from_prometheus_history_so_it_passes_at_once(
    realtime_sim: SimCluster, tmp_path: Path
) -> None:
    sim = realtime_sim
    binary = require_tool("prometheus")
    query = 'sum(rate(http_requests_total{namespace="bizra-prod"}[2s]))'
    async with (
        PrometheusProcess(sim.metrics_target, scrape_interval=0.5, binary=binary) as prom,
        httpx.AsyncClient(base_url=prom.url) as client,
    ):

        async def held_for() -> float:
            """How long Prometheus has seen traffic, to the newest point (0 when none)."""
            now = time.time()
            answer = await client.get(
                "/api/v1/query_range",
                params={"query": query, "start": now - 20, "end": now, "step": 0.5},
            )
            result = answer.json()["data"]["result"]
            points = [(float(t), float(v)) for t, v in result[0]["values"]] if result else []
            since = None
            for t, v in reversed(points):
                if not v > 0:
                    break
                since = t
            return points[-1][0] - since if since is not None else 0.0

        await until_value(held_for, lambda s: s >= 8, timeout=60, every=0.5,
                          what="Prometheus holding 8 s of traffic")  # fmt: skip
        path = tmp_path / "held.yaml"
        path.write_text(HELD, encoding="utf-8")
        started = time.time()
        ran = await warroom_check(str(path), *on(sim, prom.url), "--json")
    assert ran.code == 0, ran
    (item,) = ran.json()["items"]
    assert item["verdict"] == "pass", item
    # Held since before this check's process existed: its own polls cannot say so, only the
    # history it fetched at start (as much as the longest `for`: 6 s before its first poll).
    since = item["evidence"]["since"]
    assert since is not None and since < started - 3, (since, started)


@pytest.mark.parametrize(
    ("layout_text", "args", "said"),
    [
        (
            "name: x\nphases: [{id: a, title: A, items: [{id: i, title: I, podz: {}}]}]\n",
            (),
            "layout.yaml:2: ",
        ),
        (None, (), "no such layout file"),
        (HEAD + PASSING, ("--phase", "nope"), "has no phase 'nope' (its phases: deploy, traffic)"),
        (HEAD + PASSING, ("--timeout", "0"), "Invalid value for '--timeout'"),
    ],
    ids=["bad-layout", "missing-layout", "unknown-phase", "bad-option"],
)
async def test_a_layout_or_command_line_it_cannot_use_exits_4_not_a_verdict(
    tmp_path: Path, layout_text: str | None, args: tuple[str, ...], said: str
) -> None:
    """1 and 2 are verdicts (fail, unknown): a typo in the gate's own setup must not read as
    either."""
    path = tmp_path / "layout.yaml"
    if layout_text is not None:
        path.write_text(layout_text, encoding="utf-8")
    ran = await warroom_check(str(path), *args)
    assert ran.code == 4, ran
    assert said in ran.err and "Traceback" not in ran.err and ran.out == ""


@pytest.mark.kubectl
async def test_a_command_check_reaches_the_cluster_and_context_the_war_room_watches(
    sim: SimCluster, tmp_path: Path, kubectl_binary: str  # noqa: F811
) -> None:
    """With no ~/.kube/config and no KUBECONFIG, `kubectl` in a command check still reads the
    sim: warroom hands its commands the room's kubeconfig and context."""
    commands = """
phases:
  - id: reads
    title: Reads
    items:
      - id: context
        title: kubectl's context is the room's
        command: {run: kubectl config current-context, stdout: "^warroom-sim$"}
      - id: deployment
        title: kubectl reads the deployment
        command:
          run: kubectl get deployment bizra-inference -n bizra-prod
          stdout: "bizra-inference +3/3"
"""
    home = tmp_path / "home"
    home.mkdir()
    ran = await warroom_check(
        str(layout(tmp_path, commands)), *on(sim), "--run-commands", "--json", home=home
    )
    assert {k: v["verdict"] for k, v in ran.items().items()} == {
        "context": "pass",
        "deployment": "pass",
    }, ran
    assert ran.code == 0
