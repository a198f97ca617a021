"""`pods: {started_within: 30s}`: seed 000's "Pod Failure Recovery — New pod starts within 30s",
judged from what the API server says of each pod created since the session opened: its
creationTimestamp and its containers' state.running.startedAt (as `kubectl get pod -o yaml`
shows them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.checklist.test_evaluator import NS, pod
from warroom.checklist.evaluator import Evaluator, World
from warroom.checklist.session import SessionState
from warroom.layout import parse_layout
from warroom.state.picture import ClusterPicture

NOW = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC
OPENED = NOW - 600
LAYOUT = """
name: recovery
cluster: {namespaces: [bizra-prod]}
phases:
  - id: reliability
    title: Reliability
    items:
      - id: recovery
        title: Pod Failure Recovery
        pods: {selector: app=api, min: 3, started_within: 30s}
"""


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def replica(name: str, created: float, started: float | None) -> dict[str, Any]:
    p = pod(name)
    p["metadata"]["creationTimestamp"] = _iso(created)
    state = (
        {"running": {"startedAt": _iso(started)}}
        if started is not None
        else {"waiting": {"reason": "ContainerCreating"}}
    )
    p["status"]["containerStatuses"][0]["state"] = state
    if started is None:
        p["status"]["conditions"][0]["status"] = "False"
    return p


def judge(*pods: dict[str, Any], now: float = NOW) -> tuple[str, str]:
    picture = ClusterPicture([NS], clock=lambda: now)
    picture.cache("pods", NS).replace(list(pods), "1")
    session = SessionState()
    session.apply("session_opened", {}, "ana", OPENED)
    verdict = Evaluator(parse_layout(LAYOUT)).evaluate(
        World(now, picture, True, "", session=session)
    )
    item = verdict.items["recovery"]
    return item.verdict, item.reason


OLD = [replica(f"api-{i}", OPENED - 3600, OPENED - 3500) for i in range(3)]


def test_before_any_pod_is_replaced_it_waits_and_says_how_to_test() -> None:
    assert judge(*OLD) == (
        "pending",
        "no pod created since the session opened: delete one to test its replacement",
    )


def test_a_replacement_running_within_the_time_passes_with_its_time() -> None:
    new = replica("api-9", NOW - 100, NOW - 88)
    assert judge(*OLD[:2], new) == (
        "pass",
        "1 new, the slowest (api-9) running 12s after creation",
    )


def test_a_replacement_too_slow_to_start_fails_naming_it() -> None:
    new = replica("api-9", NOW - 100, NOW - 55)
    assert judge(*OLD[:2], new, OLD[2]) == ("fail", "api-9 started 45s after it was created")


def test_a_replacement_still_starting_waits_then_fails_when_the_time_is_up() -> None:
    starting = replica("api-9", NOW - 10, None)
    assert judge(*OLD, starting) == ("pending", "api-9 created 10s ago, not running yet")
    assert judge(*OLD, starting, now=NOW + 25) == (
        "fail",
        "api-9 not running 35s after it was created",
    )


def test_too_few_ready_pods_fail_first() -> None:
    assert judge(*OLD[:2])[0] == "fail"
