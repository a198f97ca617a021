"""REST storage semantics: create, update, patch and delete as the real registry applies them.

Preconditions (resourceVersion, uid), dry run, generation bumps, status subresources,
finalizers and namespace lifecycle live here, apart from HTTP; the checks every write passes
are in write_checks.py, graceful pod deletion and orphaning in deletion.py.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

from warroom.sim import defaults, deletion, leases
from warroom.sim.catalogue import Catalogue, ResourceType
from warroom.sim.errors import (
    ApiError,
    already_exists,
    conflict,
    generate_name_conflict,
    invalid,
    not_found,
)
from warroom.sim.names import MAX_CREATE_ATTEMPTS, NameGenerator, SimpleNameGenerator
from warroom.sim.patch.errors import PatchError
from warroom.sim.patch.json_patch import apply_json_patch
from warroom.sim.patch.merge_patch import apply_merge_patch
from warroom.sim.patch.strategic import apply_strategic_merge_patch
from warroom.sim.store import Obj, Store, clone
from warroom.sim.write_checks import (
    check_deployment_update,
    check_identity,
    check_namespace,
    check_types,
)

NAMESPACES = ("", "namespaces")
PODS = ("", "pods")

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH)

# Called after an object is written through the API, e.g. to register a CRD's kind.
WriteHook = Callable[[ResourceType, Obj | None, Obj | None], None]
# Called before a create (old None) or update is written, dry runs included; raises ApiError
# to refuse it, as an admission webhook does.
Admission = Callable[[ResourceType, Obj, Obj | None], None]


class Registry:
    """Writes through the API's rules; controllers write to the store directly."""

    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        *,
        seed: int = 0,
        names: NameGenerator | None = None,
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.names: NameGenerator = names or SimpleNameGenerator(random.Random(seed))
        self._next_ip = 1
        self.hooks: list[WriteHook] = []
        self.admission: list[Admission] = []

    # ---- helpers -------------------------------------------------------------------------

    def _cluster_ip(self) -> str:
        self._next_ip += 1
        return f"10.96.{self._next_ip // 250}.{self._next_ip % 250 + 1}"

    def get(self, rt: ResourceType, namespace: str, name: str) -> Obj:
        obj = self.store.get(rt.storage_key, namespace, name)
        if obj is None:
            raise not_found(rt.plural, rt.group, name)
        return obj

    def _notify(self, rt: ResourceType, old: Obj | None, new: Obj | None) -> None:
        for hook in self.hooks:
            hook(rt, old, new)

    # ---- create --------------------------------------------------------------------------

    def create(self, rt: ResourceType, namespace: str, body: Any, *, dry_run: bool) -> Obj:
        """Create `body`; a name drawn for generateName that is taken is drawn again, up to
        8 attempts in all (store.go createWithGenerateNameRetry), then the 409 stands."""
        meta = body.get("metadata") if isinstance(body, dict) else None
        if not (isinstance(meta, dict) and meta.get("generateName") and not meta.get("name")):
            return self._create(rt, namespace, body, dry_run=dry_run)
        for _ in range(MAX_CREATE_ATTEMPTS - 1):
            try:
                return self._create(rt, namespace, body, dry_run=dry_run)
            except ApiError as err:
                if err.reason != "AlreadyExists":
                    raise
        return self._create(rt, namespace, body, dry_run=dry_run)

    def _create(self, rt: ResourceType, namespace: str, body: Any, *, dry_run: bool) -> Obj:
        obj = defaults.check_object_shape(clone(body))
        check_types(rt, obj, patched=False)
        check_identity(rt, obj, namespace)
        # Mutating admission sees the object before storage draws a generateName name.
        for admit in self.admission:
            admit(rt, obj, None)
        meta = obj["metadata"]
        if not meta.get("name"):
            if isinstance(meta.get("generateName"), str) and meta["generateName"]:
                meta["name"] = self.names.generate_name(meta["generateName"])
            else:
                raise invalid(
                    rt.kind,
                    "",
                    rt.group,
                    "metadata.name",
                    "Required value: name or generateName is required",
                )
        name = meta["name"]
        defaults.validate_name(rt.kind, rt.group, name)
        check_namespace(self.store, rt, namespace, name)
        existing = self.store.get(rt.storage_key, namespace if rt.namespaced else "", name)
        if existing is not None:
            deleting = bool(existing["metadata"].get("deletionTimestamp"))
            if meta.get("generateName"):
                # CheckGeneratedNameError: the server, not the client, picked a taken name.
                raise generate_name_conflict(rt.plural, rt.group, name, deleting=deleting)
            raise already_exists(rt.plural, rt.group, name, deleting=deleting)
        for field in ("resourceVersion", "uid", "deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(field, None)
        if rt.subresource("status") is not None and rt.kind != "Node":
            # PrepareForCreate resets status: only the status subresource writes it.
            obj.pop("status", None)
        defaults.apply_defaults(obj, rt.kind, rt.group, next_cluster_ip=self._cluster_ip())
        if rt.storage_key == leases.LEASES:
            leases.prepare(obj, None)
        if rt.kind in defaults.GENERATION_KINDS or rt.custom:
            meta["generation"] = 1
        # BeforeCreate (FillObjectMetaSystemFields) stamps creationTimestamp whatever the
        # client sent: `kubectl run` sends null, a manifest may carry a copied one.
        meta["creationTimestamp"] = self.store.clock.timestamp()
        if dry_run:
            # BeforeCreate fills uid too before the dry run stops the write.
            meta["uid"] = str(uuid.uuid4())
            return obj
        created = self.store.create(rt.storage_key, obj)
        self._notify(rt, None, created)
        return created

    # ---- update and patch ----------------------------------------------------------------

    def update(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        *,
        subresource: str = "",
        dry_run: bool,
    ) -> Obj:
        obj = defaults.check_object_shape(clone(body))
        check_types(rt, obj, patched=False)
        check_identity(rt, obj, namespace)
        if obj["metadata"].get("name", name) != name:
            raise ApiError(
                400,
                f"the name of the object ({obj['metadata'].get('name')}) does not match the name "
                f"on the URL ({name})",
            )
        obj["metadata"]["name"] = name
        old = self.get(rt, namespace, name)
        rv = obj["metadata"].get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise conflict(rt.plural, rt.group, name)
        if not rv and rt.custom:
            raise invalid(
                rt.kind,
                name,
                rt.group,
                "metadata.resourceVersion",
                "Invalid value: 0x0: must be specified for an update",
            )
        return self._commit(rt, old, obj, subresource, dry_run)

    def patch(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        content_type: str,
        body: Any,
        *,
        subresource: str = "",
        dry_run: bool,
    ) -> Obj:
        old = self.get(rt, namespace, name)
        if content_type == STRATEGIC_PATCH and rt.custom:
            raise ApiError(
                415,
                "the body of the request was in an unknown format - accepted media types "
                "include: application/json-patch+json, application/merge-patch+json, "
                "application/apply-patch+yaml",
            )
        try:
            if content_type == JSON_PATCH:
                patched = apply_json_patch(old, body)
            elif content_type == MERGE_PATCH:
                patched = apply_merge_patch(old, body)
            else:
                patched = apply_strategic_merge_patch(old, body, rt.kind)
        except PatchError as exc:
            raise ApiError(exc.code, str(exc)) from exc
        patched = defaults.check_object_shape(clone(patched))
        check_types(rt, patched, patched=True)
        check_identity(rt, patched, namespace)
        if patched["metadata"].get("name") != name:
            raise invalid(
                rt.kind, name, rt.group, "metadata.name", "Invalid value: field is immutable"
            )
        rv = patched["metadata"].get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise conflict(rt.plural, rt.group, name)
        return self._commit(rt, old, patched, subresource, dry_run)

    def _commit(self, rt: ResourceType, old: Obj, new: Obj, subresource: str, dry_run: bool) -> Obj:
        meta = new["metadata"]
        old_meta = old["metadata"]
        for field in (
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "namespace",
        ):
            if field in old_meta:
                meta[field] = old_meta[field]
            else:
                meta.pop(field, None)
        has_status = rt.subresource("status") is not None
        if subresource == "status":
            # Only status changes through the status subresource.
            status = new.get("status")
            new = {k: v for k, v in old.items() if k != "status"}
            new["metadata"] = dict(old_meta)
            if status is not None:
                new["status"] = status
        elif has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        if subresource != "status" and rt.kind in ("Deployment", "ReplicaSet", "DaemonSet"):
            defaults.apply_defaults(new, rt.kind, rt.group, next_cluster_ip="")
        if (
            (rt.kind in defaults.GENERATION_KINDS or rt.custom)
            and subresource != "status"
            and new.get("spec") != old.get("spec")
        ):
            new["metadata"]["generation"] = int(old_meta.get("generation", 1)) + 1
        if rt.kind == "Deployment" and rt.group == "apps" and subresource != "status":
            check_deployment_update(old, new)
        if rt.storage_key == leases.LEASES:
            leases.prepare(new, old)
        if subresource == "":
            for admit in self.admission:
                admit(rt, new, old)
        if dry_run:
            new["metadata"]["resourceVersion"] = old_meta["resourceVersion"]
            return new
        if new == old:
            return old
        if meta.get("deletionTimestamp") and not meta.get("finalizers") and rt.storage_key != PODS:
            gone = self.store.delete(rt.storage_key, *deletion.object_key(old))
            self._notify(rt, old, None)
            return gone
        written = self.store.update(rt.storage_key, new)
        self._notify(rt, old, written)
        return written

    # ---- delete --------------------------------------------------------------------------

    def delete(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        options: dict[str, Any],
        *,
        dry_run: bool,
    ) -> Obj:
        obj = self.get(rt, namespace, name)
        meta = obj["metadata"]
        deletion.check_preconditions(meta, options)
        if dry_run:
            return obj
        policy = options.get("propagationPolicy") or "Background"
        if policy == "Orphan":
            deletion.orphan_dependents(self.store, self.catalogue, meta["uid"])
        if rt.storage_key == PODS:
            return self.delete_pod(obj, options)
        if rt.storage_key == NAMESPACES or meta.get("finalizers") or policy == "Foreground":
            if meta.get("deletionTimestamp"):
                return obj
            new = clone(obj)
            new["metadata"]["deletionTimestamp"] = self.store.clock.timestamp()
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            if policy == "Foreground" and rt.storage_key != NAMESPACES:
                new["metadata"].setdefault("finalizers", []).append("foregroundDeletion")
            if rt.storage_key == NAMESPACES:
                new.setdefault("status", {})["phase"] = "Terminating"
            written = self.store.update(rt.storage_key, new)
            self._notify(rt, obj, written)
            return written
        gone = self.store.delete(rt.storage_key, *deletion.object_key(obj))
        self._notify(rt, obj, None)
        return gone

    def delete_pod(self, pod: Obj, options: dict[str, Any]) -> Obj:
        """Delete a pod gracefully, as a pod delete through the API does (deletion.py)."""
        return deletion.delete_pod(self.store, pod, options)

    def bind(self, namespace: str, name: str, body: Any) -> Obj:
        """pods/binding: place an unscheduled pod on a node, as a scheduler does."""
        pod = self.store.get(PODS, namespace, name)
        if pod is None:
            raise not_found("pods", "", name)
        target = body.get("target") if isinstance(body, dict) else None
        if not isinstance(target, dict) or not target.get("name"):
            raise invalid("Binding", name, "", "target.name", "Required value")
        if (pod.get("spec") or {}).get("nodeName"):
            raise ApiError(
                409,
                f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is already '
                f'assigned to node "{pod["spec"]["nodeName"]}"',
            )
        new = clone(pod)
        new["spec"]["nodeName"] = target["name"]
        self.store.update(PODS, new)
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "code": 201,
        }
