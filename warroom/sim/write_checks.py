"""The checks an API write passes before it is stored: the namespace is live, the body decodes
as its kind (a Lease's MicroTimes too), its identity matches the URL, immutable fields stay.
Each fails with the status and message the real server gives."""

from __future__ import annotations

from warroom.sim import defaults
from warroom.sim.catalogue import ResourceType
from warroom.sim.errors import ApiError, invalid, not_found, qualified
from warroom.sim.leases import LEASES, decode_times
from warroom.sim.store import Obj, Store, encode

NAMESPACES = ("", "namespaces")


def check_namespace(store: Store, rt: ResourceType, namespace: str, name: str) -> None:
    """NamespaceLifecycle admission: a namespaced object needs a namespace that is not going."""
    if not rt.namespaced:
        return
    ns = store.get(NAMESPACES, "", namespace)
    if ns is None:
        raise not_found("namespaces", "", namespace)
    if ns.get("metadata", {}).get("deletionTimestamp"):
        raise ApiError(
            403,
            f'{qualified(rt.plural, rt.group)} "{name}" is forbidden: unable to create new '
            f"content in namespace {namespace} because it is being terminated",
            details={
                "name": name,
                "group": rt.group,
                "kind": rt.plural,
                "causes": [
                    {
                        "reason": "NamespaceTerminating",
                        "message": f"namespace {namespace} is being terminated",
                        "field": "metadata.namespace",
                    }
                ],
            },
        )


def check_types(rt: ResourceType, obj: Obj, *, patched: bool) -> None:
    """The decode a typed server does: a field of the wrong JSON type is a 400, or after a
    patch a 422, worded as the real decoder and patcher word them."""
    problem = defaults.type_problem(obj, defaults.kind_fields(rt.kind, custom=rt.custom))
    if problem is None and rt.storage_key == LEASES:
        problem = decode_times(obj)
    if problem is None:
        return
    if patched:
        # A patch whose result does not decode is invalid, as the real patcher words it.
        value = encode(obj).decode()
        raise invalid("", "", "", "patch", f'Invalid value: "{value}": {problem}')
    raise ApiError(
        400, f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {problem}'
    )


def check_identity(rt: ResourceType, obj: Obj, namespace: str) -> None:
    """apiVersion, kind and namespace must be the URL's; they are then set from it."""
    api_version = obj.get("apiVersion")
    if api_version and api_version != rt.api_version:
        raise ApiError(
            400,
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({rt.api_version})",
        )
    kind = obj.get("kind")
    if kind and kind != rt.kind:
        raise ApiError(
            400, f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})"
        )
    meta = obj["metadata"]
    body_ns = meta.get("namespace")
    if rt.namespaced:
        if body_ns and body_ns != namespace:
            raise ApiError(
                400,
                "the namespace of the provided object does not match the namespace sent on "
                "the request",
            )
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    obj["apiVersion"] = rt.api_version
    obj["kind"] = rt.kind


def check_deployment_update(old: Obj, new: Obj) -> None:
    """ValidateDeploymentUpdate: a Deployment's selector is immutable."""
    if (old.get("spec") or {}).get("selector") != (new.get("spec") or {}).get("selector"):
        raise invalid(
            "Deployment",
            new["metadata"]["name"],
            "apps",
            "spec.selector",
            f"Invalid value: {new['spec'].get('selector')}: field is immutable",
        )
