"""Triggers that act, on seed 000's layout with its error-rate trigger armed (`auto: true`): a
regressed image raises it, the countdown runs on the sim's clock, and the rollback (kubectl's
undo) runs by itself and the error rate recovers in the metrics; or an operator cancels the
countdown with a reason, nothing is rolled back, and the journal says who and why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from tests.seeds.harness import ROOT, SeedRun, seed_run
from tests.waiting import until
from warroom.background import Repeat
from warroom.journal.records import Record
from warroom.live.actions import RoomActions
from warroom.live.auto_rollback import AutoRollback, said

NS = "bizra-prod"
SERVICE = f"{NS}/bizra-inference"
REGRESSED = "ghcr.io/bizra/inference:2.0.1-rc2"  # the scenario's regressed image
COUNTDOWN = 40.0  # cluster seconds


def armed_layout(tmp_path: Path) -> Path:
    """Seed 000's layout with its error-rate trigger acting by itself after COUNTDOWN."""
    text = (ROOT / "layouts" / "bizra-inference-10k.yaml").read_text()
    trigger = "  error_rate_high:\n    title: Error rate > 5%\n"
    assert trigger in text
    armed = text.replace(trigger, f"{trigger}    auto: true\n    countdown: {COUNTDOWN:g}s\n")
    path = tmp_path / "bizra-inference-10k.yaml"
    path.write_text(armed)
    return path


def kinds(seed: SeedRun, kind: str) -> list[Record]:
    assert seed.run.journal is not None
    return [r for r in seed.run.journal.records if r.kind == kind]


@asynccontextmanager
async def regressed(
    kubectl_binary: str, tmp_path: Path
) -> AsyncIterator[tuple[SeedRun, AutoRollback]]:
    """The armed layout on its scenario under load, the regressed image rolled out, the
    checklist ticking and the automatic rollback watching, as the screen runs them."""
    async with seed_run(
        "bizra-inference-10k", kubectl_binary, tmp_path, path=armed_layout(tmp_path)
    ) as seed:
        await seed.until_all(["pods-running", "rolled-out"], "pass")
        seed.sim.set_users(SERVICE, 1000)
        await seed.until_trigger("error_rate_high", raised=False)
        auto = AutoRollback(seed.run, RoomActions(seed.room.connection, seed.layout, seed.run))
        before = await image(seed)
        async with Repeat(0.2, seed.run.tick, "checklist tick"), auto:
            await seed.kubectl.ok(
                "set", "image", "deployment/bizra-inference",
                f"inference-server={REGRESSED}", "-n", NS,
            )  # fmt: skip
            yield seed, auto, before


async def first_arm(seed: SeedRun) -> Record:
    """The countdown's record, once the regression has raised the trigger."""
    await until(lambda: bool(kinds(seed, "auto_rollback_armed")), timeout=120, what="armed")
    return kinds(seed, "auto_rollback_armed")[0]


async def image(seed: SeedRun) -> str:
    return await seed.kubectl.ok(
        "get", "deployment/bizra-inference", "-n", NS,
        "-o", "jsonpath={.spec.template.spec.containers[0].image}",
    )  # fmt: skip


async def error_ratio(seed: SeedRun) -> float:
    """The error-rate signal's query, asked of the sim's Prometheus API directly."""
    query = seed.layout.signals["error_rate"].query
    async with httpx.AsyncClient() as client:
        answer = await client.get(
            f"{seed.sim.prometheus_url}/api/v1/query", params={"query": query}
        )
    result = answer.json()["data"]["result"]
    return float(result[0]["value"][1]) if result else float("nan")


async def test_an_armed_trigger_rolls_back_after_its_countdown_and_the_errors_recover(
    kubectl_binary: str, tmp_path: Path
) -> None:
    async with regressed(kubectl_binary, tmp_path) as (seed, auto, before):
        armed = await first_arm(seed)
        assert armed.payload["trigger"] == "error_rate_high"
        assert armed.payload["target"] == "bizra-inference"
        assert armed.payload["action"] == "undo"
        # Every view says it while it counts.
        words = [one.sentence for one in said(auto)]
        assert words and words[0].startswith("AUTO ROLLBACK of bizra-inference in ")
        assert "Error rate > 5% holds" in words[0]
        assert await image(seed) == REGRESSED

        await until(lambda: bool(kinds(seed, "auto_rollback_finished")), timeout=120,
                    what="the automatic rollback finished")  # fmt: skip
        fired = kinds(seed, "auto_rollback_fired")[0]
        # It fired when the countdown ran out, on the cluster's clock, not before.
        waited = fired.at_cluster - armed.at_cluster
        assert COUNTDOWN <= waited <= COUNTDOWN + 5, waited
        started = kinds(seed, "action_started")[0]
        assert started.payload["action"] == "undo"
        assert "automatic: Error rate > 5% held" in str(started.payload["because"])
        done = kinds(seed, "action_done")[0]
        assert done.payload["ok"] is True and done.payload["verified"] is True
        finished = kinds(seed, "auto_rollback_finished")[0]
        assert finished.payload["ok"] is True
        assert await image(seed) == before != REGRESSED

        # The errors recover: the trigger clears, and the metrics say the same.
        await seed.until_trigger("error_rate_high", raised=False, timeout=120)
        assert await error_ratio(seed) < 0.05
        # Once is enough: no second rollback for the same breach.
        assert len(kinds(seed, "action_started")) == 1


async def test_a_cancelled_countdown_rolls_nothing_back_and_says_who_and_why(
    kubectl_binary: str, tmp_path: Path
) -> None:
    async with regressed(kubectl_binary, tmp_path) as (seed, auto, _):
        armed = await first_arm(seed)
        auto.cancel("error_rate_high", "the 5xx are the load test's own; rc2 is fine")
        cancelled = kinds(seed, "auto_rollback_cancelled")[0]
        assert cancelled.operator == "drill"
        assert cancelled.payload["reason"] == "the 5xx are the load test's own; rc2 is fine"
        assert [one.sentence for one in said(auto)] == [
            "auto rollback of bizra-inference cancelled by drill: "
            "the 5xx are the load test's own; rc2 is fine"
        ]
        # Well past when it would have fired: nothing ran, nothing re-armed, rc2 stays.
        fires_at = float(armed.payload["fires_at"])  # type: ignore[arg-type]
        await until(lambda: seed.run.now > fires_at + 60, timeout=60, what="past the countdown")
        assert kinds(seed, "auto_rollback_fired") == []
        assert kinds(seed, "action_started") == []
        assert len(kinds(seed, "auto_rollback_armed")) == 1
        assert await image(seed) == REGRESSED
