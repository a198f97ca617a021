"""Which pods a drain evicts: kubectl's own cases (pkg/cmd/drain/drain_test.go's TestDrain
and pkg/drain/filter_test.go's TestSkipDeletedFilter), ported. warroom drains as `kubectl drain
--ignore-daemonsets` does, so a DaemonSet's pod is skipped with kubectl's warning where
kubectl without the flag would stop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from warroom.actions.drain_filters import DrainOptions, PodFilters, PodsToDrain, Reason

NOW = 1_700_000_000.0
EMPTY_DIR = [{"name": "scratch", "emptyDir": {}}]


def pod(
    owner: str = "", *, phase: str = "Running", volumes: Any = (), annotations: Any = None,
    deleted_ago: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    meta: dict[str, Any] = {"name": "bar", "namespace": "default"}
    if owner:
        kind, _, name = owner.partition("/")
        api = "apps/v1" if kind in ("DaemonSet", "ReplicaSet") else "v1"
        api = "batch/v1" if kind == "Job" else api
        meta["ownerReferences"] = [
            {"apiVersion": api, "kind": kind, "name": name, "controller": True}
        ]
    if annotations:
        meta["annotations"] = annotations
    if deleted_ago is not None:
        stamp = datetime.fromtimestamp(NOW - deleted_ago, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta["deletionTimestamp"] = stamp
    return {
        "metadata": meta,
        "spec": {"nodeName": "node", "volumes": list(volumes)},
        "status": {"phase": phase},
    }


def drain(p: dict[str, Any], *, force: bool = False, emptydir: bool = False,
          skip: int = 0) -> PodsToDrain:  # fmt: skip
    options = DrainOptions(delete_emptydir_data=emptydir, force=force, skip_deleted_seconds=skip)
    return PodsToDrain.of([p], PodFilters(options, {"default/ds"}, lambda: NOW))


@pytest.mark.parametrize(
    ("case", "p", "flags", "delete", "said"),
    [
        ("RC-managed pod", pod("ReplicationController/rc"), {}, True, ""),
        ("DS-managed pod", pod("DaemonSet/ds"), {}, False,
         "ignoring DaemonSet-managed Pods: default/bar"),
        ("DS-managed terminated pod", pod("DaemonSet/ds", phase="Succeeded"), {}, True, ""),
        ("DS-managed pod with emptyDir", pod("DaemonSet/ds", volumes=EMPTY_DIR), {}, False,
         "ignoring DaemonSet-managed Pods: default/bar"),
        ("orphaned DS-managed pod", pod("DaemonSet/gone"), {}, False,
         'cannot delete daemonsets.apps "gone" not found: default/bar'),
        # kubectl keeps the last filter's verdict: the controller filter's Okay drops the
        # warnings before it (its TODO in filters.go).
        ("orphaned DS-managed pod with --force", pod("DaemonSet/gone"), {"force": True}, True,
         ""),
        ("Job-managed pod with local storage", pod("Job/job", volumes=EMPTY_DIR),
         {"force": True, "emptydir": True}, True, ""),
        ("Job-managed terminated pod", pod("Job/job", phase="Succeeded", volumes=EMPTY_DIR), {},
         True, ""),
        ("RS-managed pod", pod("ReplicaSet/rs"), {}, True, ""),
        ("naked pod", pod(), {}, False,
         "cannot delete Pods that declare no controller (use --force to override): default/bar"),
        ("naked pod with --force", pod(), {"force": True}, True,
         "deleting Pods that declare no controller: default/bar"),
        ("pod with EmptyDir", pod(volumes=EMPTY_DIR), {"force": True}, False,
         "cannot delete Pods with local storage (use --delete-emptydir-data to override): "
         "default/bar"),
        ("terminated pod with emptyDir", pod(volumes=EMPTY_DIR, phase="Failed"), {}, True, ""),
        ("pod with EmptyDir and --delete-emptydir-data", pod(volumes=EMPTY_DIR),
         {"force": True, "emptydir": True}, True,
         "deleting Pods that declare no controller: default/bar"),
        ("mirror pod", pod(annotations={"kubernetes.io/config.mirror": "abc"}), {}, False, ""),
    ],
)  # fmt: skip
def test_kubectl_drain_cases(
    case: str, p: dict[str, Any], flags: dict[str, bool], delete: bool, said: str
) -> None:
    judged = drain(p, **flags)
    assert bool(judged.pods) is delete, case
    assert said in [*judged.warnings, *judged.errors, ""], (case, judged.warnings, judged.errors)
    if not said:
        assert not judged.warnings and not judged.errors, case


def test_a_mirror_pod_is_skipped_without_a_word() -> None:
    judged = drain(pod(annotations={"kubernetes.io/config.mirror": "abc"}))
    assert judged.skipped == ["default/bar"] and judged.judged[0][1].reason is Reason.SKIP


@pytest.mark.parametrize(("age", "delete"), [(None, True), (1, True), (100, False)])
def test_skip_deleted_filter(age: float | None, delete: bool) -> None:
    """TestSkipDeletedFilter: skip-wait-for-delete-timeout 20 s."""
    judged = drain(pod("ReplicaSet/rs", deleted_ago=age), skip=20)
    assert bool(judged.pods) is delete
