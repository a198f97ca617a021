"""The pods/eviction subresource, honouring PodDisruptionBudgets as the real registry does."""

from __future__ import annotations

from typing import Any

from warroom.sim.defaults import DELETE_OPTIONS, type_problem
from warroom.sim.errors import ApiError, not_found, success_status
from warroom.sim.pods import is_ready
from warroom.sim.registry import PODS, Registry
from warroom.sim.selectors import SelectorError, label_selector_from_spec
from warroom.sim.store import Obj, clone

PDBS = ("policy", "poddisruptionbudgets")
MAX_DISRUPTED_PODS = 2000
EVICTION_FIELDS = (
    ("metadata", "object"),
    ("metadata.name", "string"),
    ("deleteOptions", "object"),
    *((f"deleteOptions.{path}", want) for path, want in DELETE_OPTIONS),
)


def matching_pdbs(registry: Registry, pod: Obj) -> list[Obj]:
    labels = pod["metadata"].get("labels") or {}
    found = []
    for pdb in registry.store.list(PDBS, pod["metadata"].get("namespace", "")):
        try:
            selector = label_selector_from_spec((pdb.get("spec") or {}).get("selector"))
        except SelectorError:
            continue
        if not selector.empty and selector.matches(labels):
            found.append(pdb)
    return found


def _too_many_requests(cause: str) -> ApiError:
    return ApiError(
        429,
        "Cannot evict pod as it would violate the pod's disruption budget.",
        details={"causes": [{"reason": "DisruptionBudget", "message": cause}]},
    )


def evict(registry: Registry, namespace: str, name: str, body: Any, *, dry_run: bool) -> Obj:
    """Evict a pod; returns the Status the server answers with (201 on success)."""
    if not isinstance(body, dict):
        raise ApiError(400, "the body of the request must be an Eviction object")
    problem = type_problem(body, EVICTION_FIELDS)
    if problem is not None:
        raise ApiError(400, f'Eviction in version "v1" cannot be handled as a Eviction: {problem}')
    if (body.get("metadata") or {}).get("name") != name:
        raise ApiError(400, "name in URL does not match name in Eviction object")
    options = body.get("deleteOptions") or {}
    if (options.get("dryRun") or []) == ["All"]:
        dry_run = True
    pod = registry.store.get(PODS, namespace, name)
    if pod is None:
        raise not_found("pods", "", name)
    status = pod.get("status") or {}
    terminal = status.get("phase") in ("Succeeded", "Failed", "Pending")
    if terminal or pod["metadata"].get("deletionTimestamp"):
        _delete(registry, pod, options, dry_run)
        return success_status(201)
    pdbs = matching_pdbs(registry, pod)
    if len(pdbs) > 1:
        raise ApiError(
            500,
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does "
            "not support.",
        )
    if pdbs:
        _check_and_decrement(registry, pdbs[0], pod, dry_run)
    _delete(registry, pod, options, dry_run)
    return success_status(201)


def _check_and_decrement(registry: Registry, pdb: Obj, pod: Obj, dry_run: bool) -> None:
    spec = pdb.get("spec") or {}
    status = pdb.get("status") or {}
    pdb_name = pdb["metadata"]["name"]
    if int(status.get("observedGeneration", 0)) < int(pdb["metadata"].get("generation", 1)):
        raise _too_many_requests(
            f"The disruption budget {pdb_name} is still being processed by the server."
        )
    healthy = int(status.get("currentHealthy", 0))
    desired = int(status.get("desiredHealthy", 0))
    if not is_ready(pod):
        policy = spec.get("unhealthyPodEvictionPolicy", "IfHealthyBudget")
        if policy == "AlwaysAllow" or (healthy >= desired and desired > 0):
            return
    allowed = int(status.get("disruptionsAllowed", 0))
    if allowed < 0:
        raise ApiError(403, "pdb disruptions allowed is negative")
    disrupted = dict(status.get("disruptedPods") or {})
    if len(disrupted) > MAX_DISRUPTED_PODS:
        raise ApiError(
            403, "DisruptedPods map too big - too many evictions not confirmed by PDB controller"
        )
    if allowed == 0:
        raise _too_many_requests(
            f"The disruption budget {pdb_name} needs {desired} healthy pods and has {healthy} "
            "currently"
        )
    if dry_run:
        return
    new = clone(pdb)
    disrupted[pod["metadata"]["name"]] = registry.store.clock.timestamp()
    new["status"]["disruptionsAllowed"] = allowed - 1
    new["status"]["disruptedPods"] = disrupted
    registry.store.update(PDBS, new)


def _delete(registry: Registry, pod: Obj, options: dict[str, Any], dry_run: bool) -> None:
    if dry_run:
        return
    meta = pod["metadata"]
    if not meta.get("deletionTimestamp"):
        marked = clone(pod)
        conditions = marked.setdefault("status", {}).setdefault("conditions", [])
        conditions.append(
            {
                "type": "DisruptionTarget",
                "status": "True",
                "reason": "EvictionByEvictionAPI",
                "message": "Eviction API: evicting",
                "lastTransitionTime": registry.store.clock.timestamp(),
            }
        )
        pod = registry.store.update(PODS, marked)
    registry.delete_pod(pod, options)
