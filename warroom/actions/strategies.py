"""The strategies a layout's target can name (`strategy:`), behind one interface: read what
the cluster says of the target, say where it stands in words, and plan each of its actions.
`for_target` builds the one a target names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from warroom.actions.blue_green import BlueGreenStrategy
from warroom.actions.calls import Permission
from warroom.actions.flagger import Flagger
from warroom.actions.lease import Target
from warroom.actions.plan import ActionArgs, Plan
from warroom.actions.readiness import RollbackReady
from warroom.actions.rolling import Rolling, StatusWords
from warroom.actions.slow_roll import SlowRollStrategy
from warroom.kube.connection import Connection
from warroom.layout.flagger import FlaggerSettings
from warroom.layout.schema import Target as LayoutTarget


class Strategy(Protocol):
    """One target's strategy. `actions` are the names `plan` takes, in the order a menu or
    `warroom action --help` lists them."""

    strategy: str
    target: Target
    actions: tuple[str, ...]

    async def read(self, connection: Connection) -> Any: ...

    def status(self, state: Any) -> StatusWords: ...

    def plan(self, action: str, state: Any, args: ActionArgs, now: float) -> Plan: ...

    def writes(self) -> tuple[Permission, ...]:
        """Each permission its actions' writes need, known before any plan (the header's
        badge and the keys read it; each plan's preflight still asks for its own calls)."""
        ...


@runtime_checkable
class RollsBack(Strategy, Protocol):
    """A layout target's strategy, which also says whether its rollback is ready (a node's
    actions do not roll anything back)."""

    def rollback_ready(self, state: Any, expected: str = "") -> RollbackReady: ...


STRATEGIES: dict[str, Callable[[LayoutTarget], Strategy]] = {
    "rolling": lambda t: Rolling(t.namespace, t.name, t.container or ""),
    "flagger": lambda t: Flagger(t.namespace, t.name, t.container or "", _settings(t)),
    "slow-roll": SlowRollStrategy.for_target,
    "blue-green": BlueGreenStrategy.for_target,
}


def _settings(target: LayoutTarget) -> FlaggerSettings:
    assert target.flagger is not None  # the layout refuses strategy flagger without them
    return target.flagger


def for_target(target: LayoutTarget) -> Strategy:
    return STRATEGIES[target.strategy](target)


def rolling_back(target: LayoutTarget) -> RollsBack:
    """The target's strategy, as what its rollback readiness is read from."""
    strategy = for_target(target)
    assert isinstance(strategy, RollsBack), strategy
    return strategy
