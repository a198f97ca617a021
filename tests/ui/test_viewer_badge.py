"""Who the context is, on the screen at 80×24 against the sim: the viewer's header says
`warroom-sim-viewer · read-only`, its `a` (and `b`, on a trigger's offer of a rollback) says
at once which permission is missing and sends nothing (the Deployment and the Leases read back
through the sim unchanged); the operator's header says operator; one write denied by RBAC is
named on the badge."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from textual.pilot import Pilot
from textual.widgets._toast import Toast

from tests.ui.checklist_room import LAYOUT, STABLE, Desk, checklist_on, simulated
from tests.ui.screen import text
from tests.waiting import until
from warroom.journal import readable_records, session_path
from warroom.layout import parse_layout
from warroom.live.identity import identify
from warroom.live.room import open_room
from warroom.sim.cluster import SimCluster
from warroom.ui.acting import ActionScreen
from warroom.ui.app import WarRoomApp
from warroom.ui.ask import ChooseScreen
from warroom.ui.run import room_app

NS = "bizra-prod"
TARGET = "bizra-inference"
VIEWER = "warroom-sim-viewer"
MISSING = (
    f"{VIEWER} may not patch deployments.apps in {NS}: ask a cluster admin for that permission"
)


@contextlib.asynccontextmanager
async def desk_as(context: str, session: str) -> AsyncIterator[Desk]:
    async with simulated() as sim:
        layout = parse_layout(LAYOUT).with_overrides(context=context, prometheus=sim.prometheus_url)
        async with open_room(layout, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as room:
            await room.sources.wait_synced(20)
            async with checklist_on(room, session, "ana") as run:
                yield Desk(sim, room, run)


def app_on(desk: Desk) -> WarRoomApp:
    return room_app(desk.room, session="ui", clock=desk.sim.clock.now, checklist=desk.run)


def header(app: WarRoomApp) -> str:
    return text(app.query_one("#header"))


def toasts(app: WarRoomApp) -> str:
    return " ".join(" ".join(text(t).replace("▌", " ").split()) for t in app.query(Toast))


def deployment(sim: SimCluster) -> tuple[int, list[str]]:
    stored = sim.store.get(("apps", "deployments"), NS, TARGET)
    assert stored is not None
    images = [c["image"] for c in stored["spec"]["template"]["spec"]["containers"]]
    return stored["metadata"]["generation"], images


def leases(sim: SimCluster) -> list[str]:
    return [
        lease["metadata"]["name"] for lease in sim.store.list(("coordination.k8s.io", "leases"), NS)
    ]


async def refused(pilot: Pilot[None], app: WarRoomApp, desk: Desk, key: str, session: str) -> None:
    """`key` says the missing permission at once, opens no menu or action box, and leaves the
    Deployment, the Leases and the session's journal as they were."""
    before, held_before = deployment(desk.sim), leases(desk.sim)
    await pilot.press(key)
    await until(lambda: MISSING in toasts(app), what="the refusal", pause=pilot.pause)
    assert not isinstance(app.screen, ChooseScreen | ActionScreen)
    assert deployment(desk.sim) == before
    assert leases(desk.sim) == held_before
    recorded = readable_records(session_path(session))
    assert not [r for r in recorded if r["kind"].startswith("action_")]


async def test_the_viewer_sees_its_badge_and_a_says_the_missing_permission_and_sends_nothing() -> (
    None
):
    async with desk_as(VIEWER, "viewer-badge") as desk:
        before, held_before = deployment(desk.sim), leases(desk.sim)
        app = app_on(desk)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await until(
                lambda: f"{VIEWER} · read-only" in header(app), what="the badge", pause=pilot.pause
            )
            await refused(pilot, app, desk, "a", "viewer-badge")
        # Nothing changed from before the room's first screen either.
        assert (deployment(desk.sim), leases(desk.sim)) == (before, held_before)


async def test_the_viewers_b_names_the_missing_permission_instead_of_rolling_back() -> None:
    async with desk_as(VIEWER, "viewer-rollback") as desk:
        app = app_on(desk)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            desk.sim.regress_image(STABLE, latency=4.0, errors=0.0)  # p95 past the trigger's 1 s
            offer = f"b rolls back {TARGET}"
            await until(lambda: offer in " ".join(text(app.banner).split()),
                        what="the banner's offer", pause=pilot.pause, timeout=40)  # fmt: skip
            await refused(pilot, app, desk, "b", "viewer-rollback")


async def test_the_operator_badge_says_operator() -> None:
    async with desk_as("warroom-sim", "operator-badge") as desk:
        app = app_on(desk)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await until(
                lambda: "warroom-sim · operator" in header(app), what="the badge", pause=pilot.pause
            )


async def test_one_denied_write_is_named_and_an_old_server_falls_back_to_the_kubeconfig() -> None:
    async with simulated() as sim:
        sim.deny({"verbs": ["patch"], "resources": ["nodes"], "users": ["warroom-sim"]})
        sim.deny({"resources": ["selfsubjectreviews"], "users": ["warroom-sim"]})
        layout = parse_layout(LAYOUT).with_overrides(
            context="warroom-sim", prometheus=sim.prometheus_url
        )
        async with open_room(layout, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as room:
            assert room.identity is not None
            assert room.identity.badge == "warroom-sim · may not: patch nodes"
            assert room.identity.refusal(f"{NS}/{TARGET}") == ""
            assert room.identity.refusal(TARGET) == ""
            assert room.identity.refusal("node:gpu-node-1") == (
                "warroom-sim may not patch nodes: ask a cluster admin for that permission"
            )
            again = await identify(room.connection, layout)
            assert again == room.identity
