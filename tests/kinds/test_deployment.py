"""`kubectl rollout status` for Deployments: every branch of DeploymentStatusViewer.Status,
the five cases of kubectl's TestDeploymentStatusViewerStatus first, then the others."""

from __future__ import annotations

import pytest

from warroom.kinds.deployment import revision_of, rollout_status


def deployment(generation, replicas, observed, total, updated, available, **extra):
    d = {
        "metadata": {"namespace": "bar", "name": "foo", "generation": generation},
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": observed,
            "replicas": total,
            "updatedReplicas": updated,
            "availableReplicas": available,
            "unavailableReplicas": total - available,
        },
    }
    d["metadata"].update(extra.pop("metadata", {}))
    d["status"].update(extra)
    return d


# (generation, spec replicas, observed generation, replicas, updated, available) -> msg, done
@pytest.mark.parametrize(
    ("d", "message", "done"),
    [
        (
            deployment(0, 1, 1, 1, 0, 1),
            'Waiting for deployment "foo" rollout to finish: 0 out of 1 new replicas have been '
            "updated...",
            False,
        ),
        (
            deployment(1, 1, 1, 2, 1, 2),
            'Waiting for deployment "foo" rollout to finish: 1 old replicas are pending '
            "termination...",
            False,
        ),
        (
            deployment(1, 2, 1, 2, 2, 1),
            'Waiting for deployment "foo" rollout to finish: 1 of 2 updated replicas are '
            "available...",
            False,
        ),
        (deployment(1, 2, 1, 2, 2, 2), 'deployment "foo" successfully rolled out', True),
        (
            deployment(2, 2, 1, 2, 2, 2),
            "Waiting for deployment spec update to be observed...",
            False,
        ),
    ],
    ids=["test1", "test2", "test3", "test4", "test5"],
)
def test_deployment_status_viewer_cases(d, message, done):
    status = rollout_status(d)
    assert (status.printed, status.done, status.error) == (message, done, "")


def test_a_progress_deadline_exceeded_is_kubectls_error():
    progressing = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    d = deployment(1, 2, 1, 2, 1, 1, conditions=[progressing])
    status = rollout_status(d)
    assert status.error == 'deployment "foo" exceeded its progress deadline'
    assert (status.message, status.done) == ("", False)
    # Before the controller has seen the new generation, kubectl waits rather than fails.
    assert rollout_status(deployment(2, 2, 1, 2, 1, 1, conditions=[progressing])).error == ""


def test_a_revision_other_than_the_running_one_is_an_error():
    d = deployment(
        1, 2, 1, 2, 2, 2, metadata={"annotations": {"deployment.kubernetes.io/revision": "4"}}
    )
    assert revision_of(d) == 4
    assert rollout_status(d, revision=4).done
    wrong = rollout_status(d, revision=3)
    assert wrong.error == "desired revision (3) is different from the running revision (4)"
    assert not wrong.done


def test_without_spec_replicas_the_update_count_is_not_waited_on():
    d = deployment(1, 2, 1, 2, 0, 2)
    del d["spec"]["replicas"]
    assert rollout_status(d).message.endswith("2 old replicas are pending termination...")


def pod(waiting=None, scheduled=None):
    status = {"conditions": [scheduled] if scheduled else []}
    if waiting:
        status["containerStatuses"] = [{"name": "app", "state": {"waiting": waiting}}]
    return {"metadata": {"name": "foo-1"}, "status": status}


@pytest.mark.parametrize(
    ("pods", "warning"),
    [
        (
            [
                pod(
                    scheduled={
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
                    }
                )
            ],
            " (Warning: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.)",
        ),
        (
            [pod(), pod({"reason": "ImagePullBackOff", "message": 'Back-off pulling image "x:1"'})],
            ' (Warning: ImagePullBackOff - Back-off pulling image "x:1")',
        ),
        (
            [pod({"reason": "CrashLoopBackOff", "message": "back-off 5m0s"})],
            " (Warning: CrashLoopBackOff - back-off 5m0s)",
        ),
        ([pod({"reason": "ContainerCreating"})], ""),  # on its way: no warning
    ],
)
def test_a_waiting_rollout_warns_about_a_pod_that_cannot_start(pods, warning):
    """appendWarning: the first pod the scheduler refused or that cannot start is named."""
    status = rollout_status(deployment(1, 2, 1, 2, 1, 1), pods)
    assert status.printed == (
        'Waiting for deployment "foo" rollout to finish: 1 out of 2 new replicas have been '
        "updated..." + warning
    )
    done = rollout_status(deployment(1, 2, 1, 2, 2, 2), pods)
    assert done.printed == 'deployment "foo" successfully rolled out'  # no warning once done
