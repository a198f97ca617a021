"""The rollout of each target Deployment: its versions side by side, with replicas, traffic
share, kubectl's rollout status in words, and an NGINX canary's weight when one is in front."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from warroom.kinds.deployment import RolloutStatus, revision_of, rollout_status
from warroom.kinds.ingress import Canary
from warroom.kinds.objects import Obj, as_int, section
from warroom.state.trouble import Trouble
from warroom.state.versions import containers, version_of


@dataclass(frozen=True, slots=True)
class VersionRow:
    role: str  # "new" (the template being rolled out), "stable" (serving before it) or "old"
    version: str
    image: str
    replicaset: str
    revision: int
    desired: int
    ready: int
    available: int
    share: float | None  # of the Ready pods behind the Deployment, 0..1


@dataclass(frozen=True, slots=True)
class RolloutView:
    namespace: str
    name: str
    strategy: str
    paused: bool
    desired: int
    updated: int
    ready: int
    available: int
    revision: int
    condition: str  # in words, as `kubectl rollout status` would say it
    done: bool  # kubectl rollout status would exit 0
    warning: str  # kubectl's warning about a pod that cannot start or be placed, or ""
    trouble: Trouble
    versions: tuple[VersionRow, ...]
    canary: Canary | None = None  # an NGINX canary Ingress in front of the target's Service


def _owned(objs: Iterable[Obj], uid: str) -> list[Obj]:
    out = []
    for obj in objs:
        for ref in section(obj, "metadata").get("ownerReferences") or ():
            if ref.get("controller") and ref.get("uid") == uid:
                out.append(obj)
    return out


def _trouble(status: RolloutStatus, paused: bool) -> Trouble:
    if status.error:
        return "bad"
    return "warn" if paused or not status.done else ""


def rollout_view(
    d: Obj,
    replicasets: Iterable[Obj],
    canary: Canary | None = None,
    pods: Iterable[Obj] = (),
) -> RolloutView:
    """`replicasets` of the Deployment's namespace (its own are picked by owner), `pods` those
    of its newest ReplicaSet (for kubectl's warnings about pods that cannot start)."""
    meta, spec, status = section(d, "metadata"), section(d, "spec"), section(d, "status")
    mine = _owned(replicasets, str(meta.get("uid", "")))
    revision = revision_of(d)
    # Traffic share: each ReplicaSet's Ready pods (its status, kept by the ReplicaSet
    # controller) of all this Deployment's Ready pods, as a Service spreads requests.
    total_ready = sum(as_int(section(rs, "status").get("readyReplicas")) for rs in mine)
    rows = []
    for rs in mine:
        rs_meta, rs_status = section(rs, "metadata"), section(rs, "status")
        rs_rev = revision_of(rs)
        desired = as_int(section(rs, "spec").get("replicas"))
        if desired == 0 and as_int(rs_status.get("replicas")) == 0 and rs_rev != revision:
            continue  # history, not a live version
        ready_here = as_int(rs_status.get("readyReplicas"))
        found = containers(rs)
        rows.append(
            VersionRow(
                role="new" if rs_rev == revision else "old",
                version=version_of(rs),
                image=str(found[0].get("image", "")) if found else "",
                replicaset=str(rs_meta.get("name", "")),
                revision=rs_rev,
                desired=desired,
                ready=ready_here,
                available=as_int(rs_status.get("availableReplicas")),
                share=(ready_here / total_ready) if total_ready else None,
            )
        )
    rows.sort(key=lambda r: (r.role != "new", -r.revision))
    # One live version is simply stable; during a rollout the newest is "new" and the one it
    # replaces "stable" (older leftovers are "old").
    if len(rows) == 1:
        rows = [replace(rows[0], role="stable")]
    elif rows:
        rows = [rows[0]] + [
            replace(r, role="stable" if i == 0 else "old") for i, r in enumerate(rows[1:])
        ]
    said = rollout_status(d, pods)
    paused = bool(spec.get("paused"))
    return RolloutView(
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        strategy=str(section(spec, "strategy").get("type", "RollingUpdate")),
        paused=paused,
        desired=as_int(spec.get("replicas", 1)),
        updated=as_int(status.get("updatedReplicas")),
        ready=as_int(status.get("readyReplicas")),
        available=as_int(status.get("availableReplicas")),
        revision=revision,
        condition=said.error or said.message,
        done=said.done,
        warning=said.warning,
        trouble=_trouble(said, paused),
        versions=tuple(rows),
        canary=canary,
    )
