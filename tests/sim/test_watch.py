"""WATCH over real HTTP, as kube-apiserver streams it, and through the official Python client.

The first tests port test/e2e/apimachinery/watch.go ("Watchers", conformance) to ConfigMaps in
the sim; the rest cover expiry (410), bookmarks, timeouts, selectors, dropped watches and pods
driven by the controllers. Every read waits for a stream line under a timeout; no test sleeps
in place of synchronising.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import pytest
from kubernetes.aio import client as kclient
from kubernetes.aio import config as kconfig
from kubernetes.aio import watch as kwatch

from warroom.sim.cluster import CONTEXT, SimCluster

LABEL_KEY = "watch-this-configmap"
MULTIPLE_WATCHERS_A = "multiple-watchers-A"
MULTIPLE_WATCHERS_B = "multiple-watchers-B"
FROM_RESOURCE_VERSION = "from-resource-version"
WATCH_RESTARTED = "watch-closed-and-restarted"
TO_BE_CHANGED = "label-changed-and-restored"

EVENT_TIMEOUT = 5.0
STREAM = aiohttp.ClientTimeout(total=None, sock_read=None)


def selector(*values: str) -> str:
    """metav1.FormatLabelSelector of `LABEL_KEY In (values)`, as watchConfigMaps builds it."""
    return f"{LABEL_KEY} in ({','.join(sorted(values))})"


def cms(namespace: str) -> str:
    return f"/api/v1/namespaces/{namespace}/configmaps"


@dataclass
class Event:
    type: str
    object: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.object["metadata"].get("name", ""))

    @property
    def rv(self) -> int:
        return int(self.object["metadata"]["resourceVersion"])


class WatchStream:
    """One open `?watch=true` response, read one JSON event per line."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, wait: float = EVENT_TIMEOUT) -> Event | None:
        """The next event, or None when the server ended the stream."""
        async with asyncio.timeout(wait):
            line = await self.response.content.readline()
        if not line:
            return None
        data = orjson.loads(line)
        assert set(data) == {"type", "object"}, data
        return Event(data["type"], data["object"])

    async def expect(
        self, kind: str, name: str, obj: dict[str, Any] | None = None
    ) -> Event:
        """The very next event must be `kind` for `name` (and carry `obj` when given)."""
        event = await self.next()
        assert event is not None, f"the stream ended while waiting for {kind} {name}"
        assert (event.type, event.name) == (kind, name), (
            f"expected {kind} {name}, got {event.type} {event.name}"
        )
        if obj is not None:
            assert event.object == obj
        return event

    async def rest(self, wait: float = EVENT_TIMEOUT, limit: int = 1000) -> list[Event]:
        """Every remaining event until the server ends the stream."""
        events: list[Event] = []
        async with asyncio.timeout(wait):
            for _ in range(limit):
                event = await self.next(wait)
                if event is None:
                    return events
                events.append(event)
        raise AssertionError(f"the stream did not end within {limit} events")

    def close(self) -> None:
        self.response.close()


class Api:
    """A plain HTTP client of the sim's Kubernetes API."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url
        self.streams: list[WatchStream] = []

    async def _call(self, method: str, path: str, expect: int, **kw: Any) -> dict[str, Any]:
        async with self.http.request(method, self.url + path, **kw) as resp:
            body = await resp.json(content_type=None)
            assert resp.status == expect, f"{method} {path}: {resp.status} {body}"
            return body

    async def get(self, path: str, **params: str) -> dict[str, Any]:
        return await self._call("GET", path, 200, params=params)

    async def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._call("POST", path, 201, json=body)

    async def put(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._call("PUT", path, 200, json=body)

    async def merge_patch(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/merge-patch+json"}
        return await self._call("PATCH", path, 200, data=orjson.dumps(body), headers=headers)

    async def delete(self, path: str) -> dict[str, Any]:
        return await self._call("DELETE", path, 200)

    async def namespace(self, name: str) -> str:
        await self.create("/api/v1/namespaces", {"metadata": {"name": name}})
        return name

    async def configmap(
        self, namespace: str, name: str, labels: dict[str, str] | None = None
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": name}
        if labels:
            meta["labels"] = labels
        return await self.create(cms(namespace), {"metadata": meta})

    async def update_configmap(
        self, namespace: str, name: str, mutate: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """GET, change and PUT, as the e2e framework's updateConfigMap does."""
        cm = await self.get(f"{cms(namespace)}/{name}")
        mutate(cm)
        return await self.put(f"{cms(namespace)}/{name}", cm)

    async def delete_configmap(self, namespace: str, name: str) -> dict[str, Any]:
        return await self.delete(f"{cms(namespace)}/{name}")

    async def watch(self, path: str, **params: str) -> WatchStream:
        """Open a watch; once the 200 arrives the server has registered it."""
        resp = await self.http.get(
            self.url + path, params={"watch": "true", **params}, timeout=STREAM
        )
        stream = WatchStream(resp)
        self.streams.append(stream)
        assert resp.status == 200, await resp.text()
        assert resp.headers["Content-Type"].startswith("application/json")
        return stream

    def close(self) -> None:
        for stream in self.streams:
            stream.close()


@contextlib.asynccontextmanager
async def api_session(sim: SimCluster) -> AsyncIterator[Api]:
    """An Api on its own session, as the operator; every watch it opened is closed on the way
    out."""
    async with sim.session() as http:
        api = Api(http, sim.url)
        try:
            yield api
        finally:
            api.close()


def set_data(key: str, value: str) -> Callable[[dict[str, Any]], None]:
    def mutate(cm: dict[str, Any]) -> None:
        cm.setdefault("data", {})[key] = value

    return mutate


def set_label(value: str) -> Callable[[dict[str, Any]], None]:
    def mutate(cm: dict[str, Any]) -> None:
        cm["metadata"]["labels"][LABEL_KEY] = value

    return mutate


def assert_deleted(event: Event, last: dict[str, Any]) -> None:
    """A DELETED event carries the last state of the object, at the deletion's resourceVersion."""
    assert event.rv > int(last["metadata"]["resourceVersion"])

    def unversioned(obj: dict[str, Any]) -> dict[str, Any]:
        return {**obj, "metadata": {**obj["metadata"], "resourceVersion": None}}

    assert unversioned(event.object) == unversioned(last)


@pytest.fixture
async def http(empty: SimCluster) -> AsyncIterator[aiohttp.ClientSession]:
    async with empty.session() as session:
        yield session


@pytest.fixture
async def empty() -> AsyncIterator[SimCluster]:
    """A cluster with no scenario and a stopped clock: only the API writes anything."""
    async with SimCluster(None, manual_clock=True) as cluster:
        yield cluster


@pytest.fixture
async def api(empty: SimCluster) -> AsyncIterator[Api]:
    async with api_session(empty) as client:
        yield client


# --- ported from test/e2e/apimachinery/watch.go ------------------------------------------------


async def test_watchers_observe_add_update_delete_only_for_their_selector(api: Api) -> None:
    ns = await api.namespace("watch-multiple")
    watch_a = await api.watch(cms(ns), labelSelector=selector(MULTIPLE_WATCHERS_A))
    watch_b = await api.watch(cms(ns), labelSelector=selector(MULTIPLE_WATCHERS_B))
    watch_ab = await api.watch(
        cms(ns), labelSelector=selector(MULTIPLE_WATCHERS_A, MULTIPLE_WATCHERS_B)
    )
    a, b = "e2e-watch-test-configmap-a", "e2e-watch-test-configmap-b"

    cm_a = await api.configmap(ns, a, {LABEL_KEY: MULTIPLE_WATCHERS_A})
    await watch_a.expect("ADDED", a, cm_a)
    await watch_ab.expect("ADDED", a, cm_a)

    cm_a = await api.update_configmap(ns, a, set_data("mutation", "1"))
    await watch_a.expect("MODIFIED", a, cm_a)
    await watch_ab.expect("MODIFIED", a, cm_a)

    cm_a = await api.update_configmap(ns, a, set_data("mutation", "2"))
    await watch_a.expect("MODIFIED", a, cm_a)
    await watch_ab.expect("MODIFIED", a, cm_a)

    await api.delete_configmap(ns, a)
    assert_deleted(await watch_a.expect("DELETED", a), cm_a)
    assert_deleted(await watch_ab.expect("DELETED", a), cm_a)

    cm_b = await api.configmap(ns, b, {LABEL_KEY: MULTIPLE_WATCHERS_B})
    # Watcher B's first event is B's: it saw none of A's five notifications.
    await watch_b.expect("ADDED", b, cm_b)
    await watch_ab.expect("ADDED", b, cm_b)

    await api.delete_configmap(ns, b)
    assert_deleted(await watch_b.expect("DELETED", b), cm_b)
    assert_deleted(await watch_ab.expect("DELETED", b), cm_b)

    # Watcher A saw nothing of B: a fresh A object is the next thing it reports.
    fence = await api.configmap(ns, "fence", {LABEL_KEY: MULTIPLE_WATCHERS_A})
    await watch_a.expect("ADDED", "fence", fence)


async def test_watch_from_a_specific_resource_version_sees_only_later_changes(api: Api) -> None:
    ns = await api.namespace("watch-from-rv")
    name = "e2e-watch-test-resource-version"
    await api.configmap(ns, name, {LABEL_KEY: FROM_RESOURCE_VERSION})
    first_update = await api.update_configmap(ns, name, set_data("mutation", "1"))
    second_update = await api.update_configmap(ns, name, set_data("mutation", "2"))
    await api.delete_configmap(ns, name)

    watch = await api.watch(
        cms(ns),
        labelSelector=selector(FROM_RESOURCE_VERSION),
        resourceVersion=first_update["metadata"]["resourceVersion"],
    )
    await watch.expect("MODIFIED", name, second_update)
    assert_deleted(await watch.expect("DELETED", name), second_update)


async def test_rewatch_from_last_observed_resource_version_resumes_where_it_stopped(
    api: Api,
) -> None:
    ns = await api.namespace("watch-restart")
    name = "e2e-watch-test-watch-closed"
    broken = await api.watch(cms(ns), labelSelector=selector(WATCH_RESTARTED))
    created = await api.configmap(ns, name, {LABEL_KEY: WATCH_RESTARTED})
    await api.update_configmap(ns, name, set_data("mutation", "1"))

    await broken.expect("ADDED", name, created)
    last = await broken.expect("MODIFIED", name)
    broken.close()

    second_update = await api.update_configmap(ns, name, set_data("mutation", "2"))
    restarted = await api.watch(
        cms(ns), labelSelector=selector(WATCH_RESTARTED), resourceVersion=str(last.rv)
    )
    await api.delete_configmap(ns, name)

    await restarted.expect("MODIFIED", name, second_update)
    assert_deleted(await restarted.expect("DELETED", name), second_update)


async def test_object_leaving_the_selector_is_deleted_and_added_when_it_returns(
    api: Api,
) -> None:
    ns = await api.namespace("watch-label-changed")
    name = "e2e-watch-test-label-changed"
    watch = await api.watch(cms(ns), labelSelector=selector(TO_BE_CHANGED))
    created = await api.configmap(ns, name, {LABEL_KEY: TO_BE_CHANGED})
    first_update = await api.update_configmap(ns, name, set_data("mutation", "1"))
    relabelled = await api.update_configmap(ns, name, set_label("wrong-value"))

    await watch.expect("ADDED", name, created)
    await watch.expect("MODIFIED", name, first_update)
    gone = await watch.expect("DELETED", name)
    # As the watch cache does: the state the watcher last matched, at the relabel's version.
    assert gone.rv == int(relabelled["metadata"]["resourceVersion"])
    assert gone.object["metadata"]["labels"] == {LABEL_KEY: TO_BE_CHANGED}
    assert gone.object["data"] == {"mutation": "1"}

    await api.update_configmap(ns, name, set_data("mutation", "2"))  # not selected: unseen
    restored = await api.update_configmap(ns, name, set_label(TO_BE_CHANGED))
    third_update = await api.update_configmap(ns, name, set_data("mutation", "3"))
    await api.delete_configmap(ns, name)

    await watch.expect("ADDED", name, restored)
    await watch.expect("MODIFIED", name, third_update)
    assert_deleted(await watch.expect("DELETED", name), third_update)


async def produce_configmap_events(api: Api, ns: str, stop: asyncio.Event, seed: int) -> int:
    """Random creates, updates and deletes, paced as produceConfigMapEvents paces them."""
    rng = random.Random(seed)
    existing: list[int] = []
    writes = 0
    for i in range(3000):
        if stop.is_set():
            break
        op = rng.randrange(3) if existing else 0
        if op == 0:
            await api.configmap(ns, f"cm-{i}")
            existing.append(i)
        elif op == 1:
            await api.update_configmap(ns, f"cm-{rng.choice(existing)}", set_data("n", str(i)))
        else:
            gone = existing.pop(rng.randrange(len(existing)))
            await api.delete_configmap(ns, f"cm-{gone}")
        writes += 1
        await asyncio.sleep(0.005)  # the writer's pace, not a synchronisation
    return writes


async def test_concurrent_watches_from_different_versions_see_events_in_the_same_order(
    api: Api,
) -> None:
    ns = await api.namespace("watch-consistency")
    rv = (await api.get(cms(ns)))["metadata"]["resourceVersion"]
    stop = asyncio.Event()
    writer = asyncio.create_task(produce_configmap_events(api, ns, stop, seed=7))
    watches: list[WatchStream] = []
    try:
        async with asyncio.timeout(30):
            for _ in range(25):
                watches.append(await api.watch(cms(ns), resourceVersion=rv))
                first = await watches[0].next()
                assert first is not None, "the first watch ended"
                assert first.rv > int(rv)
                for other in watches[1:]:
                    event = await other.next()
                    assert event is not None, "a watch ended"
                    assert (event.rv, event.type, event.name) == (
                        first.rv,
                        first.type,
                        first.name,
                    )
                rv = str(first.rv)
    finally:
        stop.set()
        writes = await writer
    assert writes >= 25


# --- expiry: 410 Gone as an ERROR event -----------------------------------------------------------


async def assert_expired(watch: WatchStream, requested: str) -> int:
    """Exactly one ERROR event holding a 410 Expired Status, then the end of the stream.

    Returns the oldest version the message names, which the watch cache still serves.
    """
    events = await watch.rest()
    assert [e.type for e in events] == ["ERROR"], events
    status = events[0].object
    assert status["kind"] == "Status"
    assert status["apiVersion"] == "v1"
    assert status["status"] == "Failure"
    assert status["code"] == 410
    assert status["reason"] == "Expired"
    prefix = f"too old resource version: {requested} ("
    assert status["message"].startswith(prefix) and status["message"].endswith(")"), status
    return int(status["message"][len(prefix) : -1])


async def test_watch_from_before_the_retained_window_gets_410_expired() -> None:
    async with (
        SimCluster(None, manual_clock=True, watch_window=5) as sim,
        api_session(sim) as api,
    ):
        ns = await api.namespace("watch-window")
        created = await api.configmap(ns, "churn")
        versions = [created]
        for i in range(10):
            versions.append(await api.update_configmap(ns, "churn", set_data("n", str(i))))

        requested = created["metadata"]["resourceVersion"]
        oldest = await assert_expired(
            await api.watch(cms(ns), resourceVersion=requested), requested
        )
        # The five retained changes are served from the version before them, which the
        # message names as the oldest; one version earlier is already gone.
        assert oldest == int(versions[-6]["metadata"]["resourceVersion"])
        too_old = str(oldest - 1)
        await assert_expired(await api.watch(cms(ns), resourceVersion=too_old), too_old)
        recent = await api.watch(cms(ns), resourceVersion=str(oldest))
        for version in versions[-5:]:
            await recent.expect("MODIFIED", "churn", version)


async def test_watch_from_before_a_compaction_gets_410_expired_and_a_relist_recovers(
    empty: SimCluster, api: Api
) -> None:
    ns = await api.namespace("watch-compacted")
    created = await api.configmap(ns, "old")
    updated = await api.update_configmap(ns, "old", set_data("n", "1"))
    empty.store.compact()

    requested = created["metadata"]["resourceVersion"]
    oldest = await assert_expired(await api.watch(cms(ns), resourceVersion=requested), requested)
    assert oldest == int(updated["metadata"]["resourceVersion"])
    # The informer's recovery: LIST, then watch from the list's resourceVersion.
    listed = await api.get(cms(ns))
    watch = await api.watch(cms(ns), resourceVersion=listed["metadata"]["resourceVersion"])
    after = await api.configmap(ns, "after-compaction")
    await watch.expect("ADDED", "after-compaction", after)


# --- bookmarks, timeouts, selectors, the initial state --------------------------------------------


@pytest.fixture
async def bookmarking() -> AsyncIterator[Api]:
    async with (
        SimCluster(None, manual_clock=True, bookmark_interval=0.2) as sim,
        api_session(sim) as api,
    ):
        yield api


async def test_bookmarks_carry_only_the_resource_version_when_allowed(bookmarking: Api) -> None:
    api = bookmarking
    ns = await api.namespace("watch-bookmarks")
    start = (await api.get(cms(ns)))["metadata"]["resourceVersion"]
    watch = await api.watch(
        cms(ns),
        labelSelector="app=seen",
        resourceVersion=start,
        allowWatchBookmarks="true",
        timeoutSeconds="2",
    )
    seen = await api.configmap(ns, "seen", {"app": "seen"})
    unseen = await api.configmap(ns, "unseen", {"app": "other"})

    events = await watch.rest()
    assert [(e.type, e.object) for e in events if e.type != "BOOKMARK"] == [("ADDED", seen)]
    bookmarks = [e for e in events if e.type == "BOOKMARK"]
    assert len(bookmarks) >= 2
    last_rv = int(start)
    for event in events:
        if event.type == "BOOKMARK":
            assert set(event.object) == {"kind", "apiVersion", "metadata"}
            assert (event.object["kind"], event.object["apiVersion"]) == ("ConfigMap", "v1")
            meta = {k: v for k, v in event.object["metadata"].items() if v is not None}
            assert set(meta) == {"resourceVersion"}
        assert event.rv >= last_rv, "a bookmark went back before an event already sent"
        last_rv = event.rv
    # Progress past writes the selector filters out, so a re-watch need not replay them.
    assert bookmarks[-1].rv >= int(unseen["metadata"]["resourceVersion"])


async def test_no_bookmarks_without_allow_watch_bookmarks(bookmarking: Api) -> None:
    api = bookmarking
    ns = await api.namespace("watch-no-bookmarks")
    watch = await api.watch(cms(ns), timeoutSeconds="1")
    created = await api.configmap(ns, "only")
    events = await watch.rest()
    assert [(e.type, e.object) for e in events] == [("ADDED", created)]


async def test_timeout_seconds_ends_the_stream_cleanly(api: Api) -> None:
    ns = await api.namespace("watch-timeout")
    watch = await api.watch(cms(ns), timeoutSeconds="1")
    started = time.monotonic()
    assert await watch.rest(wait=10) == []  # ends with the last chunk, not an error
    assert watch.response.content.at_eof()
    assert time.monotonic() - started > 0.5  # the server waited; it did not refuse


async def test_field_selector_watch_sees_only_the_named_object(api: Api) -> None:
    ns = await api.namespace("watch-fields")
    watch = await api.watch(cms(ns), fieldSelector="metadata.name=x")
    await api.configmap(ns, "y")
    created = await api.configmap(ns, "x")
    await api.update_configmap(ns, "y", set_data("n", "1"))
    updated = await api.update_configmap(ns, "x", set_data("n", "1"))
    await api.delete_configmap(ns, "y")
    await api.delete_configmap(ns, "x")

    await watch.expect("ADDED", "x", created)
    await watch.expect("MODIFIED", "x", updated)
    assert_deleted(await watch.expect("DELETED", "x"), updated)


async def test_namespaced_watch_sees_only_its_namespace(api: Api) -> None:
    mine = await api.namespace("watch-mine")
    other = await api.namespace("watch-other")
    namespaced = await api.watch(cms(mine))
    everywhere = await api.watch("/api/v1/configmaps")

    theirs = await api.configmap(other, "same-name")
    ours = await api.configmap(mine, "same-name")

    await namespaced.expect("ADDED", "same-name", ours)
    await everywhere.expect("ADDED", "same-name", theirs)
    await everywhere.expect("ADDED", "same-name", ours)


@pytest.mark.parametrize("rv", [None, "0"], ids=["no-resourceVersion", "resourceVersion=0"])
async def test_watch_without_resource_version_starts_with_added_for_existing_objects(
    api: Api, rv: str | None
) -> None:
    ns = await api.namespace("watch-initial")
    existing = {name: await api.configmap(ns, name) for name in ("c", "a", "b")}
    await api.configmap(await api.namespace("watch-elsewhere"), "elsewhere")

    params = {} if rv is None else {"resourceVersion": rv}
    watch = await api.watch(cms(ns), **params)
    initial = [await watch.next() for _ in existing]
    assert all(e is not None and e.type == "ADDED" for e in initial), initial
    assert {e.name: e.object for e in initial if e is not None} == existing

    later = await api.update_configmap(ns, "a", set_data("n", "1"))
    await watch.expect("MODIFIED", "a", later)


# --- dropped watches ------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["drop_watches", "POST /_sim/watches/drop"])
async def test_dropped_watches_end_cleanly_and_a_rewatch_misses_nothing(
    empty: SimCluster, api: Api, http: aiohttp.ClientSession, how: str
) -> None:
    ns = await api.namespace("watch-drop")
    configmaps = await api.watch(cms(ns))
    namespaces = await api.watch("/api/v1/namespaces", fieldSelector=f"metadata.name={ns}")
    created = await api.configmap(ns, "survivor")
    last = await configmaps.expect("ADDED", "survivor", created)
    await namespaces.expect("ADDED", ns)  # the namespace's initial state

    if how == "drop_watches":
        empty.drop_watches()
    else:
        async with http.post(f"{empty.url}/_sim/watches/drop") as resp:
            assert resp.status == 200
            assert (await resp.json())["dropped"] == 2

    updated = await api.update_configmap(ns, "survivor", set_data("n", "1"))
    newcomer = await api.configmap(ns, "newcomer")
    await api.delete_configmap(ns, "survivor")

    # Both streams end with their last chunk; anything sent after the drop is not on them.
    assert await configmaps.rest() == []
    assert await namespaces.rest() == []

    resumed = await api.watch(cms(ns), resourceVersion=str(last.rv))
    await resumed.expect("MODIFIED", "survivor", updated)
    await resumed.expect("ADDED", "newcomer", newcomer)
    assert_deleted(await resumed.expect("DELETED", "survivor"), updated)


# --- the official client: kubernetes.aio --------------------------------------------------------


@pytest.fixture
async def official(sim: SimCluster) -> AsyncIterator[kclient.ApiClient]:
    api_client = await kconfig.new_client_from_config(
        config_file=str(sim.kubeconfig), context=CONTEXT, persist_config=False
    )
    try:
        yield api_client
    finally:
        await api_client.close()


async def test_official_client_lists_pods_in_all_namespaces_and_nodes(
    official: kclient.ApiClient,
) -> None:
    v1 = kclient.CoreV1Api(official)
    pods = await v1.list_pod_for_all_namespaces()
    namespaces = {p.metadata.namespace for p in pods.items}
    assert {"kube-system", "bizra-prod", "bizra-monitoring"} <= namespaces
    assert all(p.metadata.name and p.spec.containers for p in pods.items)
    assert int(pods.metadata.resource_version) > 0

    nodes = await v1.list_node()
    names = {n.metadata.name for n in nodes.items}
    assert len(names) == 15
    assert {"gpu-node-1", "gpu-node-12", "system-node-3"} <= names

    # Unparsed: kubernetes 37 rejects `_preload_content=False` on the validated methods and
    # offers the `_without_preload_content` variant, which returns the aiohttp response.
    raw = await v1.list_pod_for_all_namespaces_without_preload_content()
    try:
        assert raw.status == 200
        body = orjson.loads(await raw.read())
    finally:
        raw.release()
    assert (body["kind"], body["apiVersion"]) == ("PodList", "v1")
    assert int(body["metadata"]["resourceVersion"]) >= int(pods.metadata.resource_version)
    assert {p["metadata"]["namespace"] for p in body["items"]} == namespaces
    assert all(p["metadata"]["uid"] and p["spec"]["containers"] for p in body["items"])


def pod(name: str) -> kclient.V1Pod:
    return kclient.V1Pod(
        metadata=kclient.V1ObjectMeta(name=name, labels={"app": "watched"}),
        spec=kclient.V1PodSpec(
            containers=[kclient.V1Container(name="main", image="registry.k8s.io/pause:3.10")]
        ),
    )


async def test_official_client_watch_sees_a_pod_created_after_it_started(
    official: kclient.ApiClient,
) -> None:
    v1 = kclient.CoreV1Api(official)
    ns = "watch-official"
    await v1.create_namespace(kclient.V1Namespace(metadata=kclient.V1ObjectMeta(name=ns)))
    await v1.create_namespaced_pod(ns, pod("before"))

    seen: list[tuple[str, str]] = []
    async with kwatch.Watch() as w, asyncio.timeout(15):
        stream = w.stream(v1.list_namespaced_pod, namespace=ns)
        first = await anext(stream)
        # The stream is open once the initial state arrives; only then create the second pod.
        assert (first["type"], first["object"].metadata.name) == ("ADDED", "before")
        assert isinstance(first["object"], kclient.V1Pod)
        await v1.create_namespaced_pod(ns, pod("after"))
        for _ in range(100):
            event = await anext(stream)
            seen.append((event["type"], event["object"].metadata.name))
            if event["object"].metadata.name == "after":
                break
    assert seen[-1] == ("ADDED", "after"), seen
    assert all(name == "before" for _, name in seen[:-1])


@pytest.mark.parametrize(
    ("timeout_seconds", "attempts"),
    [(None, 2), (30, 1)],
    ids=["watch-forever-retries-once", "timeout_seconds-raises-at-once"],
)
async def test_official_client_watch_from_an_expired_version_raises_410(
    timeout_seconds: int | None, attempts: int
) -> None:
    async with (
        SimCluster(None, manual_clock=True, watch_window=3) as sim,
        api_session(sim) as api,
    ):
        ns = await api.namespace("watch-official-410")
        created = await api.configmap(ns, "churn")
        for i in range(6):
            await api.update_configmap(ns, "churn", set_data("n", str(i)))
        requested = created["metadata"]["resourceVersion"]

        watches: list[aiohttp.TraceRequestStartParams] = []

        async def on_request_start(
            _: aiohttp.ClientSession, __: Any, params: aiohttp.TraceRequestStartParams
        ) -> None:
            if params.url.query.get("watch") == "true":
                watches.append(params)

        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(on_request_start)
        configuration = kclient.Configuration(trace_configs=[trace])
        await kconfig.load_kube_config(
            config_file=str(sim.kubeconfig),
            context=CONTEXT,
            client_configuration=configuration,
            persist_config=False,
        )
        api_client = kclient.ApiClient(configuration)
        try:
            v1 = kclient.CoreV1Api(api_client)
            options: dict[str, Any] = {"namespace": ns, "resource_version": requested}
            if timeout_seconds is not None:
                options["timeout_seconds"] = timeout_seconds
            async with kwatch.Watch() as w, asyncio.timeout(10):
                stream = w.stream(v1.list_namespaced_config_map, **options)
                # The client turns the ERROR event into an ApiException; it yields no event.
                with pytest.raises(kclient.ApiException) as raised:
                    await anext(stream)
        finally:
            await api_client.close()
    assert raised.value.status == 410
    assert raised.value.reason.startswith(f"Expired: too old resource version: {requested} (")
    # Watching "forever", it re-watches the same version once before giving up.
    assert [p.url.query["resourceVersion"] for p in watches] == [requested] * attempts


# --- pods through the controllers ----------------------------------------------------------------


@pytest.fixture
async def sim_api(sim: SimCluster) -> AsyncIterator[Api]:
    async with api_session(sim) as client:
        yield client


def running_and_ready(pod_obj: dict[str, Any]) -> bool:
    status = pod_obj.get("status") or {}
    ready = [c for c in status.get("conditions") or () if c.get("type") == "Ready"]
    return status.get("phase") == "Running" and bool(ready) and ready[0]["status"] == "True"


async def test_scaling_a_deployment_streams_new_pods_until_running_and_ready(
    sim_api: Api,
) -> None:
    api = sim_api
    pods = "/api/v1/namespaces/kube-system/pods"
    listed = await api.get(pods, labelSelector="k8s-app=kube-dns")
    before = {p["metadata"]["name"] for p in listed["items"]}
    assert len(before) == 2
    watch = await api.watch(
        pods,
        labelSelector="k8s-app=kube-dns",
        resourceVersion=listed["metadata"]["resourceVersion"],
    )
    scaled = await api.merge_patch(
        "/apis/apps/v1/namespaces/kube-system/deployments/coredns", {"spec": {"replicas": 4}}
    )
    assert scaled["spec"]["replicas"] == 4

    history: dict[str, list[Event]] = {}
    async with asyncio.timeout(20):
        for _ in range(500):
            event = await watch.next()
            assert event is not None, "the pod watch ended"
            if event.name not in before:
                history.setdefault(event.name, []).append(event)
            if len(history) == 2 and all(running_and_ready(h[-1].object) for h in history.values()):
                break
        else:
            raise AssertionError(f"the new pods did not become Running and Ready: {history}")

    for name, events in history.items():
        assert name.startswith("coredns-")
        assert [e.type for e in events] == ["ADDED"] + ["MODIFIED"] * (len(events) - 1)
        assert len(events) >= 2  # created Pending, then progressed
        assert (events[0].object.get("status") or {}).get("phase") in (None, "Pending")
        assert not running_and_ready(events[0].object)
        rvs = [e.rv for e in events]
        assert rvs == sorted(set(rvs))
