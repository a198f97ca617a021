"""A trigger that acts, on the screen at 80×24: its countdown on the banner (and a notice over
whatever screen is open), `x` to cancel it with a reason typed, and, left alone, the rollback
run by itself and its outcome said."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_tool
from tests.sim.conftest import Kubectl
from tests.ui.checklist_room import LAYOUT, STABLE, Desk, checklist_on, live_room, simulated
from tests.ui.screen import content, text
from tests.ui.test_checklist import toasts
from tests.waiting import until
from warroom.journal import readable_records, session_path
from warroom.ui.ask import AskScreen

SESSION = "auto"
NS = "bizra-prod"
TARGET = "bizra-inference"
NEXT = "ghcr.io/bizra/inference:2.0.1"
TRIGGER = 'slow: {title: p95 over 1s, signal: p95, op: ">", value: 1.0}'
ARMED = LAYOUT.replace(
    TRIGGER, 'slow: {title: p95 over 1s, signal: p95, op: ">", value: 1.0, auto: true, '
    "countdown: 40s}",
)  # fmt: skip


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    assert TRIGGER in LAYOUT
    async with simulated() as sim, live_room(sim, ARMED) as room:
        # A release to roll back from: revision 2 runs NEXT, revision 1 the stable image.
        kubectl = Kubectl(require_tool("kubectl"), sim.kubeconfig, tmp_path / "kube-cache")
        await kubectl.ok("set", "image", f"deployment/{TARGET}", f"inference-server={NEXT}",
                         "-n", NS)  # fmt: skip
        await kubectl.ok("rollout", "status", f"deployment/{TARGET}", "-n", NS, "--timeout=60s")
        async with checklist_on(room, SESSION, "ana") as run:
            yield Desk(sim, room, run)


def recorded(kind: str) -> list[dict[str, Any]]:
    return [r for r in readable_records(session_path(SESSION)) if r["kind"] == kind]


def image(desk: Desk) -> str:
    stored = desk.sim.store.get(("apps", "deployments"), NS, TARGET)
    assert stored is not None
    return str(stored["spec"]["template"]["spec"]["containers"][0]["image"])


async def test_x_cancels_the_countdown_with_a_reason_and_nothing_rolls_back(desk: Desk) -> None:
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        desk.sim.regress_image(NEXT, latency=4.0, errors=0.0)
        await until(lambda: f"AUTO ROLLBACK of {TARGET} in " in text(app.banner),
                    what="the countdown on the banner", pause=pilot.pause, timeout=40)  # fmt: skip
        assert f"AUTO ROLLBACK of {TARGET} in " in (banner := text(app.banner))
        assert " s  · x cancels  · p95 over 1s" in banner, banner
        await pilot.press("x")
        await until(lambda: isinstance(app.screen, AskScreen), what="the reason asked",
                    pause=pilot.pause)  # fmt: skip
        assert "signed ana" in content(app.screen.query_one("#ask-question"))
        await pilot.press(*"latency is the cache warming", "enter")
        cancelled = f"auto rollback of {TARGET} cancelled by ana: latency is the cache warming"
        await until(lambda: cancelled in " ".join(text(app.banner).split()),
                    what="the banner saying who cancelled", pause=pilot.pause)  # fmt: skip
        [record] = recorded("auto_rollback_cancelled")
        assert record["operator"] == "ana"
        assert record["payload"]["reason"] == "latency is the cache warming"
        fires_at = recorded("auto_rollback_armed")[0]["payload"]["fires_at"]
        await until(lambda: desk.run.now > fires_at + 30, what="past the countdown",
                    pause=pilot.pause, timeout=30)  # fmt: skip
    assert recorded("auto_rollback_fired") == [] and recorded("action_started") == []
    assert image(desk) == NEXT


async def test_left_alone_the_countdown_rolls_back_and_says_how_it_ended(desk: Desk) -> None:
    app = desk.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("4")  # on another view than the overview: the banner is on all
        desk.sim.regress_image(NEXT, latency=4.0, errors=0.0)
        await until(lambda: f"AUTO ROLLBACK of {TARGET} in " in text(app.banner),
                    what="the countdown", pause=pilot.pause, timeout=40)  # fmt: skip
        # Said over whatever screen is open too: a notice, here over the key help.
        await pilot.press("question_mark")
        await until(lambda: f"AUTO ROLLBACK of {TARGET} " in toasts(app),
                    what="the countdown's notice", pause=pilot.pause)  # fmt: skip
        done = f"AUTO ROLLBACK of {TARGET} done"
        await until(lambda: done in toasts(app), what="the rollback's outcome noticed",
                    pause=pilot.pause, timeout=60)  # fmt: skip
        await pilot.press("escape")
        await until(lambda: done in text(app.banner), what="the outcome on the banner",
                    pause=pilot.pause)  # fmt: skip
    [started] = recorded("action_started")
    assert started["payload"]["action"] == "undo"
    assert started["payload"]["because"].startswith("automatic: p95 over 1s held")
    assert recorded("auto_rollback_finished")[0]["payload"]["ok"] is True
    assert image(desk) == STABLE
