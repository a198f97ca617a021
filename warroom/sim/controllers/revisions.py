"""A Deployment's revisions: one ReplicaSet per pod template, named by its pod-template-hash and
numbered by the revision annotations that `kubectl rollout history/undo` read (sync.go,
util/deployment_util.go). Pure functions; the controller does the writes."""

from __future__ import annotations

from typing import Any

import orjson

from warroom.sim.controllers.rolling import (
    DESIRED,
    MAX_REPLICAS,
    fenceposts,
    new_rs_replicas,
    replicas,
    status_count,
)
from warroom.sim.pods import owner_reference
from warroom.sim.store import Obj, clone

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
HASH_LABEL = "pod-template-hash"
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: Any, collision_count: int = 0) -> str:
    """A stable pod-template-hash, encoded like rand.SafeEncodeString of an FNV-32a sum."""
    data = orjson.dumps(_comparable(template), option=orjson.OPT_SORT_KEYS)
    value = 0x811C9DC5
    for byte in data + str(collision_count).encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_ALPHANUMS[ord(c) % len(_ALPHANUMS)] for c in str(value))


def _comparable(template: Any) -> Any:
    """A template without what EqualIgnoreHash ignores (the hash label, a null timestamp)."""
    t = clone(template or {})
    meta = t.setdefault("metadata", {})
    (meta.get("labels") or {}).pop(HASH_LABEL, None)
    if meta.get("creationTimestamp") is None:
        meta.pop("creationTimestamp", None)
    if not meta.get("labels"):
        meta.pop("labels", None)
    return t


def revision(obj: Obj) -> int:
    """The revision annotation, 0 when absent or not a number."""
    try:
        return int((obj["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def split_by_template(d: Obj, all_rs: list[Obj]) -> tuple[Obj | None, list[Obj]]:
    """FindNewReplicaSet and FindOldReplicaSets: the oldest set whose template is the
    deployment's is the new one; every other set is old."""
    want = _comparable(d["spec"].get("template"))
    matching = [rs for rs in all_rs if _comparable(rs["spec"].get("template")) == want]
    matching.sort(
        key=lambda rs: (rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"])
    )
    new_rs = matching[0] if matching else None
    old = [rs for rs in all_rs if rs is not new_rs]
    return new_rs, old


def new_replica_set(d: Obj, old_rs: list[Obj]) -> tuple[Obj, int]:
    """The ReplicaSet a new template gets, sized within maxSurge, and its revision."""
    meta = d["metadata"]
    collisions = int((d.get("status") or {}).get("collisionCount", 0))
    template = clone(d["spec"]["template"])
    pod_hash = template_hash(template, collisions)
    template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
    selector = clone(d["spec"]["selector"])
    selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
    next_revision = max((revision(rs) for rs in old_rs), default=0) + 1
    surge, _ = fenceposts(d)
    annotations = {
        k: v
        for k, v in (meta.get("annotations") or {}).items()
        if k not in (REVISION, "kubectl.kubernetes.io/last-applied-configuration")
    }
    annotations.update(
        {
            REVISION: str(next_revision),
            DESIRED: str(replicas(d)),
            MAX_REPLICAS: str(replicas(d) + surge),
        }
    )
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{meta['name']}-{pod_hash}",
            "namespace": meta["namespace"],
            "labels": dict(template["metadata"]["labels"]),
            "annotations": annotations,
            "ownerReferences": [owner_reference(d)],
        },
        "spec": {
            "replicas": 0,
            "minReadySeconds": int(d["spec"].get("minReadySeconds", 0)),
            "selector": selector,
            "template": template,
        },
    }
    rs["spec"]["replicas"] = new_rs_replicas(d, rs, old_rs)
    return rs, next_revision


def wanted_revision(new_rs: Obj, old_rs: list[Obj]) -> int:
    """A new ReplicaSet that is not the newest revision (a rollback) becomes the next one."""
    max_old = max((revision(rs) for rs in old_rs), default=0)
    current = revision(new_rs)
    return max_old + 1 if current <= max_old else current


def renumber(annotations: dict[str, str], current: int, wanted: int) -> None:
    """Give a ReplicaSet revision ``wanted``, keeping ``current`` in its revision history."""
    history = [h for h in annotations.get(REVISION_HISTORY, "").split(",") if h]
    if current:
        history.append(str(current))
        annotations[REVISION_HISTORY] = ",".join(history)
    annotations[REVISION] = str(wanted)


def history_to_prune(d: Obj, old_rs: list[Obj]) -> list[Obj]:
    """cleanupDeployment: the oldest revisions beyond revisionHistoryLimit, unless scaled up."""
    limit = int(d["spec"].get("revisionHistoryLimit", 10))
    alive = sorted(
        (rs for rs in old_rs if not rs["metadata"].get("deletionTimestamp")), key=revision
    )
    return [
        rs
        for rs in alive[: max(0, len(alive) - limit)]
        if replicas(rs) == 0 and status_count(rs, "replicas") == 0
    ]
