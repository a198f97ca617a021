"""Which columns and row function print each built-in kind's Table (the server's TableHandler
registrations in pkg/printers/internalversion/printers.go)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from warroom.kinds.objects import Obj
from warroom.sim.columns import (
    CONFIGMAP_COLUMNS,
    DAEMONSET_COLUMNS,
    DEPLOYMENT_COLUMNS,
    EVENT_COLUMNS,
    HPA_COLUMNS,
    INGRESS_COLUMNS,
    NAMESPACE_COLUMNS,
    NODE_COLUMNS,
    PDB_COLUMNS,
    POD_COLUMNS,
    REPLICASET_COLUMNS,
    SERVICE_COLUMNS,
)
from warroom.sim.printers import (
    Cells,
    pod_conditions,
    print_configmap,
    print_daemonset,
    print_deployment,
    print_event,
    print_hpa,
    print_namespace,
    print_node,
    print_pdb,
    print_pod,
    print_replicaset,
    print_service,
)
from warroom.sim.printers_config import (
    NETWORK_POLICY_COLUMNS,
    RESOURCE_QUOTA_COLUMNS,
    SECRET_COLUMNS,
    print_network_policy,
    print_resource_quota,
    print_secret,
)
from warroom.sim.printers_ingress import print_ingress
from warroom.sim.printers_lease import LEASE_COLUMNS, print_lease
from warroom.sim.printers_storage import PVC_COLUMNS, print_pvc


class KindPrinter(NamedTuple):
    """Columns (wide ones included, as the server always prints wide) and the row function."""

    columns: tuple[dict[str, Any], ...]
    cells: Callable[[Obj, float], Cells]
    conditions: Callable[[Obj], Sequence[Mapping[str, str]] | None] | None = None


PRINTERS: dict[tuple[str, str], KindPrinter] = {
    ("", "Pod"): KindPrinter(POD_COLUMNS, print_pod, pod_conditions),
    ("", "Node"): KindPrinter(NODE_COLUMNS, print_node),
    ("", "Namespace"): KindPrinter(NAMESPACE_COLUMNS, print_namespace),
    ("", "Service"): KindPrinter(SERVICE_COLUMNS, print_service),
    ("", "ConfigMap"): KindPrinter(CONFIGMAP_COLUMNS, print_configmap),
    ("", "Secret"): KindPrinter(SECRET_COLUMNS, print_secret),
    ("", "PersistentVolumeClaim"): KindPrinter(PVC_COLUMNS, print_pvc),
    ("", "ResourceQuota"): KindPrinter(RESOURCE_QUOTA_COLUMNS, print_resource_quota),
    ("", "Event"): KindPrinter(EVENT_COLUMNS, print_event),
    ("apps", "Deployment"): KindPrinter(DEPLOYMENT_COLUMNS, print_deployment),
    ("apps", "ReplicaSet"): KindPrinter(REPLICASET_COLUMNS, print_replicaset),
    ("apps", "DaemonSet"): KindPrinter(DAEMONSET_COLUMNS, print_daemonset),
    ("autoscaling", "HorizontalPodAutoscaler"): KindPrinter(HPA_COLUMNS, print_hpa),
    ("policy", "PodDisruptionBudget"): KindPrinter(PDB_COLUMNS, print_pdb),
    ("networking.k8s.io", "Ingress"): KindPrinter(INGRESS_COLUMNS, print_ingress),
    ("networking.k8s.io", "NetworkPolicy"): KindPrinter(
        NETWORK_POLICY_COLUMNS, print_network_policy
    ),
    ("coordination.k8s.io", "Lease"): KindPrinter(LEASE_COLUMNS, print_lease),
}
