"""Table rows of PersistentVolumeClaims, as pkg/printers/internalversion/printers.go prints
them (printPersistentVolumeClaim, with helper.GetAccessModesAsString and
GetPersistentVolumeClaimClass) with its column definitions."""

from __future__ import annotations

from collections.abc import Iterable

from warroom.kinds.objects import Obj
from warroom.sim.columns import AGE_COL, NAME_COL, col
from warroom.sim.printers import Cells, age

BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
UNSET = "<unset>"
_MODES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)

PVC_COLUMNS = (
    NAME_COL,
    col("Status", desc="phase represents the current phase of PersistentVolumeClaim."),
    col(
        "Volume",
        desc="volumeName is the binding reference to the PersistentVolume backing this claim.",
    ),
    col("Capacity", desc="capacity represents the actual resources of the underlying volume."),
    col(
        "Access Modes",
        desc="accessModes contains the actual access modes the volume backing the PVC has. More "
        "info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1",
    ),
    col("StorageClass", desc="StorageClass of the pvc"),
    col("VolumeAttributesClass", desc="VolumeAttributesClass of the pvc"),
    AGE_COL,
    col(
        "VolumeMode",
        desc="volumeMode defines what type of volume is required by the claim. Value of "
        "Filesystem is implied when not included in claim spec.",
        priority=1,
    ),
)


def access_modes(modes: Iterable[str]) -> str:
    """helper.GetAccessModesAsString: short names in a fixed order, each once."""
    present = set(modes)
    return ",".join(short for mode, short in _MODES if mode in present)


def claim_class(pvc: Obj) -> str:
    """The beta annotation wins over spec.storageClassName, as the helper reads them."""
    annotations = (pvc.get("metadata") or {}).get("annotations") or {}
    if BETA_STORAGE_CLASS in annotations:
        return str(annotations[BETA_STORAGE_CLASS])
    return str((pvc.get("spec") or {}).get("storageClassName") or "")


def print_pvc(pvc: Obj, now: float) -> Cells:
    meta = pvc.get("metadata") or {}
    spec = pvc.get("spec") or {}
    status = pvc.get("status") or {}
    phase = "Terminating" if meta.get("deletionTimestamp") else status.get("phase", "")
    capacity = modes = ""
    # Capacity and access modes are the bound volume's: empty until the claim is bound.
    if spec.get("volumeName"):
        modes = access_modes(status.get("accessModes") or ())
        capacity = str((status.get("capacity") or {}).get("storage", "0"))
    return [
        meta.get("name", ""),
        phase,
        spec.get("volumeName", ""),
        capacity,
        modes,
        claim_class(pvc),
        spec.get("volumeAttributesClassName") or UNSET,
        age(pvc, now),
        spec.get("volumeMode") or UNSET,
    ]
