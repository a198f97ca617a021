"""Finding one object the room holds, for a detail, `describe` or YAML: by the key its list
row carries (a pod's or an event's uid, a node's name), with the events about it."""

from __future__ import annotations

from warroom.kinds.objects import Obj, section
from warroom.state.picture import ClusterPicture

# The API's own names of each kind the room keeps: (apiVersion, kind), for YAML.
API_KINDS = {
    "pods": ("v1", "Pod"),
    "nodes": ("v1", "Node"),
    "events": ("v1", "Event"),
    "deployments": ("apps/v1", "Deployment"),
    "replicasets": ("apps/v1", "ReplicaSet"),
    "hpas": ("autoscaling/v2", "HorizontalPodAutoscaler"),
    "pdbs": ("policy/v1", "PodDisruptionBudget"),
    "ingresses": ("networking.k8s.io/v1", "Ingress"),
}


def find(picture: ClusterPicture, kind: str, key: str) -> Obj | None:
    """The `kind` object whose uid is `key` (nodes: whose name is), None once it is gone."""
    caches = picture.caches.get(kind, {})
    if kind == "nodes":
        return picture.cache("nodes").get("", key)  # cluster-scoped: no namespace
    for cache in caches.values():
        found = cache.by_uid(key)
        if found is not None:
            return found
    return None


def about(picture: ClusterPicture, obj: Obj) -> list[Obj]:
    """The events whose involved object is `obj` (by uid, or a node by name, as the kubelet
    and node controller name a node)."""
    meta = section(obj, "metadata")
    uid, name = meta.get("uid"), meta.get("name")
    out = []
    for ev in picture.objects("events"):
        involved = section(ev, "involvedObject")
        if involved.get("uid") == uid or (
            involved.get("kind") == "Node"
            and not meta.get("namespace")
            and involved.get("name") == name
        ):
            out.append(ev)
    return out


def on_node(picture: ClusterPicture, name: str) -> list[Obj]:
    """The watched pods bound to node `name`."""
    return [pod for cache in picture.caches["pods"].values() for pod in cache.on_node(name)]
