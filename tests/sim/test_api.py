"""The simulated API server's semantics over real HTTP, held to what kube-apiserver answers.

Every request goes through aiohttp to `sim.url`. The tests read the store only to wait for the
controllers (`sim.until`); what they assert is what the server returned.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from warroom.sim.cluster import SimCluster

PROD = "bizra-prod"
APP = "bizra-inference"
PODS = ("", "pods")
DEPLOYMENTS = ("apps", "deployments")
REPLICASETS = ("apps", "replicasets")
PDBS = ("policy", "poddisruptionbudgets")
NAMESPACES = ("", "namespaces")

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CONFLICT = (
    'Operation cannot be fulfilled on {resource} "{name}": the object has been modified; please '
    "apply your changes to the latest version and try again"
)
PDB_VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."
TWO_PDBS = (
    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not "
    "support."
)


# ---- an HTTP client for the sim ----------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: Any
    content_type: str

    @property
    def meta(self) -> dict[str, Any]:
        return self.body["metadata"]

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.body["items"]


class Api:
    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
        raw: bytes | None = None,
    ) -> Reply:
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": content_type} if data is not None else {}
        async with self.session.request(
            method, self.url + path, data=data, params=params, headers=headers
        ) as resp:
            text = await resp.text()
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                parsed = text
            return Reply(resp.status, parsed, resp.content_type)

    async def get(self, path: str, **params: str) -> Reply:
        return await self.call("GET", path, params=params or None)

    async def post(self, path: str, body: Any, **params: str) -> Reply:
        return await self.call("POST", path, body, params=params or None)

    async def put(self, path: str, body: Any, **params: str) -> Reply:
        return await self.call("PUT", path, body, params=params or None)

    async def patch(self, path: str, body: Any, content_type: str = MERGE, **params: str) -> Reply:
        return await self.call(
            "PATCH", path, body, params=params or None, content_type=content_type
        )

    async def delete(self, path: str, body: Any = None, **params: str) -> Reply:
        return await self.call("DELETE", path, body, params=params or None)


@pytest.fixture
async def msim() -> AsyncIterator[SimCluster]:
    """The bizra-inference-10k scenario on a frozen clock: time moves only through advance/until."""
    async with SimCluster("bizra-inference-10k", manual_clock=True) as cluster:
        yield cluster


@pytest.fixture
async def api(msim: SimCluster) -> AsyncIterator[Api]:
    async with msim.session() as session:
        yield Api(session, msim.url)


@pytest.fixture
async def live_api(sim: SimCluster) -> AsyncIterator[Api]:
    async with sim.session() as session:
        yield Api(session, sim.url)


# ---- objects and paths --------------------------------------------------------------------------


def ns_path(namespace: str, plural: str, name: str = "", group: str = "") -> str:
    root = f"/apis/{group}" if group else "/api/v1"
    return f"{root}/namespaces/{namespace}/{plural}" + (f"/{name}" if name else "")


def cm_path(namespace: str = "default", name: str = "") -> str:
    return ns_path(namespace, "configmaps", name)


def deploy_path(namespace: str = "default", name: str = "") -> str:
    return ns_path(namespace, "deployments", name, "apps/v1")


def pod_path(namespace: str = "default", name: str = "") -> str:
    return ns_path(namespace, "pods", name)


def pdb_path(name: str = "") -> str:
    return ns_path(PROD, "poddisruptionbudgets", name, "policy/v1")


def configmap(name: str, data: dict[str, str] | None = None, **labels: str) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    if labels:
        obj["metadata"]["labels"] = labels
    if data is not None:
        obj["data"] = data
    return obj


def container(name: str, image: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": image, **extra}


def deployment(name: str, replicas: int = 2, containers: list[dict[str, Any]] | None = None):
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": containers or [container("app", "nginx:1.27")]},
            },
        },
    }


def pod(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"run": name}},
        "spec": {"containers": [container("app", "nginx:1.27")]},
    }


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def eviction(name: str, **delete_options: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": PROD},
    }
    if delete_options:
        body["deleteOptions"] = delete_options
    return body


def access_review(verb: str, resource: str, namespace: str = PROD, **attrs: str) -> dict[str, Any]:
    return {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "verb": verb,
                "resource": resource,
                "namespace": namespace,
                **attrs,
            }
        },
    }


SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
RS_DEFAULT = ns_path("default", "replicasets", group="apps/v1")

CANARY_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "canaries.flagger.app"},
    "spec": {
        "group": "flagger.app",
        "scope": "Namespaced",
        "names": {
            "plural": "canaries",
            "singular": "canary",
            "kind": "Canary",
            "listKind": "CanaryList",
            "categories": ["all"],
        },
        "versions": [
            {
                "name": "v1beta1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Status", "type": "string", "jsonPath": ".status.phase"},
                    {"name": "Weight", "type": "string", "jsonPath": ".status.canaryWeight"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            }
        ],
    },
}
CANARIES = ns_path(PROD, "canaries", group="flagger.app/v1beta1")


def canary(name: str = APP) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": name},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": APP},
            "service": {"port": 80, "targetPort": 8000},
            "analysis": {"interval": "1m", "threshold": 5, "maxWeight": 50, "stepWeight": 10},
        },
    }


# ---- reading cluster state to wait on it --------------------------------------------------------


def ready(pod_obj: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod_obj.get("status") or {}).get("conditions") or ()
    )


def live_pods(sim: SimCluster, ns: str, app: str) -> list[dict[str, Any]]:
    """Pods of `app` that are Ready and not being deleted, by name."""
    return sorted(
        (
            p
            for p in sim.store.list(PODS, ns)
            if (p["metadata"].get("labels") or {}).get("app") == app
            and ready(p)
            and not p["metadata"].get("deletionTimestamp")
        ),
        key=lambda p: p["metadata"]["name"],
    )


def labelled(sim: SimCluster, tk: tuple[str, str], ns: str, app: str) -> list[dict[str, Any]]:
    return [
        o for o in sim.store.list(tk, ns) if (o["metadata"].get("labels") or {}).get("app") == app
    ]


def names(items: list[dict[str, Any]]) -> list[str]:
    return sorted(i["metadata"]["name"] for i in items)


def keyed(items: list[dict[str, Any]]) -> list[str]:
    """namespace/name of each item, sorted."""
    return sorted(f"{i['metadata'].get('namespace', '')}/{i['metadata']['name']}" for i in items)


def assert_failure(reply: Reply, code: int, reason: str | None = None) -> None:
    assert reply.status == code, reply.body
    assert reply.content_type == "application/json"
    assert isinstance(reply.body, dict), reply.body
    assert reply.body["kind"] == "Status"
    assert reply.body["apiVersion"] == "v1"
    assert reply.body["status"] == "Failure"
    assert reply.body["code"] == code
    assert isinstance(reply.body["message"], str) and reply.body["message"]
    if reason is not None:
        assert reply.body["reason"] == reason


# ---- discovery ----------------------------------------------------------------------------------


def by_name(reply: Reply) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in reply.body["resources"]}


async def test_version_and_api_roots_are_json(api):
    version = await api.get("/version")
    assert version.status == 200 and version.content_type == "application/json"
    assert version.body["major"] == "1" and version.body["gitVersion"].startswith("v1.")

    core = await api.get("/api")
    assert core.status == 200 and core.content_type == "application/json"
    assert core.body["kind"] == "APIVersions" and core.body["versions"] == ["v1"]

    groups = await api.get("/apis")
    assert groups.status == 200 and groups.content_type == "application/json"
    assert groups.body["kind"] == "APIGroupList"
    served = {g["name"]: g for g in groups.body["groups"]}
    assert {"apps", "autoscaling", "policy", "authorization.k8s.io", "apiextensions.k8s.io"} <= (
        set(served)
    )
    assert "" not in served  # the core group is served under /api, not /apis
    assert served["apps"]["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}

    apps = await api.get("/apis/apps")
    assert apps.status == 200
    assert apps.body["kind"] == "APIGroup" and apps.body["name"] == "apps"


async def test_core_v1_discovery_lists_kinds_and_subresources(api):
    reply = await api.get("/api/v1")
    assert reply.status == 200 and reply.content_type == "application/json"
    assert reply.body["kind"] == "APIResourceList" and reply.body["groupVersion"] == "v1"
    res = by_name(reply)
    assert res["pods"]["kind"] == "Pod" and res["pods"]["namespaced"] is True
    assert "po" in res["pods"]["shortNames"]
    assert set(res["pods"]["verbs"]) >= {"create", "delete", "get", "list", "patch", "watch"}
    eviction_entry = res["pods/eviction"]
    assert (eviction_entry["group"], eviction_entry["version"], eviction_entry["kind"]) == (
        "policy",
        "v1",
        "Eviction",
    )
    assert eviction_entry["verbs"] == ["create"]
    assert res["pods/status"]["kind"] == "Pod"
    assert sorted(res["pods/status"]["verbs"]) == ["get", "patch", "update"]
    assert "group" not in res["pods/status"]
    assert res["nodes/status"]["kind"] == "Node" and res["nodes/status"]["namespaced"] is False
    assert res["namespaces"]["namespaced"] is False
    assert res["configmaps"]["kind"] == "ConfigMap"


async def test_apps_v1_discovery_serves_scale_from_autoscaling_v1(api):
    reply = await api.get("/apis/apps/v1")
    assert reply.status == 200 and reply.content_type == "application/json"
    assert reply.body["groupVersion"] == "apps/v1"
    res = by_name(reply)
    for name in ("deployments/scale", "replicasets/scale"):
        assert (res[name]["group"], res[name]["version"], res[name]["kind"]) == (
            "autoscaling",
            "v1",
            "Scale",
        )
        assert sorted(res[name]["verbs"]) == ["get", "patch", "update"]
    assert res["deployments/status"]["kind"] == "Deployment"
    assert res["deployments"]["shortNames"] == ["deploy"]

    policy = by_name(await api.get("/apis/policy/v1"))
    assert policy["poddisruptionbudgets"]["kind"] == "PodDisruptionBudget"
    assert "poddisruptionbudgets/status" in policy


async def test_crd_group_is_discovered_only_while_the_crd_exists(api, msim):
    async def groups() -> set[str]:
        return {g["name"] for g in (await api.get("/apis")).body["groups"]}

    assert "flagger.app" not in await groups()
    assert (await api.get("/apis/flagger.app/v1beta1")).status == 404

    created = await api.post(CRDS, CANARY_CRD)
    assert created.status == 201, created.body
    assert "flagger.app" in await groups()
    group = await api.get("/apis/flagger.app")
    assert group.body["preferredVersion"]["groupVersion"] == "flagger.app/v1beta1"
    listed = await api.get("/apis/flagger.app/v1beta1")
    assert listed.status == 200
    res = by_name(listed)
    assert res["canaries"]["kind"] == "Canary" and res["canaries"]["namespaced"] is True
    assert res["canaries/status"]["kind"] == "Canary"

    gone = await api.delete(f"{CRDS}/canaries.flagger.app")
    assert gone.status == 200, gone.body
    await msim.until(lambda: msim.catalogue.get("flagger.app", "v1beta1", "canaries") is None)
    assert "flagger.app" not in await groups()
    assert (await api.get("/apis/flagger.app/v1beta1")).status == 404
    assert (await api.get(CANARIES)).status == 404


# ---- LIST: selectors, paging, list kinds --------------------------------------------------------

SELECTABLE = {
    "a": {"tier": "web", "env": "prod"},
    "b": {"tier": "db", "env": "prod"},
    "c": {"tier": "web", "env": "dev"},
    "d": {"env": "dev"},
}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tier=web", "ac"),
        ("tier==web", "ac"),
        ("tier!=web", "bd"),  # != also matches objects without the label
        ("tier in (web,db)", "abc"),
        ("tier notin (web)", "bd"),
        ("tier", "abc"),
        ("!tier", "d"),
        ("tier=web,env=prod", "a"),
        ("env in (dev),tier", "c"),
    ],
)
async def test_label_selector_filters_a_list(api, selector, expected):
    assert (await api.post("/api/v1/namespaces", namespace("lists"))).status == 201
    for name, labels in SELECTABLE.items():
        assert (await api.post(cm_path("lists"), configmap(name, **labels))).status == 201

    reply = await api.get(cm_path("lists"), labelSelector=selector)
    assert reply.status == 200, reply.body
    assert "".join(names(reply.body["items"])) == expected


async def test_field_selectors_filter_pods(api, msim):
    assert (await api.post(pod_path(), pod("waiting"))).status == 201
    msim.settle()  # scheduled, image still pulling: Pending
    everything = (await api.get("/api/v1/pods")).body["items"]
    prod_pod = next(p for p in everything if p["metadata"]["namespace"] == PROD)
    node = prod_pod["spec"]["nodeName"]

    async def selected(path: str, selector: str) -> list[str]:
        reply = await api.get(path, fieldSelector=selector)
        assert reply.status == 200, reply.body
        return keyed(reply.body["items"])

    def keys(pred) -> list[str]:
        return keyed([p for p in everything if pred(p)])

    name = prod_pod["metadata"]["name"]
    assert await selected(pod_path(PROD), f"metadata.name={name}") == [f"{PROD}/{name}"]
    assert await selected("/api/v1/pods", f"metadata.namespace={PROD}") == keys(
        lambda p: p["metadata"]["namespace"] == PROD
    )
    on_node = await selected("/api/v1/pods", f"spec.nodeName={node}")
    assert on_node == keys(lambda p: p["spec"].get("nodeName") == node)
    assert f"{PROD}/{name}" in on_node and len(on_node) < len(everything)
    running = await selected("/api/v1/pods", "status.phase=Running")
    assert "default/waiting" not in running
    assert running == keys(lambda p: p["status"]["phase"] == "Running")
    assert await selected("/api/v1/pods", "status.phase!=Running") == ["default/waiting"]
    assert await selected("/api/v1/pods", f"metadata.namespace={PROD},status.phase=Running") == (
        keys(lambda p: p["metadata"]["namespace"] == PROD)
    )


async def test_unsupported_field_selector_is_a_bad_request(api):
    reply = await api.get("/api/v1/pods", fieldSelector="spec.foo=bar")
    assert_failure(reply, 400, "BadRequest")
    assert reply.body["message"] == "field label not supported: spec.foo"
    # status.phase is selectable on pods but not on configmaps
    reply = await api.get(cm_path(), fieldSelector="status.phase=Running")
    assert_failure(reply, 400, "BadRequest")
    assert "field label not supported" in reply.body["message"]


async def test_malformed_label_selector_is_a_bad_request(api):
    reply = await api.get("/api/v1/pods", labelSelector="tier in (web")
    assert_failure(reply, 400, "BadRequest")
    assert "unable to parse requirement" in reply.body["message"]


async def test_paging_returns_every_object_once_at_one_resource_version(api, msim):
    msim.settle()
    full = await api.get("/api/v1/pods")
    expected = keyed(full.body["items"])
    assert len(expected) > 15

    seen: list[str] = []
    versions: set[str] = set()
    token = ""
    pages = 0
    while True:
        params = {"limit": "5"} | ({"continue": token} if token else {})
        reply = await api.get("/api/v1/pods", **params)
        assert reply.status == 200, reply.body
        assert reply.body["kind"] == "PodList"
        pages += 1
        versions.add(reply.meta["resourceVersion"])
        seen += [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in reply.items]
        token = reply.meta.get("continue", "")
        if not token:
            assert "remainingItemCount" not in reply.meta
            break
        assert len(reply.body["items"]) == 5
        assert reply.meta["remainingItemCount"] == len(expected) - len(seen)
        if pages == 1:
            # A write between pages is not seen: the pages read one snapshot.
            created = await api.post(pod_path(), pod("aaa-late"))
            assert created.status == 201
            assert int(created.meta["resourceVersion"]) > int(reply.meta["resourceVersion"])

    assert seen == sorted(seen)
    assert seen == expected
    assert len(versions) == 1
    assert pages == -(-len(expected) // 5)


async def test_paging_with_a_selector_does_not_count_the_rest(api):
    reply = await api.get("/api/v1/pods", fieldSelector="status.phase=Running", limit="2")
    assert reply.status == 200
    assert len(reply.body["items"]) == 2 and reply.meta["continue"]
    assert "remainingItemCount" not in reply.meta


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        base64.urlsafe_b64encode(b"{}").decode(),
        base64.urlsafe_b64encode(b'{"key": 5}').decode(),
    ],
)
async def test_garbage_continue_token_is_a_bad_request(api, token):
    reply = await api.get("/api/v1/pods", limit="2", **{"continue": token})
    assert_failure(reply, 400, "BadRequest")
    assert "continue" in reply.body["message"]


@pytest.mark.parametrize(
    ("path", "kind", "api_version"),
    [
        ("/api/v1/pods", "PodList", "v1"),
        ("/api/v1/namespaces", "NamespaceList", "v1"),
        ("/api/v1/nodes", "NodeList", "v1"),
        ("/apis/apps/v1/deployments", "DeploymentList", "apps/v1"),
        (ns_path(PROD, "replicasets", group="apps/v1"), "ReplicaSetList", "apps/v1"),
        (pdb_path(), "PodDisruptionBudgetList", "policy/v1"),
        (
            "/apis/autoscaling/v2/horizontalpodautoscalers",
            "HorizontalPodAutoscalerList",
            "autoscaling/v2",
        ),
    ],
)
async def test_list_is_a_kind_list(api, path, kind, api_version):
    reply = await api.get(path)
    assert reply.status == 200 and reply.content_type == "application/json"
    assert reply.body["kind"] == kind and reply.body["apiVersion"] == api_version
    assert reply.meta["resourceVersion"].isdigit()
    assert reply.body["items"]


# ---- GET / POST / PUT / PATCH / DELETE ----------------------------------------------------------


async def test_create_fills_server_side_metadata(api):
    reply = await api.post(deploy_path(), deployment("web"))
    assert reply.status == 201, reply.body
    meta = reply.meta
    assert UID.match(meta["uid"])
    assert RFC3339.match(meta["creationTimestamp"])
    assert meta["resourceVersion"].isdigit()
    assert meta["generation"] == 1
    assert meta["namespace"] == "default"
    assert reply.body["kind"] == "Deployment" and reply.body["apiVersion"] == "apps/v1"

    got = await api.get(deploy_path(name="web"))
    assert got.status == 200
    assert got.meta["uid"] == meta["uid"]
    assert got.meta["creationTimestamp"] == meta["creationTimestamp"]


async def test_create_with_generate_name_picks_a_name(api):
    body = configmap("")
    body["metadata"] = {"generateName": "settings-"}
    reply = await api.post(cm_path(), body)
    assert reply.status == 201, reply.body
    assert re.match(r"^settings-[a-z0-9]{5}$", reply.meta["name"])
    assert (await api.get(cm_path(name=reply.meta["name"]))).status == 200


async def test_create_ignores_status_when_the_kind_has_a_status_subresource(api):
    body = deployment("web")
    body["status"] = {"replicas": 7, "readyReplicas": 7, "availableReplicas": 7}
    reply = await api.post(deploy_path(), body)
    assert reply.status == 201
    assert not (reply.body.get("status") or {}).get("readyReplicas")

    body = pod("claims-running")
    body["status"] = {"phase": "Running", "podIP": "10.0.0.9"}
    reply = await api.post(pod_path(), body)
    assert reply.status == 201
    assert reply.body["status"]["phase"] == "Pending"
    assert "podIP" not in reply.body["status"]


async def test_duplicate_create_is_already_exists(api):
    assert (await api.post(cm_path(), configmap("settings"))).status == 201
    reply = await api.post(cm_path(), configmap("settings"))
    assert_failure(reply, 409, "AlreadyExists")
    assert reply.body["message"] == 'configmaps "settings" already exists'
    assert reply.body["details"] == {"name": "settings", "group": "", "kind": "configmaps"}


async def test_get_of_a_missing_object_is_not_found(api):
    reply = await api.get(deploy_path(name="nope"))
    assert_failure(reply, 404, "NotFound")
    assert reply.body["message"] == 'deployments.apps "nope" not found'
    assert reply.body["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}


async def test_put_with_stale_resource_version_is_a_conflict(api):
    created = (await api.post(cm_path(), configmap("settings", {"mode": "a"}))).body
    first = dict(created, data={"mode": "b"})
    updated = await api.put(cm_path(name="settings"), first)
    assert updated.status == 200, updated.body
    assert int(updated.meta["resourceVersion"]) > int(created["metadata"]["resourceVersion"])

    stale = await api.put(cm_path(name="settings"), dict(created, data={"mode": "c"}))
    assert_failure(stale, 409, "Conflict")
    assert stale.body["message"] == CONFLICT.format(resource="configmaps", name="settings")
    assert stale.body["details"]["name"] == "settings"

    after = await api.get(cm_path(name="settings"))
    assert after.body["data"] == {"mode": "b"}
    assert after.meta["resourceVersion"] == updated.meta["resourceVersion"]


async def test_put_without_resource_version_is_an_unconditional_update(api):
    await api.post(cm_path(), configmap("settings", {"mode": "a"}))
    reply = await api.put(cm_path(name="settings"), configmap("settings", {"mode": "z"}))
    assert reply.status == 200, reply.body
    assert reply.body["data"] == {"mode": "z"}


async def test_merge_patch_sets_and_removes_keys(api):
    await api.post(cm_path(), configmap("settings", {"a": "1", "b": "2"}))
    reply = await api.patch(cm_path(name="settings"), {"data": {"b": None, "c": "3"}})
    assert reply.status == 200, reply.body
    assert reply.body["data"] == {"a": "1", "c": "3"}


async def test_merge_patch_replaces_lists_whole(api):
    containers = [container("app", "nginx:1.27"), container("sidecar", "envoy:1.30")]
    await api.post(deploy_path(), deployment("web", containers=containers))
    patch = {"spec": {"template": {"spec": {"containers": [container("sidecar", "envoy:1.31")]}}}}
    reply = await api.patch(deploy_path(name="web"), patch, MERGE)
    assert reply.status == 200, reply.body
    assert [c["name"] for c in reply.body["spec"]["template"]["spec"]["containers"]] == ["sidecar"]


async def test_json_patch_applies_its_operations(api):
    await api.post(cm_path(), configmap("settings", {"a": "1", "b": "2"}))
    ops = [
        {"op": "test", "path": "/data/a", "value": "1"},
        {"op": "replace", "path": "/data/a", "value": "10"},
        {"op": "add", "path": "/data/z", "value": "26"},
        {"op": "remove", "path": "/data/b"},
    ]
    reply = await api.patch(cm_path(name="settings"), ops, JSON_PATCH)
    assert reply.status == 200, reply.body
    assert reply.body["data"] == {"a": "10", "z": "26"}


async def test_json_patch_with_a_failing_test_is_unprocessable_and_changes_nothing(api):
    created = await api.post(cm_path(), configmap("settings", {"a": "1"}))
    ops = [
        {"op": "test", "path": "/data/a", "value": "2"},
        {"op": "replace", "path": "/data/a", "value": "3"},
    ]
    reply = await api.patch(cm_path(name="settings"), ops, JSON_PATCH)
    assert_failure(reply, 422)
    assert "test failed" in reply.body["message"]
    after = await api.get(cm_path(name="settings"))
    assert after.body["data"] == {"a": "1"}
    assert after.meta["resourceVersion"] == created.meta["resourceVersion"]


@pytest.mark.parametrize(
    ("op", "message"),
    [
        ({"op": "add", "path": "/spec/x", "value": 1},
         "add operation does not apply: doc is missing path: /spec/x"),
        ({"op": "remove", "path": "/data/zz"},
         "remove operation does not apply: doc is missing key: /data/zz"),
        ({"op": "test", "path": "/data/a", "value": 1},
         "testing value /data/a failed: test failed"),
    ],
)  # fmt: skip
async def test_json_patch_errors_answer_invalid_with_the_patch_message(api, op, message):
    await api.post(cm_path(), configmap("settings", {"a": "1"}))
    reply = await api.patch(cm_path(name="settings"), [op], JSON_PATCH)
    assert_failure(reply, 422, "Invalid")
    assert reply.body["message"] == message


async def test_strategic_merge_patch_merges_containers_by_name(api):
    containers = [container("app", "nginx:1.27"), container("sidecar", "envoy:1.30")]
    await api.post(deploy_path(), deployment("web", containers=containers))
    patch = {"spec": {"template": {"spec": {"containers": [container("sidecar", "envoy:1.31")]}}}}
    reply = await api.patch(deploy_path(name="web"), patch, STRATEGIC)
    assert reply.status == 200, reply.body
    got = {c["name"]: c["image"] for c in reply.body["spec"]["template"]["spec"]["containers"]}
    assert got == {"app": "nginx:1.27", "sidecar": "envoy:1.31"}


async def test_strategic_merge_patch_honours_set_element_order(api):
    containers = [container("app", "nginx:1.27"), container("sidecar", "envoy:1.30")]
    await api.post(deploy_path(), deployment("web", containers=containers))
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
                    "containers": [container("app", "nginx:1.28")],
                }
            }
        }
    }
    reply = await api.patch(deploy_path(name="web"), patch, STRATEGIC)
    assert reply.status == 200, reply.body
    got = [(c["name"], c["image"]) for c in reply.body["spec"]["template"]["spec"]["containers"]]
    assert got == [("sidecar", "envoy:1.30"), ("app", "nginx:1.28")]


async def test_strategic_merge_patch_null_and_delete_directive_remove(api):
    env = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    containers = [container("app", "nginx:1.27", env=env), container("sidecar", "envoy:1.30")]
    body = deployment("web", containers=containers)
    body["metadata"]["labels"]["team"] = "ml"
    await api.post(deploy_path(), body)
    patch = {
        "metadata": {"labels": {"team": None}},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "app", "env": [{"name": "B", "$patch": "delete"}]},
                        {"name": "sidecar", "$patch": "delete"},
                    ]
                }
            }
        },
    }
    reply = await api.patch(deploy_path(name="web"), patch, STRATEGIC)
    assert reply.status == 200, reply.body
    assert reply.meta["labels"] == {"app": "web"}
    containers = reply.body["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app"]
    assert containers[0]["env"] == [{"name": "A", "value": "1"}]


async def test_unknown_patch_content_type_is_unsupported_media_type(api):
    await api.post(cm_path(), configmap("settings", {"a": "1"}))
    reply = await api.patch(cm_path(name="settings"), {"data": {"a": "2"}}, "application/json")
    assert_failure(reply, 415, "UnsupportedMediaType")
    message = reply.body["message"]
    assert message.startswith(
        "the body of the request was in an unknown format - accepted media types include:"
    )
    for media_type in (JSON_PATCH, MERGE, STRATEGIC):
        assert media_type in message
    assert (await api.get(cm_path(name="settings"))).body["data"] == {"a": "1"}


async def test_generation_follows_spec_changes_only(api, msim):
    created = await api.post(deploy_path(), deployment("web", replicas=1))
    assert created.meta["generation"] == 1

    msim.settle()
    current = (await api.get(deploy_path(name="web"))).body
    current["metadata"]["labels"]["team"] = "ml"
    relabelled = await api.put(deploy_path(name="web"), current)
    assert relabelled.status == 200, relabelled.body
    assert relabelled.meta["generation"] == 1

    scaled = await api.patch(deploy_path(name="web"), {"spec": {"replicas": 2}})
    assert scaled.meta["generation"] == 2

    msim.settle()
    current = (await api.get(deploy_path(name="web"))).body
    current["status"] = {"observedGeneration": 2, "replicas": 9}
    status_write = await api.put(deploy_path(name="web") + "/status", current)
    assert status_write.status == 200, status_write.body
    assert status_write.meta["generation"] == 2
    assert status_write.body["status"]["replicas"] == 9


async def test_main_resource_writes_ignore_status(api, msim):
    await api.post(deploy_path(), deployment("web", replicas=1))
    msim.settle()
    current = (await api.get(deploy_path(name="web"))).body
    before = current.get("status")
    current["status"] = {"replicas": 42, "readyReplicas": 42}
    current["spec"]["replicas"] = 3
    reply = await api.put(deploy_path(name="web"), current)
    assert reply.status == 200, reply.body
    assert reply.body["spec"]["replicas"] == 3
    assert reply.body.get("status") == before

    msim.settle()
    before = (await api.get(deploy_path(name="web"))).body.get("status")
    patched = await api.patch(deploy_path(name="web"), {"status": {"replicas": 43}})
    assert patched.status == 200
    assert patched.body.get("status") == before
    assert patched.body["status"]["replicas"] != 43


async def test_status_subresource_writes_change_only_status(api):
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "edge", "labels": {"tier": "edge"}},
        "spec": {"selector": {"app": "edge"}, "ports": [{"port": 80}]},
    }
    created = (await api.post(ns_path("default", "services"), service)).body
    changed = json.loads(json.dumps(created))
    changed["spec"]["ports"][0]["port"] = 8080
    changed["metadata"]["labels"] = {"tier": "hacked"}
    changed["status"] = {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}}
    reply = await api.put(ns_path("default", "services", "edge") + "/status", changed)
    assert reply.status == 200, reply.body
    assert reply.body["status"]["loadBalancer"]["ingress"] == [{"ip": "203.0.113.7"}]
    assert reply.body["spec"]["ports"][0]["port"] == 80
    assert reply.meta["labels"] == {"tier": "edge"}

    patched = await api.patch(
        ns_path("default", "services", "edge") + "/status",
        {"spec": {"type": "NodePort"}, "status": {"loadBalancer": {"ingress": None}}},
    )
    assert patched.status == 200
    assert patched.body["spec"]["type"] == "ClusterIP"
    assert patched.body["status"] == {"loadBalancer": {}}


# ---- the scale subresource ----------------------------------------------------------------------


async def test_scale_subresource_reads_and_writes_replicas(api, msim):
    created = (await api.post(deploy_path(), deployment("web", replicas=2))).body
    msim.settle()
    deploy = (await api.get(deploy_path(name="web"))).body

    scale = await api.get(deploy_path(name="web") + "/scale")
    assert scale.status == 200
    assert scale.body["kind"] == "Scale" and scale.body["apiVersion"] == "autoscaling/v1"
    assert scale.meta["name"] == "web" and scale.meta["namespace"] == "default"
    assert scale.meta["uid"] == created["metadata"]["uid"]
    assert scale.meta["resourceVersion"] == deploy["metadata"]["resourceVersion"]
    assert scale.body["spec"] == {"replicas": 2}
    assert scale.body["status"]["selector"] == "app=web"

    put = await api.put(deploy_path(name="web") + "/scale", dict(scale.body, spec={"replicas": 4}))
    assert put.status == 200, put.body
    assert put.body["kind"] == "Scale" and put.body["spec"]["replicas"] == 4
    after = (await api.get(deploy_path(name="web"))).body
    assert after["spec"]["replicas"] == 4
    assert after["metadata"]["generation"] == 2

    patched = await api.patch(deploy_path(name="web") + "/scale", {"spec": {"replicas": 1}})
    assert patched.status == 200, patched.body
    assert patched.body["spec"]["replicas"] == 1
    assert (await api.get(deploy_path(name="web"))).body["spec"]["replicas"] == 1

    stale_scale = dict(scale.body, spec={"replicas": 9})
    stale = await api.put(deploy_path(name="web") + "/scale", stale_scale)
    assert_failure(stale, 409, "Conflict")
    assert stale.body["message"] == CONFLICT.format(resource="deployments.apps", name="web")
    assert (await api.get(deploy_path(name="web"))).body["spec"]["replicas"] == 1


async def test_replicaset_scale_reports_its_selector(api, msim):
    rs = next(iter(labelled(msim, REPLICASETS, PROD, APP)))
    path = ns_path(PROD, "replicasets", rs["metadata"]["name"], "apps/v1")
    reply = await api.get(path + "/scale")
    assert reply.status == 200
    assert reply.body["kind"] == "Scale"
    assert reply.body["spec"]["replicas"] == rs["spec"]["replicas"]
    assert f"app={APP}" in reply.body["status"]["selector"].split(",")


# ---- graceful deletion and garbage collection ---------------------------------------------------


async def test_deleting_a_running_pod_is_graceful(api, msim):
    assert (await api.post(pod_path(), pod("graceful"))).status == 201
    await msim.until(lambda: ready(msim.store.get(PODS, "default", "graceful") or {}), timeout=5)

    reply = await api.delete(pod_path(name="graceful"))
    # The real server answers 200 (202 only for orphanDependents=false) with the pod,
    # now carrying its deletion timestamp.
    assert reply.status == 200, reply.body
    assert reply.body["kind"] == "Pod"
    assert RFC3339.match(reply.meta["deletionTimestamp"])
    assert reply.meta["deletionGracePeriodSeconds"] == 30

    still = await api.get(pod_path(name="graceful"))
    assert still.status == 200
    assert still.meta["deletionTimestamp"] == reply.meta["deletionTimestamp"]

    await msim.until(lambda: msim.store.get(PODS, "default", "graceful") is None, timeout=5)
    assert_failure(await api.get(pod_path(name="graceful")), 404, "NotFound")


async def test_a_pod_on_a_running_clock_goes_once_the_kubelet_stopped_it(live_api, sim):
    assert (await live_api.post(pod_path(), pod("graceful"))).status == 201
    await sim.until(lambda: ready(sim.store.get(PODS, "default", "graceful") or {}), timeout=10)
    reply = await live_api.delete(pod_path(name="graceful"))
    assert reply.status == 200, reply.body
    assert reply.meta["deletionTimestamp"]
    await sim.until(lambda: sim.store.get(PODS, "default", "graceful") is None, timeout=10)
    assert_failure(await live_api.get(pod_path(name="graceful")), 404, "NotFound")


@pytest.mark.parametrize("how", ["query", "body"])
async def test_zero_grace_period_deletes_a_pod_at_once(api, msim, how):
    await api.post(pod_path(), pod("doomed"))
    await msim.until(lambda: ready(msim.store.get(PODS, "default", "doomed") or {}), timeout=5)
    if how == "query":
        reply = await api.delete(pod_path(name="doomed"), gracePeriodSeconds="0")
    else:
        options = {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0}
        reply = await api.delete(pod_path(name="doomed"), options)
    assert reply.status == 200, reply.body
    assert reply.body["kind"] == "Pod" and reply.meta["name"] == "doomed"
    assert_failure(await api.get(pod_path(name="doomed")), 404, "NotFound")


async def test_background_deletion_of_a_deployment_collects_its_replicasets_and_pods(api, msim):
    await api.post(deploy_path(), deployment("web", replicas=2))
    await msim.until(lambda: len(live_pods(msim, "default", "web")) == 2, timeout=5)
    uid = msim.store.get(DEPLOYMENTS, "default", "web")["metadata"]["uid"]

    options = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
    reply = await api.delete(deploy_path(name="web"), options)
    assert reply.status == 200, reply.body
    # A kind that does not return the deleted object answers with a Status.
    assert reply.body["kind"] == "Status" and reply.body["status"] == "Success"
    assert reply.body["details"] == {
        "name": "web",
        "group": "apps",
        "kind": "deployments",
        "uid": uid,
    }
    assert_failure(await api.get(deploy_path(name="web")), 404, "NotFound")

    await msim.until(
        lambda: not labelled(msim, REPLICASETS, "default", "web")
        and not labelled(msim, PODS, "default", "web"),
        timeout=5,
    )
    rs_list = await api.get(RS_DEFAULT, labelSelector="app=web")
    assert rs_list.body["items"] == []
    assert (await api.get(pod_path(), labelSelector="app=web")).body["items"] == []


async def test_orphan_deletion_keeps_dependents_without_owner_references(api, msim):
    await api.post(deploy_path(), deployment("web", replicas=2))
    await msim.until(lambda: len(live_pods(msim, "default", "web")) == 2, timeout=5)
    before_rs = names(labelled(msim, REPLICASETS, "default", "web"))
    before_pods = names(live_pods(msim, "default", "web"))

    reply = await api.delete(deploy_path(name="web"), propagationPolicy="Orphan")
    assert reply.status == 200, reply.body
    await msim.until(lambda: msim.store.get(DEPLOYMENTS, "default", "web") is None, timeout=5)
    await msim.advance(60)

    rs_list = await api.get(RS_DEFAULT, labelSelector="app=web")
    assert names(rs_list.body["items"]) == before_rs
    for rs in rs_list.body["items"]:
        assert "ownerReferences" not in rs["metadata"]
    pods = (await api.get(pod_path(), labelSelector="app=web")).body["items"]
    assert names(pods) == before_pods
    assert all(p["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet" for p in pods)


# ---- dry run ------------------------------------------------------------------------------------


async def test_dry_run_create_returns_the_object_and_stores_nothing(api, msim):
    msim.settle()
    rv = (await api.get(cm_path())).meta["resourceVersion"]
    reply = await api.post(cm_path(), configmap("dry", {"a": "1"}), dryRun="All")
    assert reply.status == 201, reply.body
    assert reply.meta["name"] == "dry" and reply.body["data"] == {"a": "1"}
    assert UID.match(reply.meta["uid"])
    assert RFC3339.match(reply.meta["creationTimestamp"])
    assert "resourceVersion" not in reply.meta
    assert_failure(await api.get(cm_path(name="dry")), 404, "NotFound")
    assert (await api.get(cm_path())).meta["resourceVersion"] == rv


@pytest.mark.parametrize(
    ("field", "shown"), [("uid", "UID"), ("resourceVersion", "ResourceVersion")]
)
async def test_delete_with_a_stale_precondition_is_a_conflict(api, field, shown):
    created = await api.post(cm_path(), configmap("settings", {"a": "1"}))
    options = {"preconditions": {field: "stale"}}
    reply = await api.delete(cm_path(name="settings"), options)
    assert_failure(reply, 409, "Conflict")
    assert reply.body["message"] == (
        f"Precondition failed: {shown} in precondition: stale, {shown} in object meta: "
        f"{created.meta[field]}"
    )
    assert (await api.get(cm_path(name="settings"))).status == 200


async def test_dry_run_update_and_patch_change_nothing(api, msim):
    created = (await api.post(cm_path(), configmap("settings", {"a": "1"}))).body
    rv = created["metadata"]["resourceVersion"]

    put = await api.put(cm_path(name="settings"), dict(created, data={"a": "2"}), dryRun="All")
    assert put.status == 200, put.body
    assert put.body["data"] == {"a": "2"} and put.meta["resourceVersion"] == rv

    patched = await api.patch(cm_path(name="settings"), {"data": {"b": "3"}}, dryRun="All")
    assert patched.status == 200
    assert patched.body["data"] == {"a": "1", "b": "3"}

    after = await api.get(cm_path(name="settings"))
    assert after.body["data"] == {"a": "1"}
    assert after.meta["resourceVersion"] == rv


async def test_dry_run_delete_keeps_the_object(api, msim):
    created = (await api.post(cm_path(), configmap("settings", {"a": "1"}))).body
    reply = await api.delete(cm_path(name="settings"), dryRun="All")
    assert reply.status == 200, reply.body
    after = await api.get(cm_path(name="settings"))
    assert after.status == 200
    assert after.meta["resourceVersion"] == created["metadata"]["resourceVersion"]

    msim.settle()
    victim = live_pods(msim, PROD, APP)[0]
    options = {"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]}
    reply = await api.delete(pod_path(PROD, victim["metadata"]["name"]), options)
    assert reply.status == 200, reply.body
    still = await api.get(pod_path(PROD, victim["metadata"]["name"]))
    assert "deletionTimestamp" not in still.meta
    assert still.meta["resourceVersion"] == victim["metadata"]["resourceVersion"]


async def test_a_delete_body_overrides_the_query_dry_run(api):
    """The real handler reads DeleteOptions from the body, or from the query only when the body
    is empty: a client that sends a body and puts dryRun in the query really deletes."""
    await api.post(cm_path(), configmap("settings", {"a": "1"}))
    body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
    reply = await api.delete(cm_path(name="settings"), body, dryRun="All")
    assert reply.status == 200, reply.body
    assert_failure(await api.get(cm_path(name="settings")), 404, "NotFound")


# ---- eviction and PodDisruptionBudgets ----------------------------------------------------------


async def pdb_events(api: Api, since: str) -> AsyncIterator[dict[str, Any]]:
    params = {
        "watch": "1",
        "resourceVersion": since,
        "fieldSelector": "metadata.name=bizra-inference-pdb",
        "timeoutSeconds": "10",
    }
    async with api.session.get(api.url + pdb_path(), params=params) as resp:
        assert resp.status == 200
        async for line in resp.content:
            if line.strip():
                yield json.loads(line)


async def test_eviction_within_the_budget_succeeds_and_consumes_a_disruption(api, msim):
    msim.settle()
    pdb = await api.get(pdb_path("bizra-inference-pdb"))
    assert pdb.body["status"]["disruptionsAllowed"] == 1
    victim = live_pods(msim, PROD, APP)[0]["metadata"]["name"]

    events = pdb_events(api, pdb.meta["resourceVersion"])
    reply = await api.post(pod_path(PROD, victim) + "/eviction", eviction(victim))
    assert reply.status == 201, reply.body
    assert reply.body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }

    async with asyncio.timeout(5):
        async for event in events:
            status = event["object"]["status"]
            if victim in (status.get("disruptedPods") or {}):
                break
        else:
            pytest.fail("the watch ended before the PDB recorded the eviction")
    await events.aclose()
    assert event["type"] == "MODIFIED"
    assert status["disruptionsAllowed"] == 0
    assert RFC3339.match(status["disruptedPods"][victim])

    evicted = await api.get(pod_path(PROD, victim))
    assert evicted.status == 200 and evicted.meta["deletionTimestamp"]
    target = [c for c in evicted.body["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert target and target[0]["status"] == "True"
    assert target[0]["reason"] == "EvictionByEvictionAPI"


async def test_eviction_beyond_the_budget_is_too_many_requests(api, msim):
    patched = await api.patch(pdb_path("bizra-inference-pdb"), {"spec": {"minAvailable": 3}})
    assert patched.meta["generation"] == 2
    await msim.until(
        lambda: msim.store.get(PDBS, PROD, "bizra-inference-pdb")["status"]["observedGeneration"]
        == 2,
        timeout=5,
    )
    victim = live_pods(msim, PROD, APP)[0]["metadata"]["name"]

    reply = await api.post(pod_path(PROD, victim) + "/eviction", eviction(victim))
    assert_failure(reply, 429, "TooManyRequests")
    assert reply.body["message"] == PDB_VIOLATION
    cause = reply.body["details"]["causes"][0]
    assert cause["reason"] == "DisruptionBudget"
    assert cause["message"] == (
        "The disruption budget bizra-inference-pdb needs 3 healthy pods and has 3 currently"
    )
    assert "deletionTimestamp" not in (await api.get(pod_path(PROD, victim))).meta


async def test_eviction_of_a_pod_under_two_budgets_is_an_internal_error(api, msim):
    second = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "bizra-inference-extra"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": APP}}},
    }
    assert (await api.post(pdb_path(), second)).status == 201
    msim.settle()
    victim = live_pods(msim, PROD, APP)[0]["metadata"]["name"]

    reply = await api.post(pod_path(PROD, victim) + "/eviction", eviction(victim))
    assert reply.status == 500
    assert reply.body["kind"] == "Status" and reply.body["status"] == "Failure"
    assert reply.body["message"] == TWO_PDBS
    assert "deletionTimestamp" not in (await api.get(pod_path(PROD, victim))).meta


@pytest.mark.parametrize("how", ["query", "deleteOptions"])
async def test_dry_run_eviction_changes_nothing(api, msim, how):
    msim.settle()
    pdb = (await api.get(pdb_path("bizra-inference-pdb"))).body
    victim = live_pods(msim, PROD, APP)[0]
    name = victim["metadata"]["name"]
    if how == "query":
        reply = await api.post(pod_path(PROD, name) + "/eviction", eviction(name), dryRun="All")
    else:
        reply = await api.post(pod_path(PROD, name) + "/eviction", eviction(name, dryRun=["All"]))
    assert reply.status == 201, reply.body
    assert reply.body["status"] == "Success"

    after = await api.get(pod_path(PROD, name))
    assert "deletionTimestamp" not in after.meta
    assert after.meta["resourceVersion"] == victim["metadata"]["resourceVersion"]
    pdb_after = await api.get(pdb_path("bizra-inference-pdb"))
    assert pdb_after.meta["resourceVersion"] == pdb["metadata"]["resourceVersion"]
    assert pdb_after.body["status"]["disruptionsAllowed"] == 1


async def test_pdb_status_follows_pods_as_they_come_and_go(api, msim):
    def status() -> dict[str, Any]:
        return msim.store.get(PDBS, PROD, "bizra-inference-pdb")["status"]

    msim.settle()
    first = (await api.get(pdb_path("bizra-inference-pdb"))).body["status"]
    assert {k: first[k] for k in ("currentHealthy", "desiredHealthy", "expectedPods")} == {
        "currentHealthy": 3,
        "desiredHealthy": 2,
        "expectedPods": 3,
    }
    assert first["disruptionsAllowed"] == 1 and first["observedGeneration"] == 1

    # The HPA would pull the replicas back to its own count; take it out of the picture.
    hpa = ns_path(PROD, "horizontalpodautoscalers", "bizra-inference-hpa", "autoscaling/v2")
    assert (await api.delete(hpa)).status == 200
    changed = await api.patch(pdb_path("bizra-inference-pdb"), {"spec": {"minAvailable": "60%"}})
    assert changed.meta["generation"] == 2
    scaled = await api.patch(deploy_path(PROD, APP) + "/scale", {"spec": {"replicas": 5}})
    assert scaled.status == 200
    await msim.until(lambda: status()["currentHealthy"] == 5, timeout=10)
    grown = (await api.get(pdb_path("bizra-inference-pdb"))).body["status"]
    assert grown["expectedPods"] == 5
    assert grown["desiredHealthy"] == 3  # 60 % of 5
    assert grown["disruptionsAllowed"] == 2
    assert grown["observedGeneration"] == 2

    await api.patch(deploy_path(PROD, APP) + "/scale", {"spec": {"replicas": 3}})
    await msim.until(lambda: status()["expectedPods"] == 3 and status()["currentHealthy"] == 3)
    shrunk = (await api.get(pdb_path("bizra-inference-pdb"))).body["status"]
    assert shrunk["desiredHealthy"] == 2  # 60 % of 3, rounded up
    assert shrunk["disruptionsAllowed"] == 1


# ---- access reviews and deny rules --------------------------------------------------------------


async def test_access_review_allows_by_default(api):
    reply = await api.post(SSAR, access_review("delete", "pods"))
    assert reply.status == 201, reply.body
    assert reply.body["kind"] == "SelfSubjectAccessReview"
    assert reply.body["apiVersion"] == "authorization.k8s.io/v1"
    assert reply.body["status"]["allowed"] is True


async def test_deny_rule_on_the_sim_denies_the_review_and_the_request(api, msim):
    msim.deny({"verbs": ["delete"], "resources": ["pods"], "namespaces": [PROD]})
    denied = await api.post(SSAR, access_review("delete", "pods"))
    assert denied.body["status"]["allowed"] is False
    elsewhere = await api.post(SSAR, access_review("delete", "pods", namespace="default"))
    assert elsewhere.body["status"]["allowed"] is True

    victim = live_pods(msim, PROD, APP)[0]["metadata"]["name"]
    reply = await api.delete(pod_path(PROD, victim))
    assert_failure(reply, 403, "Forbidden")
    assert reply.body["message"] == (
        f'pods "{victim}" is forbidden: User "warroom-sim" cannot delete resource "pods" in '
        f'API group "" in the namespace "{PROD}"'
    )
    assert (await api.get(pod_path(PROD, victim))).status == 200

    listing = await api.get(pod_path(PROD))
    assert listing.status == 200


async def test_deny_rule_from_the_control_api_denies_a_subresource(api):
    rule = {"verbs": ["patch", "update"], "groups": ["apps"], "resources": ["deployments/scale"]}
    added = await api.post("/_sim/rbac/deny", rule)
    assert added.status == 201, added.body

    review = access_review("patch", "deployments", group="apps", subresource="scale", name=APP)
    denied = await api.post(SSAR, review)
    assert denied.body["status"]["allowed"] is False
    main = await api.post(SSAR, access_review("patch", "deployments", group="apps"))
    assert main.body["status"]["allowed"] is True

    reply = await api.patch(deploy_path(PROD, APP) + "/scale", {"spec": {"replicas": 4}})
    assert_failure(reply, 403, "Forbidden")
    assert reply.body["message"] == (
        f'deployments.apps "{APP}" is forbidden: User "warroom-sim" cannot patch resource '
        f'"deployments/scale" in API group "apps" in the namespace "{PROD}"'
    )
    unscaled = await api.get(deploy_path(PROD, APP))
    assert unscaled.body["spec"]["replicas"] == 3

    cleared = await api.delete("/_sim/rbac/deny")
    assert cleared.status == 200
    assert (await api.post(SSAR, review)).body["status"]["allowed"] is True


# ---- namespaces ---------------------------------------------------------------------------------


async def test_creating_in_a_missing_namespace_is_not_found(api):
    reply = await api.post(cm_path("nowhere"), configmap("settings"))
    assert_failure(reply, 404, "NotFound")
    assert reply.body["message"] == 'namespaces "nowhere" not found'


async def test_deleting_a_namespace_terminates_it_then_removes_it(api, msim):
    created = await api.post("/api/v1/namespaces", namespace("scratch"))
    assert created.status == 201
    assert created.body["status"]["phase"] == "Active"
    await api.post(cm_path("scratch"), configmap("settings"))
    await api.post(deploy_path("scratch"), deployment("web", replicas=2))
    await msim.until(lambda: len(live_pods(msim, "scratch", "web")) == 2, timeout=5)

    reply = await api.delete("/api/v1/namespaces/scratch")
    assert reply.status == 200, reply.body
    assert reply.body["kind"] == "Namespace"
    assert reply.body["status"]["phase"] == "Terminating"
    assert RFC3339.match(reply.meta["deletionTimestamp"])

    terminating = await api.get("/api/v1/namespaces/scratch")
    assert terminating.status == 200
    assert terminating.body["status"]["phase"] == "Terminating"
    late = await api.post(cm_path("scratch"), configmap("late"))
    assert_failure(late, 403, "Forbidden")
    assert late.body["message"] == (
        'configmaps "late" is forbidden: unable to create new content in namespace scratch '
        "because it is being terminated"
    )

    await msim.until(lambda: msim.store.get(NAMESPACES, "", "scratch") is None, timeout=5)
    assert_failure(await api.get("/api/v1/namespaces/scratch"), 404, "NotFound")
    assert (await api.get(cm_path("scratch"))).body["items"] == []
    assert (await api.get(pod_path("scratch"))).body["items"] == []


# ---- custom resources ---------------------------------------------------------------------------


async def test_custom_resource_lifecycle(api):
    crd = await api.post(CRDS, CANARY_CRD)
    assert crd.status == 201, crd.body

    created = await api.post(CANARIES, canary())
    assert created.status == 201, created.body
    assert created.body["kind"] == "Canary" and created.body["apiVersion"] == "flagger.app/v1beta1"
    assert created.meta["generation"] == 1 and UID.match(created.meta["uid"])
    assert created.meta["namespace"] == PROD

    listed = await api.get(CANARIES)
    assert listed.status == 200
    assert listed.body["kind"] == "CanaryList"
    assert listed.body["apiVersion"] == "flagger.app/v1beta1"
    assert names(listed.body["items"]) == [APP]
    everywhere = await api.get("/apis/flagger.app/v1beta1/canaries")
    assert names(everywhere.body["items"]) == [APP]

    got = await api.get(f"{CANARIES}/{APP}")
    assert got.status == 200 and got.body["spec"]["analysis"]["threshold"] == 5

    patched = await api.patch(
        f"{CANARIES}/{APP}",
        {"spec": {"analysis": {"threshold": 10}}, "status": {"phase": "Hacked"}},
    )
    assert patched.status == 200, patched.body
    assert patched.body["spec"]["analysis"] == {
        "interval": "1m",
        "threshold": 10,
        "maxWeight": 50,
        "stepWeight": 10,
    }
    assert patched.meta["generation"] == 2
    assert "status" not in patched.body  # status belongs to the status subresource

    status = await api.patch(f"{CANARIES}/{APP}/status", {"status": {"phase": "Progressing"}})
    assert status.status == 200, status.body
    assert status.body["status"] == {"phase": "Progressing"}
    assert status.meta["generation"] == 2

    duplicate = await api.post(CANARIES, canary())
    assert_failure(duplicate, 409, "AlreadyExists")
    assert duplicate.body["message"] == f'canaries.flagger.app "{APP}" already exists'


async def test_strategic_merge_patch_on_a_custom_resource_is_unsupported(api):
    await api.post(CRDS, CANARY_CRD)
    await api.post(CANARIES, canary())
    reply = await api.patch(f"{CANARIES}/{APP}", {"spec": {"provider": "nginx"}}, STRATEGIC)
    assert_failure(reply, 415, "UnsupportedMediaType")
    assert STRATEGIC not in reply.body["message"]
    assert MERGE in reply.body["message"]


async def test_custom_resource_update_requires_a_resource_version(api):
    await api.post(CRDS, CANARY_CRD)
    await api.post(CANARIES, canary())
    reply = await api.put(f"{CANARIES}/{APP}", canary())
    assert_failure(reply, 422, "Invalid")
    assert "metadata.resourceVersion" in reply.body["message"]


async def test_crd_named_otherwise_than_plural_dot_group_is_invalid(api):
    body = json.loads(json.dumps(CANARY_CRD))
    body["metadata"]["name"] = "canary.flagger.app"
    reply = await api.post(CRDS, body)
    assert_failure(reply, 422, "Invalid")
    assert reply.body["message"] == (
        'CustomResourceDefinition.apiextensions.k8s.io "canary.flagger.app" is invalid: '
        'metadata.name: Invalid value: "canary.flagger.app": must be spec.names.plural+"."+'
        "spec.group"
    )
    assert "flagger.app" not in {g["name"] for g in (await api.get("/apis")).body["groups"]}


# ---- client mistakes ----------------------------------------------------------------------------

CM = cm_path(PROD)
GOOD_CM = json.dumps(configmap("settings")).encode()
SERVED_CM = cm_path("bizra-monitoring", "prometheus-rules")
DEPLOYMENTS_PATH = deploy_path()
BAD_REQUESTS = [
    pytest.param("POST", CM, b'{"metadata": ', "application/json", 400, id="malformed-json"),
    pytest.param("POST", CM, b'["a", "list"]', "application/json", 400, id="body-is-a-list"),
    pytest.param("POST", CM, b'"text"', "application/json", 400, id="body-is-a-string"),
    pytest.param("POST", CM, b"", "application/json", 400, id="no-body"),
    pytest.param("GET", "/api/v1/namespaces/default/widgets", None, "", 404, id="unknown-resource"),
    pytest.param("GET", "/apis/nope.example.com/v1/things", None, "", 404, id="unknown-group"),
    pytest.param("GET", "/api/v2/pods", None, "", 404, id="unknown-version"),
    pytest.param("GET", "/api/v1/namespaces/default/pods/x/logs", None, "", 404, id="unknown-sub"),
    pytest.param(
        "POST",
        CM,
        json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}).encode(),
        "application/json",
        400,
        id="wrong-kind",
    ),
    pytest.param(
        "POST",
        CM,
        json.dumps(
            {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "s"}}
        ).encode(),
        "application/json",
        400,
        id="wrong-api-version",
    ),
    pytest.param(
        "POST",
        CM,
        json.dumps({"metadata": {"name": "s", "namespace": "default"}}).encode(),
        "application/json",
        400,
        id="namespace-mismatch",
    ),
    pytest.param("GET", CM + "?limit=ten", None, "", 400, id="bad-limit"),
    pytest.param("GET", CM + "?limit=-1", None, "", 400, id="negative-limit"),
    pytest.param("GET", CM + "?watch=1&resourceVersion=abc", None, "", 400, id="bad-watch-rv"),
    pytest.param("GET", CM + "?watch=1&timeoutSeconds=soon", None, "", 400, id="bad-timeout"),
    pytest.param("GET", CM + "?continue=garbage", None, "", 400, id="bad-continue"),
    pytest.param("GET", CM + "?labelSelector=a+in+(b", None, "", 400, id="bad-label-selector"),
    pytest.param("GET", CM + "?fieldSelector=spec.x%3Dy", None, "", 400, id="bad-field-selector"),
    pytest.param(
        "POST", cm_path(PROD, "settings"), GOOD_CM, "application/json", 405, id="post-item"
    ),
    pytest.param("PUT", CM, GOOD_CM, "application/json", 405, id="put-collection"),
    pytest.param("PATCH", CM, b"{}", MERGE, 405, id="patch-collection"),
    pytest.param("DELETE", "/api/v1/namespaces", None, "", 405, id="deletecollection-namespaces"),
    pytest.param(
        "PUT", pod_path(PROD, "x") + "/eviction", b"{}", "application/json", 405, id="put-eviction"
    ),
    pytest.param(
        "PUT", cm_path(PROD, "other"), GOOD_CM, "application/json", 400, id="name-mismatch"
    ),
    pytest.param("PUT", SERVED_CM, b"", "application/json", 400, id="put-without-body"),
    pytest.param("PATCH", SERVED_CM, b'{"data": ', MERGE, 400, id="malformed-patch"),
    pytest.param("PATCH", SERVED_CM, b"{}", "text/plain", 415, id="patch-content-type"),
    pytest.param(
        "PATCH",
        SERVED_CM,
        b'[{"op": "frobnicate", "path": "/data"}]',
        JSON_PATCH,
        422,
        id="json-patch-unknown-op",
    ),
    pytest.param(
        "PATCH", SERVED_CM, b'{"op": "add"}', JSON_PATCH, 400, id="json-patch-not-a-list"
    ),
    pytest.param("DELETE", SERVED_CM + "?propagationPolicy=Sometimes", None, "", 400, id="policy"),
    pytest.param("DELETE", SERVED_CM + "?gracePeriodSeconds=soon", None, "", 400, id="grace"),
    pytest.param("DELETE", SERVED_CM, b"[1]", "application/json", 400, id="delete-options-list"),
    pytest.param(
        "DELETE",
        SERVED_CM,
        b'{"preconditions": "uid"}',
        "application/json",
        400,
        id="delete-preconditions-string",
    ),
    pytest.param(
        "DELETE",
        SERVED_CM,
        b'{"gracePeriodSeconds": "soon"}',
        "application/json",
        400,
        id="delete-grace-string",
    ),
    pytest.param(
        "POST",
        pod_path(PROD, "x") + "/eviction",
        json.dumps({"metadata": {"name": "y"}}).encode(),
        "application/json",
        400,
        id="eviction-name-mismatch",
    ),
    pytest.param(
        "POST",
        pod_path(PROD, "x") + "/eviction",
        b"[]",
        "application/json",
        400,
        id="eviction-not-an-object",
    ),
    pytest.param(
        "POST",
        pod_path(PROD, "x") + "/eviction",
        json.dumps({"metadata": {"name": "x"}, "deleteOptions": "now"}).encode(),
        "application/json",
        400,
        id="eviction-options-string",
    ),
    pytest.param(
        "POST", SSAR, json.dumps({"spec": "x"}).encode(), "application/json", 400, id="ssar-spec"
    ),
    pytest.param(
        "POST",
        SSAR,
        json.dumps({"spec": {"resourceAttributes": "pods"}}).encode(),
        "application/json",
        400,
        id="ssar-attributes",
    ),
    pytest.param(
        "POST",
        CM,
        json.dumps({"metadata": "settings"}).encode(),
        "application/json",
        400,
        id="metadata-string",
    ),
    pytest.param(
        "POST",
        CM,
        json.dumps({"metadata": {"name": 5}}).encode(),
        "application/json",
        400,
        id="name-number",
    ),
    pytest.param(
        "POST",
        CM,
        json.dumps({"metadata": {"name": "s", "labels": ["a"]}}).encode(),
        "application/json",
        400,
        id="labels-list",
    ),
    pytest.param(
        "POST",
        CM,
        json.dumps({"metadata": {"name": "s", "annotations": {"a": 1}}}).encode(),
        "application/json",
        400,
        id="annotation-number",
    ),
    pytest.param(
        "POST",
        CM,
        json.dumps({"metadata": {"name": "s", "ownerReferences": "me"}}).encode(),
        "application/json",
        400,
        id="owner-references-string",
    ),
    pytest.param(
        "POST",
        CM,
        json.dumps({"metadata": {"name": "s"}, "data": ["a"]}).encode(),
        "application/json",
        400,
        id="configmap-data-list",
    ),
    pytest.param(
        "POST",
        DEPLOYMENTS_PATH,
        json.dumps({"metadata": {"name": "d"}, "spec": "nope"}).encode(),
        "application/json",
        400,
        id="spec-string",
    ),
    pytest.param(
        "POST",
        DEPLOYMENTS_PATH,
        json.dumps(
            dict(deployment("d"), spec=dict(deployment("d")["spec"], replicas="two"))
        ).encode(),
        "application/json",
        400,
        id="replicas-string",
    ),
    pytest.param(
        "POST",
        pod_path(PROD),
        json.dumps({"metadata": {"name": "p"}, "spec": {"containers": ["app"]}}).encode(),
        "application/json",
        400,
        id="container-string",
    ),
    pytest.param(
        "POST",
        pdb_path(),
        json.dumps({"metadata": {"name": "p"}, "spec": {"selector": "app=x"}}).encode(),
        "application/json",
        400,
        id="pdb-selector-string",
    ),
    pytest.param(
        "POST",
        "/api/v1/namespaces",
        json.dumps({"metadata": {"name": "n"}, "spec": "x"}).encode(),
        "application/json",
        400,
        id="namespace-spec-string",
    ),
    pytest.param(
        "POST",
        CRDS,
        json.dumps({"metadata": {"name": "a.b"}, "spec": {"group": "b", "names": "a"}}).encode(),
        "application/json",
        400,
        id="crd-names-string",
    ),
    pytest.param(
        "PUT",
        deploy_path(PROD, APP) + "/scale",
        json.dumps({"spec": {"replicas": "3"}}).encode(),
        "application/json",
        400,
        id="scale-replicas-string",
    ),
    pytest.param(
        "PATCH",
        SERVED_CM,
        json.dumps({"metadata": {"labels": "x"}}).encode(),
        MERGE,
        422,  # the patch applies, but its result does not decode: Invalid
        id="patch-to-a-bad-shape",
    ),
    pytest.param(
        "PATCH",
        deploy_path(PROD, APP) + "/scale",
        json.dumps({"spec": {"replicas": "many"}}).encode(),
        MERGE,
        422,
        id="scale-patch-to-a-bad-shape",
    ),
    pytest.param(
        "POST",
        pod_path(PROD, "x") + "/eviction",
        json.dumps({"apiVersion": "policy/v1", "kind": "Eviction"}).encode(),
        "application/json",
        400,
        id="eviction-without-a-name",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "content_type", "code"), BAD_REQUESTS)
async def test_client_mistakes_get_a_status_not_a_traceback(
    api, method, path, body, content_type, code
):
    reply = await api.call(
        method,
        path,
        raw=body,
        content_type=content_type or "application/json",
    )
    assert_failure(reply, code)
