"""Node actions as kubectl does them (k8s.io/kubectl/pkg/drain):

- cordon / uncordon: kubectl's two-way strategic merge patch of `spec.unschedulable`
  (`{"spec":{"unschedulable":true}}`, and `null` to uncordon, the field being omitempty);
  nothing is sent when the node already is so.
- drain: cordon first, then evict every pod on the node the filters let go (drain_filters.py:
  DaemonSet and mirror pods skipped, emptyDir data and unmanaged pods only when allowed),
  each through the eviction API at once, as kubectl's goroutines do. An eviction a
  PodDisruptionBudget refuses (429) is retried every 5 s with its message in progress; an
  evicted pod is waited for until it is gone (or replaced under its name by a new uid). All of
  it within one timeout on the cluster's clock. A cancel leaves the node cordoned and says so.

The lock of a node lives in the namespace the runner is given (the layout's first)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warroom.actions.calls import Call, Permission
from warroom.actions.drain_filters import DrainOptions, PodFilters, PodsToDrain, names, pod_name
from warroom.actions.lease import Target
from warroom.actions.node_gpus import allocatable_gpus, gpu_picture, pod_gpus
from warroom.actions.plan import ActionArgs, ActionRefused, Hooks, Plan, Procedure, Progress
from warroom.actions.rolling import StatusWords
from warroom.kinds.labels import Requirement, Selector
from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError
from warroom.kube.resource import Resource
from warroom.kube.writes import get

Obj = dict[str, Any]
NODES = Resource("", "v1", "nodes")
RETRY_EVERY = 5.0  # kubectl drain's EvictErrorRetryDelay
DRAIN_TIMEOUT = 600.0  # seconds on the cluster's clock unless --timeout says
ACTIONS = ("cordon", "uncordon", "drain")


def pods_in(namespace: str) -> Resource:
    return Resource("", "v1", "pods", namespace=namespace)


def label_selector(spec: Mapping[str, Any] | None) -> Selector | None:
    """A metav1.LabelSelector as a Selector; None for a missing or empty one (which a PDB
    reads as selecting nothing)."""
    spec = spec or {}
    requirements = [
        Requirement(k, "=", (str(v),)) for k, v in (spec.get("matchLabels") or {}).items()
    ]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expression in spec.get("matchExpressions") or ():
        op = ops.get(str(expression.get("operator")))
        if op is None:
            return None
        values = tuple(str(v) for v in expression.get("values") or ())
        requirements.append(Requirement(str(expression.get("key", "")), op, values))
    return Selector(tuple(requirements), "") if requirements else None


def pdb_of(pod: Obj, pdbs: Sequence[Obj]) -> Obj | None:
    meta = pod.get("metadata") or {}
    for pdb in pdbs:
        if (pdb.get("metadata") or {}).get("namespace") != meta.get("namespace"):
            continue
        selector = label_selector((pdb.get("spec") or {}).get("selector"))
        if selector is not None and selector.matches(meta.get("labels") or {}):
            return pdb
    return None


@dataclass(frozen=True, slots=True)
class NodeState:
    """What the node plans read: the node, its pods, the DaemonSets that exist, the PDBs, and
    (when it runs GPU pods) the other nodes with their pods."""

    node: Obj
    pods: tuple[Obj, ...]
    daemonsets: frozenset[str] = frozenset()
    pdbs: tuple[Obj, ...] = ()
    others: tuple[tuple[Obj, tuple[Obj, ...]], ...] = ()

    @property
    def name(self) -> str:
        return str((self.node.get("metadata") or {}).get("name", ""))

    @property
    def cordoned(self) -> bool:
        return bool((self.node.get("spec") or {}).get("unschedulable"))


async def _items(
    connection: Connection, path: str, query: Sequence[tuple[str, str]] = ()
) -> list[Obj]:
    return list((await connection.get_json(path, list(query))).get("items") or ())


async def pods_on(connection: Connection, node: str) -> list[Obj]:
    """The node's pods in every namespace, as kubectl drain lists them."""
    return await _items(connection, "/api/v1/pods", [("fieldSelector", f"spec.nodeName={node}")])


async def read_node(connection: Connection, name: str) -> NodeState:
    try:
        node = await get(connection, NODES, name)
    except ApiError as exc:
        if exc.code == 404:
            raise ActionRefused(
                f"there is no node {name!r}; see the nodes with kubectl get nodes"
            ) from None
        raise
    pods, daemonsets, pdbs, nodes = await asyncio.gather(
        pods_on(connection, name),
        _items(connection, "/apis/apps/v1/daemonsets"),
        _items(connection, "/apis/policy/v1/poddisruptionbudgets"),
        _items(connection, "/api/v1/nodes"),
    )
    others: tuple[tuple[Obj, tuple[Obj, ...]], ...] = ()
    if any(pod_gpus(p) for p in pods):
        gpu_nodes = [n for n in nodes if allocatable_gpus(n) and n["metadata"]["name"] != name]
        listed = await asyncio.gather(
            *(pods_on(connection, n["metadata"]["name"]) for n in gpu_nodes)
        )
        others = tuple((n, tuple(p)) for n, p in zip(gpu_nodes, listed, strict=True))
    existing = frozenset(
        f"{d['metadata'].get('namespace', '')}/{d['metadata']['name']}" for d in daemonsets
    )
    return NodeState(node, tuple(pods), existing, tuple(pdbs), others)


def _cordoned_check(name: str, cordoned: bool) -> Any:
    async def check(connection: Connection) -> Progress:
        node = await get(connection, NODES, name)
        now = bool((node.get("spec") or {}).get("unschedulable"))
        return Progress(
            now == cordoned,
            f"node {name} reads back {'unschedulable' if now else 'schedulable'}",
        )

    return check


def _said(exc: ApiError) -> str:
    """A PDB's own words from a 429 ("The disruption budget x needs 3 healthy pods and has 3
    currently"), or the refusal's."""
    return exc.causes[0] if exc.causes else exc.message


class NodeActions:
    """Cordon, uncordon and drain of one node."""

    strategy: str = "node"
    actions: tuple[str, ...] = ACTIONS

    def __init__(self, name: str, *, retry_every: float = RETRY_EVERY) -> None:
        self.name = name
        self.target = Target("Node", name)
        self.retry_every = retry_every

    async def read(self, connection: Connection) -> NodeState:
        return await read_node(connection, self.name)

    def writes(self) -> tuple[Permission, ...]:
        """A patch of the node (cordon, uncordon, a drain's cordon) and the evictions of a
        drain, in whichever namespaces its pods run (a name "" is any node)."""
        return (
            Permission.on("patch", NODES, self.name),
            Permission.on("create", pods_in(""), "", "eviction"),
        )

    def status(self, state: NodeState) -> StatusWords:
        running = [p for p in state.pods if (p.get("status") or {}).get("phase") == "Running"]
        step = f"{len(running)} of {len(state.pods)} pods running"
        if state.cordoned:
            return StatusWords("cordoned", step, "", "no new pod lands here until it is uncordoned")
        return StatusWords("schedulable", step, "", "new pods may land here")

    def plan(self, action: str, state: NodeState, args: ActionArgs, now: float) -> Plan:
        if action == "cordon":
            return self.cordon(state)
        if action == "uncordon":
            return self.uncordon(state)
        if action == "drain":
            return self.drain(state, args, now)
        raise ActionRefused(f"a node has no action {action!r}; its actions: {', '.join(ACTIONS)}")

    def _cordon_call(self, cordon: bool) -> Call:
        body = {"spec": {"unschedulable": True if cordon else None}}
        return Call(
            "patch",
            NODES,
            self.name,
            f"{'cordon' if cordon else 'uncordon'} node {self.name}",
            body,
        )

    def cordon(self, state: NodeState) -> Plan:
        if state.cordoned:
            return Plan(
                "cordon",
                "cordoning",
                self.target,
                (),
                (),
                nothing_to_do=f"node {self.name} is already cordoned",
            )
        return Plan(
            "cordon",
            "cordoning",
            self.target,
            (
                f"cordon node {self.name}: no new pod is scheduled there; its "
                f"{len(state.pods)} pods keep running",
            ),
            (self._cordon_call(True),),
            expect=_cordoned_check(self.name, True),
            expect_says="the node is unschedulable",
            timeout=60,
        )

    def uncordon(self, state: NodeState) -> Plan:
        if not state.cordoned:
            return Plan(
                "uncordon",
                "uncordoning",
                self.target,
                (),
                (),
                nothing_to_do=f"node {self.name} is already uncordoned",
            )
        return Plan(
            "uncordon",
            "uncordoning",
            self.target,
            (f"uncordon node {self.name}: the scheduler may place pods there again",),
            (self._cordon_call(False),),
            expect=_cordoned_check(self.name, False),
            expect_says="the node is schedulable",
            timeout=60,
        )

    # -- drain ---------------------------------------------------------------------------

    def drain(self, state: NodeState, args: ActionArgs, now: float) -> Plan:
        options = DrainOptions(delete_emptydir_data=args.delete_emptydir_data, force=args.force)
        judged = PodsToDrain.of(state.pods, PodFilters(options, state.daemonsets, lambda: now))
        if judged.errors:
            raise ActionRefused(f"node {self.name} cannot be drained: {'; '.join(judged.errors)}")
        evicted = judged.pods
        if state.cordoned and not evicted:
            return Plan(
                "drain",
                "draining",
                self.target,
                (),
                (),
                nothing_to_do=(
                    f"node {self.name} is already drained: cordoned, and no pod on it to evict"
                ),
            )
        timeout = args.timeout or DRAIN_TIMEOUT
        preview = [
            f"node {self.name} is already cordoned"
            if state.cordoned
            else f"cordon node {self.name}: no new pod is scheduled there"
        ]
        listed = f": {names(evicted)}" if evicted else ""
        preview.append(
            f"evict {len(evicted)} pod{'s' * (len(evicted) != 1)} through the eviction API{listed}"
        )
        preview += [f"skip the mirror pods {', '.join(judged.skipped)}"] if judged.skipped else []
        preview += self._budgets(state, evicted)
        preview += gpu_picture(state.node, evicted, state.others).lines()
        preview.append(
            f"an eviction a PodDisruptionBudget refuses is retried every {self.retry_every:g} s; "
            f"all of it within {timeout:g} s"
        )
        evictions = tuple(
            Call("evict", pods_in(ns(p)), name(p), f"evict pod {pod_name(p)}") for p in evicted
        )
        return Plan(
            "drain",
            "draining",
            self.target,
            tuple(preview),
            () if state.cordoned else (self._cordon_call(True),),
            warnings=tuple(judged.warnings),
            destructive=True,
            expect=self._drained_check(options),
            expect_says="no evictable pod is left on the node",
            timeout=timeout,
            procedure=Procedure(
                f"evict {len(evicted)} pods, retrying those a PodDisruptionBudget holds",
                evictions,
                lambda hooks: self._evict_all(hooks, evicted),
                lambda held: self._held(state, held),
            ),
            cancelled_says=(
                f"node {self.name} stays cordoned: uncordon it to let pods be scheduled there again"
            ),
        )

    def _budgets(self, state: NodeState, evicted: Sequence[Obj]) -> list[str]:
        """A PDB covering more of the node's pods than it allows disruptions now: the rest wait
        for replacements to become ready (a dry run asks one eviction at a time)."""
        covered: dict[str, list[Obj]] = {}
        budgets: dict[str, Obj] = {}
        for pod in evicted:
            pdb = pdb_of(pod, state.pdbs)
            if pdb is not None:
                key = f"{pdb['metadata'].get('namespace')}/{pdb['metadata']['name']}"
                covered.setdefault(key, []).append(pod)
                budgets[key] = pdb
        lines = []
        for key, pods in covered.items():
            allowed = int((budgets[key].get("status") or {}).get("disruptionsAllowed", 0))
            if 0 < allowed < len(pods):
                lines.append(
                    f"PodDisruptionBudget {key} allows {allowed} disruption"
                    f"{'s' * (allowed != 1)} now and covers {len(pods)} of the pods: the rest "
                    "wait until replacements are ready"
                )
        return lines

    def _held(self, state: NodeState, held: Sequence[tuple[Call, ApiError]]) -> list[str]:
        """The preflight's 429s, by PodDisruptionBudget, with the budget's message."""
        by_pod = {pod_name(p): p for p in state.pods}
        grouped: dict[tuple[str, str], list[str]] = {}
        for call, exc in held:
            pod = by_pod.get(f"{call.resource.namespace}/{call.name}")
            pdb = pdb_of(pod, state.pdbs) if pod is not None else None
            key = f"{pdb['metadata'].get('namespace')}/{pdb['metadata']['name']}" if pdb else "?"
            grouped.setdefault((key, _said(exc)), []).append(
                f"{call.resource.namespace}/{call.name}"
            )
        return [
            f"PodDisruptionBudget {key} will block the eviction of {', '.join(pods)}: {said}; the "
            f"drain retries every {self.retry_every:g} s"
            for (key, said), pods in grouped.items()
        ]

    async def _evict_all(self, hooks: Hooks, pods: Sequence[Obj]) -> str:
        """kubectl's evictPods: every pod at once; the failures, in one sentence."""
        gone: list[str] = []
        tasks = [asyncio.ensure_future(self._evict(hooks, pod, gone, len(pods))) for pod in pods]
        try:
            failures = [f for f in await asyncio.gather(*tasks) if f]
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if not failures:
            return ""
        return (
            f"{len(failures)} of {len(pods)} pods were not evicted ({'; '.join(failures)}); "
            f"node {self.name} stays cordoned"
        )

    async def _evict(self, hooks: Hooks, pod: Obj, gone: list[str], total: int) -> str:
        """Evict one pod, retrying a PDB's 429, then wait until it is gone; "" or why not."""
        call = Call("evict", pods_in(ns(pod)), name(pod), f"evict pod {pod_name(pod)}")
        attempt = 0
        while True:
            hooks.check()
            if hooks.now() >= hooks.deadline:
                return (
                    f"pod {pod_name(pod)}: the timeout was reached before its eviction went through"
                )
            attempt += 1
            try:
                answer = await call.send(hooks.connection)
            except ApiError as exc:
                hooks.record(
                    "action_call", {"call": call.says, "attempt": attempt, "error": str(exc)}
                )
                if exc.code == 404:
                    gone.append(pod_name(pod))
                    hooks.progress(f"pod {pod_name(pod)} is already gone ({len(gone)} of {total})")
                    return ""
                if exc.code != 429:
                    return f"pod {pod_name(pod)}: {exc}"
                hooks.progress(
                    f"pod {pod_name(pod)}: {_said(exc)}; retrying every {self.retry_every:g} s "
                    f"(attempt {attempt})"
                )
                await hooks.sleep(self.retry_every)
                continue
            hooks.record(
                "action_call",
                {"call": call.says, "attempt": attempt, "answer": {"status": answer.get("status")}},
            )
            hooks.progress(f"evicted pod {pod_name(pod)}; waiting for it to terminate")
            break
        return await self._wait_gone(hooks, pod, gone, total)

    async def _wait_gone(self, hooks: Hooks, pod: Obj, gone: list[str], total: int) -> str:
        uid = (pod.get("metadata") or {}).get("uid")
        while True:
            try:
                now = await get(hooks.connection, pods_in(ns(pod)), name(pod))
            except ApiError as exc:
                if exc.code != 404:
                    return f"pod {pod_name(pod)}: {exc}"
                now = None
            if now is None or (now.get("metadata") or {}).get("uid") != uid:
                gone.append(pod_name(pod))
                hooks.progress(f"pod {pod_name(pod)} is gone ({len(gone)} of {total})")
                return ""
            if hooks.now() >= hooks.deadline:
                return f"pod {pod_name(pod)} was evicted but still terminates at the timeout"
            await hooks.sleep(hooks.poll)

    def _drained_check(self, options: DrainOptions) -> Any:
        async def check(connection: Connection) -> Progress:
            node, pods, daemonsets = await asyncio.gather(
                get(connection, NODES, self.name),
                pods_on(connection, self.name),
                _items(connection, "/apis/apps/v1/daemonsets"),
            )
            if not (node.get("spec") or {}).get("unschedulable"):
                return Progress(False, "", failed=f"node {self.name} was uncordoned meanwhile")
            existing = {
                f"{d['metadata'].get('namespace', '')}/{d['metadata']['name']}" for d in daemonsets
            }
            left = PodsToDrain.of(pods, PodFilters(options, existing, connection.clock.now)).pods
            terminating = [p for p in left if (p.get("metadata") or {}).get("deletionTimestamp")]
            if not left:
                return Progress(True, f"node {self.name} is cordoned and holds no evictable pod")
            return Progress(
                False,
                f"{len(left)} evictable pod{'s' * (len(left) != 1)} left on {self.name}, "
                f"{len(terminating)} of them terminating",
            )

        return check


def ns(pod: Obj) -> str:
    return str((pod.get("metadata") or {}).get("namespace", ""))


def name(pod: Obj) -> str:
    return str((pod.get("metadata") or {}).get("name", ""))
