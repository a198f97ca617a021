"""Who the room's context is and what it may change, as asked once when the room opens: the
header's badge ("warroom-sim-viewer · read-only") and the mutating keys' refusal read it."""

from __future__ import annotations

from dataclasses import dataclass

NODES = "node:"  # the target keys of nodes begin so (live/actions.py's RoomActions.node)


@dataclass(frozen=True, slots=True)
class Denial:
    """One permission the context lacks: `permission` as RBAC names it ("patch
    deployments.apps in bizra-prod"), `short` for the badge ("patch deployments.apps"), and
    the target keys it stops (NODES for every node)."""

    permission: str
    short: str
    targets: tuple[str, ...]

    def stops(self, target: str) -> bool:
        return target in self.targets or (target.startswith(NODES) and NODES in self.targets)


@dataclass(frozen=True, slots=True)
class Identity:
    """The context, the user the server says it is, how many mutating permissions the
    layout's actions need and which of them it lacks; `problem` when it could not be asked."""

    context: str
    username: str
    asked: int = 0
    denied: tuple[Denial, ...] = ()
    problem: str = ""

    @property
    def summary(self) -> str:
        """ "operator" (all allowed), "read-only" (none), else "may not: patch nodes, …"."""
        if self.problem:
            return "permissions unknown"
        if not self.denied:
            return "operator"
        if len(self.denied) >= self.asked:
            return "read-only"
        shorts = dict.fromkeys(d.short for d in self.denied)
        return "may not: " + ", ".join(shorts)

    @property
    def badge(self) -> str:
        """`warroom-sim-viewer · read-only`: who, then what they may do."""
        return f"{self.username or self.context} · {self.summary}"

    def refusal(self, target: str) -> str:
        """Why the context may not act on `target`, in one sentence ("" when it may)."""
        for denial in self.denied:
            if denial.stops(target):
                return (
                    f"{self.context} may not {denial.permission}: ask a cluster admin for that "
                    "permission"
                )
        return ""
