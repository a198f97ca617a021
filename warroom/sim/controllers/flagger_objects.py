"""What Flagger makes and moves for a Deployment target with the NGINX provider: the primary
Deployment and HPA, the apex/canary/primary Services, the canary Ingress and its weight.

Followed: fluxcd/flagger pkg/canary/deployment_controller.go (createPrimaryDeployment,
Promote, ScaleToZero, ScaleFromZero), deployment_ready.go (isDeploymentReady), spec.go
(ComputeHash), hpa_reconciler.go, pkg/router/kubernetes_default.go and pkg/router/ingress.go.
Every write goes through the registry, as Flagger's go through the API server (admission
included). Errors are returned as Flagger words them; the scheduler records them as events.
"""

from __future__ import annotations

import json
from typing import Any

from warroom.sim.controllers.context import DEPLOYMENTS, HPAS, Context
from warroom.sim.errors import ApiError
from warroom.sim.pods import owner_reference
from warroom.sim.store import Obj, clone

SERVICES = ("", "services")
INGRESSES = ("networking.k8s.io", "ingresses")
NGINX = "nginx.ingress.kubernetes.io/"
# getSelectorLabel: the labels Flagger looks for in the target's selector, in this order.
SELECTOR_LABELS = ("app", "name", "app.kubernetes.io/name")
# rand.SafeEncodeString's alphabet (k8s.io/apimachinery/pkg/util/rand).
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


class FlaggerError(Exception):
    """A step that failed; its message is the event Flagger writes (recordEventWarningf)."""


def compute_hash(spec: Any) -> str:
    """spec.go ComputeHash: an FNV-32a of the spec, its decimal digits safe-encoded."""
    digest = 0x811C9DC5
    for byte in json.dumps(spec, sort_keys=True, separators=(",", ":")).encode():
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_ALPHANUMS[ord(c) % len(_ALPHANUMS)] for c in str(digest))


class FlaggerObjects:
    """The objects of one canary, read and written for the scheduler."""

    def __init__(self, ctx: Context, canary: Obj) -> None:
        self.ctx = ctx
        self.canary = canary
        self.ns = canary["metadata"]["namespace"]
        spec = canary.get("spec") or {}
        self.target_name = str((spec.get("targetRef") or {}).get("name", ""))
        self.primary_name = f"{self.target_name}-primary"
        self.apex = str((spec.get("service") or {}).get("name") or self.target_name)
        self.ingress_name = str((spec.get("ingressRef") or {}).get("name", ""))

    # ---- reads ---------------------------------------------------------------------------

    def _get(self, tk: tuple[str, str], name: str) -> Obj | None:
        return self.ctx.store.get(tk, self.ns, name)

    def target(self) -> Obj:
        dep = self._get(DEPLOYMENTS, self.target_name)
        if dep is None:
            raise FlaggerError(
                f"deployment {self.target_name}.{self.ns} get query error: "
                f'deployments.apps "{self.target_name}" not found'
            )
        return dep

    def primary(self) -> Obj | None:
        return self._get(DEPLOYMENTS, self.primary_name)

    def selector_label(self, dep: Obj) -> tuple[str, str]:
        labels = ((dep.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        for label in SELECTOR_LABELS:
            if label in labels:
                return label, str(labels[label])
        raise FlaggerError(
            "getSelectorLabel failed: "
            f"deployment {dep['metadata']['name']}.{self.ns} spec.selector.matchLabels must "
            f"contain one of {list(SELECTOR_LABELS)}"
        )

    def template_hash(self) -> str:
        return compute_hash((self.target().get("spec") or {}).get("template") or {})

    # ---- writes --------------------------------------------------------------------------

    def _rt(self, group: str, version: str, plural: str) -> Any:
        rt = self.ctx.catalogue.get(group, version, plural)
        assert rt is not None
        return rt

    def _create(self, rt: Any, obj: Obj) -> None:
        try:
            self.ctx.registry.create(rt, self.ns, obj, dry_run=False)
        except ApiError as err:
            raise FlaggerError(
                f"{rt.kind.lower()} {obj['metadata']['name']}.{self.ns} create error: {err.message}"
            ) from err

    def _update(self, rt: Any, obj: Obj, what: str) -> None:
        try:
            self.ctx.registry.update(rt, self.ns, obj["metadata"]["name"], obj, dry_run=False)
        except ApiError as err:
            raise FlaggerError(f"{what} {obj['metadata']['name']}.{self.ns} {err.message}") from err

    def _owned(self, name: str, labels: dict[str, Any] | None = None) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "name": name,
            "namespace": self.ns,
            "ownerReferences": [owner_reference(self.canary)],
        }
        if labels:
            meta["labels"] = labels
        return meta

    def ensure_services(self, label: str, value: str) -> None:
        """KubernetesDefaultRouter.Initialize/Reconcile: canary and primary Services, and the
        apex Service selecting the primary pods."""
        service = (self.canary.get("spec") or {}).get("service") or {}
        port = int(service.get("port", 80))
        target_port = service.get("targetPort", port)
        ports = [
            {
                "name": str(service.get("portName") or "http"),
                "protocol": "TCP",
                "port": port,
                "targetPort": target_port,
            }
        ]
        rt = self._rt("", "v1", "services")
        for name, selected in (
            (f"{self.apex}-canary", value),
            (f"{self.apex}-primary", f"{value}-primary"),
            (self.apex, f"{value}-primary"),
        ):
            existing = self._get(SERVICES, name)
            if existing is None:
                self._create(
                    rt,
                    {
                        "apiVersion": "v1",
                        "kind": "Service",
                        "metadata": self._owned(name, {label: name}),
                        "spec": {
                            "type": "ClusterIP",
                            "selector": {label: selected},
                            "ports": ports,
                        },
                    },
                )
            elif (existing.get("spec") or {}).get("selector") != {label: selected}:
                new = clone(existing)
                new["spec"]["selector"] = {label: selected}
                self._update(rt, new, "service")

    def ensure_primary(self, label: str, value: str) -> bool:
        """createPrimaryDeployment: a copy of the target selecting `<value>-primary`; True
        when it was created now."""
        if self.primary() is not None:
            return False
        target = self.target()
        spec = clone(target.get("spec") or {})
        primary_value = f"{value}-primary"
        spec["selector"] = {"matchLabels": {label: primary_value}}
        template = spec.setdefault("template", {})
        tmeta = template.setdefault("metadata", {})
        tmeta["labels"] = {**(tmeta.get("labels") or {}), label: primary_value}
        if int(spec.get("replicas", 1)) == 0:
            spec["replicas"] = 1
        labels = {**(target["metadata"].get("labels") or {}), label: primary_value}
        self._create(
            self._rt("apps", "v1", "deployments"),
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": self._owned(self.primary_name, labels),
                "spec": spec,
            },
        )
        return True

    def ensure_primary_hpa(self) -> None:
        """hpa_reconciler.go: `<hpa>-primary` scaling the primary as the target's HPA says."""
        ref = (self.canary.get("spec") or {}).get("autoscalerRef") or {}
        if ref.get("kind") != "HorizontalPodAutoscaler" or not ref.get("name"):
            return
        hpa = self._get(HPAS, str(ref["name"]))
        if hpa is None:
            raise FlaggerError(
                f"HorizontalPodAutoscaler {ref['name']}.{self.ns} get query error: "
                f'horizontalpodautoscalers.autoscaling "{ref["name"]}" not found'
            )
        name = f"{ref['name']}-primary"
        if self._get(HPAS, name) is not None:
            return
        spec = clone(hpa.get("spec") or {})
        spec["scaleTargetRef"] = {**spec.get("scaleTargetRef", {}), "name": self.primary_name}
        self._create(
            self._rt("autoscaling", "v2", "horizontalpodautoscalers"),
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": self._owned(name, dict(hpa["metadata"].get("labels") or {})),
                "spec": spec,
            },
        )

    def ensure_canary_ingress(self) -> None:
        """IngressRouter.Reconcile: `<ingress>-canary`, the ingress sending the apex's paths
        to `<apex>-canary`, created with canary "true" and canary-weight "0"."""
        if not self.ingress_name:
            raise FlaggerError("ingress selector is empty")
        ingress = self._get(INGRESSES, self.ingress_name)
        if ingress is None:
            raise FlaggerError(
                f"ingress {self.ingress_name}.{self.ns} get query error: "
                f'ingresses.networking.k8s.io "{self.ingress_name}" not found'
            )
        spec = clone(ingress.get("spec") or {})
        found = False
        for rule in spec.get("rules") or ():
            for path in (rule.get("http") or {}).get("paths") or ():
                backend = (path.get("backend") or {}).get("service") or {}
                if backend.get("name") == self.apex:
                    backend["name"] = f"{self.apex}-canary"
                    found = True
        if not found:
            raise FlaggerError(f"backend {self.apex} not found in ingress {self.ingress_name}")
        name = f"{self.ingress_name}-canary"
        existing = self._get(INGRESSES, name)
        rt = self._rt("networking.k8s.io", "v1", "ingresses")
        if existing is None:
            annotations = _canary_annotations(ingress["metadata"].get("annotations") or {})
            meta = self._owned(name, dict(ingress["metadata"].get("labels") or {}))
            meta["annotations"] = annotations
            self._create(
                rt,
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "Ingress",
                    "metadata": meta,
                    "spec": spec,
                },
            )
        elif existing.get("spec") != spec:
            new = clone(existing)
            new["spec"] = spec
            self._update(rt, new, "ingress")

    def _canary_ingress(self) -> Obj:
        name = f"{self.ingress_name}-canary"
        ingress = self._get(INGRESSES, name)
        if ingress is None:
            raise FlaggerError(
                f"ingress {name}.{self.ns} get query error: "
                f'ingresses.networking.k8s.io "{name}" not found'
            )
        return ingress

    def canary_weight(self) -> int:
        """IngressRouter.GetRoutes: the canary weight the canary Ingress holds."""
        text = (self._canary_ingress()["metadata"].get("annotations") or {}).get(
            NGINX + "canary-weight", "0"
        )
        try:
            return int(text)
        except ValueError:
            raise FlaggerError(
                f'failed to convert {text} to int: strconv.Atoi: parsing "{text}": invalid syntax'
            ) from None

    def set_weight(self, weight: int) -> None:
        """IngressRouter.SetRoutes."""
        new = clone(self._canary_ingress())
        annotations = dict(new["metadata"].get("annotations") or {})
        annotations[NGINX + "canary-weight"] = str(weight)
        if weight > 0:
            annotations[NGINX + "canary"] = "true"
        else:
            annotations = _canary_annotations(annotations)
        new["metadata"]["annotations"] = annotations
        try:
            self.ctx.registry.update(
                self._rt("networking.k8s.io", "v1", "ingresses"),
                self.ns,
                new["metadata"]["name"],
                new,
                dry_run=False,
            )
        except ApiError as err:
            raise FlaggerError(
                f"ingress {new['metadata']['name']}.{self.ns} update error {err.message}"
            ) from err

    def scale_target(self, replicas: int) -> None:
        """ScaleToZero / ScaleFromZero: a merge patch of the target's spec.replicas."""
        try:
            self.ctx.registry.patch(
                self._rt("apps", "v1", "deployments"),
                self.ns,
                self.target_name,
                "application/merge-patch+json",
                {"spec": {"replicas": replicas}},
                dry_run=False,
            )
        except ApiError as err:
            raise FlaggerError(
                f"deployment {self.target_name}.{self.ns} patch query error: {err.message}"
            ) from err

    def scale_up_replicas(self) -> int:
        """ScaleFromZero's count: the target's own, else the HPA's minimum, else the primary's."""
        target = self.target()
        replicas = int((target.get("spec") or {}).get("replicas", 0) or 0)
        if replicas > 0:
            return replicas
        ref = (self.canary.get("spec") or {}).get("autoscalerRef") or {}
        if ref.get("name"):
            hpa = self._get(HPAS, str(ref["name"]))
            low = int(((hpa or {}).get("spec") or {}).get("minReplicas", 1) or 1)
            return low if low > 1 else 1
        primary = self.primary()
        return max(1, int(((primary or {}).get("spec") or {}).get("replicas", 1) or 1))

    def promote(self, label: str, value: str) -> None:
        """Promote: the target's pod spec, strategy and replicas copied to the primary."""
        target = self.target()
        primary = self.primary()
        if primary is None:
            raise FlaggerError(
                f"deployment {self.primary_name}.{self.ns} get query error: "
                f'deployments.apps "{self.primary_name}" not found'
            )
        new = clone(primary)
        tspec = target.get("spec") or {}
        for field in (
            "progressDeadlineSeconds",
            "minReadySeconds",
            "revisionHistoryLimit",
            "strategy",
        ):
            if field in tspec:
                new["spec"][field] = clone(tspec[field])
        if not (self.canary.get("spec") or {}).get("autoscalerRef"):
            new["spec"]["replicas"] = tspec.get("replicas", 1)
        template = clone(tspec.get("template") or {})
        tmeta = template.setdefault("metadata", {})
        tmeta["labels"] = {**(tmeta.get("labels") or {}), label: f"{value}-primary"}
        new["spec"]["template"] = template
        try:
            self.ctx.registry.update(
                self._rt("apps", "v1", "deployments"),
                self.ns,
                self.primary_name,
                new,
                dry_run=False,
            )
        except ApiError as err:
            raise FlaggerError(
                f"updating deployment {self.primary_name}.{self.ns} template spec failed: "
                f"{err.message}"
            ) from err


def _canary_annotations(annotations: dict[str, Any]) -> dict[str, Any]:
    """IngressRouter.makeAnnotations: the canary annotations reset to canary on, weight 0."""
    out = {
        k: v
        for k, v in annotations.items()
        if not k.startswith(NGINX + "canary")
        and k != "kubectl.kubernetes.io/last-applied-configuration"
    }
    out[NGINX + "canary"] = "true"
    out[NGINX + "canary-weight"] = "0"
    return out


def deployment_ready(dep: Obj, ready_threshold: int = 100) -> tuple[bool, str]:
    """isDeploymentReady: (retriable, "" when ready, else Flagger's reason it is not)."""
    meta = dep["metadata"]
    status = dep.get("status") or {}
    if int(meta.get("generation", 1)) > int(status.get("observedGeneration", 0)):
        return True, (
            "waiting for rollout to finish: observed deployment generation less than desired "
            "generation"
        )
    conditions = {c.get("type"): c for c in status.get("conditions") or ()}
    progress = conditions.get("Progressing")
    replicas = int((dep.get("spec") or {}).get("replicas", 1))
    updated = int(status.get("updatedReplicas", 0))
    available = int(status.get("availableReplicas", 0))
    threshold = int(updated * ready_threshold / 100)
    if progress is not None and progress.get("reason") == "ProgressDeadlineExceeded":
        return False, f'deployment "{meta["name"]}" exceeded its progress deadline'
    if updated < replicas:
        return True, (
            f"waiting for rollout to finish: {updated} out of {replicas} new replicas have been "
            "updated"
        )
    if int(status.get("replicas", 0)) > updated:
        return True, (
            f"waiting for rollout to finish: {int(status.get('replicas', 0)) - updated} old "
            "replicas are pending termination"
        )
    if available < threshold:
        return True, (
            f"waiting for rollout to finish: {available} of {threshold} (readyThreshold "
            f"{ready_threshold}%) updated replicas are available"
        )
    return True, ""
