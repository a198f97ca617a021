"""Acknowledging a rollback trigger at 80×24: the banner offers `e` while it holds; pressed,
the acknowledgement is journalled, signed by whoever has the keyboard, and the banner says who
acknowledged it; a second press says it is already done."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.sim.conftest import Kubectl
from tests.ui.checklist_room import Desk, checklist_on, live_room, simulated
from tests.ui.screen import text
from tests.ui.test_checklist import toasts
from tests.waiting import until
from warroom.journal import readable_records, session_path

SESSION = "ack"
NS = "bizra-prod"
NEXT = "ghcr.io/bizra/inference:2.0.1"


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with simulated() as sim, live_room(sim) as room:
        kubectl = Kubectl(require_tool("kubectl"), sim.kubeconfig, tmp_path / "kube-cache")
        await kubectl.ok("set", "image", "deployment/bizra-inference",
                         f"inference-server={NEXT}", "-n", NS)  # fmt: skip
        await kubectl.ok("rollout", "status", "deployment/bizra-inference", "-n", NS,
                         "--timeout=60s")  # fmt: skip
        async with checklist_on(room, SESSION, "ana") as run:
            yield Desk(sim, room, run)


def banner(app: object) -> str:
    return " ".join(text(app.banner).split())  # type: ignore[attr-defined]


async def test_e_acknowledges_the_trigger_and_the_banner_says_who(desk: Desk) -> None:
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        desk.sim.regress_image(NEXT, latency=4.0, errors=0.0)
        await until(lambda: "e acknowledges" in banner(app), what="the offer on the banner",
                    pause=pilot.pause, timeout=40)  # fmt: skip
        await pilot.press("e")
        await until(lambda: "acknowledged by ana" in banner(app), what="who acknowledged",
                    pause=pilot.pause)  # fmt: skip
        assert "e acknowledges" not in banner(app)
        await pilot.press("e")
        await until(lambda: "already acknowledged by ana" in toasts(app), what="said once",
                    pause=pilot.pause)  # fmt: skip
    records = [r for r in readable_records(session_path(SESSION))
               if r["kind"] == "trigger_acknowledged"]  # fmt: skip
    assert [(r["operator"], r["payload"]["trigger"]) for r in records] == [("ana", "slow")]
