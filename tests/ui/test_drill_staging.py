"""A drill against staging on the screen, at 80×24: each fault is asked on the screen before
it is injected (y injects it, n declines it, and the drill goes on), as `warroom drill
LAYOUT --scenario NAME --context CTX` runs it; the cluster, read back with kubectl, holds
what was answered."""

from __future__ import annotations

from pathlib import Path

from tests.drills.test_staging import NS, SAFE, asked, records, replicas, staging
from tests.ui.screen import text
from tests.waiting import until
from warroom.live.checklist import ChecklistRun
from warroom.live.drill import DrillRun
from warroom.live.room import Room
from warroom.rehearse import rehearse_on_screen
from warroom.ui.ask import ConfirmScreen
from warroom.ui.drilling import drill_app


def asked_now(shown: object) -> str:
    """The question box as drawn: its border's title, its body and its question."""
    assert isinstance(shown, ConfirmScreen)
    parts = [text(shown.query_one(f"#{part}")) for part in ("ask", "ask-body", "ask-question")]
    return " ".join(" ".join(parts).split())


async def test_each_fault_against_staging_is_asked_on_the_screen(tmp_path: Path) -> None:
    async with staging(tmp_path) as (sim, kubectl, layout):
        before = await replicas(kubectl)
        seen: list[str] = []

        async def screen(room: Room, run: ChecklistRun, drill: DrillRun) -> None:
            app = drill_app(room, run, drill)
            async with app.run_test(size=(80, 24)) as pilot:

                def asking(word: str) -> bool:
                    shown = app.screen
                    if not isinstance(shown, ConfirmScreen):
                        return False
                    return word in asked_now(shown)

                for word, key in (("inject scale", "y"), ("inject cordon", "n"),
                                  ("inject delete_pod", "y")):  # fmt: skip
                    await until(lambda w=word: asking(w), what=word, pause=pilot.pause,
                                timeout=60)  # fmt: skip
                    seen.append(asked_now(app.screen))
                    await pilot.press(key)
                await until(lambda: drill.finished.is_set(), what="the drill's end",
                            pause=pilot.pause, timeout=90)  # fmt: skip
                await pilot.press("q")

        lines: list[str] = []
        code = await rehearse_on_screen(
            asked(tmp_path, sim, layout, SAFE, "on-screen"), confirm=None, screen=screen,
            echo=lines.append,
        )  # fmt: skip
        assert code == 0, lines
        assert "Drill — a fault into staging" in seen[0]
        assert "inject scale (scaled) into warroom-sim?" in seen[0] and "Inject it?" in seen[0]
        faults = {f["id"]: f for f in records("on-screen", "drill_fault")}
        assert faults["cordoned"].get("declined") is True
        assert str(faults["scaled"]["says"]).endswith("to 5")
        cordoned = await kubectl.ok("get", "node/gpu-node-2",
                                    "-o", "jsonpath={.spec.unschedulable}")  # fmt: skip
        assert cordoned == ""
        assert await replicas(kubectl) == before  # taken back at the end
        assert records("on-screen", "drill_started")[0]["staging"] is True
        assert NS in str(faults["deleted"]["says"])
