"""Another warroom's hold on a target, at 80×24 against the sim: a second warroom (a pairing
lock taken in the test as ana) shows on the overview's rollout panel and, for a node, above
the nodes list; `a` and `b` refuse it with who, what and since when before any menu; the
line goes when the lease is released or lapses; a user who may not list leases keeps the
rest of the room."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from tests.ui.checklist_room import STABLE, Desk, checklist_on, live_room, simulated
from tests.ui.screen import text
from tests.ui.test_actions import on_a_node
from tests.waiting import until
from warroom.actions.lease import PairingLock, Renewal, Target, holder_identity
from warroom.ui.acting import ActionScreen
from warroom.ui.app import WarRoomApp
from warroom.ui.ask import ChooseScreen
from warroom.ui.widgets.panels import RolloutPanel

SESSION = "holds"
NS = "bizra-prod"
TARGET = "bizra-inference"
ANA = "ana@laptop:4121"  # another engineer's warroom: not this process
HELD = f"ana is rolling back {TARGET} ("


@pytest.fixture
async def desk() -> AsyncIterator[Desk]:
    async with (
        simulated() as sim,
        live_room(sim) as room,
        checklist_on(room, SESSION, "bob") as run,
    ):
        assert room.holds is not None
        await room.holds.wait_synced(10)
        yield Desk(sim, room, run)


def ana_on(desk: Desk, target: Target, action: str, duration: int = 600) -> PairingLock:
    return PairingLock(desk.room.connection, target, ANA, namespace=NS, duration=duration,
                       action=action)  # fmt: skip


def rollout(app: WarRoomApp) -> str:
    return text(app.query_one("#rollout", RolloutPanel))


def toasts(app: WarRoomApp) -> str:
    return " ".join(" ".join(text(t).replace("▌", " ").split()) for t in app.query(Toast))


async def shown(pilot: Pilot[None], app: WarRoomApp, needle: str, *, gone: bool = False) -> None:
    await until(
        lambda: (needle in rollout(app)) is not gone,
        what=f"the rollout panel {'without' if gone else 'with'} {needle!r}",
        pause=pilot.pause,
        timeout=20,
    )


async def test_another_warrooms_hold_is_shown_refused_and_gone_when_released(desk: Desk) -> None:
    lock = ana_on(desk, Target("Deployment", TARGET, NS), "rolling back")
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await shown(pilot, app, f"{NS}/{TARGET}")
        assert "ana is" not in rollout(app)
        await lock.acquire()
        await shown(pilot, app, HELD)
        line = next(row for row in rollout(app).splitlines() if HELD in row)
        assert re.search(rf"│ ⚠ ana is rolling back {TARGET} \(\d+ s\) +│$", line), line
        await pilot.press("a")
        await until(lambda: "wait or ask them" in toasts(app), what="the refusal",
                    pause=pilot.pause)  # fmt: skip
        said = toasts(app)
        assert f"ana is rolling back {TARGET} (for " in said and ANA in said, said
        assert not isinstance(app.screen, ChooseScreen | ActionScreen)  # no menu, no preflight
        await lock.release()
        await shown(pilot, app, HELD, gone=True)
        await pilot.press("a")
        await until(lambda: isinstance(app.screen, ChooseScreen), what="the action menu",
                    pause=pilot.pause)  # fmt: skip


async def test_a_hold_whose_warroom_died_lapses_and_its_line_goes(desk: Desk) -> None:
    lock = ana_on(desk, Target("Deployment", TARGET, NS), "restarting", duration=15)
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await lock.acquire()
        renewal = Renewal(lock, every=0.2)  # ana's warroom renews while it lives
        renewal.start()
        try:
            await shown(pilot, app, f"ana is restarting {TARGET}")
        finally:
            await renewal.stop()  # and dies: nothing releases the lease
        # 15 s of the sim's clock (×10) later it has lapsed, though the Lease still names ana.
        await shown(pilot, app, f"ana is restarting {TARGET}", gone=True)
        stored = desk.sim.store.get(("coordination.k8s.io", "leases"), NS, lock.name)
        assert stored is not None and stored["spec"]["holderIdentity"] == ANA
        await pilot.press("a")
        await until(lambda: isinstance(app.screen, ChooseScreen), what="the action menu",
                    pause=pilot.pause)  # fmt: skip


async def test_our_own_hold_is_not_another_warrooms(desk: Desk) -> None:
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("a")
        await until(lambda: isinstance(app.screen, ChooseScreen), pause=pilot.pause)
        await pilot.press("escape")
        # This process's lock on the target, as its runner takes it while an action runs.
        ours = PairingLock(desk.room.connection, Target("Deployment", TARGET, NS),
                           holder_identity("bob"), action="restarting")  # fmt: skip
        await ours.acquire()
        stored = await until_lease(desk, ours.name)
        assert stored["spec"]["holderIdentity"].startswith("bob@")
        for _ in range(8):  # a few redraws: nothing is said of our own hold
            await pilot.pause(0.1)
        assert "is restarting" not in rollout(app)
        await ours.release()


async def until_lease(desk: Desk, name: str) -> dict[str, object]:
    found: dict[str, object] = {}

    def there() -> bool:
        stored = desk.sim.store.get(("coordination.k8s.io", "leases"), NS, name)
        found.update(stored or {})
        return stored is not None

    await until(there, what=f"lease {name}")
    return found


async def test_a_node_another_warroom_drains_is_said_above_the_nodes(desk: Desk) -> None:
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        node = await on_a_node(pilot, app)
        lock = ana_on(desk, Target("Node", node), "draining")
        await lock.acquire()
        held = app.query_one("#nodes-holds")
        await until(lambda: f"ana is draining {node} (" in text(held), what="the node's hold",
                    pause=pilot.pause, timeout=20)  # fmt: skip
        assert app.query_one("#nodes-panel").region.height > 10  # the list keeps the room
        await pilot.press("a")
        await until(lambda: f"ana is draining {node}" in toasts(app), what="the refusal",
                    pause=pilot.pause)  # fmt: skip
        assert not isinstance(app.screen, ChooseScreen | ActionScreen)
        await lock.release()
        await until(lambda: not held.display, what="the hold gone", pause=pilot.pause)
        await pilot.press("a")
        await until(lambda: isinstance(app.screen, ChooseScreen), pause=pilot.pause)


async def test_a_user_who_may_not_list_leases_keeps_the_room() -> None:
    async with simulated() as sim:
        sim.deny({"verbs": ["list", "watch"], "groups": ["coordination.k8s.io"],
                  "resources": ["leases"]})  # fmt: skip
        async with live_room(sim) as room, checklist_on(room, SESSION, "bob") as run:
            app = Desk(sim, room, run).app()
            async with app.run_test(size=(80, 24), notifications=True) as pilot:
                await until(lambda: "may not list leases" in text(app.banner),
                            what="the banner", pause=pilot.pause, timeout=20)  # fmt: skip
                banner = text(app.banner)
                assert "Pairing locks" in banner and "holds are not shown" in banner, banner
                assert "API server" not in banner  # the cluster itself is fine
                await shown(pilot, app, f"{NS}/{TARGET}")
                corner = rollout(app).splitlines()[-1]  # the panel's border: how current
                assert "live" in corner, corner
                sentence = next(s.error for s in room.snapshot().sources if s.failing)
                assert sentence is not None and sentence.count(". ") == 0
                assert "may not list leases in bizra-prod" in sentence
                await pilot.press("a")  # acting still works: the lock is the guard
                await until(lambda: isinstance(app.screen, ChooseScreen), pause=pilot.pause)


async def test_b_refuses_the_rollback_of_a_held_target_before_its_preflight(desk: Desk) -> None:
    lock = ana_on(desk, Target("Deployment", TARGET, NS), "promoting")
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        desk.sim.regress_image(STABLE, latency=4.0, errors=0.0)  # p95 past the trigger's 1 s
        offer = f"b rolls back {TARGET}"
        await until(lambda: offer in " ".join(text(app.banner).split()), what="the banner's offer",
                    pause=pilot.pause, timeout=40)  # fmt: skip
        await lock.acquire()
        await shown(pilot, app, f"ana is promoting {TARGET} (")
        await pilot.press("b")
        await until(lambda: f"ana is promoting {TARGET} (for" in toasts(app),
                    what="the refusal", pause=pilot.pause)  # fmt: skip
        assert not isinstance(app.screen, ChooseScreen | ActionScreen)
        await lock.release()
