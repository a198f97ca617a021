"""kube/writes.py against the sim over HTTP: each call sends what client-go and kubectl send
(method, path, Content-Type, where dryRun goes), and each refusal reads as one sentence that
keeps the server's code, reason, message and causes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from warroom.kube import ApiError, Connection, KubeError, Resource, connect, writes
from warroom.kube.writes import PatchType
from warroom.sim.access import DenyRule
from warroom.sim.cluster import CONTEXT, SimCluster, kubeconfig_text

PROD = "bizra-prod"
APP = "bizra-inference"
PDB = "bizra-inference-pdb"
CONFIGMAPS = Resource("", "v1", "configmaps", namespace=PROD)
DEPLOYMENTS = Resource("apps", "v1", "deployments", namespace=PROD)
PDBS = Resource("policy", "v1", "poddisruptionbudgets", namespace=PROD)
PODS = Resource("", "v1", "pods", namespace=PROD)
CONFLICT = (
    'Operation cannot be fulfilled on {what} "{name}": the object has been modified; please '
    "apply your changes to the latest version and try again"
)
PDB_VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    """The bizra-inference-10k scenario (a Deployment, its pods and a PDB) on a frozen clock."""
    async with SimCluster("bizra-inference-10k", manual_clock=True) as cluster:
        cluster.settle()
        yield cluster


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def two_containers(name: str) -> dict[str, Any]:
    labels = {"app": name}
    containers = [{"name": "app", "image": "app:1"}, {"name": "sidecar", "image": "proxy:1"}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}},
        },
    }


def images(deployment: dict[str, Any]) -> dict[str, str]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return {c["name"]: c["image"] for c in containers}


async def pod_names(conn: Connection) -> list[str]:
    listed = await conn.get_json(PODS.path, [("labelSelector", f"app={APP}")])
    return sorted(p["metadata"]["name"] for p in listed["items"])


async def missing(conn: Connection, resource: Resource, name: str) -> bool:
    try:
        await writes.get(conn, resource, name)
    except ApiError as exc:
        return exc.code == 404
    return False


# ---- create, get, replace ---------------------------------------------------------------------


async def test_create_posts_the_object_and_answers_what_the_server_made(conn, traffic):
    created = await writes.create(conn, CONFIGMAPS, configmap("settings", a="1"))
    assert created["metadata"]["uid"] and created["metadata"]["resourceVersion"]
    sent = traffic.sent[-1]
    assert (sent.method, sent.path) == ("POST", f"/api/v1/namespaces/{PROD}/configmaps")
    assert sent.query == {"fieldManager": "warroom"}
    assert sent.content_type == "application/json"
    assert sent.json() == configmap("settings", a="1")
    assert (await writes.get(conn, CONFIGMAPS, "settings"))["data"] == {"a": "1"}


async def test_a_dry_run_create_is_checked_and_stores_nothing(conn, traffic):
    answered = await writes.create(conn, CONFIGMAPS, configmap("settings"), dry_run=True)
    assert answered["metadata"]["uid"]  # the server filled it in, then stopped
    assert traffic.sent[-1].query == {"dryRun": "All", "fieldManager": "warroom"}
    assert await missing(conn, CONFIGMAPS, "settings")

    with pytest.raises(ApiError) as err:
        await writes.create(conn, CONFIGMAPS, configmap("Not_A_Name"), dry_run=True)
    assert err.value.code == 422 and err.value.reason == "Invalid"
    assert str(err.value).startswith(
        f'create configmaps {PROD}/Not_A_Name (dry run) refused: ConfigMap "Not_A_Name" is '
        "invalid: metadata.name: Invalid value"
    )
    assert str(err.value).endswith("; the request is not valid as sent: fix it before trying again")


async def test_creating_what_exists_says_it_already_exists(conn):
    await writes.create(conn, CONFIGMAPS, configmap("settings"))
    with pytest.raises(ApiError) as err:
        await writes.create(conn, CONFIGMAPS, configmap("settings"))
    assert (err.value.code, err.value.reason) == (409, "AlreadyExists")
    assert str(err.value) == (
        f'create configmaps {PROD}/settings refused: configmaps "settings" already exists; '
        "it already exists: use it, or another name"
    )


async def test_getting_what_is_not_there_is_a_404_in_one_sentence(conn):
    with pytest.raises(ApiError) as err:
        await writes.get(conn, CONFIGMAPS, "nope")
    assert (err.value.code, err.value.reason) == (404, "NotFound")
    assert str(err.value) == (
        f'get configmaps {PROD}/nope refused: configmaps "nope" not found; it is not there '
        "(any more): refresh and check the name"
    )


async def test_a_replace_with_a_stale_resource_version_is_a_conflict(conn, traffic):
    first = await writes.create(conn, CONFIGMAPS, configmap("settings", a="1"))
    theirs = {**first, "data": {"a": "2"}}
    await writes.replace(conn, CONFIGMAPS, "settings", theirs)
    sent = traffic.sent[-1]
    assert (sent.method, sent.path) == ("PUT", f"/api/v1/namespaces/{PROD}/configmaps/settings")

    mine = {**first, "data": {"a": "3"}}
    with pytest.raises(ApiError) as err:
        await writes.replace(conn, CONFIGMAPS, "settings", mine)
    assert (err.value.code, err.value.reason) == (409, "Conflict")
    assert err.value.message == CONFLICT.format(what="configmaps", name="settings")
    assert str(err.value) == (
        f"update configmaps {PROD}/settings refused: "
        + CONFLICT.format(what="configmaps", name="settings")
        + "; someone changed it first: read it again before retrying"
    )
    assert (await writes.get(conn, CONFIGMAPS, "settings"))["data"] == {"a": "2"}


async def test_replace_reaches_a_subresource(conn, traffic):
    scale = await writes.get(conn, DEPLOYMENTS, APP, subresource="scale")
    assert scale["kind"] == "Scale"
    scale["spec"]["replicas"] = 5
    answered = await writes.replace(
        conn, DEPLOYMENTS, APP, scale, subresource="scale", dry_run=True
    )
    assert answered["spec"]["replicas"] == 5
    assert traffic.sent[-1].path == f"/apis/apps/v1/namespaces/{PROD}/deployments/{APP}/scale"
    assert (await writes.get(conn, DEPLOYMENTS, APP))["spec"]["replicas"] != 5


# ---- patch ---------------------------------------------------------------------------------------


async def test_a_strategic_merge_patch_merges_containers_by_name(conn, traffic):
    await writes.create(conn, DEPLOYMENTS, two_containers("web"))
    change = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}}
    patched = await writes.patch(conn, DEPLOYMENTS, "web", change)
    assert images(patched) == {"app": "app:2", "sidecar": "proxy:1"}
    sent = traffic.sent[-1]
    assert (sent.method, sent.content_type) == ("PATCH", PatchType.STRATEGIC.value)
    assert sent.json() == change


async def test_a_merge_patch_replaces_the_list_whole(conn, traffic):
    await writes.create(conn, DEPLOYMENTS, two_containers("web"))
    change = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}}
    patched = await writes.patch(conn, DEPLOYMENTS, "web", change, PatchType.MERGE)
    assert images(patched) == {"app": "app:2"}
    assert traffic.sent[-1].content_type == "application/merge-patch+json"


async def test_a_json_patch_sends_its_operations(conn, traffic):
    await writes.create(conn, DEPLOYMENTS, two_containers("web"))
    ops = [{"op": "replace", "path": "/spec/template/spec/containers/1/image", "value": "proxy:2"}]
    patched = await writes.patch(conn, DEPLOYMENTS, "web", ops, PatchType.JSON)
    assert images(patched) == {"app": "app:1", "sidecar": "proxy:2"}
    sent = traffic.sent[-1]
    assert sent.content_type == "application/json-patch+json" and sent.json() == ops
    with pytest.raises(ValueError, match="must be a list of operations"):
        await writes.patch(conn, DEPLOYMENTS, "web", {"spec": {}}, PatchType.JSON)


async def test_a_dry_run_patch_answers_the_result_and_changes_nothing(conn, traffic):
    before = await writes.get(conn, DEPLOYMENTS, APP)
    answered = await writes.patch(
        conn, DEPLOYMENTS, APP, {"spec": {"paused": True}}, PatchType.MERGE, dry_run=True
    )
    assert answered["spec"]["paused"] is True
    assert traffic.sent[-1].query == {"dryRun": "All", "fieldManager": "warroom"}
    after = await writes.get(conn, DEPLOYMENTS, APP)
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert "paused" not in after["spec"]


# ---- delete --------------------------------------------------------------------------------------


async def test_a_dry_run_delete_puts_dry_run_in_its_options_body(conn, traffic):
    """The server reads a delete's options from the body and ignores the query once there is
    one: dryRun must travel in the body, or the object would really go."""
    await writes.create(conn, CONFIGMAPS, configmap("settings"))
    await writes.delete(conn, CONFIGMAPS, "settings", dry_run=True)
    sent = traffic.sent[-1]
    assert (sent.method, sent.query) == ("DELETE", {})
    assert sent.json() == {
        "kind": "DeleteOptions",
        "apiVersion": "meta.k8s.io/v1",
        "dryRun": ["All"],
    }
    assert not await missing(conn, CONFIGMAPS, "settings")

    background = writes.DeleteOptions(propagation_policy="Background")
    answered = await writes.delete(conn, CONFIGMAPS, "settings", options=background)
    assert traffic.sent[-1].json()["propagationPolicy"] == "Background"
    assert answered["status"] == "Success"
    assert await missing(conn, CONFIGMAPS, "settings")


async def test_a_delete_with_a_stale_precondition_is_refused(conn):
    created = await writes.create(conn, CONFIGMAPS, configmap("settings"))
    await writes.replace(conn, CONFIGMAPS, "settings", {**created, "data": {"a": "1"}})
    with pytest.raises(ApiError) as err:
        stale = writes.DeleteOptions(resource_version=created["metadata"]["resourceVersion"])
        await writes.delete(conn, CONFIGMAPS, "settings", options=stale)
    assert (err.value.code, err.value.reason) == (409, "Conflict")
    assert err.value.message.startswith("Precondition failed: ResourceVersion in precondition")
    assert not await missing(conn, CONFIGMAPS, "settings")


# ---- evict ---------------------------------------------------------------------------------------


async def test_a_dry_run_eviction_is_checked_against_the_budget_and_evicts_nothing(conn, traffic):
    victim = (await pod_names(conn))[0]
    answered = await writes.evict(conn, PROD, victim, dry_run=True)
    assert (answered["kind"], answered["status"], answered["code"]) == ("Status", "Success", 201)
    sent = traffic.sent[-1]
    assert (sent.method, sent.path, sent.query) == (
        "POST",
        f"/api/v1/namespaces/{PROD}/pods/{victim}/eviction",
        {},
    )
    assert sent.json() == {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": victim, "namespace": PROD},
        "deleteOptions": {"dryRun": ["All"]},
    }
    assert "deletionTimestamp" not in (await writes.get(conn, PODS, victim))["metadata"]


async def test_an_eviction_the_budget_forbids_is_429_with_the_budgets_count(conn, sim):
    await writes.patch(conn, PDBS, PDB, {"spec": {"minAvailable": 3}}, PatchType.MERGE)
    await sim.until(
        lambda: (
            sim.store.get(("policy", "poddisruptionbudgets"), PROD, PDB)["status"][
                "observedGeneration"
            ]
            == 2
        ),
        timeout=5,
    )
    victim = (await pod_names(conn))[0]
    for dry_run in (True, False):
        with pytest.raises(ApiError) as err:
            await writes.evict(conn, PROD, victim, dry_run=dry_run)
        assert (err.value.code, err.value.reason) == (429, "TooManyRequests")
        assert err.value.message == PDB_VIOLATION
        budget = f"The disruption budget {PDB} needs 3 healthy pods and has 3 currently"
        assert err.value.causes == (budget,)
        dry = " (dry run)" if dry_run else ""
        assert str(err.value) == (
            f"evict pod {PROD}/{victim}{dry} refused: Cannot evict pod as it would violate the "
            f"pod's disruption budget ({budget}); wait until the budget allows another "
            "disruption, then retry"
        )
    assert "deletionTimestamp" not in (await writes.get(conn, PODS, victim))["metadata"]


async def test_an_eviction_within_the_budget_evicts(conn):
    victim = (await pod_names(conn))[0]
    await writes.evict(conn, PROD, victim, grace_period_seconds=5)
    pod = await writes.get(conn, PODS, victim)
    assert pod["metadata"]["deletionTimestamp"]
    assert pod["metadata"]["deletionGracePeriodSeconds"] == 5


# ---- can_i and RBAC refusals -------------------------------------------------------------------


async def test_can_i_asks_a_self_subject_access_review(conn, traffic):
    access = await writes.can_i(conn, "patch", "deployments", "apps", PROD, APP)
    assert access.allowed
    sent = traffic.sent[-1]
    assert (sent.method, sent.path) == (
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    )
    assert sent.json() == {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "namespace": PROD,
                "verb": "patch",
                "group": "apps",
                "resource": "deployments",
                "name": APP,
            }
        },
    }


async def test_a_denied_permission_is_named_and_the_request_itself_is_refused(conn, sim):
    sim.access.deny(DenyRule(verbs=("patch",), groups=("apps",), resources=("deployments/scale",)))
    scale = await writes.can_i(conn, "patch", "deployments", "apps", PROD, APP, "scale")
    assert not scale.allowed
    assert scale.sentence == (
        f'context "{CONTEXT}" may not patch deployments.apps/scale "{APP}" in namespace '
        f'"{PROD}"; ask a cluster admin for that permission'
    )
    assert (await writes.can_i(conn, "patch", "deployments", "apps", PROD, APP)).allowed

    with pytest.raises(ApiError) as err:
        await writes.patch(
            conn,
            DEPLOYMENTS,
            APP,
            {"spec": {"replicas": 4}},
            PatchType.MERGE,
            subresource="scale",
            dry_run=True,
        )
    assert (err.value.code, err.value.reason) == (403, "Forbidden")
    assert str(err.value) == (
        f"patch deployments.apps {PROD}/{APP}/scale (dry run) refused: deployments.apps "
        f'"{APP}" is forbidden: User "warroom-sim" cannot patch resource "deployments/scale" '
        f'in API group "apps" in the namespace "{PROD}"; ask a cluster admin for that '
        "permission"
    )


async def test_cluster_scoped_permissions_read_cluster_wide(conn, sim):
    sim.access.deny(DenyRule(verbs=("patch",), resources=("nodes",)))
    access = await writes.can_i(conn, "patch", "nodes", name="gpu-node-3")
    assert not access.allowed
    assert access.permission == 'patch nodes "gpu-node-3" cluster-wide'


# ---- no answer -----------------------------------------------------------------------------------


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read a request's head, then close without answering: a server gone mid-request."""
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def test_a_write_without_an_answer_says_its_outcome_is_unknown(tmp_path: Path):
    server = await asyncio.start_server(_hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(kubeconfig_text(f"http://127.0.0.1:{port}"))
    async with server, await connect(kubeconfig, CONTEXT, check=False) as conn:
        with pytest.raises(KubeError) as err:
            await writes.patch(conn, DEPLOYMENTS, APP, {"spec": {"paused": True}})
        assert not isinstance(err.value, ApiError)
        assert str(err.value) == (
            f"patch deployments.apps {PROD}/{APP}: no answer from the API server at "
            f"http://127.0.0.1:{port} (the server closed the connection mid-answer), so "
            "whether it took effect is unknown; read it back before trying again"
        )
        with pytest.raises(KubeError, match="cannot reach the API server"):
            await writes.get(conn, DEPLOYMENTS, APP)


async def test_a_write_to_a_server_that_is_not_there_was_never_sent(tmp_path: Path):
    server = await asyncio.start_server(_hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(kubeconfig_text(f"http://127.0.0.1:{port}"))
    async with await connect(kubeconfig, CONTEXT, check=False) as conn:
        with pytest.raises(KubeError) as err:
            await writes.evict(conn, PROD, "web-1")
    assert "connection refused" in str(err.value)
    assert "cannot reach the API server" in str(err.value)
