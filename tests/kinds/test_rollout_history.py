"""`kubectl rollout undo`'s choices, from kubectl's polymorphichelpers/rollback.go
(DeploymentRollbacker, deploymentRevision, equalIgnoreHash, getDeploymentPatch,
annotationsToSkip): which ReplicaSet it goes back to, its refusals in its words, and the
patch it sends."""

from __future__ import annotations

from typing import Any

import pytest

from warroom.kinds.rollout_history import (
    RollbackError,
    history,
    rollback_target,
    same_template,
    undo_patch,
)

UID = "d-uid"


def rs(name: str, revision: str | None, image: str, *, owner: str = UID, **annotations: str) -> Any:
    notes = dict(annotations)
    if revision is not None:
        notes["deployment.kubernetes.io/revision"] = revision
    return {
        "metadata": {
            "name": name,
            "annotations": notes,
            "ownerReferences": [{"kind": "Deployment", "uid": owner, "controller": True}],
        },
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "web", "pod-template-hash": name[-5:]}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            }
        },
    }


def deployment(image: str, **annotations: str) -> Any:
    return {
        "metadata": {"name": "web", "uid": UID, "annotations": annotations},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            }
        },
    }


def test_undo_goes_to_the_newest_revision_but_one_whatever_the_listing_order() -> None:
    # deploymentRevision keeps the latest and the previous while it walks the list.
    sets = [rs("web-aaaa3", "3", "web:3"), rs("web-aaaa1", "1", "web:1"),
            rs("web-aaaa5", "5", "web:5"), rs("web-aaaa4", "4", "web:4")]  # fmt: skip
    assert rollback_target(deployment("web:5"), sets)["metadata"]["name"] == "web-aaaa4"
    assert rollback_target(deployment("web:5"), sets, 1)["metadata"]["name"] == "web-aaaa1"
    assert [n for n, _ in history(deployment("web:5"), sets)] == [1, 3, 4, 5]


def test_replicasets_without_a_revision_or_of_another_owner_are_not_history() -> None:
    sets = [rs("web-aaaa2", "2", "web:2"), rs("web-bbbb1", None, "web:0"),
            rs("web-cccc9", "9", "web:9", owner="other"),
            rs("web-dddd7", "x", "web:x")]  # fmt: skip
    with pytest.raises(RollbackError) as refused:
        rollback_target(deployment("web:2"), sets)
    assert str(refused.value) == 'no rollout history found for deployment "web"'


@pytest.mark.parametrize("revision", [7, -1])
def test_a_revision_not_in_history_is_refused_in_kubectls_words(revision: int) -> None:
    sets = [rs("web-aaaa1", "1", "web:1"), rs("web-aaaa2", "2", "web:2")]
    with pytest.raises(RollbackError) as refused:
        rollback_target(deployment("web:2"), sets, revision)
    assert str(refused.value) == f"unable to find specified revision {revision} in history"


def test_templates_are_compared_without_the_hash_label() -> None:
    assert same_template(deployment("web:1"), rs("web-aaaa1", "1", "web:1"))
    assert not same_template(deployment("web:2"), rs("web-aaaa1", "1", "web:1"))


def test_the_patch_replaces_template_and_annotations_as_kubectl_computes_them() -> None:
    current = deployment(
        "web:2",
        **{
            "deployment.kubernetes.io/revision": "2",
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "kubernetes.io/change-cause": "release 2",
            "team": "payments",
        },
    )
    old = rs(
        "web-aaaa1", "1", "web:1",
        **{"kubernetes.io/change-cause": "release 1",
           "deployment.kubernetes.io/desired-replicas": "3",
           "deployment.kubernetes.io/revision-history": "1"},
    )  # fmt: skip
    template, annotations = undo_patch(current, old)
    assert template == {
        "op": "replace",
        "path": "/spec/template",
        "value": {
            "metadata": {"labels": {"app": "web"}},  # the hash label removed
            "spec": {"containers": [{"name": "web", "image": "web:1"}]},
        },
    }
    # The skipped ones the Deployment has are kept; the others come from the ReplicaSet, and
    # an annotation only the Deployment had ("team") is gone, as kubectl's replace makes it.
    assert annotations == {
        "op": "replace",
        "path": "/metadata/annotations",
        "value": {
            "deployment.kubernetes.io/revision": "2",
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "kubernetes.io/change-cause": "release 1",
        },
    }
    assert "pod-template-hash" in old["spec"]["template"]["metadata"]["labels"]  # not mutated
