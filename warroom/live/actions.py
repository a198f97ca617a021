"""The actions a war room offers on its layout's targets: each target's strategy, its plans
made from what the cluster says now, their preflight, and their run, journalled in the
session's journal and signed by whoever has the keyboard. The screen asks through this; it
never writes to the cluster itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from warroom.actions.nodes import NodeActions
from warroom.actions.plan import ActionArgs, Plan
from warroom.actions.preflight import Preflight
from warroom.actions.rolling import StatusWords
from warroom.actions.run import ActionRunner, Outcome, typed_name_needed
from warroom.actions.strategies import Strategy, for_target
from warroom.kinds.holds import Hold, LeaseKey
from warroom.kinds.lease import lease_name
from warroom.kube.connection import Connection
from warroom.layout import Layout
from warroom.live.checklist import ChecklistRun


class RoomActions:
    """Plans, preflights and runs actions on the room's connection for the checklist's
    operator; nothing is offered without a journal to record it in."""

    def __init__(self, connection: Connection, layout: Layout, checklist: ChecklistRun) -> None:
        self.connection = connection
        self.layout = layout
        self.checklist = checklist
        # By the name the screen shows: namespace/name where two targets share a name.
        self.strategies: dict[str, Strategy] = {
            layout.target_key(t): for_target(t) for t in layout.targets
        }

    @property
    def production(self) -> bool:
        return self.layout.cluster.production

    @staticmethod
    def node(name: str) -> str:
        """The target key of a node: nodes are acted on by name, not as layout targets."""
        return f"node:{name}"

    def strategy(self, target: str) -> Strategy:
        if target.startswith("node:"):
            return NodeActions(target.removeprefix("node:"))
        return self.strategies[target]

    def offers(self, target: str) -> tuple[str, ...]:
        return self.strategy(target).actions

    @property
    def lock_namespace(self) -> str:
        """Where the pairing lock of a cluster-scoped target (a node) lives: the layout's
        first namespace."""
        namespaces = self.layout.cluster.namespaces
        return namespaces[0] if namespaces else ""

    def _runner(self) -> ActionRunner:
        clock: Callable[[], float] = self.connection.clock.now
        return ActionRunner(
            self.connection,
            operator=self.checklist.operator,
            record=self.checklist.record_action,
            now=clock,
            lock_namespace=self.lock_namespace,
        )

    def lease_of(self, target: str) -> LeaseKey:
        """The (namespace, name) of the Lease that is `target`'s pairing lock."""
        acted_on = self.strategy(target).target
        namespace = acted_on.namespace or self.lock_namespace
        return namespace, lease_name(acted_on.kind, acted_on.name)

    def held_in(self, target: str, holds: Mapping[LeaseKey, Hold]) -> str:
        """The refusal when the watched holds say another warroom holds `target` ("" when
        none does): said before any menu or preflight, with no round trip; the runner's own
        taking of the lock is still the guard."""
        hold = holds.get(self.lease_of(target))
        return "" if hold is None else hold.refusal(self.strategy(target).target.name)

    async def plan(self, target: str, action: str, args: ActionArgs) -> Plan:
        """The plan from what the cluster says now; ActionRefused (one sentence) when it
        cannot be made, KubeError when the cluster did not answer."""
        strategy = self.strategy(target)
        state = await strategy.read(self.connection)
        return strategy.plan(action, state, args, self.connection.clock.now())

    async def status(self, target: str) -> StatusWords:
        """The target's strategy status in words, from what the cluster says now, with the
        new version's share of the requests from the layout's traffic_signal where it names
        one (the slow roll's and blue-green's)."""
        strategy = self.strategy(target)
        state = await strategy.read(self.connection)
        signal = getattr(strategy, "traffic_signal", None)
        if signal is None:
            return strategy.status(state)
        # The slow roll's and blue-green's status take the share of the requests as well.
        with_traffic: Callable[[object, float | None], StatusWords] = strategy.status  # type: ignore[assignment]
        return with_traffic(state, self.latest(signal))

    def latest(self, signal: str) -> float | None:
        """The signal's newest value, when it is current and one series."""
        poller = self.checklist.room.signals
        if poller is None:
            return None
        reading = poller.snapshot().signals.get(signal)
        if reading is None or reading.freshness.state != "ok" or reading.freshness.stale:
            return None
        series = [s for s in reading.series if s.live and s.points]
        return series[0].points[-1][1] if len(series) == 1 else None

    async def revisions(self, target: str) -> list[tuple[int, str]]:
        """(revision, images) of a rolling target, oldest first, for an undo's menu."""
        strategy = self.strategy(target)
        revisions = getattr(strategy, "revisions", None)
        if revisions is None:
            return []
        listed: list[tuple[int, str]] = revisions(await strategy.read(self.connection))
        return listed

    def needs_typed_name(self, plan: Plan) -> bool:
        return typed_name_needed(plan, self.production)

    async def preflight(self, plan: Plan) -> Preflight:
        return await self._runner().preflight(plan)

    async def held_by_another(self, plan: Plan) -> str:
        """The sentence when another warroom holds the target's pairing lock now ("" when
        nobody else does): the action would be refused, so it is said before it is confirmed."""
        runner = self._runner()
        holding = await runner.lock(plan).read()
        if holding is None or holding.record.holder == runner.holder:
            return ""
        return holding.sentence

    async def run(
        self,
        plan: Plan,
        checked: Preflight,
        progress: Callable[[str], None],
        cancel: Callable[[], bool] = lambda: False,
    ) -> Outcome:
        """Run it; `cancel` answering true stops it at its next check (a drain between
        evictions), leaving what the plan says a cancel leaves."""
        return await self._runner().run(plan, checked, progress=progress, cancel=cancel)
