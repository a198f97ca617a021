"""The sim's controllers against what kube-controller-manager, kube-scheduler and the kubelet do.

Every test runs a small cluster on a manual clock and steps simulated time with
`sim.advance()`, so minutes of cluster life run in milliseconds and every intermediate state
can be checked. Tests act through the registry (the API's write rules) and assert on what the
API would show: objects, status fields, conditions and Events.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from warroom.sim.cluster import SimCluster
from warroom.sim.controllers.context import (
    DAEMONSETS,
    DEPLOYMENTS,
    HPAS,
    NAMESPACES,
    NODES,
    PDBS,
    PODS,
    REPLICASETS,
)
from warroom.sim.registry import MERGE_PATCH, STRATEGIC_PATCH
from warroom.sim.scenario import parse
from warroom.sim.store import Change

NS = "default"
EVENTS = ("", "events")

RESOURCES = {
    "pods": ("", "v1", "pods"),
    "nodes": ("", "v1", "nodes"),
    "namespaces": ("", "v1", "namespaces"),
    "deployments": ("apps", "v1", "deployments"),
    "replicasets": ("apps", "v1", "replicasets"),
    "daemonsets": ("apps", "v1", "daemonsets"),
    "horizontalpodautoscalers": ("autoscaling", "v2", "horizontalpodautoscalers"),
    "poddisruptionbudgets": ("policy", "v1", "poddisruptionbudgets"),
}

IMAGE_V1 = "registry.example/shop/web:1.0"
IMAGE_V2 = "registry.example/shop/web:1.1"
BROKEN = "registry.example/shop/web:1.2-broken"
REVISION = "deployment.kubernetes.io/revision"


# ---- clusters ----------------------------------------------------------------------------


def scenario_yaml(
    *,
    workers: int = 3,
    gpu_nodes: int = 0,
    cpu: str = "16",
    timings: str = "{}",
    extra: str = "",
) -> str:
    pools = [f'  - {{name: worker, prefix: node, count: {workers}, cpu: "{cpu}", memory: 64Gi}}']
    if gpu_nodes:
        pools.append(
            f'  - {{name: gpu, prefix: gpu, count: {gpu_nodes}, cpu: "32", memory: 128Gi,'
            " gpu: {count: 4}, taints: [{key: nvidia.com/gpu, value: present,"
            " effect: NoSchedule}]}"
        )
    return (
        "name: controllers-test\n"
        "warmup: 0\n"
        "nodePools:\n" + "\n".join(pools) + "\n"
        f"brokenImages: [{BROKEN}]\n"
        f"timings: {timings}\n" + extra
    )


@asynccontextmanager
async def cluster(**kwargs: Any) -> AsyncIterator[SimCluster]:
    sim = SimCluster(parse(scenario_yaml(**kwargs), "test"), manual_clock=True, start_time=1.7e9)
    async with sim:
        yield sim


def rt(sim: SimCluster, plural: str) -> Any:
    resource = sim.catalogue.get(*RESOURCES[plural])
    assert resource is not None
    return resource


def create(sim: SimCluster, plural: str, body: dict[str, Any], ns: str = NS) -> dict[str, Any]:
    resource = rt(sim, plural)
    return sim.registry.create(resource, ns if resource.namespaced else "", body, dry_run=False)


def patch(
    sim: SimCluster,
    plural: str,
    name: str,
    body: dict[str, Any],
    ns: str = NS,
    content_type: str = MERGE_PATCH,
) -> dict[str, Any]:
    resource = rt(sim, plural)
    namespace = ns if resource.namespaced else ""
    return sim.registry.patch(resource, namespace, name, content_type, body, dry_run=False)


def delete(sim: SimCluster, plural: str, name: str, ns: str = NS, **options: Any) -> dict[str, Any]:
    resource = rt(sim, plural)
    namespace = ns if resource.namespaced else ""
    return sim.registry.delete(resource, namespace, name, options, dry_run=False)


def get(sim: SimCluster, tk: tuple[str, str], name: str, ns: str = NS) -> dict[str, Any]:
    obj = sim.store.get(tk, ns if tk not in (NODES, NAMESPACES) else "", name)
    assert obj is not None, f"{tk[1]}/{name} not found"
    return obj


def container(image: str = IMAGE_V1, **extra: Any) -> dict[str, Any]:
    return {"name": "web", "image": image, **extra}


def deployment(
    name: str,
    replicas: int,
    *,
    image: str = IMAGE_V1,
    strategy: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
    pod_spec: dict[str, Any] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "strategy": strategy or {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [container(image)], **(pod_spec or {})},
            },
            **spec,
        },
    }


def rolling(surge: int | str, unavailable: int | str) -> dict[str, Any]:
    return {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
    }


def set_image(sim: SimCluster, name: str, image: str) -> None:
    patch(
        sim,
        "deployments",
        name,
        {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}},
        content_type=STRATEGIC_PATCH,
    )


def pods(sim: SimCluster, ns: str = NS, **labels: str) -> list[dict[str, Any]]:
    return sorted(
        (
            p
            for p in sim.store.list(PODS, ns)
            if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())
        ),
        key=lambda p: p["metadata"]["name"],
    )


def live(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def image(obj: dict[str, Any]) -> str:
    """The first container's image of a pod, or of a controller's pod template."""
    spec = obj["spec"]
    if "template" in spec:
        spec = spec["template"]["spec"]
    return str(spec["containers"][0]["image"])


def cond(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    for c in (obj.get("status") or {}).get("conditions") or ():
        if c["type"] == kind:
            return dict(c)
    raise AssertionError(f"no {kind} condition in {obj.get('status')}")


def ready(pod: dict[str, Any]) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in (pod.get("status") or {}).get("conditions") or ()
    )


def events(
    sim: SimCluster,
    *,
    reason: str | None = None,
    name: str | None = None,
    kind: str | None = None,
    ns: str | None = None,
) -> list[dict[str, Any]]:
    found = [
        e
        for e in sim.store.list(EVENTS, ns)
        if (reason is None or e["reason"] == reason)
        and (name is None or e["involvedObject"]["name"] == name)
        and (kind is None or e["involvedObject"]["kind"] == kind)
    ]
    # Store order is creation order (resourceVersion); keep it.
    return sorted(found, key=lambda e: int(e["metadata"]["resourceVersion"]))


def messages(sim: SimCluster, **filters: Any) -> list[str]:
    return [e["message"] for e in events(sim, **filters)]


def replicasets(sim: SimCluster, ns: str = NS) -> list[dict[str, Any]]:
    return sorted(
        sim.store.list(REPLICASETS, ns),
        key=lambda rs: int(rs["metadata"].get("annotations", {}).get(REVISION, "0")),
    )


async def settle_until(
    sim: SimCluster, predicate: Callable[[], bool], *, limit: float, step: float = 1.0
) -> float:
    """Step simulated time until `predicate` holds; returns the simulated seconds it took."""
    start = sim.clock.now()
    while not predicate():
        if sim.clock.now() - start > limit:
            raise AssertionError(f"not reached within {limit} simulated seconds")
        await sim.advance(step)
    return sim.clock.now() - start


def rolled_out(sim: SimCluster, name: str, ns: str = NS) -> Callable[[], bool]:
    def check() -> bool:
        d = sim.store.get(DEPLOYMENTS, ns, name)
        if d is None:
            return False
        status = d.get("status") or {}
        replicas = d["spec"]["replicas"]
        return (
            status.get("observedGeneration") == d["metadata"]["generation"]
            and status.get("updatedReplicas", 0) == replicas
            and status.get("replicas", 0) == replicas
            and status.get("availableReplicas", 0) == replicas
        )

    return check


# ---- Deployment: rolling updates -----------------------------------------------------------


class SpecMonitor:
    """Records the largest sum of ReplicaSet spec.replicas over every write to the store."""

    def __init__(self, sim: SimCluster) -> None:
        self.sim = sim
        self.peak = 0
        sim.store.subscribe(self._on_change)

    def _on_change(self, change: Change) -> None:
        if change.type_key == REPLICASETS:
            total = sum(rs["spec"]["replicas"] for rs in self.sim.store.list(REPLICASETS, NS))
            self.peak = max(self.peak, total)


@pytest.mark.parametrize(
    ("surge", "unavailable", "max_surge", "max_unavailable"),
    [("25%", "25%", 3, 2), (1, 0, 1, 0)],
)
async def test_rolling_update_stays_within_max_surge_and_max_unavailable(
    surge: int | str, unavailable: int | str, max_surge: int, max_unavailable: int
) -> None:
    async with cluster(workers=4) as sim:
        create(sim, "deployments", deployment("web", 10, strategy=rolling(surge, unavailable)))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        spec = SpecMonitor(sim)
        set_image(sim, "web", IMAGE_V2)
        peak_pods, low_available, steps = 0, 10, 0
        while not rolled_out(sim, "web")():
            await sim.advance(0.5)
            steps += 1
            assert steps < 600, "the rollout did not finish"
            running = live(pods(sim, app="web"))
            peak_pods = max(peak_pods, len(running))
            low_available = min(low_available, sum(1 for p in running if ready(p)))
            status = get(sim, DEPLOYMENTS, "web")["status"]
            assert status.get("availableReplicas", 0) >= 10 - max_unavailable

        # 25 %/25 % of 10: maxSurge rounds up to 3, maxUnavailable down to 2 (resolveFenceposts).
        assert spec.peak <= 10 + max_surge
        assert peak_pods <= 10 + max_surge
        assert low_available >= 10 - max_unavailable
        # The surge was used, not only allowed.
        assert spec.peak == peak_pods == 10 + max_surge
        await sim.advance(5)
        running = live(pods(sim, app="web"))
        assert len(running) == 10
        assert {image(p) for p in running} == {IMAGE_V2}


async def test_new_replicaset_carries_hash_revision_and_replica_annotations() -> None:
    async with cluster() as sim:
        create(sim, "deployments", deployment("web", 4, strategy=rolling(1, 0)))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        set_image(sim, "web", IMAGE_V2)
        await sim.advance(0.1)
        old, new = replicasets(sim)
        pod_hash = new["metadata"]["labels"]["pod-template-hash"]
        assert new["metadata"]["name"] == f"web-{pod_hash}"
        assert new["spec"]["selector"]["matchLabels"] == {
            "app": "web",
            "pod-template-hash": pod_hash,
        }
        assert new["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == pod_hash
        assert old["metadata"]["labels"]["pod-template-hash"] != pod_hash
        assert new["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
        assert new["metadata"]["ownerReferences"][0]["controller"] is True
        annotations = new["metadata"]["annotations"]
        assert annotations[REVISION] == "2"
        assert annotations["deployment.kubernetes.io/desired-replicas"] == "4"
        assert annotations["deployment.kubernetes.io/max-replicas"] == "5"
        assert old["metadata"]["annotations"][REVISION] == "1"
        d = get(sim, DEPLOYMENTS, "web")
        assert d["metadata"]["annotations"][REVISION] == "2"
        # Every pod of the new ReplicaSet carries its hash.
        await settle_until(sim, rolled_out(sim, "web"), limit=120)
        for pod in live(pods(sim, app="web")):
            assert pod["metadata"]["labels"]["pod-template-hash"] == pod_hash


async def test_scaling_replica_set_events_name_the_set_and_both_sizes() -> None:
    async with cluster() as sim:
        create(sim, "deployments", deployment("web", 4, strategy=rolling(1, 0)))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        first = replicasets(sim)[0]["metadata"]["name"]
        assert messages(sim, reason="ScalingReplicaSet", name="web") == [
            f"Scaled up replica set {first} from 0 to 4"
        ]
        set_image(sim, "web", IMAGE_V2)
        await settle_until(sim, rolled_out(sim, "web"), limit=120)
        second = replicasets(sim)[1]["metadata"]["name"]
        scaling = messages(sim, reason="ScalingReplicaSet", name="web")
        assert scaling[1:] == [
            f"Scaled up replica set {second} from 0 to 1",
            f"Scaled down replica set {first} from 4 to 3",
            f"Scaled up replica set {second} from 1 to 2",
            f"Scaled down replica set {first} from 3 to 2",
            f"Scaled up replica set {second} from 2 to 3",
            f"Scaled down replica set {first} from 2 to 1",
            f"Scaled up replica set {second} from 3 to 4",
            f"Scaled down replica set {first} from 1 to 0",
        ]
        for e in events(sim, reason="ScalingReplicaSet"):
            assert e["type"] == "Normal"
            assert e["source"]["component"] == "deployment-controller"
            assert e["involvedObject"]["kind"] == "Deployment"


class ConditionLog:
    """Every distinct (status, reason, message) a condition of one object passes through."""

    def __init__(self, sim: SimCluster, tk: tuple[str, str], name: str, kind: str) -> None:
        self.seen: list[tuple[str, str, str]] = []
        self.tk, self.name, self.kind = tk, name, kind
        sim.store.subscribe(self._on_change)

    def _on_change(self, change: Change) -> None:
        if change.type_key != self.tk or change.obj["metadata"]["name"] != self.name:
            return
        for c in (change.obj.get("status") or {}).get("conditions") or ():
            if c["type"] == self.kind:
                entry = (c["status"], c.get("reason", ""), c.get("message", ""))
                if not self.seen or self.seen[-1] != entry:
                    self.seen.append(entry)


async def test_deployment_conditions_follow_the_rollout_with_real_reasons() -> None:
    async with cluster() as sim:
        progressing = ConditionLog(sim, DEPLOYMENTS, "web", "Progressing")
        available = ConditionLog(sim, DEPLOYMENTS, "web", "Available")
        created = create(sim, "deployments", deployment("web", 3, strategy=rolling(1, 0)))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        await sim.advance(1)
        rs1 = replicasets(sim)[0]["metadata"]["name"]
        assert progressing.seen == [
            ("True", "NewReplicaSetCreated", f'Created new replica set "{rs1}"'),
            ("True", "ReplicaSetUpdated", f'ReplicaSet "{rs1}" is progressing.'),
            ("True", "NewReplicaSetAvailable", f'ReplicaSet "{rs1}" has successfully progressed.'),
        ]
        assert available.seen == [
            (
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            ),
            ("True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        ]
        d = get(sim, DEPLOYMENTS, "web")
        assert d["status"]["observedGeneration"] == created["metadata"]["generation"] == 1
        for c in d["status"]["conditions"]:
            assert c["lastUpdateTime"] and c["lastTransitionTime"]
        # Available turned True when the pods did, so its lastUpdateTime moved with it.
        avail = cond(d, "Available")
        assert avail["lastUpdateTime"] == avail["lastTransitionTime"]

        set_image(sim, "web", IMAGE_V2)
        await sim.advance(0.1)
        d = get(sim, DEPLOYMENTS, "web")
        assert d["metadata"]["generation"] == 2
        assert d["status"]["observedGeneration"] == 2
        # Old pods keep the deployment available during the rollout.
        assert cond(d, "Available")["status"] == "True"
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        await sim.advance(1)
        rs2 = replicasets(sim)[-1]["metadata"]["name"]
        assert progressing.seen[3:] == [
            ("True", "NewReplicaSetCreated", f'Created new replica set "{rs2}"'),
            ("True", "ReplicaSetUpdated", f'ReplicaSet "{rs2}" is progressing.'),
            ("True", "NewReplicaSetAvailable", f'ReplicaSet "{rs2}" has successfully progressed.'),
        ]
        assert len(available.seen) == 2  # never unavailable during the rollout


async def test_min_ready_seconds_delays_available_replicas() -> None:
    async with cluster() as sim:
        create(sim, "deployments", deployment("web", 2, minReadySeconds=30))
        await settle_until(
            sim, lambda: len([p for p in pods(sim, app="web") if ready(p)]) == 2, limit=60, step=0.5
        )
        became_ready = sim.clock.now()
        status = get(sim, DEPLOYMENTS, "web")["status"]
        assert status["readyReplicas"] == 2
        assert status.get("availableReplicas", 0) == 0
        assert cond(get(sim, DEPLOYMENTS, "web"), "Available")["status"] == "False"
        await sim.advance(25)
        assert get(sim, DEPLOYMENTS, "web")["status"].get("availableReplicas", 0) == 0
        await sim.advance(6)
        status = get(sim, DEPLOYMENTS, "web")["status"]
        assert status["availableReplicas"] == 2
        assert sim.clock.now() - became_ready <= 31
        rs = replicasets(sim)[0]
        assert rs["spec"]["minReadySeconds"] == 30
        assert rs["status"]["availableReplicas"] == 2
        assert cond(get(sim, DEPLOYMENTS, "web"), "Available")["status"] == "True"


# ---- Deployment: a broken image ----------------------------------------------------------


async def test_rollout_to_a_crashing_image_stalls_and_exceeds_its_progress_deadline() -> None:
    async with cluster() as sim:
        create(
            sim,
            "deployments",
            deployment("web", 3, strategy=rolling(1, 0), progressDeadlineSeconds=120),
        )
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        old_pods = {p["metadata"]["name"] for p in pods(sim, app="web")}
        set_image(sim, "web", BROKEN)
        started = sim.clock.now()
        await sim.advance(30)

        new_rs = replicasets(sim)[-1]
        new_pods = [p for p in pods(sim, app="web") if image(p) == BROKEN]
        assert len(new_pods) == 1  # maxSurge 1, and it never becomes available
        pod = new_pods[0]
        state = pod["status"]["containerStatuses"][0]
        assert state["restartCount"] >= 1
        assert state["lastState"]["terminated"]["reason"] == "Error"
        assert state["lastState"]["terminated"]["exitCode"] == 1
        assert not ready(pod)

        # maxUnavailable 0: every old pod keeps serving.
        assert {p["metadata"]["name"] for p in live(pods(sim, app="web")) if ready(p)} == old_pods
        d = get(sim, DEPLOYMENTS, "web")
        assert d["status"]["availableReplicas"] == 3
        assert d["status"]["updatedReplicas"] == 1
        assert d["status"]["unavailableReplicas"] == 1
        assert cond(d, "Available")["status"] == "True"
        assert cond(d, "Progressing")["status"] == "True"

        # The deadline counts from the last progress the rollout made.
        last_progress = cond(d, "Progressing")["lastUpdateTime"]
        await settle_until(
            sim,
            lambda: cond(get(sim, DEPLOYMENTS, "web"), "Progressing")["status"] == "False",
            limit=300,
        )
        timed_out_after = sim.clock.now() - started
        progressing = cond(get(sim, DEPLOYMENTS, "web"), "Progressing")
        assert progressing["reason"] == "ProgressDeadlineExceeded"
        assert progressing["message"] == (
            f'ReplicaSet "{new_rs["metadata"]["name"]}" has timed out progressing.'
        )
        assert 120 <= timed_out_after <= 125
        assert progressing["lastUpdateTime"] > last_progress
        # Timing out does not roll back: old pods still serve, the broken pod still loops.
        await sim.advance(120)
        assert len([p for p in live(pods(sim, app="web")) if ready(p)]) == 3
        assert cond(get(sim, DEPLOYMENTS, "web"), "Progressing")["reason"] == (
            "ProgressDeadlineExceeded"
        )


async def test_crashing_container_restarts_with_a_doubling_back_off() -> None:
    async with cluster() as sim:
        create(sim, "deployments", deployment("crash", 1, image=BROKEN))
        states: list[str] = []
        restarts: list[tuple[float, int]] = []  # (when, restartCount) each time it runs again
        back_offs: list[str] = []

        def on_change(change: Change) -> None:
            labels = change.obj["metadata"].get("labels") or {}
            if change.type_key != PODS or labels.get("app") != "crash":
                return
            statuses = (change.obj.get("status") or {}).get("containerStatuses") or []
            if not statuses:
                return
            status = statuses[0]
            kind, detail = next(iter(status["state"].items()))
            state = f"{kind}:{detail.get('reason', '')}"
            if not states or states[-1] != state:
                states.append(state)
                if kind == "running":
                    restarts.append((sim.clock.now(), status["restartCount"]))
            if detail.get("reason") == "CrashLoopBackOff":
                wait = detail["message"].split(" restarting")[0]
                if not back_offs or back_offs[-1] != wait:
                    back_offs.append(wait)

        sim.store.subscribe(on_change)
        await sim.advance(1200)

        # The first exit is restarted at once; later ones wait in CrashLoopBackOff.
        assert states[:6] == [
            "waiting:ContainerCreating",
            "running:",
            "terminated:Error",
            "running:",
            "waiting:CrashLoopBackOff",
            "running:",
        ]
        assert [count for _, count in restarts] == list(range(len(restarts)))
        crash = 2  # Timings.crash_after: how long the broken image runs
        gaps = [round(b[0] - a[0]) for a, b in itertools.pairwise(restarts)]
        assert gaps == [crash + wait for wait in (0, 10, 20, 40, 80, 160, 300, 300)]
        # 10 s doubling, capped at five minutes, in Go's duration format.
        assert back_offs == [
            "back-off 10s",
            "back-off 20s",
            "back-off 40s",
            "back-off 1m20s",
            "back-off 2m40s",
            "back-off 5m0s",
        ]
        (pod,) = pods(sim, app="crash")
        assert pod["status"]["phase"] == "Running"
        assert not ready(pod)
        status = pod["status"]["containerStatuses"][0]
        assert status["lastState"]["terminated"]["reason"] == "Error"
        assert status["lastState"]["terminated"]["exitCode"] == 1
        name, uid = pod["metadata"]["name"], pod["metadata"]["uid"]
        assert status["state"]["waiting"]["message"] == (
            f"back-off 5m0s restarting failed container=web pod={name}_{NS}({uid})"
        )
        (back_off,) = events(sim, reason="BackOff", name=name)
        assert back_off["type"] == "Warning"
        assert back_off["message"] == (
            f"Back-off restarting failed container web in pod {name}_{NS}({uid})"
        )
        assert back_off["source"] == {"component": "kubelet", "host": pod["spec"]["nodeName"]}


# ---- Deployment: history, Recreate, scaling -----------------------------------------------


async def test_revision_history_limit_deletes_the_oldest_idle_replica_sets() -> None:
    async with cluster() as sim:
        create(sim, "deployments", deployment("web", 2, revisionHistoryLimit=2))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        images = [f"registry.example/shop/web:1.{n}" for n in range(1, 5)]
        for img in images:
            set_image(sim, "web", img)
            await settle_until(sim, rolled_out(sim, "web"), limit=120)
            await sim.advance(5)
        sets = replicasets(sim)
        revisions = [rs["metadata"]["annotations"][REVISION] for rs in sets]
        # Revision 5 is live; only the newest two idle sets (3 and 4) are kept.
        assert revisions == ["3", "4", "5"]
        assert [rs["spec"]["replicas"] for rs in sets] == [0, 0, 2]
        assert [image(rs) for rs in sets] == images[1:]
        assert get(sim, DEPLOYMENTS, "web")["metadata"]["annotations"][REVISION] == "5"
        # A rollback to a kept revision reuses its ReplicaSet.
        set_image(sim, "web", images[1])
        await settle_until(sim, rolled_out(sim, "web"), limit=120)
        await sim.advance(5)
        sets = replicasets(sim)
        assert [rs["metadata"]["annotations"][REVISION] for rs in sets] == ["4", "5", "6"]
        assert image(sets[-1]) == images[1]
        assert sets[-1]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == (
            "3"
        )


async def test_recreate_scales_old_pods_away_before_new_ones_start() -> None:
    async with cluster() as sim:
        create(sim, "deployments", deployment("web", 3, strategy={"type": "Recreate"}))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        old_rs = replicasets(sim)[0]["metadata"]["name"]
        overlap: list[float] = []

        def on_change(change: Change) -> None:
            if change.type_key != PODS:
                return
            current = pods(sim, app="web")
            old = [p for p in current if image(p) == IMAGE_V1]
            new = [p for p in current if image(p) == IMAGE_V2]
            if old and new:
                overlap.append(sim.clock.now())

        sim.store.subscribe(on_change)
        set_image(sim, "web", IMAGE_V2)
        await sim.advance(0.1)
        # The old pods are terminating; no new pod exists while any of them is still there.
        assert all(p["metadata"].get("deletionTimestamp") for p in pods(sim, app="web"))
        d = get(sim, DEPLOYMENTS, "web")
        assert cond(d, "Available")["status"] == "False"
        await settle_until(sim, rolled_out(sim, "web"), limit=120)
        assert overlap == []
        new_rs = replicasets(sim)[-1]["metadata"]["name"]
        assert messages(sim, reason="ScalingReplicaSet", name="web")[1:] == [
            f"Scaled down replica set {old_rs} from 3 to 0",
            f"Scaled up replica set {new_rs} from 0 to 3",
        ]
        assert {image(p) for p in pods(sim, app="web")} == {IMAGE_V2}


async def test_scaling_mid_rollout_grows_old_and_new_replica_sets_in_proportion() -> None:
    async with cluster(workers=4) as sim:
        create(sim, "deployments", deployment("web", 10, strategy=rolling(3, 2)))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        set_image(sim, "web", BROKEN)  # the rollout stalls: new pods never become available
        await sim.advance(60)
        old, new = replicasets(sim)
        assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (8, 5)
        patch(sim, "deployments", "web", {"spec": {"replicas": 20}})
        await sim.advance(1)
        old, new = replicasets(sim)
        # 23 allowed (20 + a surge of 3) where there were 13: each set grows by 23/13, rounded
        # (8 → 14, 5 → 9), rather than all ten new pods going to the broken version.
        assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (14, 9)
        for rs in (old, new):
            annotations = rs["metadata"]["annotations"]
            assert annotations["deployment.kubernetes.io/desired-replicas"] == "20"
            assert annotations["deployment.kubernetes.io/max-replicas"] == "23"
        assert messages(sim, reason="ScalingReplicaSet", name="web")[-2:] == [
            f"Scaled up replica set {old['metadata']['name']} from 8 to 14",
            f"Scaled up replica set {new['metadata']['name']} from 5 to 9",
        ]
        # Scaling down takes from both as well: 7 allowed, 14·7/23 → 4 and 9·7/23 → 3 (the
        # rollout then goes on from there).
        patch(sim, "deployments", "web", {"spec": {"replicas": 4}})
        await sim.advance(1)
        assert messages(sim, reason="ScalingReplicaSet", name="web")[6:8] == [
            f"Scaled down replica set {old['metadata']['name']} from 14 to 4",
            f"Scaled down replica set {new['metadata']['name']} from 9 to 3",
        ]


# ---- Scheduler ---------------------------------------------------------------------------


def bare_pod(
    name: str,
    *,
    image_name: str = IMAGE_V1,
    requests: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    c = container(image_name)
    if requests:
        c["resources"] = {"requests": requests, "limits": dict(requests)}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"run": name}},
        "spec": {"containers": [c], **spec},
    }


GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def add_node(sim: SimCluster, name: str, like: str, **labels: str) -> dict[str, Any]:
    """A new Ready node shaped like an existing one (as a cluster autoscaler would add it)."""
    node = {
        k: v
        for k, v in get(sim, NODES, like).items()
        if k in ("apiVersion", "kind", "spec", "status")
    }
    node["metadata"] = {
        "name": name,
        "labels": {
            **get(sim, NODES, like)["metadata"]["labels"],
            "kubernetes.io/hostname": name,
            **labels,
        },
    }
    return create(sim, "nodes", node)


def scheduled_on(sim: SimCluster, **labels: str) -> dict[str, int]:
    spread: dict[str, int] = {}
    for p in live(pods(sim, **labels)):
        node = p["spec"].get("nodeName", "")
        spread[node] = spread.get(node, 0) + 1
    return spread


async def test_pod_wanting_more_gpus_than_any_node_has_stays_pending_with_counted_reasons() -> None:
    async with cluster(workers=0, gpu_nodes=3) as sim:
        create(
            sim,
            "pods",
            bare_pod("trainer", requests={"nvidia.com/gpu": "8"}, tolerations=[GPU_TOLERATION]),
        )
        await sim.advance(30)
        pod = get(sim, PODS, "trainer")
        assert pod["status"]["phase"] == "Pending"
        assert "nodeName" not in pod["spec"]
        message = (
            "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are "
            "available: 3 No preemption victims found for incoming pod."
        )
        scheduled = cond(pod, "PodScheduled")
        assert (scheduled["status"], scheduled["reason"]) == ("False", "Unschedulable")
        assert scheduled["message"] == message
        (failed,) = events(sim, reason="FailedScheduling", name="trainer")
        assert failed["type"] == "Warning"
        assert failed["message"] == message
        assert failed["source"]["component"] == "default-scheduler"


async def test_failed_scheduling_message_sorts_counted_reasons_like_the_scheduler() -> None:
    async with cluster(workers=2, gpu_nodes=3, cpu="4") as sim:
        patch(sim, "nodes", "node-2", {"spec": {"unschedulable": True}})
        create(sim, "pods", bare_pod("big", requests={"cpu": "6", "nvidia.com/gpu": "1"}))
        await sim.advance(1)
        message = cond(get(sim, PODS, "big"), "PodScheduled")["message"]
        # One status per node; the histogram's "count reason" strings are sorted as strings.
        assert message == (
            "0/5 nodes are available: 1 Insufficient cpu, 1 Insufficient nvidia.com/gpu, "
            "1 node(s) were unschedulable, 3 node(s) had untolerated taint "
            "{nvidia.com/gpu: present}. preemption: 0/5 nodes are available: "
            "1 No preemption victims found for incoming pod, "
            "4 Preemption is not helpful for scheduling."
        )


async def test_pending_pod_is_scheduled_once_a_node_with_room_joins() -> None:
    async with cluster(workers=1, gpu_nodes=1) as sim:
        create(
            sim,
            "pods",
            bare_pod("trainer", requests={"nvidia.com/gpu": "4"}, tolerations=[GPU_TOLERATION]),
        )
        create(
            sim,
            "pods",
            bare_pod("trainer-2", requests={"nvidia.com/gpu": "4"}, tolerations=[GPU_TOLERATION]),
        )
        await sim.advance(5)
        placed = [p for p in pods(sim) if p["spec"].get("nodeName")]
        assert [p["spec"]["nodeName"] for p in placed] == ["gpu-1"]
        waiting = next(p for p in pods(sim) if not p["spec"].get("nodeName"))
        name = waiting["metadata"]["name"]
        assert messages(sim, reason="Scheduled", name=name) == []
        add_node(sim, "gpu-2", like="gpu-1")
        await sim.advance(1)
        pod = get(sim, PODS, name)
        assert pod["spec"]["nodeName"] == "gpu-2"
        assert cond(pod, "PodScheduled")["status"] == "True"
        assert messages(sim, reason="Scheduled", name=name) == [
            f"Successfully assigned {NS}/{name} to gpu-2"
        ]


async def test_pending_pod_is_scheduled_when_a_pod_leaves_its_node() -> None:
    async with cluster(workers=0, gpu_nodes=1) as sim:
        for name in ("first", "second"):
            create(
                sim,
                "pods",
                bare_pod(name, requests={"nvidia.com/gpu": "3"}, tolerations=[GPU_TOLERATION]),
            )
        await sim.advance(15)
        assert get(sim, PODS, "first")["spec"]["nodeName"] == "gpu-1"
        assert "nodeName" not in get(sim, PODS, "second")["spec"]
        delete(sim, "pods", "first")
        # The GPU stays taken while the first pod shuts down.
        await sim.advance(0.5)
        assert "nodeName" not in get(sim, PODS, "second")["spec"]
        await sim.advance(3)
        assert sim.store.get(PODS, NS, "first") is None
        pod = get(sim, PODS, "second")
        assert pod["spec"]["nodeName"] == "gpu-1"
        assert messages(sim, reason="Scheduled", name="second") == [
            f"Successfully assigned {NS}/second to gpu-1"
        ]


async def test_cordoned_node_gets_no_new_pods() -> None:
    async with cluster(workers=3) as sim:
        patch(sim, "nodes", "node-1", {"spec": {"unschedulable": True}})
        create(sim, "deployments", deployment("web", 6))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        spread = scheduled_on(sim, app="web")
        assert "node-1" not in spread
        assert sum(spread.values()) == 6


async def test_taints_repel_pods_without_a_toleration_and_admit_those_with_one() -> None:
    async with cluster(workers=1, gpu_nodes=2) as sim:
        create(sim, "deployments", deployment("web", 4))
        create(
            sim,
            "deployments",
            deployment("infer", 4, pod_spec={"tolerations": [GPU_TOLERATION]}),
        )
        await settle_until(
            sim, lambda: rolled_out(sim, "web")() and rolled_out(sim, "infer")(), limit=60
        )
        assert set(scheduled_on(sim, app="web")) == {"node-1"}
        # Tolerating is not attracting: the tolerant pods may land anywhere.
        assert sum(scheduled_on(sim, app="infer").values()) == 4


async def test_node_selector_limits_pods_to_matching_nodes() -> None:
    async with cluster(workers=3) as sim:
        patch(sim, "nodes", "node-3", {"metadata": {"labels": {"disk": "ssd"}}})
        create(sim, "deployments", deployment("db", 3, pod_spec={"nodeSelector": {"disk": "ssd"}}))
        create(
            sim,
            "pods",
            bare_pod("lost", nodeSelector={"disk": "nvme"}),
        )
        await settle_until(sim, rolled_out(sim, "db"), limit=60)
        assert scheduled_on(sim, app="db") == {"node-3": 3}
        pod = get(sim, PODS, "lost")
        assert cond(pod, "PodScheduled")["message"] == (
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        )


@pytest.mark.parametrize("requests", [{"cpu": "1", "memory": "1Gi"}, None])
async def test_replicas_spread_across_nodes(requests: dict[str, str] | None) -> None:
    async with cluster(workers=3) as sim:
        body = deployment("web", 6)
        if requests:
            body["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": requests}
        create(sim, "deployments", body)
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        # Pods without requests still count as 100m/200Mi when nodes are scored.
        assert scheduled_on(sim, app="web") == {"node-1": 2, "node-2": 2, "node-3": 2}


# ---- Kubelet -----------------------------------------------------------------------------


KUBELET_TIMINGS = "{image_pull: 5, container_start: 2, readiness: 3}"


async def test_kubelet_takes_a_pod_from_container_creating_to_running_to_ready() -> None:
    async with cluster(workers=1, timings=KUBELET_TIMINGS) as sim:
        t0 = sim.clock.now()
        create(sim, "pods", bare_pod("web"))
        seen: list[tuple[float, str, str, bool]] = []
        for _ in range(30):
            await sim.advance(0.5)
            pod = get(sim, PODS, "web")
            state = (pod["status"].get("containerStatuses") or [{}])[0].get("state") or {}
            waiting = (state.get("waiting") or {}).get("reason", "")
            entry = (sim.clock.now() - t0, pod["status"]["phase"], waiting, ready(pod))
            if not seen or seen[-1][1:] != entry[1:]:
                seen.append(entry)
        assert seen == [
            (0.5, "Pending", "ContainerCreating", False),
            (7.0, "Running", "", False),  # pulled after 5 s, started 2 s later
            (10.0, "Running", "", True),  # ready 3 s after the start, without a probe
        ]
        pod = get(sim, PODS, "web")
        assert pod["status"]["podIP"] and pod["status"]["hostIP"]
        status = pod["status"]["containerStatuses"][0]
        assert status["ready"] and status["started"]
        assert status["imageID"].startswith("registry.example/shop/web@sha256:")
        assert status["containerID"].startswith("containerd://")
        assert {c["type"] for c in pod["status"]["conditions"] if c["status"] == "True"} == {
            "PodScheduled",
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
        }
        trail = [(e["reason"], e["message"]) for e in events(sim, name="web")]
        assert trail == [
            ("Scheduled", f"Successfully assigned {NS}/web to node-1"),
            ("Pulling", f'Pulling image "{IMAGE_V1}"'),
            (
                "Pulled",
                trail[2][1],
            ),
            ("Created", "Created container: web"),
            ("Started", "Started container web"),
        ]
        assert trail[2][1].startswith(f'Successfully pulled image "{IMAGE_V1}" in 5s (5s including')
        kubelet_events = [e for e in events(sim, name="web") if e["reason"] != "Scheduled"]
        assert {e["source"]["component"] for e in kubelet_events} == {"kubelet"}
        assert {e["source"]["host"] for e in kubelet_events} == {"node-1"}


async def test_readiness_probe_initial_delay_holds_ready_back() -> None:
    async with cluster(workers=1, timings=KUBELET_TIMINGS) as sim:
        t0 = sim.clock.now()
        probe = {
            "httpGet": {"path": "/ready", "port": 8000},
            "initialDelaySeconds": 20,
            "periodSeconds": 4,
        }
        body = bare_pod("web")
        body["spec"]["containers"][0]["readinessProbe"] = probe
        create(sim, "pods", body)
        await settle_until(
            sim, lambda: get(sim, PODS, "web")["status"]["phase"] == "Running", limit=30, step=0.5
        )
        started = sim.clock.now() - t0
        await settle_until(sim, lambda: ready(get(sim, PODS, "web")), limit=60, step=0.5)
        became_ready = sim.clock.now() - t0
        assert started == 7.0
        # The first probe that may pass comes initialDelaySeconds after the start, within a period.
        assert started + 20 <= became_ready <= started + 20 + 4


async def test_second_pod_on_a_node_finds_its_image_already_present() -> None:
    async with cluster(workers=1, timings=KUBELET_TIMINGS) as sim:
        create(sim, "pods", bare_pod("first"))
        await sim.advance(20)
        t0 = sim.clock.now()
        create(sim, "pods", bare_pod("second"))
        await settle_until(
            sim,
            lambda: get(sim, PODS, "second")["status"]["phase"] == "Running",
            limit=30,
            step=0.5,
        )
        assert sim.clock.now() - t0 == 2.0  # no pull, only the container start
        assert [(e["reason"], e["message"]) for e in events(sim, name="second")][1:3] == [
            ("Pulled", f'Container image "{IMAGE_V1}" already present on machine'),
            ("Created", "Created container: web"),
        ]


def deletion_time(sim: SimCluster, name: str, ns: str = NS) -> list[float]:
    """A list that receives the simulated time at which pod `name` leaves the store."""
    when: list[float] = []

    def on_change(change: Change) -> None:
        meta = change.obj["metadata"]
        if (
            change.type == "DELETED"
            and change.type_key == PODS
            and (meta.get("namespace"), meta["name"]) == (ns, name)
        ):
            when.append(sim.clock.now())

    sim.store.subscribe(on_change)
    return when


@pytest.mark.parametrize(("grace", "gone_after"), [(None, 2.0), (1, 1.0)])
async def test_graceful_deletion_kills_containers_and_removes_the_pod(
    grace: int | None, gone_after: float
) -> None:
    async with cluster(workers=1, timings="{shutdown: 2}") as sim:
        create(sim, "pods", bare_pod("web"))
        await sim.advance(20)
        options = {} if grace is None else {"gracePeriodSeconds": grace}
        t0 = sim.clock.now()
        delete(sim, "pods", "web", **options)
        pod = get(sim, PODS, "web")
        assert pod["metadata"]["deletionGracePeriodSeconds"] == (30 if grace is None else grace)
        assert pod["metadata"]["deletionTimestamp"]
        await sim.advance(0.1)
        (killing,) = events(sim, reason="Killing", name="web")
        assert killing["message"] == "Stopping container web"
        assert killing["type"] == "Normal"
        gone_at = deletion_time(sim, "web")
        await sim.advance(40)
        # min(grace period, the container's stop time)
        assert gone_at and gone_at[0] - t0 == gone_after


# ---- Node lifecycle ----------------------------------------------------------------------


def daemonset(
    name: str,
    *,
    image_name: str = IMAGE_V1,
    node_selector: dict[str, str] | None = None,
    tolerations: list[dict[str, Any]] | None = None,
    max_unavailable: int | str | None = None,
    **spec: Any,
) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {"containers": [container(image_name)]}
    if node_selector:
        pod_spec["nodeSelector"] = node_selector
    if tolerations:
        pod_spec["tolerations"] = tolerations
    body: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"ds": name}},
            "template": {"metadata": {"labels": {"ds": name}}, "spec": pod_spec},
            **spec,
        },
    }
    if max_unavailable is not None:
        body["spec"]["updateStrategy"] = {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": max_unavailable},
        }
    return body


async def test_failed_node_goes_unknown_its_pods_are_evicted_and_replaced() -> None:
    async with cluster(workers=3, timings="{node_monitor_grace: 40}") as sim:
        create(sim, "deployments", deployment("web", 3))
        create(sim, "daemonsets", daemonset("agent"))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        await sim.advance(10)
        victim = next(p for p in live(pods(sim, app="web")) if p["spec"]["nodeName"] == "node-1")
        victim_name = victim["metadata"]["name"]
        agent = next(p for p in pods(sim, ds="agent") if p["spec"]["nodeName"] == "node-1")

        sim.fail_node("node-1")
        failed_at = sim.clock.now()
        await sim.advance(39)
        assert cond(get(sim, NODES, "node-1"), "Ready")["status"] == "True"
        await sim.advance(1.5)

        node = get(sim, NODES, "node-1")
        for kind in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
            c = cond(node, kind)
            assert (c["status"], c["reason"]) == ("Unknown", "NodeStatusUnknown")
            assert c["message"] == "Kubelet stopped posting node status."
        taints = {(t["key"], t["effect"]) for t in node["spec"]["taints"]}
        assert taints == {
            ("node.kubernetes.io/unreachable", "NoSchedule"),
            ("node.kubernetes.io/unreachable", "NoExecute"),
        }
        assert all(t["timeAdded"] for t in node["spec"]["taints"])
        assert messages(sim, reason="NodeNotReady", kind="Node") == [
            "Node node-1 status is now: NodeNotReady"
        ]
        # Pods on the node are marked not ready (and only those).
        for p in pods(sim):
            on_node = p["spec"].get("nodeName") == "node-1"
            assert ready(p) != on_node, p["metadata"]["name"]
        not_ready = events(sim, reason="NodeNotReady", kind="Pod")
        assert {e["involvedObject"]["name"] for e in not_ready} == {
            victim_name,
            agent["metadata"]["name"],
        }
        assert {(e["type"], e["message"]) for e in not_ready} == {("Warning", "Node is not ready")}
        status = get(sim, DEPLOYMENTS, "web")["status"]
        assert status["availableReplicas"] == 2
        # Nothing new goes to the unreachable node (its NoSchedule taint is not tolerated).
        for n in range(3):
            create(sim, "pods", bare_pod(f"probe-{n}"))
        await sim.advance(1)
        assert {p["spec"]["nodeName"] for p in pods(sim) if "run" in p["metadata"]["labels"]} <= {
            "node-2",
            "node-3",
        }

        # The default toleration of the NoExecute taint lasts 300 s.
        tainted_at = failed_at + 40
        await sim.advance(tainted_at + 299 - sim.clock.now())
        assert not get(sim, PODS, victim_name)["metadata"].get("deletionTimestamp")
        await sim.advance(2)
        evicted = get(sim, PODS, victim_name)
        assert evicted["metadata"]["deletionTimestamp"]
        assert messages(sim, reason="TaintManagerEviction") == [
            f"Marking for deletion Pod {NS}/{victim_name}"
        ]
        # The kubelet is gone, so the pod stays Terminating; the ReplicaSet replaces it.
        await sim.advance(60)
        assert sim.store.get(PODS, NS, victim_name) is not None
        serving = [p for p in live(pods(sim, app="web")) if ready(p)]
        assert len(serving) == 3
        assert all(p["spec"]["nodeName"] != "node-1" for p in serving)
        assert get(sim, DEPLOYMENTS, "web")["status"]["availableReplicas"] == 3
        # DaemonSet pods tolerate unreachable nodes for ever.
        kept = get(sim, PODS, agent["metadata"]["name"])
        assert not kept["metadata"].get("deletionTimestamp")

        sim.recover_node("node-1")
        await sim.advance(5)
        node = get(sim, NODES, "node-1")
        assert cond(node, "Ready")["status"] == "True"
        assert cond(node, "Ready")["reason"] == "KubeletReady"
        assert "taints" not in node["spec"]
        assert sim.store.get(PODS, NS, victim_name) is None
        assert ready(get(sim, PODS, agent["metadata"]["name"]))
        assert messages(sim, reason="NodeReady", kind="Node") == [
            "Node node-1 status is now: NodeReady"
        ]


async def test_node_back_within_the_grace_period_is_never_marked_unknown() -> None:
    async with cluster(workers=2, timings="{node_monitor_grace: 40}") as sim:
        create(sim, "deployments", deployment("web", 2))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        sim.fail_node("node-1")
        await sim.advance(30)
        sim.recover_node("node-1")
        await sim.advance(60)
        node = get(sim, NODES, "node-1")
        assert cond(node, "Ready")["status"] == "True"
        assert "taints" not in node["spec"]
        assert events(sim, reason="NodeNotReady") == []


async def test_node_is_marked_unknown_after_the_default_50_second_grace() -> None:
    async with cluster(workers=1) as sim:
        sim.fail_node("node-1")
        await sim.advance(49)
        assert cond(get(sim, NODES, "node-1"), "Ready")["status"] == "True"
        await sim.advance(2)
        assert cond(get(sim, NODES, "node-1"), "Ready")["status"] == "Unknown"


# ---- DaemonSet ---------------------------------------------------------------------------


async def test_daemonset_runs_one_pod_per_eligible_node_and_follows_new_nodes() -> None:
    async with cluster(workers=2, gpu_nodes=2) as sim:
        create(
            sim,
            "daemonsets",
            daemonset(
                "gpu-agent",
                node_selector={"warroom.dev/pool": "gpu"},
                tolerations=[GPU_TOLERATION],
            ),
        )
        create(sim, "daemonsets", daemonset("log-agent"))
        await sim.advance(30)
        assert scheduled_on(sim, ds="gpu-agent") == {"gpu-1": 1, "gpu-2": 1}
        # The GPU nodes' taint keeps the intolerant DaemonSet off them.
        assert scheduled_on(sim, ds="log-agent") == {"node-1": 1, "node-2": 1}
        ds = get(sim, DAEMONSETS, "gpu-agent")
        status = ds["status"]
        assert status["desiredNumberScheduled"] == 2
        assert status["currentNumberScheduled"] == 2
        assert status["numberReady"] == 2
        assert status["numberAvailable"] == 2
        assert status["updatedNumberScheduled"] == 2
        assert status["numberMisscheduled"] == 0
        assert "numberUnavailable" not in status
        assert status["observedGeneration"] == ds["metadata"]["generation"]
        pod = pods(sim, ds="gpu-agent")[0]
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet"
        terms = pod["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"
        ]["nodeSelectorTerms"]
        assert terms[0]["matchFields"][0]["key"] == "metadata.name"
        tolerated = {(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]}
        assert ("node.kubernetes.io/unreachable", "NoExecute") in tolerated
        assert ("node.kubernetes.io/unschedulable", "NoSchedule") in tolerated
        created = messages(sim, reason="SuccessfulCreate", name="gpu-agent")
        assert len(created) == 2 and all(m.startswith("Created pod: gpu-agent-") for m in created)

        add_node(sim, "gpu-3", like="gpu-1")
        add_node(sim, "node-3", like="node-1")
        await sim.advance(0.1)
        status = get(sim, DAEMONSETS, "gpu-agent")["status"]
        assert status["desiredNumberScheduled"] == 3
        assert status["numberUnavailable"] == 1
        await sim.advance(30)
        assert scheduled_on(sim, ds="gpu-agent") == {"gpu-1": 1, "gpu-2": 1, "gpu-3": 1}
        assert scheduled_on(sim, ds="log-agent") == {"node-1": 1, "node-2": 1, "node-3": 1}
        status = get(sim, DAEMONSETS, "gpu-agent")["status"]
        assert (status["numberReady"], status["numberAvailable"]) == (3, 3)

        # A node that stops matching loses its pod.
        patch(sim, "nodes", "gpu-2", {"metadata": {"labels": {"warroom.dev/pool": "spare"}}})
        await sim.advance(10)
        assert scheduled_on(sim, ds="gpu-agent") == {"gpu-1": 1, "gpu-3": 1}
        assert get(sim, DAEMONSETS, "gpu-agent")["status"]["desiredNumberScheduled"] == 2
        assert len(messages(sim, reason="SuccessfulDelete", name="gpu-agent")) == 1


def target_node(pod: dict[str, Any]) -> str:
    """Where a DaemonSet pod runs, or is pinned to run before it is bound."""
    if pod["spec"].get("nodeName"):
        return str(pod["spec"]["nodeName"])
    terms = pod["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]["nodeSelectorTerms"]
    return str(terms[0]["matchFields"][0]["values"][0])


@pytest.mark.parametrize("max_unavailable", [1, 2])
async def test_daemonset_template_change_rolls_max_unavailable_nodes_at_a_time(
    max_unavailable: int,
) -> None:
    async with cluster(workers=5) as sim:
        create(sim, "daemonsets", daemonset("agent", max_unavailable=max_unavailable))
        await settle_until(
            sim,
            lambda: (get(sim, DAEMONSETS, "agent").get("status") or {}).get("numberAvailable") == 5,
            limit=60,
        )
        worst = {"down": 0, "doubled": 0}

        def on_change(change: Change) -> None:
            if change.type_key != PODS:
                return
            per_node: dict[str, list[dict[str, Any]]] = {}
            for p in pods(sim, ds="agent"):
                per_node.setdefault(target_node(p), []).append(p)
            serving = sum(
                1
                for name in ("node-1", "node-2", "node-3", "node-4", "node-5")
                if any(
                    ready(p) and not p["metadata"].get("deletionTimestamp")
                    for p in per_node.get(name, [])
                )
            )
            worst["down"] = max(worst["down"], 5 - serving)
            # maxSurge 0: a node never runs the old and the new pod at once.
            worst["doubled"] = max(worst["doubled"], max(len(v) for v in per_node.values()))

        sim.store.subscribe(on_change)
        patch(
            sim,
            "daemonsets",
            "agent",
            {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": IMAGE_V2}]}}}},
            content_type=STRATEGIC_PATCH,
        )

        def rolled() -> bool:
            status = get(sim, DAEMONSETS, "agent")["status"]
            return (
                status["observedGeneration"] == 2
                and status.get("updatedNumberScheduled") == 5
                and status.get("numberAvailable") == 5
            )

        took = await settle_until(sim, rolled, limit=300)
        assert worst["down"] == max_unavailable
        assert worst["doubled"] == 1
        # Five nodes, max_unavailable at a time: the waves take ceil(5 / max_unavailable) rounds.
        rounds = math.ceil(5 / max_unavailable)
        assert len(messages(sim, reason="SuccessfulDelete", name="agent")) == 5
        assert took >= rounds * 10
        assert {image(p) for p in live(pods(sim, ds="agent"))} == {IMAGE_V2}
        status = get(sim, DAEMONSETS, "agent")["status"]
        assert status["observedGeneration"] == 2
        assert status["numberReady"] == 5


# ---- HorizontalPodAutoscaler -------------------------------------------------------------


def hpa(name: str, target: str, *, low: int, high: int, utilization: int = 70) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": low,
            "maxReplicas": high,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": utilization},
                    },
                }
            ],
        },
    }


def replicas_of(sim: SimCluster, name: str) -> int:
    return int(get(sim, DEPLOYMENTS, name)["spec"]["replicas"])


async def test_hpa_scales_up_in_proportion_and_stops_at_max_replicas() -> None:
    async with cluster(workers=4) as sim:
        create(sim, "deployments", deployment("web", 3))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        sim.set_hpa_metric(NS, "web", 140)
        create(sim, "horizontalpodautoscalers", hpa("web", "web", low=2, high=10))
        await sim.advance(1)
        # 140 % against a 70 % target: twice the replicas.
        assert replicas_of(sim, "web") == 6
        h = get(sim, HPAS, "web")
        assert h["status"]["currentReplicas"] == 3
        assert h["status"]["desiredReplicas"] == 6
        assert h["status"]["currentMetrics"] == [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "current": {"averageUtilization": 140}},
            }
        ]
        assert h["status"]["lastScaleTime"]
        able = cond(h, "AbleToScale")
        assert (able["status"], able["reason"]) == ("True", "SucceededRescale")
        assert able["message"] == "the HPA controller was able to update the target scale to 6"
        assert cond(h, "ScalingActive")["reason"] == "ValidMetricFound"
        assert messages(sim, reason="SuccessfulRescale", name="web") == [
            "New size: 6; reason: cpu resource utilization (percentage of request) above target"
        ]
        # Still twice the target: 12 wanted, capped at maxReplicas.
        await settle_until(sim, lambda: replicas_of(sim, "web") == 10, limit=120)
        h = get(sim, HPAS, "web")
        limited = cond(h, "ScalingLimited")
        assert (limited["status"], limited["reason"]) == ("True", "TooManyReplicas")
        assert limited["message"] == (
            "the desired replica count is more than the maximum replica count"
        )
        assert messages(sim, reason="SuccessfulRescale", name="web")[1] == (
            "New size: 10; reason: cpu resource utilization (percentage of request) above target"
        )
        await sim.advance(120)
        assert replicas_of(sim, "web") == 10
        assert len(events(sim, reason="SuccessfulRescale")) == 2


async def test_hpa_scale_up_is_limited_to_four_pods_or_double_per_period() -> None:
    async with cluster(workers=4) as sim:
        create(sim, "deployments", deployment("web", 2))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        sim.set_hpa_metric(NS, "web", 700)  # ten times the target: 20 wanted
        create(sim, "horizontalpodautoscalers", hpa("web", "web", low=1, high=40))
        await sim.advance(1)
        assert replicas_of(sim, "web") == 6  # max(2 + 4, 2 × 2)
        limited = cond(get(sim, HPAS, "web"), "ScalingLimited")
        assert (limited["status"], limited["reason"]) == ("True", "ScaleUpLimit")
        assert limited["message"] == (
            "the desired replica count is increasing faster than the maximum scale rate"
        )
        sizes = [6]
        for _ in range(6):
            await sim.advance(15)
            if replicas_of(sim, "web") != sizes[-1]:
                sizes.append(replicas_of(sim, "web"))
        assert sizes[:3] == [6, 12, 24]
        assert sizes[-1] == 40


async def test_hpa_scales_down_only_after_the_stabilisation_window_and_not_below_min() -> None:
    async with cluster(workers=4) as sim:
        create(sim, "deployments", deployment("web", 4))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        sim.set_hpa_metric(NS, "web", 70)
        create(sim, "horizontalpodautoscalers", hpa("web", "web", low=2, high=10))
        await sim.advance(60)
        assert replicas_of(sim, "web") == 4
        sim.set_hpa_metric(NS, "web", 35)  # half the target: 2 wanted
        dropped = sim.clock.now()
        await sim.advance(20)
        h = get(sim, HPAS, "web")
        assert replicas_of(sim, "web") == 4
        assert h["status"]["desiredReplicas"] == 4
        able = cond(h, "AbleToScale")
        assert (able["status"], able["reason"]) == ("True", "ScaleDownStabilized")
        assert able["message"] == (
            "recent recommendations were higher than current one, applying the highest recent "
            "recommendation"
        )
        await settle_until(sim, lambda: replicas_of(sim, "web") < 4, limit=400)
        waited = sim.clock.now() - dropped
        assert 285 <= waited <= 316
        assert replicas_of(sim, "web") == 2
        assert messages(sim, reason="SuccessfulRescale", name="web") == [
            "New size: 2; reason: All metrics below target"
        ]
        sim.set_hpa_metric(NS, "web", 7)  # a tenth of the target: 1 wanted, min is 2
        await sim.advance(400)
        assert replicas_of(sim, "web") == 2
        h = get(sim, HPAS, "web")
        limited = cond(h, "ScalingLimited")
        assert (limited["status"], limited["reason"]) == ("True", "TooFewReplicas")
        assert limited["message"] == (
            "the desired replica count is less than the minimum replica count"
        )
        assert h["status"]["currentReplicas"] == h["status"]["desiredReplicas"] == 2


async def test_hpa_follows_the_scaling_policies_of_its_behavior() -> None:
    async with cluster(workers=2) as sim:
        create(sim, "deployments", deployment("web", 6))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        sim.set_hpa_metric(NS, "web", 35)  # half the target, whatever the size
        body = hpa("web", "web", low=2, high=10)
        body["spec"]["behavior"] = {
            "scaleDown": {
                "stabilizationWindowSeconds": 0,
                "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}],
            },
            "scaleUp": {"selectPolicy": "Disabled"},
        }
        create(sim, "horizontalpodautoscalers", body)
        start = sim.clock.now()
        changes: list[tuple[float, int]] = []
        for _ in range(16):
            await sim.advance(15)
            if not changes or changes[-1][1] != replicas_of(sim, "web"):
                changes.append((round(sim.clock.now() - start), replicas_of(sim, "web")))
        # One pod per 60 s period, no stabilisation window, down to minReplicas.
        assert changes == [(15, 5), (60, 4), (120, 3), (180, 2)]
        sim.set_hpa_metric(NS, "web", 700)
        await sim.advance(60)
        assert replicas_of(sim, "web") == 2  # scale-up is disabled
        limited = cond(get(sim, HPAS, "web"), "ScalingLimited")
        assert (limited["status"], limited["reason"]) == ("True", "ScaleUpLimit")


# ---- PodDisruptionBudget -----------------------------------------------------------------


def pdb(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec},
    }


def budget(sim: SimCluster, name: str) -> tuple[int, int, int, int]:
    status = get(sim, PDBS, name)["status"]
    return (
        status["currentHealthy"],
        status["desiredHealthy"],
        status["expectedPods"],
        status["disruptionsAllowed"],
    )


async def test_pdb_status_counts_healthy_desired_expected_and_allowed() -> None:
    async with cluster(workers=3) as sim:
        create(sim, "poddisruptionbudgets", pdb("min-int", minAvailable=3))
        create(sim, "poddisruptionbudgets", pdb("min-pct", minAvailable="50%"))
        create(sim, "poddisruptionbudgets", pdb("max-unavail", maxUnavailable=1))
        await sim.advance(1)
        # No pods yet: nothing may be disrupted.
        assert budget(sim, "min-int") == (0, 3, 0, 0)
        allowed = cond(get(sim, PDBS, "min-int"), "DisruptionAllowed")
        assert (allowed["status"], allowed["reason"]) == ("False", "InsufficientPods")

        create(sim, "deployments", deployment("web", 4))
        await sim.advance(1)
        # Pods exist but none is ready yet.
        assert budget(sim, "min-int") == (0, 3, 4, 0)
        assert budget(sim, "min-pct") == (0, 2, 4, 0)
        assert budget(sim, "max-unavail") == (0, 3, 4, 0)
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        assert budget(sim, "min-int") == (4, 3, 4, 1)
        assert budget(sim, "min-pct") == (4, 2, 4, 2)
        assert budget(sim, "max-unavail") == (4, 3, 4, 1)
        allowed = cond(get(sim, PDBS, "min-int"), "DisruptionAllowed")
        assert (allowed["status"], allowed["reason"]) == ("True", "SufficientPods")
        assert get(sim, PDBS, "min-int")["status"]["observedGeneration"] == 1

        # A pod going away stops counting at once; its replacement counts once ready.
        gone = live(pods(sim, app="web"))[0]["metadata"]["name"]
        delete(sim, "pods", gone)
        await sim.advance(0.1)
        assert budget(sim, "min-int") == (3, 3, 5, 0)
        assert budget(sim, "max-unavail") == (3, 3, 4, 0)
        await settle_until(sim, lambda: budget(sim, "min-int")[0] == 4, limit=60)
        await sim.advance(5)
        assert budget(sim, "min-int") == (4, 3, 4, 1)

        # Percentages follow the owner's scale, not the pods that happen to exist.
        patch(sim, "deployments", "web", {"spec": {"replicas": 8}})
        await sim.advance(0.1)
        assert budget(sim, "min-pct")[1:3] == (4, 8)
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        assert budget(sim, "min-pct") == (8, 4, 8, 4)
        assert budget(sim, "max-unavail") == (8, 7, 8, 1)


# ---- Garbage collection ------------------------------------------------------------------


async def test_deleting_a_deployment_removes_its_replica_sets_and_pods() -> None:
    async with cluster() as sim:
        create(sim, "deployments", deployment("web", 3))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        set_image(sim, "web", IMAGE_V2)
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        assert len(replicasets(sim)) == 2
        delete(sim, "deployments", "web")
        await sim.advance(0.1)
        assert sim.store.get(DEPLOYMENTS, NS, "web") is None
        assert replicasets(sim) == []
        # Pods terminate gracefully, then go.
        assert all(p["metadata"].get("deletionTimestamp") for p in pods(sim, app="web"))
        await sim.advance(40)
        assert pods(sim, app="web") == []


async def test_orphan_deletion_keeps_replica_sets_and_pods() -> None:
    async with cluster() as sim:
        create(sim, "deployments", deployment("web", 3))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        before = {p["metadata"]["name"] for p in pods(sim, app="web")}
        delete(sim, "deployments", "web", propagationPolicy="Orphan")
        await sim.advance(40)
        assert sim.store.get(DEPLOYMENTS, NS, "web") is None
        (rs,) = replicasets(sim)
        assert not rs["metadata"].get("ownerReferences")
        assert rs["spec"]["replicas"] == 3
        assert {p["metadata"]["name"] for p in live(pods(sim, app="web"))} == before
        # The pods are still the ReplicaSet's.
        assert {p["metadata"]["ownerReferences"][0]["name"] for p in pods(sim, app="web")} == {
            rs["metadata"]["name"]
        }


async def test_deleting_a_namespace_removes_everything_in_it_then_the_namespace() -> None:
    async with cluster() as sim:
        create(sim, "namespaces", {"metadata": {"name": "shop"}})
        create(sim, "deployments", deployment("web", 2), ns="shop")
        create(sim, "daemonsets", daemonset("agent"), ns="shop")
        create(sim, "poddisruptionbudgets", pdb("web", minAvailable=1), ns="shop")
        await settle_until(sim, rolled_out(sim, "web", ns="shop"), limit=60)
        await sim.advance(5)
        assert len(pods(sim, ns="shop")) == 5
        delete(sim, "namespaces", "shop")
        await sim.advance(0.1)
        ns = get(sim, NAMESPACES, "shop")
        assert ns["status"]["phase"] == "Terminating"
        assert ns["metadata"]["deletionTimestamp"]
        with pytest.raises(Exception, match="being terminated"):
            create(sim, "deployments", deployment("late", 1), ns="shop")
        await sim.advance(60)
        assert sim.store.get(NAMESPACES, "", "shop") is None
        for tk in (PODS, DEPLOYMENTS, REPLICASETS, DAEMONSETS, PDBS, EVENTS):
            assert sim.store.list(tk, "shop") == [], tk
        # Other namespaces are untouched.
        assert get(sim, NAMESPACES, "default")["status"]["phase"] == "Active"


# ---- Events ------------------------------------------------------------------------------


async def test_repeating_back_off_is_one_event_with_a_growing_count() -> None:
    async with cluster(workers=1) as sim:
        create(sim, "pods", bare_pod("crash", image_name=BROKEN))
        counts = []
        for _ in range(8):
            await sim.advance(60)
            back_off = events(sim, reason="BackOff", name="crash")
            assert len(back_off) <= 1
            if back_off:
                counts.append(back_off[0]["count"])
        assert counts == sorted(counts)
        assert counts[-1] >= 4
        (e,) = events(sim, reason="BackOff", name="crash")
        assert e["lastTimestamp"] > e["firstTimestamp"]
        assert e["involvedObject"]["kind"] == "Pod"
        # Different messages stay different events: each container start is its own Started.
        started = events(sim, reason="Started", name="crash")
        # The first exit restarts at once, without a back-off.
        assert len(started) == 1 and started[0]["count"] in (counts[-1] + 1, counts[-1] + 2)


# ---- ReplicaSet --------------------------------------------------------------------------


async def test_scale_down_deletes_unready_pods_then_pods_on_crowded_nodes() -> None:
    async with cluster(workers=3, timings="{node_monitor_grace: 40}") as sim:
        # The first three pods all land on node-3 (the others are cordoned) ...
        for node in ("node-1", "node-2"):
            patch(sim, "nodes", node, {"spec": {"unschedulable": True}})
        create(sim, "deployments", deployment("web", 3))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        for node in ("node-1", "node-2"):
            patch(sim, "nodes", node, {"spec": {"unschedulable": False}})
        # ... and two newer ones go to the emptier nodes.
        patch(sim, "deployments", "web", {"spec": {"replicas": 5}})
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        assert scheduled_on(sim, app="web") == {"node-1": 1, "node-2": 1, "node-3": 3}
        await sim.advance(600)  # all well past their first minutes, so ages tie in log2 buckets
        # A pod that is not ready goes first, wherever it is: node-1 stops answering.
        lonely = next(p for p in pods(sim, app="web") if p["spec"]["nodeName"] == "node-1")
        sim.fail_node("node-1")
        await sim.advance(45)
        assert not ready(get(sim, PODS, lonely["metadata"]["name"]))
        patch(sim, "deployments", "web", {"spec": {"replicas": 4}})
        await sim.advance(0.1)
        assert get(sim, PODS, lonely["metadata"]["name"])["metadata"].get("deletionTimestamp")
        # Then the doubled-up node is thinned out, though its pods are the oldest.
        patch(sim, "deployments", "web", {"spec": {"replicas": 2}})
        await sim.advance(0.1)
        assert scheduled_on(sim, app="web") == {"node-2": 1, "node-3": 1}
        deleted = messages(sim, reason="SuccessfulDelete")
        assert len(deleted) == 3 and all(m.startswith("Deleted pod: web-") for m in deleted)


async def test_pod_deletion_cost_protects_pods_from_scale_down() -> None:
    async with cluster(workers=1) as sim:
        create(sim, "deployments", deployment("web", 3))
        await settle_until(sim, rolled_out(sim, "web"), limit=60)
        keep = pods(sim, app="web")[0]["metadata"]["name"]
        for p in pods(sim, app="web"):
            cost = "100" if p["metadata"]["name"] == keep else "-5"
            patch(
                sim,
                "pods",
                p["metadata"]["name"],
                {"metadata": {"annotations": {"controller.kubernetes.io/pod-deletion-cost": cost}}},
            )
        patch(sim, "deployments", "web", {"spec": {"replicas": 1}})
        await sim.advance(0.1)
        assert [p["metadata"]["name"] for p in live(pods(sim, app="web"))] == [keep]
