"""Table rows of Secrets, ResourceQuotas and NetworkPolicies, as
pkg/printers/internalversion/printers.go prints them (printSecret, printResourceQuota,
printNetworkPolicy) with its column definitions."""

from __future__ import annotations

from warroom.kinds.objects import Obj
from warroom.sim.columns import AGE_COL, NAME_COL, col
from warroom.sim.printers import Cells, age, format_label_selector

SECRET_COLUMNS = (
    NAME_COL,
    col(
        "Type",
        desc="Used to facilitate programmatic handling of secret data. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
    ),
    col(
        "Data",
        desc="Data contains the secret data. Each key must consist of alphanumeric characters, "
        "'-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, "
        "representing the arbitrary (possibly non-string) data value here. Described in "
        "https://tools.ietf.org/html/rfc4648#section-4",
    ),
    AGE_COL,
)

RESOURCE_QUOTA_COLUMNS = (
    NAME_COL,
    col(
        "Request",
        desc="Request represents a minimum amount of cpu/memory that a container may consume.",
    ),
    col(
        "Limit",
        desc="Limits control the maximum amount of cpu/memory that a container may use "
        "independent of contention on the node.",
    ),
    AGE_COL,
)

NETWORK_POLICY_COLUMNS = (
    NAME_COL,
    col(
        "Pod-Selector",
        desc="podSelector selects the pods to which this NetworkPolicy object applies. The array "
        "of rules is applied to any pods selected by this field. An empty selector matches all "
        "pods in the policy's namespace. Multiple network policies can select the same set of "
        "pods. In this case, the ingress rules for each are combined additively. This field is "
        "optional. If it is not specified, it defaults to an empty selector.",
    ),
    AGE_COL,
)


def print_network_policy(policy: Obj, now: float) -> Cells:
    selector = (policy.get("spec") or {}).get("podSelector")
    name = (policy.get("metadata") or {}).get("name", "")
    return [name, format_label_selector(selector), age(policy, now)]


def print_secret(secret: Obj, now: float) -> Cells:
    meta = secret.get("metadata") or {}
    count = len(secret.get("data") or {})
    return [meta.get("name", ""), secret.get("type", ""), count, age(secret, now)]


def print_resource_quota(quota: Obj, now: float) -> Cells:
    """`used/hard` per resource in status.hard, sorted; `limits.*` in the Limit cell."""
    status = quota.get("status") or {}
    hard = status.get("hard") or {}
    used = status.get("used") or {}
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        cell = limits if resource.split(".")[0] == "limits" and "." in resource else requests
        # A resource missing from used prints as the zero Quantity does: "0".
        cell.append(f"{resource}: {used.get(resource, '0')}/{hard[resource]}")
    name = (quota.get("metadata") or {}).get("name", "")
    return [name, ", ".join(requests), ", ".join(limits), age(quota, now)]
