"""Rollback readiness on the Checklist tab at 80×24: the item passes with its evidence saying
what an undo returns to and that the rollback key is armed; on a --read-only screen, where no
key is, it fails saying so."""

from __future__ import annotations

from tests.ui.checklist_room import LAYOUT, STABLE, checklist_on, live_room, simulated
from tests.ui.test_checklist import open_checklist_tab, open_evidence, row, select, shows
from warroom.ui.run import room_app

ITEM = "      - {id: rolled, title: Rolled out, rollout: {target: bizra-inference}}\n"
READY = LAYOUT.replace(
    ITEM,
    ITEM + "      - id: ready\n        title: Rollback ready\n"
    f"        rollback: {{target: bizra-inference, image: \"{STABLE}\"}}\n",
)  # fmt: skip


async def test_the_rollback_item_passes_with_the_key_armed_and_fails_read_only() -> None:
    assert ITEM in LAYOUT
    async with simulated() as sim, live_room(sim, READY) as room:
        for read_only in (False, True):
            async with checklist_on(room, f"ready-{read_only}", "ana") as run:
                app = room_app(
                    room, session="ui", read_only=read_only, clock=sim.clock.now, checklist=run
                )
                async with app.run_test(size=(80, 24)) as pilot:
                    await open_checklist_tab(pilot, app)
                    await select(pilot, app, "Rollback ready")
                    if read_only:
                        await shows(pilot, app, "Rollback ready", "key not armed")
                        assert "FAIL" in row(app, "Rollback ready")
                        evidence = await open_evidence(pilot, app)
                        assert "this war room runs --read-only" in evidence, evidence
                    else:
                        await shows(pilot, app, "Rollback ready", "pass")
                        evidence = await open_evidence(pilot, app)
                        assert f"revision 1 ({STABLE}) is what an undo" in evidence, evidence
                        assert "the rollback key is armed" in evidence, evidence
