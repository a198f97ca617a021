"""Table rows of Leases, as pkg/printers/internalversion/printers.go prints them (printLease,
leaseColumnDefinitions): the name, the holder (empty when none) and the age."""

from __future__ import annotations

from warroom.kinds.objects import Obj
from warroom.sim.columns import AGE_COL, NAME_COL, col
from warroom.sim.printers import Cells, age

LEASE_COLUMNS = (
    NAME_COL,
    # coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"] in v1.32.
    col(
        "Holder",
        desc="holderIdentity contains the identity of the holder of a current lease. If "
        "Coordinated Leader Election is used, the holder identity must be equal to the elected "
        "LeaseCandidate.metadata.name field.",
    ),
    AGE_COL,
)


def print_lease(lease: Obj, now: float) -> Cells:
    holder = (lease.get("spec") or {}).get("holderIdentity")
    name = (lease.get("metadata") or {}).get("name", "")
    return [name, holder if isinstance(holder, str) else "", age(lease, now)]
