"""Which pods a drain evicts, as kubectl's pkg/drain/filters.go decides, filter by filter and in
its order: pods deleted long enough ago skipped, DaemonSet pods skipped (kubectl drain
--ignore-daemonsets: their controller puts them back at once), mirror pods skipped (the
kubelet owns them), pods with emptyDir data refused unless `delete_emptydir_data`, pods no
controller replaces refused unless `force`; a finished pod (Succeeded or Failed) is deleted
whatever it is. The first filter that does not delete decides, as in kubectl."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from warroom.kinds.times import timestamp_of

Obj = dict[str, Any]
MIRROR = "kubernetes.io/config.mirror"

DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"


class Reason(StrEnum):
    OKAY = "Okay"
    SKIP = "Skip"
    WARNING = "Warning"
    ERROR = "Error"


@dataclass(frozen=True, slots=True)
class Verdict:
    """kubectl's PodDeleteStatus: evict it or not, and why."""

    delete: bool
    reason: Reason = Reason.OKAY
    message: str = ""


OKAY = Verdict(True)
SKIP = Verdict(False, Reason.SKIP)


@dataclass(frozen=True, slots=True)
class DrainOptions:
    """kubectl drain's --delete-emptydir-data, --force and --skip-wait-for-delete-timeout."""

    delete_emptydir_data: bool = False
    force: bool = False
    skip_deleted_seconds: int = 0


def pod_name(pod: Obj) -> str:
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def controller_of(pod: Obj) -> Obj | None:
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller") is True:
            return dict(ref)
    return None


def finished(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def has_local_storage(pod: Obj) -> bool:
    return any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or ())


def _is_daemonset(ref: Obj) -> bool:
    return ref.get("kind") == "DaemonSet" and ref.get("apiVersion") == "apps/v1"


Filter = Callable[[Obj], Verdict]


class PodFilters:
    """The filters of one drain. `daemonsets` holds the `namespace/name` of each DaemonSet that
    exists (kubectl GETs the pod's DaemonSet: an orphan's is gone); `now` is the cluster's
    clock, for the pods deleted long ago."""

    def __init__(
        self, options: DrainOptions, daemonsets: Collection[str], now: Callable[[], float]
    ) -> None:
        self.options = options
        self.daemonsets = daemonsets
        self.now = now

    @property
    def filters(self) -> tuple[Filter, ...]:
        return (self.skip_deleted, self.daemonset, self.mirror, self.local_storage,
                self.unreplicated)  # fmt: skip

    def judge(self, pod: Obj) -> Verdict:
        verdict = OKAY
        for one in self.filters:
            verdict = one(pod)
            if not verdict.delete:
                break
        return verdict

    def skip_deleted(self, pod: Obj) -> Verdict:
        seconds = self.options.skip_deleted_seconds
        deleted = timestamp_of((pod.get("metadata") or {}).get("deletionTimestamp"))
        if seconds > 0 and deleted is not None and int(self.now() - deleted) > seconds:
            return SKIP
        return OKAY

    def daemonset(self, pod: Obj) -> Verdict:
        ref = controller_of(pod)
        if ref is None or not _is_daemonset(ref) or finished(pod):
            return OKAY
        namespace = (pod.get("metadata") or {}).get("namespace", "")
        if f"{namespace}/{ref.get('name', '')}" not in self.daemonsets:
            missing = f'daemonsets.apps "{ref.get("name", "")}" not found'
            if self.options.force:
                return Verdict(True, Reason.WARNING, missing)
            return Verdict(False, Reason.ERROR, missing)
        return Verdict(False, Reason.WARNING, DAEMONSET_WARNING)

    def mirror(self, pod: Obj) -> Verdict:
        if MIRROR in ((pod.get("metadata") or {}).get("annotations") or {}):
            return SKIP
        return OKAY

    def local_storage(self, pod: Obj) -> Verdict:
        if not has_local_storage(pod) or finished(pod):
            return OKAY
        if not self.options.delete_emptydir_data:
            return Verdict(False, Reason.ERROR, LOCAL_STORAGE_FATAL)
        return Verdict(True, Reason.WARNING, LOCAL_STORAGE_WARNING)

    def unreplicated(self, pod: Obj) -> Verdict:
        if finished(pod) or controller_of(pod) is not None:
            return OKAY
        if self.options.force:
            return Verdict(True, Reason.WARNING, UNMANAGED_WARNING)
        return Verdict(False, Reason.ERROR, UNMANAGED_FATAL)


@dataclass(frozen=True, slots=True)
class PodsToDrain:
    """Each pod on the node with its verdict (kubectl's PodDeleteList)."""

    judged: tuple[tuple[Obj, Verdict], ...]

    @classmethod
    def of(cls, pods: Iterable[Obj], filters: PodFilters) -> PodsToDrain:
        return cls(tuple((pod, filters.judge(pod)) for pod in pods))

    @property
    def pods(self) -> list[Obj]:
        return [pod for pod, verdict in self.judged if verdict.delete]

    def _grouped(self, reason: Reason) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for pod, verdict in self.judged:
            if verdict.reason is reason:
                found.setdefault(verdict.message or "unexpected error", []).append(pod_name(pod))
        return found

    @property
    def warnings(self) -> list[str]:
        """`ignoring DaemonSet-managed Pods: kube-system/a, monitoring/b`, one per message."""
        return [f"{m}: {', '.join(p)}" for m, p in self._grouped(Reason.WARNING).items()]

    @property
    def errors(self) -> list[str]:
        """`cannot delete Pods with local storage (use …): ns/x`, kubectl's own words."""
        grouped = self._grouped(Reason.ERROR)
        return [f"cannot delete {m}: {', '.join(p)}" for m, p in grouped.items()]

    @property
    def skipped(self) -> list[str]:
        return [pod_name(pod) for pod, v in self.judged if v.reason is Reason.SKIP]


def names(pods: Sequence[Obj]) -> str:
    return ", ".join(pod_name(p) for p in pods)
