"""Tables for kubectl get: cells ported from printers_test.go, ages from duration_test.go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.kinds.test_pod import RUNNING, _pod
from warroom.sim.catalogue import BUILTIN_TYPES, ResourceType
from warroom.sim.jsonpath import jsonpath_find, parse_jsonpath
from warroom.sim.printers import print_pod, selector_string
from warroom.sim.tables import TableOptionsError, to_table

RT = {rt.kind: rt for rt in BUILTIN_TYPES}
NOW = datetime(2026, 11, 22, 6, 0, 0, tzinfo=UTC)
NOW_S = NOW.timestamp()
MS = 0.001
MIN = 60
HOUR = 3600
DAY = 24 * HOUR
YEAR = 365 * DAY


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def names(table: dict) -> list[str]:
    return [c["name"] for c in table["columnDefinitions"]]


def cells(kind: str, obj: dict) -> list:
    return to_table(RT[kind], [obj], now=NOW)["rows"][0]["cells"]


# --- duration.HumanDuration (duration_test.go) --------------------------------------------------


def test_ages_follow_the_simulated_clock_not_the_wall_clock():
    ns = {"metadata": {"name": "prod", "creationTimestamp": "2026-11-22T05:00:00Z"},
          "status": {"phase": "Active"}}
    assert to_table(RT["Namespace"], [ns], now=NOW)["rows"][0]["cells"] == ["prod", "Active", "60m"]
    later = to_table(RT["Namespace"], [ns], now=NOW + timedelta(days=3))
    assert later["rows"][0]["cells"] == ["prod", "Active", "3d1h"]


# --- Pod: the wide cells (TestPrintPodwide); READY/STATUS/RESTARTS are tests/kinds/test_pod.py


def test_print_pod_wide_cells():
    gated = _pod("test1", containers=2, phase="podPhase", podIPs=[{"ip": "1.1.1.1"}],
                 nominatedNodeName="node1",
                 conditions=[{"type": "condition1", "status": "False"},
                             {"type": "condition2", "status": "True"}],
                 statuses=[{"ready": True, "restartCount": 3, "state": RUNNING},
                           {"restartCount": 3}])
    gated["spec"]["nodeName"] = "test1"
    gated["spec"]["readinessGates"] = [{"conditionType": f"condition{i}"} for i in (1, 2, 3)]
    assert print_pod(gated, NOW_S) == [
        "test1", "1/2", "podPhase", "6", "<unknown>", "1.1.1.1", "test1", "node1", "1/3"]
    bare = _pod("test2", containers=2, phase="podPhase", statuses=[
        {"ready": True, "restartCount": 3, "state": RUNNING},
        {"restartCount": 3, "state": {"waiting": {"reason": "ContainerWaitingReason"}}}])
    assert print_pod(bare, NOW_S)[5:] == ["<none>", "<none>", "<none>", "<none>"]


def _app_pod(name, phase, statuses, *, node="worker-1", ip="10.244.1.7", deletion=None,
             conditions=()):
    meta = {"name": name, "namespace": "shop", "uid": f"uid-{name}", "resourceVersion": "812",
            "creationTimestamp": ago(2 * HOUR + 5 * MIN), "labels": {"app": "checkout"}}
    if deletion:
        meta["deletionTimestamp"] = deletion
    spec = {"containers": [{"name": "checkout", "image": "shop/checkout:1.4.2"}]}
    status = {"phase": phase, "conditions": list(conditions), "containerStatuses": statuses}
    if node:
        spec["nodeName"] = node
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def test_running_pod_with_three_restarts_full_row_and_columns():
    pod = _app_pod("checkout-7d9f-abcde", "Running", [{
        "name": "checkout", "ready": True, "restartCount": 3, "started": True,
        "state": {"running": {"startedAt": ago(5 * MIN)}},
        "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                     "finishedAt": ago(5 * MIN + 2)}}}],
        conditions=[{"type": "Ready", "status": "True"}])
    table = to_table(RT["Pod"], [pod], now=NOW)
    assert names(table) == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                            "Nominated Node", "Readiness Gates"]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    assert table["columnDefinitions"][0]["format"] == "name"
    assert table["columnDefinitions"][3]["type"] == "string"
    assert table["rows"][0]["cells"] == [
        "checkout-7d9f-abcde", "1/1", "Running", "3 (5m2s ago)", "125m", "10.244.1.7",
        "worker-1", "<none>", "<none>"]
    assert "conditions" not in table["rows"][0]


def test_pending_pod_without_node_or_ip():
    pod = _app_pod("checkout-pending", "Pending", [], node=None, ip=None)
    assert cells("Pod", pod) == [
        "checkout-pending", "0/1", "Pending", "0", "125m", "<none>", "<none>", "<none>",
        "<none>"]


def test_container_creating_and_crash_loop_back_off():
    creating = _app_pod("checkout-new", "Pending", [
        {"name": "checkout", "ready": False, "restartCount": 0,
         "state": {"waiting": {"reason": "ContainerCreating"}}}], ip=None)
    assert cells("Pod", creating)[:5] == ["checkout-new", "0/1", "ContainerCreating", "0", "125m"]
    crashing = _app_pod("checkout-crash", "Running", [
        {"name": "checkout", "ready": False, "restartCount": 12,
         "state": {"waiting": {"reason": "CrashLoopBackOff",
                               "message": "back-off 5m0s restarting failed container"}},
         "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                      "finishedAt": ago(90)}}}])
    assert cells("Pod", crashing)[:5] == [
        "checkout-crash", "0/1", "CrashLoopBackOff", "12 (90s ago)", "125m"]


def test_terminating_and_node_lost_pods():
    running = [{"name": "checkout", "ready": True, "restartCount": 0, "state": RUNNING}]
    terminating = _app_pod("checkout-old", "Running", running, deletion=ago(3))
    assert cells("Pod", terminating)[2] == "Terminating"
    lost = _app_pod("checkout-lost", "Running", running, deletion=ago(3))
    lost["status"]["reason"] = "NodeLost"
    assert cells("Pod", lost)[2] == "Unknown"
    lost["metadata"].pop("deletionTimestamp")
    assert cells("Pod", lost)[2] == "NodeLost"
    failed = _app_pod("checkout-failed", "Failed", [
        {"name": "checkout", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}],
        deletion=ago(3))
    assert cells("Pod", failed)[2] == "Error"


def test_finished_pods_carry_row_conditions():
    done = _app_pod("migrate", "Succeeded", [
        {"name": "checkout", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}])
    failed = _app_pod("migrate-2", "Failed", [
        {"name": "checkout", "state": {"terminated": {"exitCode": 2}}}])
    rows = to_table(RT["Pod"], [done, failed], now=NOW)["rows"]
    assert rows[0]["cells"][2] == "Completed"
    assert rows[0]["conditions"] == [{"type": "Completed", "status": "True",
                                      "reason": "Succeeded",
                                      "message": "The pod has completed successfully."}]
    assert rows[1]["cells"][2] == "ExitCode:2"
    assert rows[1]["conditions"][0]["reason"] == "Failed"


# --- Node (TestPrintNodeStatus, TestPrintNodeRole, TestPrintNode*IP) --------------------------


def _node(name, labels=None, **status):
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": {}, "status": status}


@pytest.mark.parametrize(("addresses", "internal", "external"), [
    ([{"type": "ExternalIP", "address": "1.1.1.1"}], "<none>", "1.1.1.1"),
    ([{"type": "InternalIP", "address": "1.1.1.1"}], "1.1.1.1", "<none>"),
    ([{"type": "ExternalIP", "address": "2.2.2.2"}, {"type": "InternalIP", "address": "3.3.3.3"},
      {"type": "ExternalIP", "address": "4.4.4.4"}], "3.3.3.3", "2.2.2.2"),
])
def test_print_node_addresses(addresses, internal, external):
    assert cells("Node", _node("n", addresses=addresses))[5:] == [
        internal, external, "<unknown>", "<unknown>", "<unknown>"]


def test_not_ready_cordoned_gpu_node():
    node = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "gpu-node-3", "creationTimestamp": ago(5 * DAY + 2 * HOUR),
                     "labels": {"node-role.kubernetes.io/gpu": "",
                                "node-role.kubernetes.io/worker": "",
                                "nvidia.com/gpu.present": "true",
                                "kubernetes.io/hostname": "gpu-node-3"}},
        "spec": {"unschedulable": True,
                 "taints": [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]},
        "status": {
            "capacity": {"cpu": "32", "memory": "256Gi", "nvidia.com/gpu": "4"},
            "conditions": [{"type": "MemoryPressure", "status": "False"},
                           {"type": "Ready", "status": "Unknown",
                            "reason": "NodeStatusUnknown"}],
            "addresses": [{"type": "InternalIP", "address": "10.0.3.17"},
                          {"type": "Hostname", "address": "gpu-node-3"}],
            "nodeInfo": {"kubeletVersion": "v1.32.4", "osImage": "Ubuntu 22.04.4 LTS",
                         "kernelVersion": "5.15.0-105-generic",
                         "containerRuntimeVersion": "containerd://1.7.13"},
        },
    }
    table = to_table(RT["Node"], [node], now=NOW)
    assert names(table) == ["Name", "Status", "Roles", "Age", "Version", "Internal-IP",
                            "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"]
    assert table["rows"][0]["cells"] == [
        "gpu-node-3", "NotReady,SchedulingDisabled", "gpu,worker", "5d2h", "v1.32.4",
        "10.0.3.17", "<none>", "Ubuntu 22.04.4 LTS", "5.15.0-105-generic",
        "containerd://1.7.13"]


# --- workloads --------------------------------------------------------------------------------


def _template(*containers):
    return {"metadata": {"labels": {"app": "checkout"}},
            "spec": {"containers": [{"name": n, "image": i} for n, i in containers]}}


def test_mid_rollout_deployment():
    dep = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "checkout", "namespace": "shop", "creationTimestamp": ago(3 * DAY)},
        "spec": {"replicas": 4,
                 "selector": {"matchLabels": {"app": "checkout"},
                              "matchExpressions": [{"key": "tier", "operator": "In",
                                                    "values": ["web", "api"]}]},
                 "template": _template(("checkout", "shop/checkout:1.5.0"),
                                       ("envoy", "envoyproxy/envoy:v1.30"))},
        "status": {"replicas": 5, "updatedReplicas": 2, "readyReplicas": 3,
                   "availableReplicas": 3, "unavailableReplicas": 2},
    }
    table = to_table(RT["Deployment"], [dep], now=NOW)
    assert names(table) == ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers",
                            "Images", "Selector"]
    assert table["rows"][0]["cells"] == [
        "checkout", "3/4", 2, 3, "3d", "checkout,envoy",
        "shop/checkout:1.5.0,envoyproxy/envoy:v1.30", "app=checkout,tier in (api,web)"]


def test_deployment_defaults_and_empty_selector():
    dep = {"metadata": {"name": "bare"}, "spec": {"template": _template()}, "status": {}}
    assert cells("Deployment", dep) == ["bare", "0/1", 0, 0, "<unknown>", "", "", ""]


def test_replicaset_and_daemonset():
    rs = {"metadata": {"name": "checkout-7d9f", "creationTimestamp": ago(90)},
          "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "checkout",
                                                              "pod-template-hash": "7d9f"}},
                   "template": _template(("checkout", "shop/checkout:1.5.0"))},
          "status": {"replicas": 3, "readyReplicas": 1}}
    assert cells("ReplicaSet", rs) == [
        "checkout-7d9f", 3, 3, 1, "90s", "checkout", "shop/checkout:1.5.0",
        "app=checkout,pod-template-hash=7d9f"]
    ds = {"metadata": {"name": "node-exporter", "creationTimestamp": ago(40 * DAY)},
          "spec": {"selector": {"matchLabels": {"app": "node-exporter"}},
                   "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                         "containers": [{"name": "exporter",
                                                         "image": "prom/node-exporter"}]}}},
          "status": {"desiredNumberScheduled": 6, "currentNumberScheduled": 6,
                     "numberReady": 5, "updatedNumberScheduled": 6, "numberAvailable": 5}}
    table = to_table(RT["DaemonSet"], [ds], now=NOW)
    assert names(table) == ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available",
                            "Node Selector", "Age", "Containers", "Images", "Selector"]
    assert table["rows"][0]["cells"] == [
        "node-exporter", 6, 6, 5, 6, 5, "kubernetes.io/os=linux", "40d", "exporter",
        "prom/node-exporter", "app=node-exporter"]
    ds["spec"] = {"template": {"spec": {}}}
    assert cells("DaemonSet", ds)[6] == "<none>"
    assert cells("DaemonSet", ds)[10] == "<none>"


@pytest.mark.parametrize(("selector", "want"), [
    (None, ""),
    ({}, ""),
    ({"matchLabels": {"b": "2", "a": "1"}}, "a=1,b=2"),
    ({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["qa", "dev"]},
                           {"key": "canary", "operator": "DoesNotExist"},
                           {"key": "app", "operator": "Exists"}]},
     "app,!canary,env notin (dev,qa)"),
    ({"matchExpressions": [{"key": "x", "operator": "Bogus"}]}, "<invalid>"),
])
def test_selector_string(selector, want):
    assert selector_string(selector) == want


# --- HorizontalPodAutoscaler (TestPrintHPA) ---------------------------------------------------


def test_hpa_with_resource_metric_realistic():
    hpa = {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "checkout", "namespace": "shop", "creationTimestamp": ago(20 * MIN)},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": "checkout"},
                 "minReplicas": 3, "maxReplicas": 12,
                 "metrics": [{"type": "Resource", "resource": {
                     "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
                     {"type": "Resource", "resource": {
                         "name": "memory",
                         "target": {"type": "AverageValue", "averageValue": "0.5Gi"}}}]},
        "status": {"currentReplicas": 4, "desiredReplicas": 4, "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "current": {
                "averageUtilization": 45, "averageValue": "225m"}}},
            {"type": "Resource", "resource": {"name": "memory", "current": {
                "averageValue": "1.5Gi"}}}]},
    }
    table = to_table(RT["HorizontalPodAutoscaler"], [hpa], now=NOW)
    assert names(table) == ["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas",
                            "Age"]
    assert table["rows"][0]["cells"] == [
        "checkout", "Deployment/checkout", "cpu: 45%/70%, memory: 1536Mi/512Mi", "3", 12, 4,
        "20m"]
    hpa["status"] = {"currentReplicas": 0}
    assert cells("HorizontalPodAutoscaler", hpa)[2] == (
        "cpu: <unknown>/70%, memory: <unknown>/512Mi")


# --- PodDisruptionBudget, Service, Event, Namespace, ConfigMap ---------------------------------


def test_pod_disruption_budget():
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": {"name": "checkout", "creationTimestamp": ago(2 * HOUR + 30 * MIN)},
           "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "checkout"}}},
           "status": {"disruptionsAllowed": 1, "currentHealthy": 3, "desiredHealthy": 2}}
    table = to_table(RT["PodDisruptionBudget"], [pdb], now=NOW)
    assert names(table) == ["Name", "Min Available", "Max Unavailable", "Allowed Disruptions",
                            "Age"]
    assert table["rows"][0]["cells"] == ["checkout", "2", "N/A", 1, "150m"]
    pdb["spec"] = {"maxUnavailable": "25%"}
    pdb["status"] = {}
    assert cells("PodDisruptionBudget", pdb) == ["checkout", "N/A", "25%", 0, "150m"]


@pytest.mark.parametrize(("spec", "status", "want"), [
    ({"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
      "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
      "selector": {"k8s-app": "kube-dns"}},
     {}, ["ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP", "k8s-app=kube-dns"]),
    ({"type": "NodePort", "clusterIPs": ["10.96.3.4"],
      "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]},
     {}, ["NodePort", "10.96.3.4", "<none>", "80:30080/TCP", "<none>"]),
    ({"type": "LoadBalancer", "clusterIP": "10.96.7.7",
      "ports": [{"port": 443, "nodePort": 31443}]},
     {}, ["LoadBalancer", "10.96.7.7", "<pending>", "443:31443/TCP", "<none>"]),
    ({"type": "LoadBalancer", "clusterIP": "10.96.7.7", "externalIPs": ["192.0.2.9"],
      "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}]},
     {"loadBalancer": {"ingress": [{"hostname": "a-very-long-name.elb.example.com"},
                                   {"ip": "203.0.113.5"}]}},
     ["LoadBalancer", "10.96.7.7", "203.0.113.5,a-very-long-name.elb.example.com,192.0.2.9",
      "443:31443/TCP", "<none>"]),
    ({"type": "ExternalName", "externalName": "db.example.com"},
     {}, ["ExternalName", "<none>", "db.example.com", "<none>", "<none>"]),
    ({"type": "ClusterIP", "clusterIP": "None", "ports": [{"port": 5432, "protocol": "TCP"}],
      "selector": {"app": "pg", "role": "primary"}},
     {}, ["ClusterIP", "None", "<none>", "5432/TCP", "app=pg,role=primary"]),
])
def test_print_service(spec, status, want):
    svc = {"metadata": {"name": "svc", "creationTimestamp": ago(9 * MIN)}, "spec": spec,
           "status": status}
    table = to_table(RT["Service"], [svc], now=NOW)
    assert names(table) == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age",
                            "Selector"]
    row = table["rows"][0]["cells"]
    assert row == ["svc", *want[:4], "9m", want[4]]


def test_print_event():
    event = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "checkout-crash.17f3a", "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "name": "checkout-crash",
                           "fieldPath": "spec.containers{checkout}"},
        "reason": "BackOff", "type": "Warning",
        "message": "Back-off restarting failed container checkout\n",
        "source": {"component": "kubelet", "host": "worker-1"},
        "firstTimestamp": ago(40 * MIN), "lastTimestamp": ago(90), "count": 12,
    }
    table = to_table(RT["Event"], [event], now=NOW)
    assert names(table) == ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source",
                            "Message", "First Seen", "Count", "Name"]
    assert table["rows"][0]["cells"] == [
        "90s", "Warning", "BackOff", "pod/checkout-crash", "spec.containers{checkout}",
        "kubelet, worker-1", "Back-off restarting failed container checkout", "40m", 12,
        "checkout-crash.17f3a"]
    new_api = {"metadata": {"name": "e2"}, "involvedObject": {"kind": "Node"},
               "eventTime": "2026-11-22T05:59:30.123456Z", "reportingComponent": "scheduler",
               "reason": "Scheduled", "type": "Normal", "message": "ok"}
    # 29.88s of MicroTime truncates, as Go's duration does.
    assert cells("Event", new_api) == [
        "29s", "Normal", "Scheduled", "node", "", "scheduler", "ok", "29s", 1, "e2"]
    new_api["series"] = {"count": 4, "lastObservedTime": "2026-11-22T05:59:55.000000Z"}
    assert cells("Event", new_api)[0] == "5s"
    assert cells("Event", new_api)[8] == 4


def test_namespace_and_configmap():
    ns = {"metadata": {"name": "shop", "creationTimestamp": ago(400 * DAY),
                       "deletionTimestamp": ago(5)}, "status": {"phase": "Terminating"}}
    table = to_table(RT["Namespace"], [ns], now=NOW)
    assert names(table) == ["Name", "Status", "Age"]
    assert table["rows"][0]["cells"] == ["shop", "Terminating", "400d"]
    cm = {"metadata": {"name": "checkout-config", "creationTimestamp": ago(7)},
          "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}
    table = to_table(RT["ConfigMap"], [cm], now=NOW)
    assert names(table) == ["Name", "Data", "Age"]
    assert table["rows"][0]["cells"] == ["checkout-config", 3, "7s"]


# --- custom resources and the default table ---------------------------------------------------

ROLLOUT_COLUMNS = (
    {"name": "Desired", "type": "integer", "jsonPath": ".spec.replicas"},
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase",
     "description": "Rollout phase"},
    {"name": "Ready", "type": "string",
     "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
    {"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused", "priority": 1},
    {"name": "Weight", "type": "number", "jsonPath": ".status.canaryWeight"},
    {"name": "Strategy", "type": "string", "jsonPath": ".spec.strategy"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
)


def _custom_rt(columns):
    return ResourceType("rollouts.example.io", "v1", "Rollout", "rollouts", "rollout", True,
                        custom=True, printer_columns=columns)


def test_custom_resource_printer_columns():
    rollout = {
        "apiVersion": "rollouts.example.io/v1", "kind": "Rollout",
        "metadata": {"name": "checkout", "namespace": "shop",
                     "creationTimestamp": ago(3 * HOUR + 5 * MIN)},
        "spec": {"replicas": 4.0, "paused": False, "strategy": {"canary": {"steps": 3}}},
        "status": {"phase": "Progressing", "canaryWeight": 25,
                   "conditions": [{"type": "Available", "status": "True"},
                                  {"type": "Ready", "status": "False"}]},
    }
    table = to_table(_custom_rt(ROLLOUT_COLUMNS), [rollout], now=NOW)
    assert table["columnDefinitions"][0] == {
        "name": "Name", "type": "string", "format": "name",
        "description": table["columnDefinitions"][0]["description"], "priority": 0}
    assert names(table) == ["Name", "Desired", "Phase", "Ready", "Paused", "Weight", "Strategy",
                            "Age"]
    assert table["columnDefinitions"][1]["description"] == (
        "Custom resource definition column (in JSONPath format): .spec.replicas")
    assert table["columnDefinitions"][2]["description"] == "Rollout phase"
    assert table["columnDefinitions"][4]["priority"] == 1
    assert table["rows"][0]["cells"] == [
        "checkout", 4, "Progressing", "False", False, 25.0, '{"canary":{"steps":3}}', "3h5m"]
    empty = {"metadata": {"name": "blank"}, "spec": {"replicas": "three"}}
    assert to_table(_custom_rt(ROLLOUT_COLUMNS), [empty], now=NOW)["rows"][0]["cells"] == [
        "blank", None, None, None, None, None, None, None]


def test_custom_resource_without_columns_gets_age():
    table = to_table(_custom_rt(()), [{"metadata": {"name": "x", "creationTimestamp": ago(61)}}],
                     now=NOW)
    assert names(table) == ["Name", "Age"]
    assert table["columnDefinitions"][1]["type"] == "date"
    assert table["rows"][0]["cells"] == ["x", "61s"]


def test_custom_string_and_date_cells_follow_go_formatting():
    columns = ({"name": "Score", "type": "string", "jsonPath": ".status.score"},
               {"name": "Big", "type": "string", "jsonPath": ".status.big"},
               {"name": "Null", "type": "string", "jsonPath": ".status.none"},
               {"name": "Flag", "type": "string", "jsonPath": ".status.flag"},
               {"name": "When", "type": "date", "jsonPath": ".status.when"},
               {"name": "Unset", "type": "date", "jsonPath": ".status.unset"})
    obj = {"metadata": {"name": "x"},
           "status": {"score": 1.0, "big": 2500000.0, "none": None, "flag": True,
                      "when": "yesterday", "unset": ""}}
    assert to_table(_custom_rt(columns), [obj], now=NOW)["rows"][0]["cells"] == [
        "x", "1", "2.5e+06", "<no value>", "true", "<invalid>", "<unknown>"]


def test_default_table_for_custom_resource_definitions():
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "rollouts.example.io",
                        "creationTimestamp": "2026-11-20T10:11:12.5Z"}}
    table = to_table(RT["CustomResourceDefinition"], [crd, {"metadata": {"name": "bare"}}],
                     now=NOW)
    assert names(table) == ["Name", "Created At"]
    assert [c["type"] for c in table["columnDefinitions"]] == ["string", "date"]
    assert [r["cells"] for r in table["rows"]] == [
        ["rollouts.example.io", "2026-11-20T10:11:12Z"], ["bare", "0001-01-01T00:00:00Z"]]


@pytest.mark.parametrize(("path", "want"), [
    (".status.phase", ["Running"]),
    ("{.status.phase}", ["Running"]),
    ("$.spec.containers[0].name", ["a"]),
    (".spec.containers[-1].name", ["b"]),
    (".spec.containers[*].name", ["a", "b"]),
    (".spec.containers[0:1].image", ["img-a"]),
    (".metadata.labels['app.kubernetes.io/name']", ["shop"]),
    (".metadata.labels.app\\.kubernetes\\.io/name", ["shop"]),
    (".metadata.labels.*", ["shop", "web"]),
    ('.status.conditions[?(@.type=="Ready")].status', ["True"]),
    (".status.conditions[?(@.type != 'Ready')].type", ["Initialized"]),
    (".status.conditions[?(@.reason)].reason", ["Done"]),
    (".status.counts[?(@.n > 2)].n", [3]),
    (".status.missing.deeper", []),
    (".spec.containers[7].name", []),
])
def test_jsonpath(path, want):
    obj = {"metadata": {"labels": {"tier": "web", "app.kubernetes.io/name": "shop"}},
           "spec": {"containers": [{"name": "a", "image": "img-a"},
                                   {"name": "b", "image": "img-b"}]},
           "status": {"phase": "Running", "counts": [{"n": 1}, {"n": 3}],
                      "conditions": [{"type": "Initialized", "status": "True",
                                      "reason": "Done"},
                                     {"type": "Ready", "status": "True"}]}}
    assert jsonpath_find(parse_jsonpath(path), obj) == want


@pytest.mark.parametrize("path", [".a[", ".status[?(@.x==)]", "status", ".a..b"])
def test_jsonpath_rejects_what_it_cannot_evaluate(path):
    with pytest.raises(ValueError, match=r"JSONPath|invalid literal"):
        parse_jsonpath(path)


# --- table envelope: includeObject, headers, list metadata -------------------------------------


def _simple_pod():
    return _app_pod("p", "Running", [
        {"name": "checkout", "ready": True, "restartCount": 0, "state": RUNNING}])


def test_table_envelope_and_partial_object_metadata():
    pod = _simple_pod()
    table = to_table(RT["Pod"], [pod], now=NOW,
                     list_meta={"resourceVersion": "900", "continue": "", "selfLink": "x"})
    assert table["kind"] == "Table"
    assert table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "900"}
    assert list(table["rows"][0]) == ["cells", "object"]
    partial = table["rows"][0]["object"]
    assert partial["kind"] == "PartialObjectMetadata"
    assert partial["apiVersion"] == "meta.k8s.io/v1"
    assert partial["metadata"] is pod["metadata"]
    assert "spec" not in partial
    paged = to_table(RT["Pod"], [pod], now=NOW, version="v1beta1",
                     list_meta={"resourceVersion": "9", "continue": "tok",
                                "remainingItemCount": 0})
    assert paged["metadata"] == {"resourceVersion": "9", "continue": "tok",
                                 "remainingItemCount": 0}
    assert paged["apiVersion"] == paged["rows"][0]["object"]["apiVersion"] == (
        "meta.k8s.io/v1beta1")


def test_include_object_modes():
    pod = _simple_pod()
    assert to_table(RT["Pod"], [pod], now=NOW, include_object="None")["rows"][0]["object"] is None
    assert to_table(RT["Pod"], [pod], now=NOW, include_object="Object")["rows"][0][
        "object"] is pod
    assert to_table(RT["Pod"], [pod], now=NOW, include_object="")["rows"][0]["object"][
        "kind"] == "PartialObjectMetadata"
    bare = {"metadata": {"name": "cm"}}
    full = to_table(RT["ConfigMap"], [bare], now=NOW, include_object="Object")["rows"][0]
    assert full["object"] == {"metadata": {"name": "cm"}, "apiVersion": "v1",
                              "kind": "ConfigMap"}
    with pytest.raises(TableOptionsError) as err:
        to_table(RT["Pod"], [pod], now=NOW, include_object="Everything")
    assert str(err.value) == (
        'Unable to convert to Table as requested: includeObject: Invalid value: "Everything": '
        "must be 'Metadata', 'Object', 'None', or empty")


def test_watch_events_after_the_first_have_no_headers():
    first = to_table(RT["Pod"], [_simple_pod()], now=NOW)
    later = to_table(RT["Pod"], [_simple_pod()], now=NOW, no_headers=True)
    assert len(first["columnDefinitions"]) == 9
    assert later["columnDefinitions"] is None
    assert later["rows"] == first["rows"]
    assert to_table(RT["Pod"], [], now=NOW)["rows"] == []


def test_columns_are_fresh_per_table():
    first = to_table(RT["Pod"], [], now=NOW)
    first["columnDefinitions"][0]["name"] = "mutated"
    assert to_table(RT["Pod"], [], now=NOW)["columnDefinitions"][0]["name"] == "Name"


def test_naive_now_is_taken_as_utc():
    ns = {"metadata": {"name": "a", "creationTimestamp": "2026-11-22T05:00:00Z"}}
    naive = datetime(2026, 11, 22, 6, 0, 0)
    assert to_table(RT["Namespace"], [ns], now=naive)["rows"][0]["cells"][2] == "60m"


def test_ten_thousand_pods_convert_to_ten_thousand_rows():
    pods = []
    for i in range(10_000):
        pod = _app_pod(f"load-{i}", "Running", [{
            "name": "checkout", "ready": True, "restartCount": i % 4, "state": RUNNING,
            "lastState": {"terminated": {"finishedAt": ago(i % 600)}}}])
        pods.append(pod)
    table = to_table(RT["Pod"], pods, now=NOW)
    assert len(table["rows"]) == 10_000
    assert table["rows"][5]["cells"][3] == "1 (5s ago)"
    assert table["rows"][5]["object"]["metadata"] is pods[5]["metadata"]
