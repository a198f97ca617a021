"""Seed 002's two targets share a name (blue and green `sap-llm-api`): the screen's `a` menu
names each as namespace/name with its own strategy, the action menu says where green's shift
stands, and acting on green plans green's blue-green shift, not blue's rolling Deployment."""

from __future__ import annotations

from pathlib import Path

from tests.ui.checklist_room import checklist_on, live_room
from tests.ui.screen import content
from tests.ui.test_actions import choose, opened
from tests.waiting import until
from warroom.sim.cluster import SimCluster
from warroom.ui.ask import ChooseScreen
from warroom.ui.run import room_app

LAYOUT = Path(__file__).resolve().parents[2] / "layouts" / "sap-llm-blue-green.yaml"


async def test_targets_sharing_a_name_are_offered_by_namespace_and_name() -> None:
    async with (
        SimCluster("sap-llm-blue-green", speed=10, scrape_interval=0.5) as sim,
        live_room(sim, LAYOUT.read_text()) as room,
        checklist_on(room, "names", "ana") as run,
    ):
        app = room_app(room, session="ui", drill=True, clock=sim.clock.now, checklist=run)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("a")
            await until(lambda: isinstance(app.screen, ChooseScreen), what="the menu",
                        pause=pilot.pause)  # fmt: skip
            menu = content(app.screen.query_one("OptionList"))
            assert "sap-llm-green/sap-llm-api (blue-green)" in menu, menu
            assert "sap-llm-blue/sap-llm-api (rolling)" in menu, menu
            await choose(pilot, app, "sap-llm-green/sap-llm-api")
            # The action menu says where the shift stands, in the strategy's words.
            await until(
                lambda: isinstance(app.screen, ChooseScreen)
                and "Which action?" in content(app.screen.query_one("#ask-question")),
                what="the action menu",
                pause=pilot.pause,
            )
            said = content(app.screen.query_one("#ask-question"))
            assert "not started: 0 of 4 steps: blue serves everything" in said, said
            assert "next: promote: canary weight to 5 %" in said, said
            await choose(pilot, app, "promote")
            drawn = await opened(pilot, app, "set the canary weight of Ingress")
            assert "sap-llm-green/sap-llm-api-canary 0 → 5" in drawn, drawn
