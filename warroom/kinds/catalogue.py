"""The kinds a checklist may name by `Kind/name`, with where the API serves each: the built-in
kinds a go-live checks most, and the rollout controllers' custom resources."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ApiKind:
    kind: str
    group: str  # "" for the core group
    version: str
    plural: str
    namespaced: bool = True
    # What the war room's picture calls it when it watches the kind itself, else "".
    picture: str = ""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, name: str, namespace: str | None) -> str:
        """The API path of one object: /apis/apps/v1/namespaces/ns/daemonsets/name."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}/{name}"
        return f"{base}/{self.plural}/{name}"


KINDS: dict[str, ApiKind] = {
    k.kind: k
    for k in (
        ApiKind("Pod", "", "v1", "pods", picture="pods"),
        ApiKind("Node", "", "v1", "nodes", namespaced=False, picture="nodes"),
        ApiKind("Deployment", "apps", "v1", "deployments", picture="deployments"),
        ApiKind("ReplicaSet", "apps", "v1", "replicasets", picture="replicasets"),
        ApiKind(
            "HorizontalPodAutoscaler",
            "autoscaling",
            "v2",
            "horizontalpodautoscalers",
            picture="hpas",
        ),
        ApiKind("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", picture="pdbs"),
        ApiKind("Ingress", "networking.k8s.io", "v1", "ingresses", picture="ingresses"),
        ApiKind("Service", "", "v1", "services"),
        ApiKind("ConfigMap", "", "v1", "configmaps"),
        ApiKind("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims"),
        ApiKind("PersistentVolume", "", "v1", "persistentvolumes", namespaced=False),
        ApiKind("Namespace", "", "v1", "namespaces", namespaced=False),
        ApiKind("ServiceAccount", "", "v1", "serviceaccounts"),
        ApiKind("DaemonSet", "apps", "v1", "daemonsets"),
        ApiKind("StatefulSet", "apps", "v1", "statefulsets"),
        ApiKind("Job", "batch", "v1", "jobs"),
        ApiKind("CronJob", "batch", "v1", "cronjobs"),
        ApiKind("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies"),
        ApiKind("StorageClass", "storage.k8s.io", "v1", "storageclasses", namespaced=False),
        ApiKind("PriorityClass", "scheduling.k8s.io", "v1", "priorityclasses", namespaced=False),
        ApiKind("Canary", "flagger.app", "v1beta1", "canaries"),
        ApiKind("Rollout", "argoproj.io", "v1alpha1", "rollouts"),
    )
}
# Secrets are left out on purpose: their data must never become evidence in a journal.


def split_ref(ref: str) -> tuple[ApiKind | None, str]:
    """`DaemonSet/nvidia-device-plugin` → (its ApiKind, name); None for a kind not listed."""
    kind, _, name = ref.partition("/")
    return KINDS.get(kind), name
