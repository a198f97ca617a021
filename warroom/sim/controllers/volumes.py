"""Dynamic provisioning: a pending PersistentVolumeClaim is bound to a new volume of the size
it asks, as the PV controller and an external provisioner do between them
(pkg/controller/volume/persistentvolume, sig-storage-lib-external-provisioner): the claim
gets `spec.volumeName: pvc-<uid>`, the bind annotations and status Bound with the volume's
capacity and access modes. The volumes themselves (PersistentVolume objects) are not served.
"""

from __future__ import annotations

from collections.abc import Iterable

from warroom.sim.controllers.context import Context, key_of, split_key
from warroom.sim.store import Change, clone

PVCS = ("", "persistentvolumeclaims")
PROVISIONER = "ebs.csi.aws.com"
# How long the provisioner takes to create the volume, in simulated seconds.
PROVISION_SECONDS = 3.0


class VolumeBinder:
    name = "persistentvolume-binder"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._asked: dict[str, float] = {}

    def keys_for(self, change: Change) -> Iterable[str]:
        if change.type_key != PVCS or change.type == "DELETED":
            return []
        if (change.obj.get("spec") or {}).get("volumeName"):
            return []
        meta = change.obj["metadata"]
        return [key_of(meta["namespace"], meta["name"])]

    def sync(self, key: str) -> float | None:
        ns, name = split_key(key)
        pvc = self.ctx.store.get(PVCS, ns, name)
        if pvc is None or (pvc.get("spec") or {}).get("volumeName"):
            self._asked.pop(key, None)
            return None
        now = self.ctx.clock.now()
        asked = self._asked.setdefault(key, now)
        if asked == now:
            self.ctx.recorder.normal(
                pvc,
                "Provisioning",
                f'External provisioner is provisioning volume for claim "{ns}/{name}"',
                f"{PROVISIONER}_csi-provisioner",
            )
        if now < asked + PROVISION_SECONDS:
            return asked + PROVISION_SECONDS - now
        del self._asked[key]
        volume = f"pvc-{pvc['metadata']['uid']}"
        spec = pvc.get("spec") or {}
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "0")
        updated = clone(pvc)
        annotations = updated["metadata"].setdefault("annotations", {})
        annotations.update(
            {
                "pv.kubernetes.io/bind-completed": "yes",
                "pv.kubernetes.io/bound-by-controller": "yes",
                "volume.beta.kubernetes.io/storage-provisioner": PROVISIONER,
                "volume.kubernetes.io/storage-provisioner": PROVISIONER,
            }
        )
        updated["spec"]["volumeName"] = volume
        updated["spec"].setdefault("volumeMode", "Filesystem")
        updated["status"] = {
            "phase": "Bound",
            "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
            "capacity": {"storage": storage},
        }
        self.ctx.store.update(PVCS, updated)
        self.ctx.recorder.normal(
            updated,
            "ProvisioningSucceeded",
            f"Successfully provisioned volume {volume}",
            f"{PROVISIONER}_csi-provisioner",
        )
        return None
