"""`kubectl describe` in the war room: the same headings and words for the kinds a go-live
watches (pods, nodes, deployments, HPAs), and kubectl's generic describer for the rest
(events among them). Ported from k8s.io/kubectl/pkg/describe/describe.go; values are read
from the objects the room already holds, so describing costs no request.

Also the object as `kubectl get -o yaml` prints it, without managedFields (as k9s shows it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import yaml

from warroom.kinds.hpa import format_hpa_metrics
from warroom.kinds.node import node_roles
from warroom.kinds.objects import Obj, section
from warroom.kinds.pod import pod_finished, pod_gpus
from warroom.kinds.quantity import quantity
from warroom.kinds.times import elapsed, timestamp_of

NONE = "<none>"
# What kubectl's smartLabelFor keeps in capitals (describe.go, commonAcronyms).
ACRONYMS = ("API", "URL", "UID", "OSB", "GUID")


class Out:
    """kubectl's prefix writer: lines at indent levels, `Key:` and value in aligned columns
    within each run of lines at one level (kubectl aligns through a tabwriter)."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, list[str]]] = []

    def row(self, level: int, *cells: Any) -> None:
        self.lines.append((level, [str(c) for c in cells]))

    def text(self) -> str:
        out: list[str] = []
        block: list[tuple[int, list[str]]] = []

        def flush() -> None:
            widths: dict[int, int] = {}
            for _, cells in block:
                for i, cell in enumerate(cells[:-1]):
                    widths[i] = max(widths.get(i, 0), len(cell))
            for level, cells in block:
                padded = [f"{c:<{widths[i]}}" for i, c in enumerate(cells[:-1])]
                out.append(("  " * level + "  ".join([*padded, cells[-1]])).rstrip())
            block.clear()

        for level, cells in self.lines:
            if block and (block[-1][0] != level or len(cells) == 1):
                flush()
            block.append((level, cells))
            if len(cells) == 1:
                flush()
        flush()
        return "\n".join(out) + "\n"


def smart_label(field: str) -> str:
    """describe.go smartLabelFor: `involvedObject` → `Involved Object`, `apiVersion` →
    `API Version`; a field with a character other than letters and `-` is kept as it is."""
    if not field.replace("-", "").isalpha():
        return field
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+", field)
    out = []
    for word in words:
        upper = word.upper()
        out.append(upper if upper in ACRONYMS else word[:1].upper() + word[1:].lower())
    return " ".join(out)


def rfc1123z(value: Any) -> str:
    """`Mon, 02 Jan 2006 15:04:05 +0000`, as describe prints times."""
    when = timestamp_of(value)
    if when is None:
        return NONE
    return datetime.fromtimestamp(when, UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _lines(out: Out, title: str, texts: Sequence[str], level: int = 0) -> None:
    """`Title:  first` then one text per line below it, or `Title:  <none>`."""
    if not texts:
        out.row(level, f"{title}:", NONE)
    for i, text in enumerate(texts):
        out.row(level, f"{title}:" if i == 0 else "", text)


def _map_lines(out: Out, title: str, values: Mapping[str, Any] | None, level: int = 0) -> None:
    """`Labels:  a=b` then one `c=d` per line below, or `<none>`."""
    _lines(out, title, [f"{k}={v}" for k, v in sorted((values or {}).items())], level)


def _events(out: Out, events: Sequence[Obj], now: float) -> None:
    """describe.go DescribeEvents: the events about the object, oldest first."""
    if not events:
        out.row(0, "Events:", NONE)
        return
    out.row(0, "Events:")
    out.row(1, "Type", "Reason", "Age", "From", "Message")
    out.row(1, "----", "------", "----", "----", "-------")

    def when(ev: Obj, field: str) -> float | None:
        return timestamp_of(ev.get(field)) or timestamp_of(ev.get("eventTime"))

    ordered = sorted(events, key=lambda e: when(e, "firstTimestamp") or 0.0)
    for ev in ordered:
        first, last = when(ev, "firstTimestamp"), when(ev, "lastTimestamp")
        age = elapsed(now, last) if last is not None else "<unknown>"
        count = int(ev.get("count") or 1)
        if count > 1 and first is not None:
            age = f"{age} (x{count} over {elapsed(now, first)})"
        source = section(ev, "source").get("component") or ev.get("reportingComponent") or ""
        message = str(ev.get("message", "")).strip()
        out.row(1, ev.get("type", ""), ev.get("reason", ""), age, source, message)


def _header(out: Out, obj: Obj, *, namespaced: bool = True) -> None:
    meta = section(obj, "metadata")
    out.row(0, "Name:", meta.get("name", ""))
    if namespaced:
        out.row(0, "Namespace:", meta.get("namespace", ""))


def _state(out: Out, level: int, title: str, state: Mapping[str, Any]) -> None:
    if "running" in state:
        out.row(level, f"{title}:", "Running")
        out.row(level + 1, "Started:", rfc1123z(section(state, "running").get("startedAt")))
    elif "waiting" in state:
        out.row(level, f"{title}:", "Waiting")
        reason = section(state, "waiting").get("reason")
        if reason:
            out.row(level + 1, "Reason:", reason)
    elif "terminated" in state:
        term = section(state, "terminated")
        out.row(level, f"{title}:", "Terminated")
        if term.get("reason"):
            out.row(level + 1, "Reason:", term["reason"])
        if term.get("message"):
            out.row(level + 1, "Message:", term["message"])
        out.row(level + 1, "Exit Code:", term.get("exitCode", 0))
        out.row(level + 1, "Started:", rfc1123z(term.get("startedAt")))
        out.row(level + 1, "Finished:", rfc1123z(term.get("finishedAt")))
    else:
        out.row(level, f"{title}:", "Waiting")


def _resources(out: Out, level: int, resources: Mapping[str, Any]) -> None:
    for title in ("limits", "requests"):
        values = section(resources, title)
        if values:
            out.row(level, f"{title.capitalize()}:")
            for name, value in sorted(values.items()):
                out.row(level + 1, f"{name}:", quantity(value))


def describe_pod(pod: Obj, events: Sequence[Obj], now: float) -> str:
    out = Out()
    meta, spec, status = section(pod, "metadata"), section(pod, "spec"), section(pod, "status")
    _header(out, pod)
    if spec.get("priority") is not None:  # as kubectl: only what the pod says
        out.row(0, "Priority:", spec["priority"])
    if spec.get("serviceAccountName"):
        out.row(0, "Service Account:", spec["serviceAccountName"])
    node = spec.get("nodeName")
    out.row(0, "Node:", f"{node}/{status.get('hostIP', '')}" if node else NONE)
    if status.get("startTime"):
        out.row(0, "Start Time:", rfc1123z(status.get("startTime")))
    _map_lines(out, "Labels", meta.get("labels"))
    _map_lines(out, "Annotations", meta.get("annotations"))
    if meta.get("deletionTimestamp"):
        out.row(
            0,
            "Status:",
            "Terminating (lasts "
            + elapsed(now, timestamp_of(meta["deletionTimestamp"]) or now)
            + ")",
        )
    else:
        out.row(0, "Status:", status.get("phase", ""))
    if status.get("reason"):
        out.row(0, "Reason:", status["reason"])
    if status.get("message"):
        out.row(0, "Message:", status["message"])
    out.row(0, "IP:", status.get("podIP", ""))
    ips = status.get("podIPs") or []
    if ips:
        out.row(0, "IPs:")
        for ip in ips:
            out.row(1, "IP:", ip.get("ip", ""))
    else:
        out.row(0, "IPs:", NONE)
    owner = next((o for o in meta.get("ownerReferences") or () if o.get("controller")), None)
    if owner is not None:
        out.row(0, "Controlled By:", f"{owner.get('kind')}/{owner.get('name')}")
    statuses = {cs.get("name"): cs for cs in status.get("containerStatuses") or ()}
    out.row(0, "Containers:")
    for container in spec.get("containers") or ():
        cs = statuses.get(container.get("name"), {})
        out.row(1, f"{container.get('name')}:")
        if cs.get("containerID"):
            out.row(2, "Container ID:", cs["containerID"])
        out.row(2, "Image:", container.get("image", ""))
        out.row(2, "Image ID:", cs.get("imageID", ""))
        ports = container.get("ports") or []
        if ports:
            text = ", ".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in ports)
            out.row(2, "Port:" if len(ports) == 1 else "Ports:", text)
        else:
            out.row(2, "Port:", NONE)
        _state(out, 2, "State", section(cs, "state"))
        if section(cs, "lastState"):
            _state(out, 2, "Last State", section(cs, "lastState"))
        out.row(2, "Ready:", "True" if cs.get("ready") else "False")
        out.row(2, "Restart Count:", cs.get("restartCount", 0))
        _resources(out, 2, section(container, "resources"))
    out.row(0, "Conditions:")
    out.row(1, "Type", "Status")
    for cond in status.get("conditions") or ():
        out.row(1, cond.get("type", ""), cond.get("status", ""))
    out.row(0, "QoS Class:", status.get("qosClass", "BestEffort"))
    _map_lines(out, "Node-Selectors", spec.get("nodeSelector"))
    _lines(out, "Tolerations", [_toleration(t) for t in spec.get("tolerations") or ()])
    _events(out, events, now)
    return out.text()


def _toleration(tol: Mapping[str, Any]) -> str:
    """describe.go printTolerationsMultilineWithIndent: `key=value:NoSchedule op=Exists for
    300s`."""
    text = str(tol.get("key", ""))
    if tol.get("value"):
        text += f"={tol['value']}"
    if tol.get("effect"):
        text += f":{tol['effect']}"
    if tol.get("operator") == "Exists":
        text += " op=Exists"
    if tol.get("tolerationSeconds") is not None:
        text += f" for {tol['tolerationSeconds']}s"
    return text


def _taint(taint: Mapping[str, Any]) -> str:
    value = f"={taint['value']}" if taint.get("value") else ""
    return f"{taint.get('key', '')}{value}:{taint.get('effect', '')}"


def describe_node(node: Obj, pods: Sequence[Obj], events: Sequence[Obj], now: float) -> str:
    """`pods`: those the room sees on the node (the watched namespaces only)."""
    out = Out()
    meta, spec, status = section(node, "metadata"), section(node, "spec"), section(node, "status")
    _header(out, node, namespaced=False)
    roles = node_roles(meta.get("labels") or {})
    out.row(0, "Roles:", ",".join(roles) or NONE)
    _map_lines(out, "Labels", meta.get("labels"))
    _map_lines(out, "Annotations", meta.get("annotations"))
    out.row(0, "CreationTimestamp:", rfc1123z(meta.get("creationTimestamp")))
    _lines(out, "Taints", [_taint(t) for t in spec.get("taints") or ()])
    out.row(0, "Unschedulable:", "true" if spec.get("unschedulable") else "false")
    out.row(0, "Conditions:")
    out.row(1, "Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message")
    out.row(1, "----", "------", "-----------------", "------------------", "------", "-------")
    for cond in status.get("conditions") or ():
        out.row(
            1,
            cond.get("type", ""),
            cond.get("status", ""),
            rfc1123z(cond.get("lastHeartbeatTime")),
            rfc1123z(cond.get("lastTransitionTime")),
            cond.get("reason", ""),
            cond.get("message", ""),
        )
    out.row(0, "Addresses:")
    for address in status.get("addresses") or ():
        out.row(1, f"{address.get('type')}:", address.get("address", ""))
    for title in ("capacity", "allocatable"):
        out.row(0, f"{title.capitalize()}:")
        for name, value in sorted(section(status, title).items()):
            out.row(1, f"{name}:", quantity(value))
    live = [p for p in pods if not pod_finished(p)]
    out.row(0, "Non-terminated Pods:", f"({len(live)} in total, in the watched namespaces)")
    out.row(1, "Namespace", "Name", "GPU Requests", "Age")
    out.row(1, "---------", "----", "------------", "---")
    allocated = 0
    for pod in sorted(
        live,
        key=lambda p: (
            section(p, "metadata").get("namespace", ""),
            section(p, "metadata").get("name", ""),
        ),
    ):
        pmeta = section(pod, "metadata")
        gpus = pod_gpus(pod)
        allocated += gpus
        created = timestamp_of(pmeta.get("creationTimestamp"))
        age = elapsed(now, created) if created is not None else "<unknown>"
        out.row(1, pmeta.get("namespace", ""), pmeta.get("name", ""), gpus, age)
    gpu_total = section(status, "allocatable").get("nvidia.com/gpu")
    if gpu_total is not None:
        out.row(0, "Allocated GPUs:", f"{allocated} of {quantity(gpu_total)} (nvidia.com/gpu)")
    _events(out, events, now)
    return out.text()


def describe_deployment(deploy: Obj, events: Sequence[Obj], now: float) -> str:
    out = Out()
    meta, spec, status = (
        section(deploy, "metadata"),
        section(deploy, "spec"),
        section(deploy, "status"),
    )
    _header(out, deploy)
    out.row(0, "CreationTimestamp:", rfc1123z(meta.get("creationTimestamp")))
    _map_lines(out, "Labels", meta.get("labels"))
    _map_lines(out, "Annotations", meta.get("annotations"))
    selector = section(spec, "selector").get("matchLabels") or {}
    out.row(0, "Selector:", ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or NONE)
    out.row(
        0,
        "Replicas:",
        f"{spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} updated | "
        f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available | "
        f"{status.get('unavailableReplicas', 0)} unavailable",
    )
    strategy = section(spec, "strategy")
    out.row(0, "StrategyType:", strategy.get("type", "RollingUpdate"))
    out.row(0, "MinReadySeconds:", spec.get("minReadySeconds", 0))
    rolling = section(strategy, "rollingUpdate")
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        out.row(
            0,
            "RollingUpdateStrategy:",
            f"{rolling.get('maxUnavailable', '25%')} max unavailable, "
            f"{rolling.get('maxSurge', '25%')} max surge",
        )
    template = section(spec, "template")
    out.row(0, "Pod Template:")
    _map_lines(out, "Labels", section(template, "metadata").get("labels"), 1)
    out.row(1, "Containers:")
    for container in section(template, "spec").get("containers") or ():
        out.row(2, f"{container.get('name')}:")
        out.row(3, "Image:", container.get("image", ""))
        _resources(out, 3, section(container, "resources"))
    out.row(0, "Conditions:")
    out.row(1, "Type", "Status", "Reason")
    out.row(1, "----", "------", "------")
    for cond in status.get("conditions") or ():
        out.row(1, cond.get("type", ""), cond.get("status", ""), cond.get("reason", ""))
    _events(out, events, now)
    return out.text()


def describe_hpa(hpa: Obj, events: Sequence[Obj], now: float) -> str:
    out = Out()
    meta, spec, status = section(hpa, "metadata"), section(hpa, "spec"), section(hpa, "status")
    _header(out, hpa)
    _map_lines(out, "Labels", meta.get("labels"))
    _map_lines(out, "Annotations", meta.get("annotations"))
    out.row(0, "CreationTimestamp:", rfc1123z(meta.get("creationTimestamp")))
    target = section(spec, "scaleTargetRef")
    out.row(0, "Reference:", f"{target.get('kind')}/{target.get('name')}")
    out.row(0, "Metrics:", "( current / target )")
    metrics = format_hpa_metrics(spec.get("metrics") or [], status.get("currentMetrics") or [])
    out.row(1, "targets:", metrics)
    out.row(0, "Min replicas:", spec.get("minReplicas", 1))
    out.row(0, "Max replicas:", spec.get("maxReplicas", 0))
    out.row(
        0,
        f"{target.get('kind')} pods:",
        f"{status.get('currentReplicas', 0)} current / {status.get('desiredReplicas', 0)} desired",
    )
    conditions = status.get("conditions") or []
    if conditions:
        out.row(0, "Conditions:")
        out.row(1, "Type", "Status", "Reason", "Message")
        out.row(1, "----", "------", "------", "-------")
        for cond in conditions:
            out.row(
                1,
                cond.get("type", ""),
                cond.get("status", ""),
                cond.get("reason", ""),
                cond.get("message", ""),
            )
    _events(out, events, now)
    return out.text()


def _generic(out: Out, level: int, value: Any, skip: Iterable[str] = ()) -> None:
    """describe.go printUnstructuredContent: fields sorted, labelled smartly, nested."""
    skipped = set(skip)
    for key in sorted(value):
        if key in skipped:
            continue
        item = value[key]
        label = f"{smart_label(key)}:"
        if isinstance(item, Mapping):
            out.row(level, label)
            _generic(out, level + 1, item)
        elif isinstance(item, list):
            out.row(level, label)
            for element in item:
                if isinstance(element, Mapping):
                    _generic(out, level + 1, element)
                else:
                    out.row(level + 1, str(element))
        else:
            out.row(level, label, item)


def describe_generic(obj: Obj, events: Sequence[Obj], now: float) -> str:
    """kubectl's generic describer (`kubectl describe event …` uses it)."""
    out = Out()
    meta = section(obj, "metadata")
    _header(out, obj, namespaced=bool(meta.get("namespace")))
    _map_lines(out, "Labels", meta.get("labels"))
    _map_lines(out, "Annotations", meta.get("annotations"))
    _generic(out, 0, obj, skip=("metadata",))
    _events(out, events, now)
    return out.text()


def describe(
    kind: str, obj: Obj, events: Sequence[Obj], now: float, pods: Sequence[Obj] = ()
) -> str:
    """`kubectl describe` of `obj`, a `kind` as the room names it (pods, nodes, …)."""
    if kind == "pods":
        return describe_pod(obj, events, now)
    if kind == "nodes":
        return describe_node(obj, pods, events, now)
    if kind == "deployments":
        return describe_deployment(obj, events, now)
    if kind == "hpas":
        return describe_hpa(obj, events, now)
    return describe_generic(obj, events, now)


def as_yaml(obj: Obj, api_version: str, kind: str) -> str:
    """The object as `kubectl get -o yaml` prints it, managedFields left out; a list's items
    carry no apiVersion and kind, so they are put back first, as kubectl does."""
    meta = {k: v for k, v in section(obj, "metadata").items() if k != "managedFields"}
    whole = {"apiVersion": api_version, "kind": kind, **obj, "metadata": meta}
    whole["apiVersion"], whole["kind"] = obj.get("apiVersion", api_version), obj.get("kind", kind)
    return yaml.safe_dump(whole, sort_keys=True, default_flow_style=False, allow_unicode=True)
