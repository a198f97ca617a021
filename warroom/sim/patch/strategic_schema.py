"""Strategic merge patch metadata: each built-in kind's Go ``patchStrategy``/``patchMergeKey``
tags, which the real server reads from the typed structs and we can only write down."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple


class Field(NamedTuple):
    """A field's Go ``patchStrategy``/``patchMergeKey`` tags and the schema of its value (of
    each item, for a list). A field with no entry has no tags: maps merge, lists are atomic."""

    strategy: str = ""
    merge_key: str = ""
    schema: Mapping[str, Field] = MappingProxyType({})


Schema = Mapping[str, Field]
ATOMIC = Field()


def _merge(key: str = "", schema: Schema = ATOMIC.schema) -> Field:
    return Field("merge", key, schema)


# Tags from k8s.io/api core/v1, apps/v1, autoscaling/v2, policy/v1 and apimachinery meta/v1.
# Lists such as tolerations, taints, readinessGates and containerStatuses carry none (atomic).
_OBJECT_META = Field(schema={"ownerReferences": _merge("uid"), "finalizers": _merge()})
_CONTAINER = {
    "ports": _merge("containerPort"),
    "env": _merge("name"),
    "volumeMounts": _merge("mountPath"),
    "volumeDevices": _merge("devicePath"),
}
_POD_SPEC = {
    "volumes": Field("merge,retainKeys", "name"),
    "initContainers": _merge("name", _CONTAINER),
    "containers": _merge("name", _CONTAINER),
    "ephemeralContainers": _merge("name", _CONTAINER),
    "imagePullSecrets": _merge("name"),
    "hostAliases": _merge("ip"),
    "topologySpreadConstraints": _merge("topologyKey"),
    "schedulingGates": _merge("name"),
    "resourceClaims": Field("merge,retainKeys", "name"),
    "evictionResponders": _merge("name"),
}
_POD_STATUS = {
    "conditions": _merge("type"),
    "hostIPs": _merge("ip"),
    "podIPs": _merge("ip"),
    "resourceClaimStatuses": Field("merge,retainKeys", "name"),
    "nodeAllocatableResourceClaimStatuses": _merge("resourceClaimName"),
}
_TEMPLATE = Field(schema={"metadata": _OBJECT_META, "spec": Field(schema=_POD_SPEC)})
_CONDITIONS = {"conditions": _merge("type")}


def _kind(spec: Schema | None = None, status: Schema | None = None) -> Schema:
    return {
        "metadata": _OBJECT_META,
        "spec": Field(schema=spec or {}),
        "status": Field(schema=status or {}),
    }


PATCH_METADATA: Mapping[str, Schema] = {
    "Pod": _kind(_POD_SPEC, _POD_STATUS),
    "Node": _kind({"podCIDRs": _merge()}, {**_CONDITIONS, "addresses": _merge("type")}),
    "Service": _kind({"ports": _merge("port")}, _CONDITIONS),
    "ConfigMap": _kind(),
    "Event": _kind(),
    "Namespace": _kind(status=_CONDITIONS),
    "Deployment": _kind({"template": _TEMPLATE, "strategy": Field("retainKeys")}, _CONDITIONS),
    "ReplicaSet": _kind({"template": _TEMPLATE}, _CONDITIONS),
    "DaemonSet": _kind({"template": _TEMPLATE}, _CONDITIONS),
    "HorizontalPodAutoscaler": _kind(status=_CONDITIONS),
    "PodDisruptionBudget": _kind({"selector": Field("replace")}, _CONDITIONS),
}
