"""How the API server prints each built-in kind's Table rows (pkg/printers/internalversion).

Pods, nodes and HPAs read through `warroom.kinds`, which the war room shares; the other kinds,
and the wide cells only kubectl shows, are printed here alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warroom.kinds.hpa import format_hpa_metrics
from warroom.kinds.node import node_roles, node_status
from warroom.kinds.objects import Obj
from warroom.kinds.pod import pod_status
from warroom.kinds.times import since, timestamp_of

Cells = list[Any]


def age(obj: Obj, now: float) -> str:
    return since((obj.get("metadata") or {}).get("creationTimestamp"), now)


def format_labels(labels: Mapping[str, Any] | None) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` pairs, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


_SELECTOR_OPS = {"In": " in ", "NotIn": " notin "}


def selector_string(selector: Mapping[str, Any] | None) -> str:
    """``LabelSelectorAsSelector(sel).String()``: requirements sorted by key, values sorted."""
    if not selector:
        return ""
    reqs: list[tuple[str, str]] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        reqs.append((key, f"{key}={value}"))
    for expr in selector.get("matchExpressions") or ():
        key = expr.get("key", "")
        op = expr.get("operator", "")
        values = sorted(expr.get("values") or ())
        if op == "Exists":
            reqs.append((key, key))
        elif op == "DoesNotExist":
            reqs.append((key, "!" + key))
        elif op in _SELECTOR_OPS:
            reqs.append((key, f"{key}{_SELECTOR_OPS[op]}({','.join(values)})"))
        else:
            return "<invalid>"
    reqs.sort(key=lambda r: r[0])
    return ",".join(text for _, text in reqs)


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """``metav1.FormatLabelSelector``: like :func:`selector_string` but ``<none>`` when empty."""
    text = selector_string(selector)
    return "<error>" if text == "<invalid>" else (text or "<none>")


def container_cells(pod_template: Mapping[str, Any] | None) -> tuple[str, str]:
    """``layoutContainerCells`` over a pod template's containers: names and images."""
    containers = ((pod_template or {}).get("spec") or {}).get("containers") or ()
    names = ",".join(c.get("name", "") for c in containers)
    images = ",".join(c.get("image", "") for c in containers)
    return names, images


POD_SUCCESS_CONDITIONS = (
    {
        "type": "Completed",
        "status": "True",
        "reason": "Succeeded",
        "message": "The pod has completed successfully.",
    },
)
POD_FAILED_CONDITIONS = (
    {"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."},
)


def pod_conditions(pod: Obj) -> Sequence[Mapping[str, str]] | None:
    """Row conditions: a finished pod's row is marked Completed."""
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return POD_SUCCESS_CONDITIONS
    if phase == "Failed":
        return POD_FAILED_CONDITIONS
    return None


def print_pod(pod: Obj, now: float) -> Cells:
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    printed = pod_status(pod)
    # v1 -> internal conversion makes podIP authoritative over podIPs[0].
    ips = status.get("podIPs") or ()
    pod_ip = status.get("podIP") or (ips[0].get("ip") if ips else "") or "<none>"
    gates = spec.get("readinessGates") or ()
    gates_cell = "<none>"
    if gates:
        conditions = status.get("conditions") or ()
        true_count = 0
        for gate in gates:
            for cond in conditions:
                if cond.get("type") == gate.get("conditionType"):
                    if cond.get("status") == "True":
                        true_count += 1
                    break
        gates_cell = f"{true_count}/{len(gates)}"
    return [
        meta.get("name", ""),
        printed.ready_text,
        printed.reason,
        printed.restarts_text(now),
        age(pod, now),
        pod_ip,
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gates_cell,
    ]


def _node_address(addresses: Sequence[Obj], type_: str) -> str:
    for address in addresses:
        if address.get("type") == type_:
            return str(address.get("address", ""))
    return "<none>"


def print_node(node: Obj, now: float) -> Cells:
    meta = node.get("metadata") or {}
    status = node.get("status") or {}
    roles = ",".join(node_roles(meta.get("labels") or {})) or "<none>"
    info = status.get("nodeInfo") or {}
    addresses = status.get("addresses") or ()
    return [
        meta.get("name", ""),
        node_status(node),
        roles,
        age(node, now),
        info.get("kubeletVersion", ""),
        _node_address(addresses, "InternalIP"),
        _node_address(addresses, "ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


# --- Namespace, ConfigMap, Service, Event -----------------------------------------------------


def print_namespace(ns: Obj, now: float) -> Cells:
    phase = (ns.get("status") or {}).get("phase", "")
    return [(ns.get("metadata") or {}).get("name", ""), phase, age(ns, now)]


def print_configmap(cm: Obj, now: float) -> Cells:
    count = len(cm.get("data") or {}) + len(cm.get("binaryData") or {})
    return [(cm.get("metadata") or {}).get("name", ""), count, age(cm, now)]


def _service_external_ip(spec: Obj, status: Obj, svc_type: str) -> str:
    external = spec.get("externalIPs") or ()
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        # The server prints wide cells, so load-balancer addresses are never clipped.
        ingress = (status.get("loadBalancer") or {}).get("ingress") or ()
        lb = sorted(
            {i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")}
        )
        if external:
            return ",".join([*lb, *external])
        return ",".join(lb) if lb else "<pending>"
    if svc_type == "ExternalName":
        return str(spec.get("externalName", ""))
    return "<unknown>"


def print_service(svc: Obj, now: float) -> Cells:
    spec = svc.get("spec") or {}
    # type and protocol are defaulted by the API server, so an unset value means the default.
    svc_type = spec.get("type") or "ClusterIP"
    cluster_ips = spec.get("clusterIPs") or ()
    cluster_ip = spec.get("clusterIP") or (cluster_ips[0] if cluster_ips else "") or "<none>"
    pieces = []
    for port in spec.get("ports") or ():
        protocol = port.get("protocol") or "TCP"
        node_port = port.get("nodePort") or 0
        if node_port > 0:
            pieces.append(f"{port.get('port', 0)}:{node_port}/{protocol}")
        else:
            pieces.append(f"{port.get('port', 0)}/{protocol}")
    return [
        (svc.get("metadata") or {}).get("name", ""),
        svc_type,
        cluster_ip,
        _service_external_ip(spec, svc.get("status") or {}, svc_type),
        ",".join(pieces) or "<none>",
        age(svc, now),
        format_labels(spec.get("selector")),
    ]


def print_event(ev: Obj, now: float) -> Cells:
    first = ev.get("firstTimestamp")
    first_seen = (
        since(first, now) if timestamp_of(first) is not None else since(ev.get("eventTime"), now)
    )
    last = ev.get("lastTimestamp")
    last_seen = since(last, now) if timestamp_of(last) is not None else first_seen
    count = ev.get("count") or 0
    series = ev.get("series")
    if series is not None:
        last_seen = since(series.get("lastObservedTime"), now)
        count = series.get("count") or 0
    elif count == 0:
        # Events written through events.k8s.io carry no count when they happened once.
        count = 1
    involved = ev.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = ev.get("source") or {}
    component = source.get("component") or ev.get("reportingComponent") or ""
    instance = source.get("host") or ev.get("reportingInstance") or ""
    return [
        last_seen,
        ev.get("type", ""),
        ev.get("reason", ""),
        target,
        involved.get("fieldPath", ""),
        f"{component}, {instance}" if instance else component,
        (ev.get("message") or "").strip(),
        first_seen,
        count,
        (ev.get("metadata") or {}).get("name", ""),
    ]


# --- workloads --------------------------------------------------------------------------------


def _replicas(spec: Obj) -> int:
    # spec.replicas is defaulted to 1 by the API server.
    value = spec.get("replicas")
    return 1 if value is None else value


def print_deployment(dep: Obj, now: float) -> Cells:
    spec = dep.get("spec") or {}
    status = dep.get("status") or {}
    names, images = container_cells(spec.get("template"))
    return [
        (dep.get("metadata") or {}).get("name", ""),
        f"{status.get('readyReplicas') or 0}/{_replicas(spec)}",
        status.get("updatedReplicas") or 0,
        status.get("availableReplicas") or 0,
        age(dep, now),
        names,
        images,
        selector_string(spec.get("selector")),
    ]


def print_replicaset(rs: Obj, now: float) -> Cells:
    spec = rs.get("spec") or {}
    status = rs.get("status") or {}
    names, images = container_cells(spec.get("template"))
    return [
        (rs.get("metadata") or {}).get("name", ""),
        _replicas(spec),
        status.get("replicas") or 0,
        status.get("readyReplicas") or 0,
        age(rs, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def print_daemonset(ds: Obj, now: float) -> Cells:
    spec = ds.get("spec") or {}
    status = ds.get("status") or {}
    template = spec.get("template") or {}
    names, images = container_cells(template)
    return [
        (ds.get("metadata") or {}).get("name", ""),
        status.get("desiredNumberScheduled") or 0,
        status.get("currentNumberScheduled") or 0,
        status.get("numberReady") or 0,
        status.get("updatedNumberScheduled") or 0,
        status.get("numberAvailable") or 0,
        format_labels((template.get("spec") or {}).get("nodeSelector")),
        age(ds, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def print_hpa(hpa: Obj, now: float) -> Cells:
    spec = hpa.get("spec") or {}
    status = hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    min_replicas = spec.get("minReplicas")
    return [
        (hpa.get("metadata") or {}).get("name", ""),
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        format_hpa_metrics(spec.get("metrics") or (), status.get("currentMetrics") or ()),
        "<unset>" if min_replicas is None else str(min_replicas),
        spec.get("maxReplicas") or 0,
        status.get("currentReplicas") or 0,
        age(hpa, now),
    ]


# --- PodDisruptionBudget ----------------------------------------------------------------------


def print_pdb(pdb: Obj, now: float) -> Cells:
    spec = pdb.get("spec") or {}
    min_available = spec.get("minAvailable")
    max_unavailable = spec.get("maxUnavailable")
    return [
        (pdb.get("metadata") or {}).get("name", ""),
        "N/A" if min_available is None else str(min_available),
        "N/A" if max_unavailable is None else str(max_unavailable),
        (pdb.get("status") or {}).get("disruptionsAllowed") or 0,
        age(pdb, now),
    ]
