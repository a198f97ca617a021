"""Defaulting and validation the real API server applies on create and update, per kind."""

from __future__ import annotations

import re
from typing import Any

from warroom.sim.crds import validate_crd
from warroom.sim.errors import ApiError, invalid
from warroom.sim.selectors import SelectorError, label_selector_from_spec

Obj = dict[str, Any]

_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

# Kinds whose names must be DNS-1123 labels rather than subdomains.
_LABEL_NAMED = {"Namespace", "Service"}

# Kinds whose spec changes bump metadata.generation.
GENERATION_KINDS = {
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "CustomResourceDefinition",
    "Pod",
}


def validate_name(kind: str, group: str, name: str) -> None:
    if kind in _LABEL_NAMED:
        ok = len(name) <= 63 and bool(_DNS1123_LABEL.match(name))
        rule = (
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
            "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
            "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        )
    else:
        ok = len(name) <= 253 and bool(_DNS1123_SUBDOMAIN.match(name))
        rule = (
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )
    if not ok:
        raise invalid(kind, name, group, "metadata.name", f'Invalid value: "{name}": {rule}')


def _image_pull_policy(image: str) -> str:
    tail = image.rsplit("/", 1)[-1]
    if "@" in tail:
        return "IfNotPresent"
    if ":" not in tail or tail.endswith(":latest"):
        return "Always"
    return "IfNotPresent"


def default_pod_spec(spec: Obj) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or ():
            if not isinstance(container, dict):
                continue
            container.setdefault(
                "imagePullPolicy", _image_pull_policy(str(container.get("image", "")))
            )
            container.setdefault("terminationMessagePath", "/dev/termination-log")
            container.setdefault("terminationMessagePolicy", "File")
            container.setdefault("resources", {})
            for port in container.get("ports") or ():
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")


def _qos_class(spec: Obj) -> str:
    requests_set = limits_set = False
    guaranteed = True
    for container in spec.get("containers") or ():
        resources = container.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        requests_set = requests_set or bool(requests)
        limits_set = limits_set or bool(limits)
        for name in ("cpu", "memory"):
            if name not in limits or requests.get(name, limits[name]) != limits[name]:
                guaranteed = False
    if not requests_set and not limits_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _default_tolerations(spec: Obj) -> None:
    # DefaultTolerationSeconds admission: pods ride out a NotReady node for 300 s.
    tolerations = spec.setdefault("tolerations", [])
    present = {t.get("key") for t in tolerations if isinstance(t, dict)}
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if key not in present:
            tolerations.append(
                {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            )


def _require_selector(obj: Obj, kind: str, group: str) -> None:
    spec = obj.get("spec") or {}
    name = obj["metadata"].get("name", "")
    if not isinstance(spec.get("selector"), dict):
        raise invalid(kind, name, group, "spec.selector", "Required value")
    try:
        selector = label_selector_from_spec(spec["selector"])
    except SelectorError as exc:
        raise invalid(kind, name, group, "spec.selector", f"Invalid value: {exc}") from exc
    if selector.empty:
        raise invalid(
            kind,
            name,
            group,
            "spec.selector",
            "Invalid value: empty selector is invalid for deployment",
        )
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    if not selector.matches(labels):
        raise invalid(
            kind,
            name,
            group,
            "spec.template.metadata.labels",
            f"Invalid value: {labels}: `selector` does not match template `labels`",
        )


def _default_template(spec: Obj) -> None:
    template = spec.setdefault("template", {})
    template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
    default_pod_spec(template.setdefault("spec", {}))


def apply_defaults(obj: Obj, kind: str, group: str, *, next_cluster_ip: str) -> None:
    """Fill what the real server's defaulting fills and refuse what its validation refuses."""
    spec = obj.setdefault("spec", {}) if kind not in ("ConfigMap", "Event") else None
    if kind == "Pod" and spec is not None:
        default_pod_spec(spec)
        _default_tolerations(spec)
        status = obj.setdefault("status", {})
        status.setdefault("phase", "Pending")
        status["qosClass"] = _qos_class(spec)
        if not spec.get("containers"):
            raise invalid(kind, obj["metadata"]["name"], group, "spec.containers", "Required value")
    elif kind == "Deployment" and spec is not None:
        _require_selector(obj, kind, group)
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", "25%")
            rolling.setdefault("maxSurge", "25%")
        _default_template(spec)
    elif kind == "ReplicaSet" and spec is not None:
        _require_selector(obj, kind, group)
        spec.setdefault("replicas", 1)
        _default_template(spec)
    elif kind == "DaemonSet" and spec is not None:
        _require_selector(obj, kind, group)
        spec.setdefault("revisionHistoryLimit", 10)
        strategy = spec.setdefault("updateStrategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            strategy.setdefault("rollingUpdate", {"maxUnavailable": 1, "maxSurge": 0})
        _default_template(spec)
    elif kind == "Service" and spec is not None:
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec.get("clusterIP") in (None, ""):
            spec["clusterIP"] = next_cluster_ip
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        for port in spec.get("ports") or ():
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
                port.setdefault("targetPort", port.get("port"))
        obj.setdefault("status", {}).setdefault("loadBalancer", {})
    elif kind == "Namespace" and spec is not None:
        spec.setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {}).setdefault("phase", "Active")
        labels = obj["metadata"].setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    elif kind == "HorizontalPodAutoscaler" and spec is not None:
        spec.setdefault("minReplicas", 1)
        if not isinstance(spec.get("scaleTargetRef"), dict):
            raise invalid(
                kind, obj["metadata"]["name"], group, "spec.scaleTargetRef", "Required value"
            )
    elif kind == "CustomResourceDefinition":
        validate_crd(obj)
    elif (
        kind == "PodDisruptionBudget"
        and spec is not None
        and "minAvailable" in spec
        and "maxUnavailable" in spec
    ):
        raise invalid(
            kind,
            obj["metadata"]["name"],
            group,
            "spec",
            "Invalid value: minAvailable and maxUnavailable cannot be both set",
        )


def check_object_shape(body: Any) -> Obj:
    if not isinstance(body, dict):
        raise ApiError(400, "the body of the request must be a JSON object")
    meta = body.get("metadata")
    if meta is None:
        body["metadata"] = {}
    elif not isinstance(meta, dict):
        raise ApiError(400, "metadata must be an object")
    return body
