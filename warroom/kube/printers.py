"""How kubectl prints each kind: server-side Table columns and cells (internalversion printers).

Shared by the sim, which serves these Tables, and the war room, which shows the same words
an on-call engineer knows from `kubectl get`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

Obj = Mapping[str, Any]
Cells = list[Any]

# --- durations and timestamps (k8s.io/apimachinery/pkg/util/duration) -------------------------


def human_duration(seconds: float) -> str:
    """Format a duration the way ``duration.HumanDuration`` does (~2-3 significant figures)."""
    # Go truncates toward zero here, so -1.9s still counts as "almost now".
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m" if rem == 0 else f"{minutes}m{rem}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h" if rem == 0 else f"{hours}h{rem}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d" if rem == 0 else f"{hours // 24}d{rem}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = divmod(hours // 24, 365)
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=65536)
def parse_timestamp(value: str) -> float | None:
    """Epoch seconds of an RFC3339 timestamp, None for an unset (zero) time.

    Raises ValueError when the text is not a timestamp. Cached: a LIST repeats timestamps a lot.
    """
    if not value or value == "null":
        return None
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    if dt == _ZERO_TIME:
        return None
    return dt.timestamp()


def timestamp_of(value: Any) -> float | None:
    """Like :func:`parse_timestamp` but a missing or malformed value counts as unset."""
    if not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def since(value: Any, now: float) -> str:
    """``translateTimestampSince``: the age of a timestamp, ``<unknown>`` when unset."""
    t = timestamp_of(value)
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


def age(obj: Obj, now: float) -> str:
    return since((obj.get("metadata") or {}).get("creationTimestamp"), now)


# --- formatting helpers shared by several kinds -----------------------------------------------


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


# --- resource.Quantity canonical form ----------------------------------------------------------

_DEC_SUFFIXES = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_BIN_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_BY_EXP = {v: k for k, v in _DEC_SUFFIXES.items()}
_BIN_BY_EXP = {v // 10: k for k, v in _BIN_SUFFIXES.items()}
_NANO = Fraction(1, 10**9)


def _split_quantity(text: str) -> tuple[str, str]:
    i = len(text)
    while i > 0 and not (text[i - 1].isdigit() or text[i - 1] == "."):
        i -= 1
    number, suffix = text[:i], text[i:]
    # The scan above keeps an exponent's digits with the number; "1e3" splits at the e.
    for mark in ("e", "E"):
        head, sep, tail = number.partition(mark)
        if sep and tail.lstrip("+-").isdigit():
            return head, mark + tail + suffix
    return number, suffix


@lru_cache(maxsize=4096)
def canonical_quantity(text: str) -> str:
    """``resource.Quantity.String()`` of a parsed quantity; the text itself if it does not parse."""
    raw = text.strip()
    number, suffix = _split_quantity(raw)
    sign = -1 if number.startswith("-") else 1
    digits = number.lstrip("+-")
    if not digits or digits.count(".") > 1 or not digits.replace(".", "").isdigit():
        return text
    value = Fraction(digits)
    fmt = "DecimalSI"
    if suffix in _DEC_SUFFIXES:
        value *= Fraction(10) ** _DEC_SUFFIXES[suffix]
    elif suffix in _BIN_SUFFIXES:
        value *= 2 ** _BIN_SUFFIXES[suffix]
        fmt = "BinarySI"
    elif suffix[:1] in ("e", "E") and suffix[1:].lstrip("+-").isdigit():
        value *= Fraction(10) ** int(suffix[1:])
        fmt = "DecimalExponent"
    else:
        return text
    if value == 0:
        return "0"
    # Parsing rounds away from zero to nano precision.
    nanos = -((-value) // _NANO)
    value = nanos * _NANO
    if fmt == "BinarySI" and (value < 1024 or value.denominator != 1):
        fmt = "DecimalSI"
    if fmt == "BinarySI":
        amount, exp = int(value), 0
        while amount % 1024 == 0:
            amount //= 1024
            exp += 1
        return f"{'-' if sign < 0 else ''}{amount}{_BIN_BY_EXP.get(exp, '')}"
    mantissa, exp = nanos, -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exp += 1
    while exp % 3 != 0:
        mantissa *= 10
        exp -= 1
    prefix = "-" if sign < 0 else ""
    if fmt == "DecimalExponent":
        return f"{prefix}{mantissa}" + (f"e{exp}" if exp else "")
    return f"{prefix}{mantissa}{_DEC_BY_EXP.get(exp, '')}"


def quantity(value: Any) -> str:
    """A quantity field as the printers show it; a missing one prints as Go's nil ``<nil>``."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return str(value).lower()
    return canonical_quantity(value if isinstance(value, str) else repr(value))


# --- column definitions -----------------------------------------------------------------------

NAME_DESC = (
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name automatically. "
    "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
    "updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATED_DESC = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the "
    "system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/"
    "sig-architecture/api-conventions.md#metadata"
)
_CONTAINERS_DESC = "Names of each container in the template."
_IMAGES_DESC = "Images referenced by each container in the template."
_SELECTOR_DESC = (
    "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the "
    "ones affected by this deployment."
)


def col(
    name: str, type_: str = "string", desc: str = "", *, priority: int = 0, fmt: str = ""
) -> dict[str, Any]:
    return {"name": name, "type": type_, "format": fmt, "description": desc, "priority": priority}


NAME_COL = col("Name", desc=NAME_DESC, fmt="name")
AGE_COL = col("Age", desc=CREATED_DESC)

POD_COLUMNS = (
    NAME_COL,
    col("Ready", desc="The aggregate readiness state of this pod for accepting traffic."),
    col("Status", desc="The aggregate status of the containers in this pod."),
    col(
        "Restarts",
        desc="The number of times the containers in this pod have been restarted "
        "and when the last container in this pod has restarted.",
    ),
    AGE_COL,
    col(
        "IP",
        desc="podIP address allocated to the pod. Routable at least within the cluster. "
        "Empty if not yet allocated.",
        priority=1,
    ),
    col(
        "Node",
        desc="NodeName indicates in which node this pod is scheduled. If empty, this pod "
        "is a candidate for scheduling by the scheduler defined in schedulerName. Once this field "
        "is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This "
        "field should not be used to express a desire for the pod to be scheduled on a specific "
        "node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
        priority=1,
    ),
    col(
        "Nominated Node",
        desc="nominatedNodeName is set only when this pod preempts other pods "
        "on the node, but it cannot be scheduled right away as preemption victims receive their "
        "graceful termination periods. This field does not guarantee that the pod will be "
        "scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes "
        "become available sooner. Scheduler may also decide to give the resources on this node to "
        "a higher priority pod that is created after preemption. As a result, this field may be "
        "different than PodSpec.nodeName when the pod is scheduled.",
        priority=1,
    ),
    col(
        "Readiness Gates",
        desc="If specified, all readiness gates will be evaluated for pod "
        "readiness. A pod is ready when all its containers are ready AND all conditions specified "
        'in the readiness gates have status equal to "True" More info: '
        "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
        priority=1,
    ),
)

NODE_COLUMNS = (
    NAME_COL,
    col("Status", desc="The status of the node"),
    col("Roles", desc="The roles of the node"),
    AGE_COL,
    col("Version", desc="Kubelet Version reported by the node."),
    col(
        "Internal-IP",
        desc="List of addresses reachable to the node. Queried from cloud provider, if available.",
        priority=1,
    ),
    col(
        "External-IP",
        desc="List of addresses reachable to the node. Queried from cloud provider, if available.",
        priority=1,
    ),
    col(
        "OS-Image",
        desc="OS Image reported by the node from /etc/os-release (e.g. Debian "
        "GNU/Linux 7 (wheezy)).",
        priority=1,
    ),
    col(
        "Kernel-Version",
        desc="Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        priority=1,
    ),
    col(
        "Container-Runtime",
        desc="ContainerRuntime Version reported by the node through "
        "runtime remote API (e.g. containerd://1.4.2).",
        priority=1,
    ),
)

NAMESPACE_COLUMNS = (NAME_COL, col("Status", desc="The status of the namespace"), AGE_COL)

SERVICE_COLUMNS = (
    NAME_COL,
    col("Type", desc="type determines how the Service is exposed. Defaults to ClusterIP."),
    col(
        "Cluster-IP",
        desc="clusterIP is the IP address of the service and is usually assigned randomly.",
    ),
    col(
        "External-IP",
        desc="externalIPs is a list of IP addresses for which nodes in the "
        "cluster will also accept traffic for this service.",
    ),
    col(
        "Port(s)",
        desc="The list of ports that are exposed by this service. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/service/"
        "#virtual-ips-and-service-proxies",
    ),
    AGE_COL,
    col(
        "Selector",
        desc="Route service traffic to pods with label keys and values matching this selector.",
        priority=1,
    ),
)

CONFIGMAP_COLUMNS = (
    NAME_COL,
    col("Data", desc="Data contains the configuration data."),
    AGE_COL,
)

EVENT_COLUMNS = (
    col(
        "Last Seen", desc="The time at which the most recent occurrence of this event was recorded."
    ),
    col(
        "Type", desc="Type of this event (Normal, Warning), new types could be added in the future"
    ),
    col(
        "Reason",
        desc="This should be a short, machine understandable string that gives the "
        "reason for the transition into the object's current status.",
    ),
    col("Object", desc="The object that this event is about."),
    col(
        "Subobject",
        desc="If referring to a piece of an object instead of an entire object, "
        "this string should contain a valid JSON/Go field access statement.",
        priority=1,
    ),
    col(
        "Source",
        desc="The component reporting this event. Should be a short machine understandable string.",
        priority=1,
    ),
    col("Message", desc="A human-readable description of the status of this operation."),
    col(
        "First Seen",
        desc="The time at which the event was first recorded. (Time of server "
        "receipt is in TypeMeta.)",
        priority=1,
    ),
    col("Count", desc="The number of times this event has occurred.", priority=1),
    col("Name", desc=NAME_DESC, priority=1, fmt="name"),
)

DEPLOYMENT_COLUMNS = (
    NAME_COL,
    col("Ready", desc="Number of the pod with ready state"),
    col(
        "Up-to-date",
        desc="Total number of non-terminated pods targeted by this deployment "
        "that have the desired template spec.",
    ),
    col(
        "Available",
        desc="Total number of available pods (ready for at least minReadySeconds) "
        "targeted by this deployment.",
    ),
    AGE_COL,
    col("Containers", desc=_CONTAINERS_DESC, priority=1),
    col("Images", desc=_IMAGES_DESC, priority=1),
    col("Selector", desc=_SELECTOR_DESC, priority=1),
)

REPLICASET_COLUMNS = (
    NAME_COL,
    col("Desired", "integer", "Replicas is the number of desired replicas."),
    col("Current", "integer", "Replicas is the most recently observed number of replicas."),
    col("Ready", "integer", "The number of ready replicas for this replica set."),
    AGE_COL,
    col("Containers", desc=_CONTAINERS_DESC, priority=1),
    col("Images", desc=_IMAGES_DESC, priority=1),
    col(
        "Selector",
        desc="Selector is a label query over pods that should match the replica count.",
        priority=1,
    ),
)

DAEMONSET_COLUMNS = (
    NAME_COL,
    col(
        "Desired",
        "integer",
        "The total number of nodes that should be running the daemon pod "
        "(including nodes correctly running the daemon pod).",
    ),
    col(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and "
        "are supposed to run the daemon pod.",
    ),
    col(
        "Ready",
        "integer",
        "The number of nodes that should be running the daemon pod and have "
        "one or more of the daemon pod running and ready.",
    ),
    col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
    col(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and "
        "have one or more of the daemon pod running and available (ready for at least "
        "spec.minReadySeconds)",
    ),
    col(
        "Node Selector",
        desc="NodeSelector is a selector which must be true for the pod to fit on a node.",
    ),
    AGE_COL,
    col("Containers", desc=_CONTAINERS_DESC, priority=1),
    col("Images", desc=_IMAGES_DESC, priority=1),
    col("Selector", desc="A label query over pods that are managed by the daemon set.", priority=1),
)

HPA_COLUMNS = (
    NAME_COL,
    col(
        "Reference",
        desc="reference to scaled resource; horizontal pod autoscaler will learn "
        "the current resource consumption and will set the desired number of pods by using its "
        "Scale subresource.",
    ),
    col(
        "Targets",
        desc="metrics contains the specifications for which to use to calculate the "
        "desired replica count (the maximum replica count across all metrics will be used).",
    ),
    col(
        "MinPods",
        desc="minReplicas is the lower limit for the number of replicas to which the "
        "autoscaler can scale down.",
    ),
    col(
        "MaxPods",
        desc="maxReplicas is the upper limit for the number of replicas to which the "
        "autoscaler can scale up. It cannot be less that minReplicas.",
    ),
    col(
        "Replicas",
        desc="currentReplicas is current number of replicas of pods managed by this "
        "autoscaler, as last seen by the autoscaler.",
    ),
    AGE_COL,
)

PDB_COLUMNS = (
    NAME_COL,
    col("Min Available", desc="The minimum number of pods that must be available."),
    col("Max Unavailable", desc="The maximum number of pods that may be unavailable."),
    col(
        "Allowed Disruptions",
        "integer",
        "Calculated number of pods that may be disrupted at this time.",
    ),
    AGE_COL,
)

# --- Pod --------------------------------------------------------------------------------------

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


def _last_finished(cs: Obj) -> float | None:
    term = (cs.get("lastState") or {}).get("terminated")
    return timestamp_of(term.get("finishedAt")) if term is not None else None


def _condition_true(conditions: Sequence[Obj], type_: str) -> bool:
    return any(c.get("type") == type_ and c.get("status") == "True" for c in conditions)


def _terminated_reason(term: Obj, prefix: str) -> str:
    signal = term.get("signal") or 0
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{term.get('exitCode') or 0}"


def print_pod(pod: Obj, now: float) -> Cells:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    conditions = status.get("conditions") or ()
    init_specs = spec.get("initContainers") or ()
    total = len(spec.get("containers") or ())
    ready = 0
    restarts = 0
    sidecar_restarts = 0
    last_restart: float | None = None
    last_sidecar_restart: float | None = None

    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for cond in conditions:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    # Init containers with restartPolicy Always are sidecars: they count as pod containers.
    sidecars = set()
    for c in init_specs:
        if c.get("restartPolicy") == "Always":
            sidecars.add(c.get("name"))
            total += 1

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or ()):
        count = cs.get("restartCount") or 0
        restarts += count
        finished = _last_finished(cs)
        if finished is not None and (last_restart is None or last_restart < finished):
            last_restart = finished
        sidecar = cs.get("name") in sidecars
        if sidecar:
            sidecar_restarts += count
            if finished is not None and (
                last_sidecar_restart is None or last_sidecar_restart < finished
            ):
                last_sidecar_restart = finished
        state = cs.get("state") or {}
        term = state.get("terminated")
        waiting = state.get("waiting")
        if term is not None and (term.get("exitCode") or 0) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready"):
                ready += 1
            continue
        if term is not None:
            reason = (
                ("Init:" + term["reason"])
                if term.get("reason")
                else (_terminated_reason(term, "Init:"))
            )
        elif (
            waiting is not None
            and waiting.get("reason")
            and (waiting["reason"] != "PodInitializing")
        ):
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        statuses = status.get("containerStatuses") or ()
        for cs in reversed(statuses):
            restarts += cs.get("restartCount") or 0
            finished = _last_finished(cs)
            if finished is not None and (last_restart is None or last_restart < finished):
                last_restart = finished
            state = cs.get("state") or {}
            waiting = state.get("waiting")
            term = state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                reason = _terminated_reason(term, "")
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        # A completed container beside a still-running one does not make the pod Completed.
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(conditions, "Ready") else "NotReady"

    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"

    restarts_cell = str(restarts)
    if restarts != 0 and last_restart is not None:
        restarts_cell = f"{restarts} ({human_duration(now - last_restart)} ago)"

    # v1 -> internal conversion makes podIP authoritative over podIPs[0].
    ips = status.get("podIPs") or ()
    pod_ip = status.get("podIP") or (ips[0].get("ip") if ips else "") or "<none>"
    gates = spec.get("readinessGates") or ()
    gates_cell = "<none>"
    if gates:
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
        f"{ready}/{total}",
        reason,
        restarts_cell,
        age(pod, now),
        pod_ip,
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gates_cell,
    ]


# --- Node -------------------------------------------------------------------------------------

_ROLE_PREFIX = "node-role.kubernetes.io/"


def node_roles(labels: Mapping[str, Any]) -> list[str]:
    roles = set()
    for key, value in labels.items():
        if key.startswith(_ROLE_PREFIX):
            role = key[len(_ROLE_PREFIX) :]
            if role:
                roles.add(role)
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def _node_address(addresses: Sequence[Obj], type_: str) -> str:
    for address in addresses:
        if address.get("type") == type_:
            return str(address.get("address", ""))
    return "<none>"


def print_node(node: Obj, now: float) -> Cells:
    meta = node.get("metadata") or {}
    status = node.get("status") or {}
    ready: str | None = None
    for cond in status.get("conditions") or ():
        # The last Ready condition wins, as in the real printer's condition map.
        if cond.get("type") == "Ready":
            ready = cond.get("status") or ""
    states = ["Unknown" if ready is None else ("Ready" if ready == "True" else "NotReady")]
    if (node.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    roles = ",".join(node_roles(meta.get("labels") or {})) or "<none>"
    info = status.get("nodeInfo") or {}
    addresses = status.get("addresses") or ()
    return [
        meta.get("name", ""),
        ",".join(states),
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


# --- HorizontalPodAutoscaler (autoscaling/v2) -------------------------------------------------


def _hpa_metric(spec: Obj, current: Obj | None) -> str:
    kind = spec.get("type")
    if kind == "External" or kind == "Object":
        field = "external" if kind == "External" else "object"
        target = (spec.get(field) or {}).get("target") or {}
        cur = (current or {}).get(field)
        if target.get("averageValue") is not None:
            value = "<unknown>"
            if cur is not None and (cur.get("current") or {}).get("averageValue") is not None:
                value = quantity(cur["current"]["averageValue"])
            return f"{value}/{quantity(target['averageValue'])} (avg)"
        value = (
            quantity((cur.get("current") or {}).get("value")) if cur is not None else ("<unknown>")
        )
        return f"{value}/{quantity(target.get('value'))}"
    if kind == "Pods":
        target = (spec.get("pods") or {}).get("target") or {}
        cur = (current or {}).get("pods")
        value = (
            quantity((cur.get("current") or {}).get("averageValue"))
            if cur is not None
            else ("<unknown>")
        )
        return f"{value}/{quantity(target.get('averageValue'))}"
    if kind == "Resource" or kind == "ContainerResource":
        field = "resource" if kind == "Resource" else "containerResource"
        source = spec.get(field) or {}
        target = source.get("target") or {}
        cur = (current or {}).get(field)
        name = source.get("name", "")
        if target.get("averageValue") is not None:
            value = (
                quantity((cur.get("current") or {}).get("averageValue"))
                if (cur is not None)
                else "<unknown>"
            )
            return f"{name}: {value}/{quantity(target['averageValue'])}"
        value = "<unknown>"
        if cur is not None and (cur.get("current") or {}).get("averageUtilization") is not None:
            value = f"{cur['current']['averageUtilization']}%"
        goal = "<auto>"
        if target.get("averageUtilization") is not None:
            goal = f"{target['averageUtilization']}%"
        return f"{name}: {value}/{goal}"
    return "<unknown type>"


def format_hpa_metrics(specs: Sequence[Obj], statuses: Sequence[Obj]) -> str:
    """``formatHPAMetrics``: statuses pair with specs by position, at most two are listed."""
    if not specs:
        return "<none>"
    shown = [
        _hpa_metric(spec, statuses[i] if len(statuses) > i else None)
        for i, spec in enumerate(specs[:2])
    ]
    text = ", ".join(shown)
    if len(specs) > 2:
        return f"{text} + {len(specs) - 2} more..."
    return text


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


# --- registry ---------------------------------------------------------------------------------


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
    ("", "Event"): KindPrinter(EVENT_COLUMNS, print_event),
    ("apps", "Deployment"): KindPrinter(DEPLOYMENT_COLUMNS, print_deployment),
    ("apps", "ReplicaSet"): KindPrinter(REPLICASET_COLUMNS, print_replicaset),
    ("apps", "DaemonSet"): KindPrinter(DAEMONSET_COLUMNS, print_daemonset),
    ("autoscaling", "HorizontalPodAutoscaler"): KindPrinter(HPA_COLUMNS, print_hpa),
    ("policy", "PodDisruptionBudget"): KindPrinter(PDB_COLUMNS, print_pdb),
}
