"""Defaulting and validation the real API server applies on create and update, per kind."""

from __future__ import annotations

import re
from typing import Any

from warroom.sim.crds import validate_crd
from warroom.sim.errors import ApiError, invalid
from warroom.sim.secret_data import default_secret
from warroom.sim.selectors import SelectorError, label_selector_from_spec
from warroom.sim.store import Obj

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
    spec = obj.setdefault("spec", {}) if kind not in _DATA_KINDS else None
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
    elif kind == "Secret":
        default_secret(obj)
    elif kind == "NetworkPolicy" and spec is not None:
        # SetDefaults_NetworkPolicySpec: Ingress always, Egress when egress rules are given.
        spec.setdefault("podSelector", {})
        if not spec.get("policyTypes"):
            spec["policyTypes"] = ["Ingress", *(["Egress"] if spec.get("egress") else [])]
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


# The JSON types the real decoder demands of the fields the sim reads. A path step ending in
# "[]" stands for each element of a list. A value of the wrong type never gets past decoding.
FieldTypes = tuple[tuple[str, str], ...]

_META_FIELDS: FieldTypes = (
    ("apiVersion", "string"),
    ("kind", "string"),
    ("metadata.name", "string"),
    ("metadata.generateName", "string"),
    ("metadata.namespace", "string"),
    ("metadata.resourceVersion", "string"),
    ("metadata.uid", "string"),
    ("metadata.labels", "map[string]string"),
    ("metadata.annotations", "map[string]string"),
    ("metadata.finalizers", "[]string"),
    ("metadata.ownerReferences", "[]object"),
)
_POD_SPEC: FieldTypes = (
    ("nodeName", "string"),
    ("nodeSelector", "map[string]string"),
    ("terminationGracePeriodSeconds", "int64"),
    ("tolerations", "[]object"),
    ("initContainers", "[]object"),
    ("containers", "[]object"),
    ("containers[].name", "string"),
    ("containers[].image", "string"),
    ("containers[].ports", "[]object"),
    ("containers[].env", "[]object"),
    ("containers[].resources", "object"),
)
_SELECTOR: FieldTypes = (("matchLabels", "map[string]string"), ("matchExpressions", "[]object"))


def _under(prefix: str, fields: FieldTypes) -> FieldTypes:
    return tuple((f"{prefix}.{path}", want) for path, want in fields)


_WORKLOAD: FieldTypes = (
    ("spec.replicas", "int32"),
    ("spec.selector", "object"),
    *_under("spec.selector", _SELECTOR),
    ("spec.template", "object"),
    ("spec.template.metadata", "object"),
    ("spec.template.metadata.labels", "map[string]string"),
    ("spec.template.spec", "object"),
    *_under("spec.template.spec", _POD_SPEC),
)
_KIND_FIELDS: dict[str, FieldTypes] = {
    "Pod": _under("spec", _POD_SPEC),
    "Deployment": _WORKLOAD,
    "ReplicaSet": _WORKLOAD,
    "DaemonSet": _WORKLOAD,
    "Service": (
        ("spec.type", "string"),
        ("spec.selector", "map[string]string"),
        ("spec.ports", "[]object"),
    ),
    "PodDisruptionBudget": (("spec.selector", "object"), *_under("spec.selector", _SELECTOR)),
    "HorizontalPodAutoscaler": (
        ("spec.scaleTargetRef", "object"),
        ("spec.minReplicas", "int32"),
        ("spec.maxReplicas", "int32"),
        ("spec.metrics", "[]object"),
    ),
    "Namespace": (("spec.finalizers", "[]string"),),
    "Lease": (
        ("spec.holderIdentity", "string"),
        ("spec.leaseDurationSeconds", "int32"),
        ("spec.acquireTime", "string"),
        ("spec.renewTime", "string"),
        ("spec.leaseTransitions", "int32"),
        ("spec.strategy", "string"),
        ("spec.preferredHolder", "string"),
    ),
    "Node": (("spec.unschedulable", "bool"), ("spec.taints", "[]object")),
    "CustomResourceDefinition": (
        ("spec.group", "string"),
        ("spec.scope", "string"),
        ("spec.names", "object"),
        ("spec.names.plural", "string"),
        ("spec.names.singular", "string"),
        ("spec.names.kind", "string"),
        ("spec.names.shortNames", "[]string"),
        ("spec.names.categories", "[]string"),
        ("spec.versions", "[]object"),
        ("spec.versions[].name", "string"),
        ("spec.versions[].subresources", "object"),
        ("spec.versions[].additionalPrinterColumns", "[]object"),
    ),
}
# Kinds without spec and status; every other built-in kind has them as objects.
_DATA_KINDS: dict[str, FieldTypes] = {
    "ConfigMap": (("data", "map[string]string"), ("binaryData", "map[string]string")),
    "Event": (("involvedObject", "object"),),
    "Secret": (
        ("type", "string"),
        ("data", "map[string]string"),
        ("stringData", "map[string]string"),
    ),
}
DELETE_OPTIONS: FieldTypes = (
    ("gracePeriodSeconds", "int64"),
    ("propagationPolicy", "string"),
    ("orphanDependents", "bool"),
    ("dryRun", "[]string"),
    ("preconditions", "object"),
    ("preconditions.uid", "string"),
    ("preconditions.resourceVersion", "string"),
)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _fits(value: Any, want: str) -> bool:
    if want == "string":
        return isinstance(value, str)
    if want == "bool":
        return isinstance(value, bool)
    if want in ("int32", "int64"):
        return isinstance(value, int) and not isinstance(value, bool)
    if want == "object":
        return isinstance(value, dict)
    if want == "map[string]string":
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if want == "[]string":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _values(obj: Any, path: str) -> list[tuple[str, Any]]:
    """(where, value) for each non-null value at `path` in `obj`."""
    found: list[tuple[str, Any]] = [("", obj)]
    for step in path.split("."):
        key = step.removesuffix("[]")
        deeper: list[tuple[str, Any]] = []
        for where, value in found:
            if not isinstance(value, dict) or value.get(key) is None:
                continue
            here = f"{where}.{key}" if where else key
            if step.endswith("[]"):
                if isinstance(value[key], list):
                    deeper += [(f"{here}[{i}]", v) for i, v in enumerate(value[key])]
            else:
                deeper.append((here, value[key]))
        found = deeper
    return found


def type_problem(obj: Any, fields: FieldTypes) -> str | None:
    """The decoding error of the first field in `obj` of the wrong JSON type, if any."""
    for path, want in fields:
        for where, value in _values(obj, path):
            if not _fits(value, want):
                return (
                    f"json: cannot unmarshal {_json_type(value)} into Go struct field {where} "
                    f"of type {want}"
                )
    return None


def kind_fields(kind: str, *, custom: bool) -> FieldTypes:
    """The typed fields of `kind`: metadata always, spec and status for built-in kinds."""
    if custom:
        return _META_FIELDS
    if kind in _DATA_KINDS:
        return _META_FIELDS + _DATA_KINDS[kind]
    return (*_META_FIELDS, ("spec", "object"), ("status", "object"), *_KIND_FIELDS.get(kind, ()))
