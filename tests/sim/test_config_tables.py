"""Secrets, PersistentVolumeClaims and ResourceQuotas as the API server prints them: cells
ported from printers_test.go (TestPrintPersistentVolumeClaim), rows of printSecret and
printResourceQuota, and Quantity's canonical sums (quantity_test.go's String cases)."""

from __future__ import annotations

import pytest

from tests.sim.test_tables import NOW, NOW_S, RT, ago, cells, names
from warroom.sim.printers_config import print_resource_quota
from warroom.sim.printers_storage import print_pvc
from warroom.sim.quantity import format_quantity
from warroom.sim.tables import to_table


def _pvc(name, volume, mode, phase, modes, storage, scn=None):
    spec = {"volumeName": volume} if volume else {}
    if mode:
        spec["volumeMode"] = mode
    if scn:
        spec["storageClassName"] = scn
    return {
        "metadata": {"name": name},
        "spec": spec,
        "status": {"phase": phase, "accessModes": modes, "capacity": {"storage": storage}},
    }


# TestPrintPersistentVolumeClaim, with v1.32's VolumeAttributesClass cell (<unset>).
@pytest.mark.parametrize(
    ("pvc", "want"),
    [
        (
            _pvc("test1", "my-volume", "Filesystem", "Bound", ["ReadOnlyMany"], "4Gi"),
            ["test1", "Bound", "my-volume", "4Gi", "ROX", "", "<unset>", "<unknown>", "Filesystem"],
        ),
        (
            _pvc("test2", "", "Filesystem", "Lost", ["ReadOnlyMany"], "4Gi"),
            ["test2", "Lost", "", "", "", "", "<unset>", "<unknown>", "Filesystem"],
        ),
        (
            _pvc("test3", "my-volume", "Filesystem", "Pending", ["ReadWriteMany"], "10Gi"),
            ["test3", "Pending", "my-volume", "10Gi", "RWX", "", "<unset>", "<unknown>",
             "Filesystem"],
        ),
        (
            _pvc("test4", "my-volume", "Filesystem", "Pending", ["ReadWriteOnce"], "10Gi",
                 "my-scn"),
            ["test4", "Pending", "my-volume", "10Gi", "RWO", "my-scn", "<unset>", "<unknown>",
             "Filesystem"],
        ),
        (
            _pvc("test5", "my-volume", None, "Pending", ["ReadWriteOnce"], "10Gi", "my-scn"),
            ["test5", "Pending", "my-volume", "10Gi", "RWO", "my-scn", "<unset>", "<unknown>",
             "<unset>"],
        ),
    ],
)
def test_print_persistent_volume_claim(pvc, want):
    assert print_pvc(pvc, NOW_S) == want


def test_pvc_access_modes_keep_kubectls_order_and_a_deleted_claim_is_terminating():
    pvc = _pvc("data", "pvc-1", None, "Bound",
               ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"], "1Gi")
    pvc["metadata"]["deletionTimestamp"] = ago(5)
    pvc["metadata"]["annotations"] = {"volume.beta.kubernetes.io/storage-class": "beta"}
    pvc["spec"]["storageClassName"] = "ignored"
    row = print_pvc(pvc, NOW_S)
    assert row[1] == "Terminating"
    assert row[4] == "RWO,RWX"
    assert row[5] == "beta"


def test_pvc_columns_put_volume_mode_in_wide_output():
    pending = _pvc("d", "", None, "Pending", [], "1Gi")
    table = to_table(RT["PersistentVolumeClaim"], [pending], now=NOW)
    assert names(table) == ["Name", "Status", "Volume", "Capacity", "Access Modes",
                            "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0] * 8 + [1]


def test_print_secret_counts_its_data_keys():
    secret = {"metadata": {"name": "db", "creationTimestamp": ago(90)},
              "type": "kubernetes.io/basic-auth", "data": {"username": "YQ==", "password": "Yg=="}}
    assert cells("Secret", secret) == ["db", "kubernetes.io/basic-auth", 2, "90s"]
    empty = {"metadata": {"name": "empty", "creationTimestamp": ago(90)}, "type": "Opaque"}
    assert cells("Secret", empty) == ["empty", "Opaque", 0, "90s"]


def test_print_resource_quota_sorts_resources_and_splits_limits():
    quota = {
        "metadata": {"name": "compute", "creationTimestamp": ago(600)},
        "status": {
            "hard": {"pods": "10", "limits.memory": "8Gi", "requests.cpu": "4",
                     "limits.cpu": "8", "requests.memory": "4Gi", "configmaps": "5"},
            "used": {"pods": "3", "limits.memory": "3Gi", "requests.cpu": "1500m",
                     "limits.cpu": "3", "requests.memory": "1536Mi"},
        },
    }
    assert print_resource_quota(quota, NOW_S) == [
        "compute",
        "configmaps: 0/5, pods: 3/10, requests.cpu: 1500m/4, requests.memory: 1536Mi/4Gi",
        "limits.cpu: 3/8, limits.memory: 3Gi/8Gi",
        "10m",
    ]
    table = to_table(RT["ResourceQuota"], [quota], now=NOW)
    assert names(table) == ["Name", "Request", "Limit", "Age"]


@pytest.mark.parametrize(
    ("value", "binary", "want"),
    [
        (2.75, False, "2750m"),
        (3.0, False, "3"),
        (0.0, False, "0"),
        (0.1, False, "100m"),
        (1536 * 2**20, True, "1536Mi"),
        (11 * 2**30, True, "11Gi"),
        (2**40, True, "1Ti"),
        (1023.0, True, "1023"),
        (1025.0, True, "1025"),
    ],
)
def test_quantity_sums_print_canonically(value, binary, want):
    assert format_quantity(value, binary=binary) == want


@pytest.mark.parametrize(
    ("selector", "want"),
    [
        ({}, "<none>"),
        ({"matchLabels": {"app": "node0", "tier": "api"}}, "app=node0,tier=api"),
        ({"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "canary"]}]},
         "env in (canary,prod)"),
    ],
)
def test_print_network_policy_formats_its_pod_selector(selector, want):
    policy = {"metadata": {"name": "default-deny", "creationTimestamp": ago(3 * 3600)},
              "spec": {"podSelector": selector}}
    assert cells("NetworkPolicy", policy) == ["default-deny", want, "3h"]
