"""kubectl's pod columns (READY, STATUS, RESTARTS) from printers_test.go's TestPrintPod and
TestPrintPodWithRestartableInitContainer, against the client's own reading of a pod."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.checklist.pod_index import facts_of
from warroom.kinds.pod import pod_status, unschedulable

NOW = datetime(2026, 11, 22, 6, 0, 0, tzinfo=UTC)
NOW_S = NOW.timestamp()
MIN = 60
HOUR = 3600
DAY = 24 * HOUR


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


# fmt: off

def _pod(name, *, containers=1, init=(), phase="", reason="", statuses=(), init_statuses=(),
         conditions=(), deletion=None, **extra_status):
    meta = {"name": name}
    if deletion:
        meta["deletionTimestamp"] = deletion
    status = {"phase": phase, "containerStatuses": list(statuses),
              "initContainerStatuses": list(init_statuses), "conditions": list(conditions),
              **extra_status}
    if reason:
        status["reason"] = reason
    return {"metadata": meta,
            "spec": {"containers": [{"name": f"c{i}"} for i in range(containers)],
                     "initContainers": list(init)},
            "status": status}


RUNNING = {"running": {}}
LAST_10S = {"terminated": {"finishedAt": ago(10)}}


def printed(pod):
    status = pod_status(pod)
    return [pod["metadata"]["name"], status.ready_text, status.reason, status.restarts_text(NOW_S)]


@pytest.mark.parametrize(("pod", "want"), [
    (_pod("test1", containers=2, phase="podPhase", statuses=[
        {"ready": True, "restartCount": 3, "state": RUNNING}, {"restartCount": 3}]),
     ["test1", "1/2", "podPhase", "6", "<unknown>"]),
    (_pod("test2", containers=2, phase="podPhase", statuses=[
        {"ready": True, "restartCount": 3, "state": RUNNING},
        {"restartCount": 3, "state": {"waiting": {"reason": "ContainerWaitingReason"}}}]),
     ["test2", "1/2", "ContainerWaitingReason", "6", "<unknown>"]),
    (_pod("test3", containers=2, phase="podPhase", statuses=[
        {"restartCount": 3, "state": {"waiting": {"reason": "ContainerWaitingReason"}}},
        {"restartCount": 3, "state": {"terminated": {"reason": "ContainerTerminatedReason"}}}]),
     ["test3", "0/2", "ContainerWaitingReason", "6", "<unknown>"]),
    (_pod("test4", containers=2, phase="podPhase", statuses=[
        {"ready": True, "restartCount": 3, "state": RUNNING}, {"ready": True, "restartCount": 3}]),
     ["test4", "1/2", "podPhase", "6", "<unknown>"]),
    (_pod("test5", containers=2, phase="podPhase", reason="podReason", statuses=[
        {"ready": True, "restartCount": 3, "state": RUNNING}, {"ready": True, "restartCount": 3}]),
     ["test5", "1/2", "podReason", "6", "<unknown>"]),
    (_pod("test6", containers=2, phase="Running", statuses=[
        {"ready": True, "restartCount": 3,
         "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
        {"ready": True, "restartCount": 3, "state": RUNNING}]),
     ["test6", "1/2", "NotReady", "6", "<unknown>"]),
    (_pod("test6", containers=2, phase="Running", conditions=[
        {"type": "Ready", "status": "True"}], statuses=[
        {"ready": True, "restartCount": 3,
         "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
        {"ready": True, "restartCount": 3, "state": RUNNING}]),
     ["test6", "1/2", "Running", "6", "<unknown>"]),
    (_pod("test7", init=[{"name": "i0"}], phase="podPhase", init_statuses=[
        {"restartCount": 3, "state": RUNNING, "lastState": LAST_10S}],
        statuses=[{"state": {"waiting": {}}}]),
     ["test7", "0/1", "Init:0/1", "3 (10s ago)", "<unknown>"]),
    (_pod("test8", init=[{"name": "i0"}, {"name": "i1"}], phase="podPhase", init_statuses=[
        {"restartCount": 3, "state": RUNNING, "lastState": LAST_10S},
        {"state": {"waiting": {}}}], statuses=[{"state": {"waiting": {}}}]),
     ["test8", "0/1", "Init:0/2", "3 (10s ago)", "<unknown>"]),
    (_pod("test9", init=[{"name": "i0"}, {"name": "i1"}], phase="podPhase", init_statuses=[
        {"state": {"terminated": {}}},
        {"restartCount": 3, "state": RUNNING, "lastState": LAST_10S}],
        statuses=[{"state": {"waiting": {}}}]),
     ["test9", "0/1", "Init:1/2", "3 (10s ago)", "<unknown>"]),
    (_pod("test10", init=[{"name": "i0"}, {"name": "i1"}], phase="podPhase", init_statuses=[
        {"restartCount": 2, "state": {"terminated": {}},
         "lastState": {"terminated": {"finishedAt": ago(120)}}},
        {"restartCount": 3, "state": RUNNING, "lastState": LAST_10S}],
        statuses=[{"state": {"waiting": {}}}]),
     ["test10", "0/1", "Init:1/2", "5 (10s ago)", "<unknown>"]),
    (_pod("test11", init=[{"name": "i0"}], phase="Running", init_statuses=[
        {"restartCount": 2, "state": {"terminated": {}},
         "lastState": {"terminated": {"finishedAt": ago(120)}}}], statuses=[
        {"restartCount": 4, "state": RUNNING,
         "lastState": {"terminated": {"finishedAt": ago(20)}}}]),
     ["test11", "0/1", "Running", "4 (20s ago)", "<unknown>"]),
    (_pod("test12", phase="Running", statuses=[
        {"ready": True, "restartCount": 3, "state": RUNNING,
         "lastState": {"terminated": {"finishedAt": ago(5 * DAY)}}}]),
     ["test12", "1/1", "Running", "3 (5d ago)", "<unknown>"]),
    (_pod("test13", containers=2, phase="Running", statuses=[
        {"ready": True, "restartCount": 0, "state": RUNNING},
        {"ready": True, "restartCount": 3, "state": RUNNING,
         "lastState": {"terminated": {"finishedAt": ago(10 * DAY)}}}]),
     ["test13", "2/2", "Running", "3 (10d ago)", "<unknown>"]),
    (_pod("test14", containers=2, phase="Running", statuses=[
        {"ready": True, "restartCount": 6, "state": RUNNING,
         "lastState": {"terminated": {"finishedAt": ago(5 * DAY)}}},
        {"ready": True, "restartCount": 3, "state": RUNNING,
         "lastState": {"terminated": {"finishedAt": ago(20 * DAY)}}}]),
     ["test14", "2/2", "Running", "9 (5d ago)", "<unknown>"]),
    (_pod("test15", containers=2, phase="podPhase", conditions=[
        {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]),
     ["test15", "0/2", "SchedulingGated", "0", "<unknown>"]),
    (_pod("test16", phase="Succeeded", statuses=[
        {"state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]),
     ["test16", "0/1", "Completed", "0", "<unknown>"]),
    (_pod("test17", phase="Failed", statuses=[
        {"state": {"terminated": {"reason": "Error", "exitCode": 1}}}]),
     ["test17", "0/1", "Error", "0", "<unknown>"]),
    (_pod("test18", phase="Succeeded", deletion=ago(10), statuses=[
        {"state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]),
     ["test18", "0/1", "Completed", "0", "<unknown>"]),
    (_pod("test19", phase="Running", deletion=ago(10), statuses=[{"state": RUNNING}]),
     ["test19", "0/1", "Terminating", "0", "<unknown>"]),
    (_pod("test20", phase="Pending", deletion=ago(10)),
     ["test20", "0/1", "Terminating", "0", "<unknown>"]),
])
def test_pod_status_matches_printers_test(pod, want):
    assert printed(pod) == want[:4]
    assert facts_of(pod).restarts == int(want[3].split()[0])


SIDECARS = [{"name": "restartable-init-1", "restartPolicy": "Always"},
            {"name": "restartable-init-2", "restartPolicy": "Always"}]


@pytest.mark.parametrize(("pod", "want"), [
    (_pod("test1", init=SIDECARS, phase="Pending", init_statuses=[
        {"name": "restartable-init-1", "restartCount": 3, "state": RUNNING, "started": False,
         "lastState": LAST_10S},
        {"name": "restartable-init-2", "state": {"waiting": {}}, "started": False}],
        statuses=[{"state": {"waiting": {}}}],
        conditions=[{"type": "Initialized", "status": "False"}]),
     ["test1", "0/3", "Init:0/2", "3 (10s ago)", "<unknown>"]),
    (_pod("test1", init=SIDECARS, phase="Pending", init_statuses=[
        {"name": "restartable-init-1", "restartCount": 3, "state": RUNNING, "started": True,
         "lastState": LAST_10S},
        {"name": "restartable-init-2", "state": RUNNING, "started": False}],
        statuses=[{"state": {"waiting": {}}}],
        conditions=[{"type": "Initialized", "status": "False"}]),
     ["test1", "0/3", "Init:1/2", "3 (10s ago)", "<unknown>"]),
    (_pod("test2", init=SIDECARS, phase="Running", init_statuses=[
        {"name": "restartable-init-1", "restartCount": 3, "state": RUNNING, "started": True,
         "lastState": LAST_10S},
        {"name": "restartable-init-2", "state": RUNNING, "started": True}], statuses=[
        {"ready": True, "restartCount": 4, "state": RUNNING,
         "lastState": {"terminated": {"finishedAt": ago(20)}}}],
        conditions=[{"type": "Initialized", "status": "True"}]),
     ["test2", "1/3", "Running", "7 (10s ago)", "<unknown>"]),
    (_pod("test3", init=SIDECARS, phase="Succeeded", init_statuses=[
        {"name": "restartable-init-1", "restartCount": 3, "started": False,
         "state": {"terminated": {"reason": "Error", "exitCode": 137}}, "lastState": LAST_10S},
        {"name": "restartable-init-2", "started": False,
         "state": {"terminated": {"reason": "Error", "exitCode": 137}}}], statuses=[
        {"restartCount": 4, "state": {"terminated": {"reason": "Completed", "exitCode": 0}},
         "lastState": {"terminated": {"finishedAt": ago(20)}}}],
        conditions=[{"type": "Initialized", "status": "True"}]),
     ["test3", "0/3", "Completed", "7 (10s ago)", "<unknown>"]),
    (_pod("test4", init=[{"name": "init1"},
                         {"name": "sidecar1", "restartPolicy": "Always"}], phase="Running",
          init_statuses=[{"name": "initinvalid"}, {"name": "init1"}, {"name": "sidecar1"}],
          statuses=[{"name": "containerinvalid"}, {"name": "container1"}]),
     ["test4", "0/2", "Init:0/2", "0", "<unknown>"]),
])
def test_pod_status_with_restartable_init_containers(pod, want):
    assert printed(pod) == want[:4]
    assert facts_of(pod).restarts == int(want[3].split()[0])


def test_init_container_failure_reasons():
    signal = _pod("p", init=[{"name": "i"}], phase="Pending", init_statuses=[
        {"name": "i", "state": {"terminated": {"exitCode": 137, "signal": 9}}}])
    assert pod_status(signal).reason == "Init:Signal:9"
    backoff = _pod("p", init=[{"name": "i"}], phase="Pending", init_statuses=[
        {"name": "i", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}])
    assert pod_status(backoff).reason == "Init:CrashLoopBackOff"
    oom = _pod("p", init=[{"name": "i"}], phase="Pending", init_statuses=[
        {"name": "i", "state": {"terminated": {"exitCode": 1, "reason": "OOMKilled"}}}])
    assert pod_status(oom).reason == "Init:OOMKilled"


def test_terminating_and_node_lost_pods():
    running = [{"name": "c0", "ready": True, "restartCount": 0, "state": RUNNING}]
    deleted = ago(3)
    terminating = _pod("p", phase="Running", statuses=running, deletion=deleted)
    assert pod_status(terminating).reason == "Terminating"
    lost = _pod("p", phase="Running", reason="NodeLost", statuses=running, deletion=deleted)
    assert pod_status(lost).reason == "Unknown"
    lost["metadata"].pop("deletionTimestamp")
    assert pod_status(lost).reason == "NodeLost"
    failed = [{"name": "c0", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]
    gone = _pod("p", phase="Failed", statuses=failed, deletion=deleted)
    assert pod_status(gone).reason == "Error"
    assert pod_status(_pod("p", phase="Failed", reason="Evicted")).reason == "Evicted"


def test_unschedulable_is_the_schedulers_message_for_a_pending_pod():
    refused = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
               "message": "0/12 nodes are available: 12 Insufficient nvidia.com/gpu."}
    pending = _pod("p", phase="Pending", conditions=[refused])
    assert pod_status(pending).reason == "Pending"
    assert unschedulable(pending) == "0/12 nodes are available: 12 Insufficient nvidia.com/gpu."
    gate = {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
    assert unschedulable(_pod("p", phase="Pending", conditions=[gate])) == ""
