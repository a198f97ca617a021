"""Acting from the screen, keys pressed as an engineer would at 80×24, against the sim: `a`,
the action chosen, the preflight's preview drawn, the confirmation (y, or the target's name
typed on production), the outcome drawn in the box and in the session's journal; Esc closing
the box while the action goes on; no action offered with --read-only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.conftest import require_tool
from tests.sim.conftest import Kubectl
from tests.ui.checklist_room import LAYOUT, Desk, checklist_on, live_room, simulated
from tests.ui.screen import text
from tests.waiting import until
from warroom.actions.lease import PairingLock, Target
from warroom.journal import readable_records, session_path
from warroom.ui.acting import ActionScreen
from warroom.ui.app import WarRoomApp
from warroom.ui.ask import ChooseScreen
from warroom.ui.run import room_app

SESSION = "acting"
NS = "bizra-prod"
TARGET = "bizra-inference"
NEXT = "ghcr.io/bizra/inference:2.0.1"
PRODUCTION = LAYOUT.replace(f"cluster: {{namespaces: [{NS}]}}",
                            f"cluster: {{namespaces: [{NS}], production: true}}")  # fmt: skip


@pytest.fixture(params=["test", "production"])
async def desk(request: pytest.FixtureRequest) -> AsyncIterator[Desk]:
    layout = PRODUCTION if request.param == "production" else LAYOUT
    async with (
        simulated() as sim,
        live_room(sim, layout) as room,
        checklist_on(room, SESSION, "ana") as run,
    ):
        yield Desk(sim, room, run)


def box(app: WarRoomApp) -> str:
    """What the action box draws now, its wrapped lines read as one text."""
    screen = app.screen
    assert isinstance(screen, ActionScreen), type(screen)
    return " ".join(" ".join(text(s).split()) for s in screen.query(Static))


def actions_recorded() -> list[dict[str, Any]]:
    return [r for r in readable_records(session_path(SESSION)) if r["kind"].startswith("action_")]


async def choose(pilot: Pilot[None], app: WarRoomApp, option: str) -> None:
    """Move to `option` in the open menu and pick it with Enter."""
    await until(lambda: isinstance(app.screen, ChooseScreen), what="the menu", pause=pilot.pause)
    screen = app.screen
    assert isinstance(screen, ChooseScreen)
    ids = [screen.choices.get_option_at_index(i).id for i in range(screen.choices.option_count)]
    for _ in range(ids.index(option)):
        await pilot.press("down")
    await pilot.press("enter")


async def opened(pilot: Pilot[None], app: WarRoomApp, *wanted: str) -> str:
    await until(
        lambda: isinstance(app.screen, ActionScreen) and all(w in box(app) for w in wanted),
        what=f"the action box showing {wanted}",
        pause=pilot.pause,
        timeout=20,
    )
    return box(app)


async def test_a_restart_from_the_keyboard_is_previewed_confirmed_verified_and_journalled(
    desk: Desk,
) -> None:
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("a")
        await choose(pilot, app, "restart")
        drawn = await opened(pilot, app, f"restart {TARGET} now? y/Enter runs it")
        assert f"restart deployment {NS}/{TARGET}: every pod is replaced" in drawn
        await pilot.press("y")
        done = await opened(pilot, app, "restart done; the rollout completes")
        assert f'deployment "{TARGET}" successfully rolled out' in done
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, ActionScreen), pause=pilot.pause)
    kinds = [r["kind"] for r in actions_recorded()]
    assert kinds == ["action_started", "action_call", "action_done"]
    assert {r["operator"] for r in actions_recorded()} == {"ana"}


async def test_a_scale_to_zero_on_production_waits_for_the_name_typed(desk: Desk) -> None:
    app = desk.app()
    production = desk.room.layout.cluster.production
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("a")
        await choose(pilot, app, "scale")
        await pilot.pause()
        await pilot.press("0", "enter")
        if not production:
            drawn = await opened(pilot, app, f"scale {TARGET} now? y/Enter runs it")
            assert f"scale deployment {NS}/{TARGET} 3 → 0 pods" in drawn
            await pilot.press("escape")  # not this time
            await until(lambda: not isinstance(app.screen, ActionScreen), pause=pilot.pause)
            assert actions_recorded() == []
            return
        drawn = await opened(pilot, app, f"Production: type {TARGET} and Enter to scale it")
        assert "owns the replica count" in drawn  # the demo's HPA would scale it back
        await pilot.press(*"bizra", "enter")
        await opened(pilot, app, f"needs its name typed to confirm: type {TARGET}")
        assert actions_recorded() == []
        await pilot.press(*"-inference", "enter")
        await opened(pilot, app, "scale done")
    assert actions_recorded()[0]["kind"] == "action_started"


async def test_read_only_offers_no_action() -> None:
    async with (
        simulated() as sim,
        live_room(sim) as room,
        checklist_on(room, SESSION, "ana") as run,
    ):
        app = room_app(room, session="ui", read_only=True, clock=sim.clock.now, checklist=run)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("a")
            await pilot.pause()
            assert not isinstance(app.screen, ChooseScreen)
            assert not app.offered("act")


async def test_a_target_another_warroom_acts_on_is_said_before_anything_is_confirmed(
    desk: Desk,
) -> None:
    lock = PairingLock(
        desk.room.connection, Target("Deployment", TARGET, NS), "bob@desk:77",
        duration=600, action="rolling back",
    )  # fmt: skip
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("a")
        # Taken while the menu is open (before it, `a` itself refuses: tests/ui/test_holds.py).
        await lock.acquire()
        await choose(pilot, app, "restart")
        drawn = await opened(pilot, app, "Not now: bob@desk:77 is rolling back bizra-inference")
        assert "wait or ask them" in drawn and "Nothing was changed. Esc closes." in drawn
        await pilot.press("y")
        await pilot.pause()
        assert "Nothing was changed" in box(app)
    assert actions_recorded() == []
    await lock.release()


async def on_a_node(pilot: Pilot[None], app: WarRoomApp) -> str:
    """To the nodes tab; the name of the node selected there once one is listed."""
    await pilot.press("3")
    table = app.nodes.rows
    await until(lambda: table.selected_key() is not None, what="a node", pause=pilot.pause)
    return str(table.selected_key()).rsplit("/", 1)[-1]


async def test_on_the_nodes_tab_a_cordons_the_selected_node(desk: Desk) -> None:
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        node = await on_a_node(pilot, app)
        await pilot.press("a")
        await choose(pilot, app, "cordon")
        drawn = await opened(pilot, app, "now? y/Enter runs it")
        assert f"cordon node {node}" in drawn
        await pilot.press("y")
        await opened(pilot, app, "cordon done")
    stored = desk.sim.store.get(("", "nodes"), "", node)
    assert stored is not None and stored["spec"].get("unschedulable") is True
    started = next(r for r in actions_recorded() if r["kind"] == "action_started")
    assert started["payload"]["target"] == {"kind": "Node", "name": node, "namespace": ""}


# On production only: the rollback's typed name is what differs, and a test cluster's `y` is
# the restart's above (two rollouts each; the suite's time is the budget's).
@pytest.mark.parametrize("desk", ["production"], indirect=True)
async def test_a_held_trigger_offers_the_rollback_of_its_target_on_one_key(desk: Desk) -> None:
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        rolling = desk.run.layout.targets[0]
        assert rolling.name == TARGET
        # A release to roll back from, then its latency past the trigger's 1 s.
        await pilot.press("a")
        await choose(pilot, app, "set-image")
        await pilot.pause()
        await pilot.press(*NEXT, "enter")
        await opened(pilot, app, "now? y/Enter runs it")
        await pilot.press("y")
        await opened(pilot, app, "set-image done")
        await pilot.press("escape")
        desk.sim.regress_image(NEXT, latency=4.0, errors=0.0)
        offer = f"b rolls back {TARGET}"
        await until(lambda: offer in " ".join(text(app.banner).split()), what="the banner's offer",
                    pause=pilot.pause, timeout=40)  # fmt: skip
        await pilot.press("b")
        production = desk.room.layout.cluster.production
        wanted = f"Production: type {TARGET}" if production else f"undo {TARGET} now?"
        drawn = await opened(pilot, app, wanted)
        assert f"roll deployment {NS}/{TARGET} back from revision 2 ({NEXT})" in drawn
        await pilot.press(*([*TARGET, "enter"] if production else ["y"]))
        await opened(pilot, app, "undo done; the rollout completes")
    assert [r["payload"]["action"] for r in actions_recorded() if r["kind"] == "action_done"] == [
        "set-image", "undo"]  # fmt: skip


async def test_c_cancels_a_drain_a_budget_holds_and_the_node_stays_cordoned(
    desk: Desk, tmp_path: Path
) -> None:
    kubectl = Kubectl(require_tool("kubectl"), desk.sim.kubeconfig, tmp_path / "kube-cache")
    # The budget allows no disruption: every eviction is refused (429) and retried.
    await kubectl.ok("patch", "pdb", "bizra-inference-pdb", "-n", NS, "--type=merge",
                     "-p", '{"spec":{"minAvailable":3}}')  # fmt: skip
    node = await kubectl.ok("get", "pods", "-n", NS, "-l", "app=bizra-inference",
                            "-o", "jsonpath={.items[0].spec.nodeName}")  # fmt: skip
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("3")
        table = app.nodes.rows
        await until(
            lambda: any(table.position(k) is not None for k in (node, f"/{node}")),
            what="the node listed",
            pause=pilot.pause,
        )
        for _ in range(300):  # down the list, as a person would, to the node
            if str(table.selected_key()).endswith(node):
                break
            await pilot.press("j")
            await pilot.pause()
        assert str(table.selected_key()).endswith(node), table.selected_key()
        await pilot.press("a")
        await choose(pilot, app, "drain")
        await choose(pilot, app, "plain")
        wanted = f"Production: type {node}" if desk.room.layout.cluster.production else "now?"
        drawn = await opened(pilot, app, wanted)
        assert "⏸" in drawn and "bizra-inference-pdb" in drawn, drawn  # it will hold the drain
        await pilot.press(*([*node, "enter"] if desk.room.layout.cluster.production else ["y"]))
        await opened(pilot, app, "disruption budget")  # the retry is in the progress
        await pilot.press("c")
        done = await opened(pilot, app, "cancelled by ana")
        assert "cordoned" in done
    stored = desk.sim.store.get(("", "nodes"), "", node)
    assert stored is not None and stored["spec"].get("unschedulable") is True
    ended = [r for r in actions_recorded() if r["kind"] == "action_done"]
    assert ended[-1]["payload"]["cancelled"] is True
