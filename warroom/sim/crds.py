"""CustomResourceDefinitions: creating one serves its kind; deleting one drops it and its CRs."""

from __future__ import annotations

from typing import Any

from warroom.sim.catalogue import Catalogue, ResourceType, Subresource
from warroom.sim.errors import invalid
from warroom.sim.store import Obj, Store, clone

CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")


def validate_crd(obj: Obj) -> None:
    """Refuse a CRD the real server would refuse for the fields the sim relies on."""
    name = obj["metadata"].get("name", "")
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    group = "apiextensions.k8s.io"
    for field, value in (
        ("spec.group", spec.get("group")),
        ("spec.names.plural", names.get("plural")),
        ("spec.names.kind", names.get("kind")),
    ):
        if not value or not isinstance(value, str):
            raise invalid("CustomResourceDefinition", name, group, field, "Required value")
    if name != f"{names['plural']}.{spec['group']}":
        raise invalid(
            "CustomResourceDefinition",
            name,
            group,
            "metadata.name",
            f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
        )
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        raise invalid(
            "CustomResourceDefinition",
            name,
            group,
            "spec.scope",
            f'Unsupported value: "{spec.get("scope")}": supported values: "Cluster", "Namespaced"',
        )
    versions = spec.get("versions")
    if (
        not isinstance(versions, list)
        or not versions
        or not all(isinstance(v, dict) and v.get("name") for v in versions)
    ):
        raise invalid("CustomResourceDefinition", name, group, "spec.versions", "Required value")


def resource_types(crd: Obj) -> list[ResourceType]:
    spec = crd["spec"]
    names = spec["names"]
    out = []
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        subs = version.get("subresources") or {}
        subresources: list[Subresource] = []
        if "status" in subs:
            subresources.append(Subresource("status", names["kind"], ("get", "patch", "update")))
        if "scale" in subs:
            subresources.append(
                Subresource("scale", "Scale", ("get", "patch", "update"), "autoscaling", "v1")
            )
        out.append(
            ResourceType(
                group=spec["group"],
                version=version["name"],
                kind=names["kind"],
                plural=names["plural"],
                singular=names.get("singular") or names["kind"].lower(),
                namespaced=spec["scope"] == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=tuple(subresources),
                custom=True,
                printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
            )
        )
    return out


class CrdServing:
    """Keeps the catalogue in step with the stored CRDs (a registry write hook)."""

    def __init__(self, catalogue: Catalogue, store: Store) -> None:
        self.catalogue = catalogue
        self.store = store

    def __call__(self, rt: ResourceType, old: Obj | None, new: Obj | None) -> None:
        if rt.storage_key != CRDS:
            return
        if old is not None:
            spec = old.get("spec") or {}
            self.catalogue.remove_group_resource(
                spec.get("group", ""), spec.get("names", {}).get("plural", "")
            )
        if new is None:
            self._delete_objects(old)
            return
        for served in resource_types(new):
            self.catalogue.add(served)
        if not _established(new):
            self._establish(new)

    def _delete_objects(self, crd: Obj | None) -> None:
        if crd is None:
            return
        spec = crd.get("spec") or {}
        tk = (spec.get("group", ""), spec.get("names", {}).get("plural", ""))
        for obj in self.store.list(tk):
            meta = obj["metadata"]
            self.store.delete(tk, meta.get("namespace", ""), meta["name"])

    def _establish(self, crd: Obj) -> None:
        new = clone(crd)
        now = self.store.clock.timestamp()
        status: dict[str, Any] = new.setdefault("status", {})
        status["acceptedNames"] = dict(new["spec"]["names"])
        status["storedVersions"] = [
            v["name"] for v in new["spec"]["versions"] if v.get("storage", True)
        ][:1]
        status["conditions"] = [
            {
                "type": "NamesAccepted",
                "status": "True",
                "reason": "NoConflicts",
                "message": "no conflicts found",
                "lastTransitionTime": now,
            },
            {
                "type": "Established",
                "status": "True",
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
                "lastTransitionTime": now,
            },
        ]
        self.store.update(CRDS, new)


def _established(crd: Obj) -> bool:
    return any(
        c.get("type") == "Established" and c.get("status") == "True"
        for c in (crd.get("status") or {}).get("conditions") or ()
    )
