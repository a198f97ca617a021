"""What else may undo an action on a Deployment: an HPA that owns its replica count, a Flagger
Canary that owns the Deployment, Argo CD tracking it (with self-heal on, a sync puts back what
Git says). Each is one sentence for the preview."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Obj = dict[str, Any]
ARGO_TRACKING = "argocd.argoproj.io/tracking-id"
ARGO_INSTANCE = "app.kubernetes.io/instance"
ARGO_MANAGED = "argocd.argoproj.io/instance"


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _targets(obj: Obj, kind: str, name: str) -> bool:
    ref = (
        (obj.get("spec") or {}).get("scaleTargetRef")
        or (obj.get("spec") or {}).get("targetRef")
        or {}
    )
    return ref.get("kind") == kind and ref.get("name") == name


def hpa_owner(deployment: Obj, hpas: Iterable[Obj]) -> str:
    """The sentence when an HPA sets the Deployment's replicas ("" when none does)."""
    name = _meta(deployment).get("name", "")
    for hpa in hpas:
        if _targets(hpa, "Deployment", name):
            spec = hpa.get("spec") or {}
            low, high = spec.get("minReplicas", 1), spec.get("maxReplicas")
            return (
                f"HorizontalPodAutoscaler {_meta(hpa).get('name')} owns the replica count "
                f"({low}–{high}): it will scale the Deployment back within its range"
            )
    return ""


def flagger_owner(deployment: Obj, canaries: Iterable[Obj]) -> str:
    """The sentence when a Flagger Canary drives the Deployment: its target (targetRef), or the
    primary Flagger made of it (owned by the Canary, as ownerReferences say)."""
    name = _meta(deployment).get("name", "")
    owners = {
        ref.get("name")
        for ref in _meta(deployment).get("ownerReferences") or ()
        if ref.get("kind") == "Canary"
    }
    for canary in canaries:
        if _targets(canary, "Deployment", name):
            return (
                f"Flagger Canary {_meta(canary).get('name')} owns {name}: it copies the "
                "Deployment to its primary and may roll it back or promote it on its own"
            )
        if _meta(canary).get("name") in owners:
            return (
                f"Flagger Canary {_meta(canary).get('name')} owns {name}: it overwrites the "
                "primary's template and replicas with its target's at every promotion"
            )
    return ""


def argo_tracking(obj: Obj) -> str:
    """The sentence when Argo CD tracks the object (an annotation or label it sets)."""
    meta = _meta(obj)
    annotations, labels = meta.get("annotations") or {}, meta.get("labels") or {}
    for key, found in ((ARGO_TRACKING, annotations), (ARGO_MANAGED, labels)):
        if key in found:
            return (
                f"Argo CD tracks this object ({key}={found[key]}): if its Application "
                "auto-syncs with self-heal, it will put back what Git says"
            )
    if ARGO_INSTANCE in labels and "argocd" in " ".join(annotations).casefold():
        return (
            f"Argo CD may track this object ({ARGO_INSTANCE}={labels[ARGO_INSTANCE]}): with "
            "self-heal on, a sync puts back what Git says"
        )
    return ""


def warnings(
    deployment: Obj, *, hpas: Iterable[Obj] = (), canaries: Iterable[Obj] = (), replicas: bool
) -> tuple[str, ...]:
    """Every other actor's sentence; the HPA's only when the action sets the replica count."""
    found = [flagger_owner(deployment, canaries), argo_tracking(deployment)]
    if replicas:
        found.insert(0, hpa_owner(deployment, hpas))
    return tuple(s for s in found if s)
