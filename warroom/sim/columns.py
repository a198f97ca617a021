"""Column definitions of the server-side Tables `kubectl get` asks for, per built-in kind.

Names, types, priorities and descriptions as the real API server sends them (the descriptions
are the API's field documentation), so `kubectl get -o wide` and `--show-kind` read the same.
"""

from __future__ import annotations

from typing import Any

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

INGRESS_COLUMNS = (
    NAME_COL,
    col(
        "Class",
        desc="The name of the IngressClass resource that should be used for additional "
        "configuration",
    ),
    col("Hosts", desc="Hosts that incoming requests are matched against before the ingress rule"),
    col("Address", desc="Address is a list containing ingress points for the load-balancer"),
    col("Ports", desc="Ports of TLS configurations that open"),
    AGE_COL,
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
