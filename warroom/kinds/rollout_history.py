"""A Deployment's revisions as `kubectl rollout history` and `kubectl rollout undo` read them
(kubectl's polymorphichelpers/rollback.go, DeploymentRollbacker): the ReplicaSets it controls,
each with its `deployment.kubernetes.io/revision`; the one to go back to (the newest but one,
or a chosen revision); and the JSON patch kubectl sends, which copies that ReplicaSet's pod
template (without its pod-template-hash label) and annotations back into the Deployment."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from warroom.kinds.objects import Obj, section

REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
# kubectl's annotationsToSkip: kept from the Deployment, never copied from the ReplicaSet.
SKIPPED_ANNOTATIONS = frozenset(
    (
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    )
)


class RollbackError(ValueError):
    """kubectl's refusal, in its words."""


def revision(obj: Obj) -> int | None:
    """The object's revision; None when it has none or it is not a whole number (kubectl
    skips such ReplicaSets)."""
    value = section(section(obj, "metadata"), "annotations").get(REVISION)
    try:
        return int(str(value))
    except ValueError:
        return None


def controlled(deployment: Obj, replicasets: Iterable[Obj]) -> list[Obj]:
    """The ReplicaSets whose controller is the Deployment (by its uid)."""
    uid = section(deployment, "metadata").get("uid")
    return [
        rs
        for rs in replicasets
        if any(
            ref.get("controller") and ref.get("uid") == uid
            for ref in section(rs, "metadata").get("ownerReferences") or ()
        )
    ]


def history(deployment: Obj, replicasets: Iterable[Obj]) -> list[tuple[int, Obj]]:
    """(revision, ReplicaSet), oldest first, as `kubectl rollout history` lists them."""
    found = [(revision(rs), rs) for rs in controlled(deployment, replicasets)]
    return sorted(((r, rs) for r, rs in found if r is not None), key=lambda pair: pair[0])


def rollback_target(deployment: Obj, replicasets: Iterable[Obj], to_revision: int = 0) -> Obj:
    """The ReplicaSet `kubectl rollout undo [--to-revision=N]` goes back to."""
    if to_revision < 0:
        raise RollbackError(f"unable to find specified revision {to_revision} in history")
    revisions = history(deployment, replicasets)
    if to_revision > 0:
        for number, rs in revisions:
            if number == to_revision:
                return rs
        raise RollbackError(f"unable to find specified revision {to_revision} in history")
    if len(revisions) < 2:
        name = section(deployment, "metadata").get("name", "")
        raise RollbackError(f'no rollout history found for deployment "{name}"')
    return revisions[-2][1]


def _without_hash(template: Any) -> Obj:
    out = copy.deepcopy(dict(template or {}))
    labels = dict(section(out, "metadata").get("labels") or {})
    labels.pop(HASH_LABEL, None)
    if "metadata" in out:
        out["metadata"] = {**out["metadata"], "labels": labels}
    return out


def same_template(deployment: Obj, rs: Obj) -> bool:
    """kubectl's equalIgnoreHash: the templates equal once the hash label is set aside."""
    return _without_hash(section(section(rs, "spec"), "template")) == _without_hash(
        section(section(deployment, "spec"), "template")
    )


def undo_patch(deployment: Obj, rs: Obj) -> list[Obj]:
    """kubectl's getDeploymentPatch: replace the template and the annotations."""
    kept = section(section(deployment, "metadata"), "annotations")
    annotations = {k: v for k, v in kept.items() if k in SKIPPED_ANNOTATIONS}
    for key, value in section(section(rs, "metadata"), "annotations").items():
        if key not in SKIPPED_ANNOTATIONS:
            annotations[key] = value
    template = _without_hash(section(section(rs, "spec"), "template"))
    return [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]
