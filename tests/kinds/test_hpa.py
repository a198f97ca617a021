"""kubectl's HPA TARGETS column (formatHPAMetrics): TestPrintHPA cases, autoscaling/v2."""

from __future__ import annotations

import pytest

from warroom.kinds.hpa import format_hpa_metrics

# fmt: off

def _hpa(metrics=None, current=None, min_replicas=2):
    spec = {"scaleTargetRef": {"kind": "ReplicationController", "name": "some-rc"},
            "maxReplicas": 10}
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    if metrics is not None:
        spec["metrics"] = metrics
    status = {"currentReplicas": 4, "desiredReplicas": 5}
    if current is not None:
        status["currentMetrics"] = current
    return {"metadata": {"name": "some-hpa"}, "spec": spec, "status": status}


SELECTOR = {"matchLabels": {"label": "value"}}
EXT_AVG = {"type": "External", "external": {
    "metric": {"name": "some-external-metric", "selector": SELECTOR},
    "target": {"type": "AverageValue", "averageValue": "100m"}}}
EXT_VALUE = {"type": "External", "external": {
    "metric": {"name": "some-external-metric", "selector": SELECTOR},
    "target": {"type": "Value", "value": "100m"}}}
PODS_AVG = {"type": "Pods", "pods": {"metric": {"name": "some-pods-metric"},
                                     "target": {"type": "AverageValue", "averageValue": "100m"}}}
OBJ_VALUE = {"type": "Object", "object": {
    "describedObject": {"kind": "Service", "name": "some-service"},
    "metric": {"name": "some-service-metric"}, "target": {"type": "Value", "value": "100m"}}}
CPU_AVG = {"type": "Resource", "resource": {
    "name": "cpu", "target": {"type": "AverageValue", "averageValue": "100m"}}}
CPU_UTIL = {"type": "Resource", "resource": {
    "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}
MEM_UTIL = {"type": "ContainerResource", "containerResource": {
    "name": "memory", "container": "app",
    "target": {"type": "Utilization", "averageUtilization": 80}}}


@pytest.mark.parametrize(("hpa", "targets", "min_pods"), [
    (_hpa(min_replicas=None), "<none>", "<unset>"),
    (_hpa([EXT_AVG]), "<unknown>/100m (avg)", "2"),
    (_hpa([EXT_AVG], [{"type": "External", "external": {
        "metric": {"name": "some-external-metric"}, "current": {"averageValue": "50m"}}}]),
     "50m/100m (avg)", "2"),
    (_hpa([EXT_VALUE]), "<unknown>/100m", "2"),
    (_hpa([EXT_VALUE], [{"type": "External", "external": {
        "metric": {"name": "some-external-metric"}, "current": {"value": "50m"}}}]),
     "50m/100m", "2"),
    (_hpa([PODS_AVG]), "<unknown>/100m", "2"),
    (_hpa([PODS_AVG], [{"type": "Pods", "pods": {"metric": {"name": "some-pods-metric"},
                                                 "current": {"averageValue": "50m"}}}]),
     "50m/100m", "2"),
    (_hpa([OBJ_VALUE]), "<unknown>/100m", "2"),
    (_hpa([OBJ_VALUE], [{"type": "Object", "object": {"current": {"value": "50m"}}}]),
     "50m/100m", "2"),
    (_hpa([CPU_AVG]), "cpu: <unknown>/100m", "2"),
    (_hpa([CPU_AVG], [{"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageValue": "50m"}}}]), "cpu: 50m/100m", "2"),
    (_hpa([CPU_UTIL]), "cpu: <unknown>/80%", "2"),
    (_hpa([CPU_UTIL], [{"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageUtilization": 50, "averageValue": "10m"}}}]),
     "cpu: 50%/80%", "2"),
    (_hpa([MEM_UTIL], [{"type": "ContainerResource", "containerResource": {
        "name": "memory", "container": "app", "current": {"averageUtilization": 50}}}]),
     "memory: 50%/80%", "2"),
    (_hpa([PODS_AVG, CPU_UTIL, EXT_AVG, OBJ_VALUE], [
        {"type": "Pods", "pods": {"current": {"averageValue": "50m"}}},
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 50}}},
    ]), "50m/100m, cpu: 50%/80% + 2 more...", "2"),
])
def test_hpa_targets(hpa, targets, min_pods):
    metrics, current = hpa["spec"].get("metrics") or (), hpa["status"].get("currentMetrics") or ()
    assert format_hpa_metrics(metrics, current) == targets
