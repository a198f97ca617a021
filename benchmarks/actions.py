"""One-key actions: from the key to the preview on screen on the 10,000-pod cluster, and a
rollback of the demo's rolling Deployment from "the sim says it is done" to "verified".

1. The cluster of war_room.py (10,000 pods on 200 nodes) runs in a child process. This process
   opens the room and a session as `warroom run` does, on a layout with one target (svc-0),
   and presses, as an engineer would: `a` (timed to the first frame of the action menu, which
   shows the target's status in words read from the cluster), then Enter on the menu's
   `restart`. The time is from the Enter to the first frame showing the action box with its
   preflight done (every SelfSubjectAccessReview and dry run answered, the lease read): the
   preview and the question. Esc closes it; repeated.
2. The demo's scenario (bizra-inference-10k) in this process at the demo's speed (×5): the
   rolling Deployment set to its next image, then `undo` planned, preflighted and run by
   ActionRunner as the key runs it. The sim's own store is read every 10 ms for the moment the
   rollout is complete (kubectl's rollout status); the runner's outcome comes when its
   verification saw it. The gap is reported in simulated seconds.

    python benchmarks/actions.py [--pods 10000] [--nodes 200] [--repeat 20] [--rollbacks 3]
                                 [--auto 3]

Targets (issue 12): key to preview on screen ≤ 300 ms; a rollback verified complete within 2 s
of simulated rollout time after the sim reports it done.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from war_room import Results, Screen, Sim, pct, print_table, spread

from warroom.actions.rolling import Rolling
from warroom.actions.run import ActionRunner
from warroom.background import Repeat
from warroom.journal import open_journal
from warroom.kinds.deployment import rollout_status
from warroom.kube import connect
from warroom.layout import parse_layout
from warroom.live.actions import RoomActions
from warroom.live.auto_rollback import AutoRollback
from warroom.live.room import open_room
from warroom.live.session import open_checklist
from warroom.sim.cluster import CONTEXT, SimCluster
from warroom.ui.acting import ActionScreen
from warroom.ui.ask import ChooseScreen
from warroom.ui.run import room_app

SIZE = (200, 50)
PREVIEW_TARGET = 0.300
VERIFY_TARGET = 2.0
DEMO_SPEED = 5.0
NEXT = "ghcr.io/bizra/inference:2.0.1"


def layout_text(namespaces: list[str]) -> str:
    return f"""
name: actions bench
cluster: {{namespaces: [{", ".join(namespaces)}]}}
targets: [{{name: svc-0, namespace: {namespaces[0]}}}]
phases:
  - id: go
    title: Go
    items: [{{id: ok, title: All good}}]
"""


async def key_to_preview(hello: dict[str, Any], repeat: int, res: Results) -> None:
    layout = parse_layout(layout_text(hello["namespaces"])).with_overrides(context=CONTEXT)
    async with open_room(layout, kubeconfig=hello["kubeconfig"]) as room:
        await room.sources.wait_synced(120)
        async with open_checklist(room, "bench-actions", operator="bench", layout_path=None) as run:
            app = room_app(room, session="bench", checklist=run)
            screen = Screen()

            def state() -> tuple[Any, ...]:
                box = app.screen
                return (
                    isinstance(box, ActionScreen) and box.stage in ("ready", "denied"),
                    isinstance(box, ChooseScreen),
                )

            screen.state = state
            screen.install(app)
            took: list[float] = []
            menus: list[float] = []
            async with app.run_test(size=SIZE) as pilot:
                for _ in range(repeat):
                    mark = len(screen.frames)
                    pressed = time.perf_counter()
                    await pilot.press("a")
                    shown = None
                    while shown is None and time.perf_counter() < pressed + 10:
                        await pilot.pause(0.005)
                        shown = screen.first_after(mark, lambda s: bool(s[1]))
                    if shown is not None:
                        menus.append(shown - pressed)
                    while not isinstance(app.screen, ChooseScreen):
                        await pilot.pause(0.01)
                    menu = app.screen
                    index = next(
                        i for i in range(menu.choices.option_count)
                        if menu.choices.get_option_at_index(i).id == "restart"
                    )  # fmt: skip
                    for _ in range(index):
                        await pilot.press("down")
                    mark = len(screen.frames)
                    pressed = time.perf_counter()
                    await pilot.press("enter")
                    deadline = pressed + 10
                    drawn = None
                    while drawn is None and time.perf_counter() < deadline:
                        await pilot.pause(0.005)
                        drawn = screen.first_after(mark, lambda s: bool(s[0]))
                    if drawn is not None:
                        took.append(drawn - pressed)
                    await pilot.press("escape")
                    while isinstance(app.screen, ActionScreen):
                        await pilot.pause(0.01)
    res.rows.append((
        f"1a. key a → action menu with the status in words, svc-0 ({hello['pods']:,} pods) (ms)",
        f"{spread(menus)} ({len(menus)} of {repeat})",
        "(a read of the Deployment, its ReplicaSets and Canaries)",
    ))  # fmt: skip
    ok = bool(took) and pct(took, 0.95) <= PREVIEW_TARGET
    res.rows.append((
        f"1. key → preview on screen, restart of svc-0 ({hello['pods']:,} pods) (ms)",
        f"{spread(took)} ({len(took)} of {repeat})",
        f"p95 ≤ {PREVIEW_TARGET * 1000:.0f} ms {'✔' if ok else '✘'}",
    ))  # fmt: skip


async def _rollout_done(sim: SimCluster, old_image: str, done_at: list[float]) -> None:
    """Append the sim's time once bizra-inference is off `old_image` and rolled out."""
    while not done_at:
        d = sim.store.get(("apps", "deployments"), "bizra-prod", "bizra-inference")
        if d is not None:
            image = d["spec"]["template"]["spec"]["containers"][0]["image"]
            if image != old_image and rollout_status(d).done:
                done_at.append(sim.clock.now())
        await asyncio.sleep(0.01)


async def rollback_verified(rollbacks: int, res: Results) -> None:
    gaps: list[float] = []
    async with (
        SimCluster("bizra-inference-10k", speed=DEMO_SPEED) as sim,
        await connect(sim.kubeconfig, CONTEXT) as connection,
    ):
        with tempfile.TemporaryDirectory() as tmp:
            journal = open_journal(Path(tmp) / "bench.jsonl", "bench", clock=sim.clock.now)
            runner = ActionRunner(
                connection, operator="bench", record=journal.append, now=sim.clock.now
            )
            rolling = Rolling("bizra-prod", "bizra-inference", "inference-server")
            for _ in range(rollbacks):
                forward = rolling.set_image(await rolling.read(connection), NEXT)
                assert (await runner.run(forward, await runner.preflight(forward))).ok
                back = rolling.undo(await rolling.read(connection))
                checked = await runner.preflight(back)
                done_at: list[float] = []
                watcher = asyncio.create_task(_rollout_done(sim, NEXT, done_at))
                outcome = await runner.run(back, checked)
                verified_at = sim.clock.now()
                await asyncio.wait_for(watcher, 30)
                assert outcome.ok and outcome.verified, outcome.sentence
                gaps.append(max(0.0, verified_at - done_at[0]))
            journal.close()
    ok = bool(gaps) and max(gaps) <= VERIFY_TARGET
    res.rows.append((
        f"2. rollback of bizra-inference at ×{DEMO_SPEED:g}: sim done → verified (sim s)",
        f"p50 {pct(gaps, 0.5):.2f} / max {max(gaps):.2f} ({len(gaps)} rollbacks)",
        f"≤ {VERIFY_TARGET:g} s {'✔' if ok else '✘'}",
    ))  # fmt: skip


AUTO_LAYOUT = """
name: auto bench
cluster: {namespaces: [bizra-prod]}
prometheus: {interval: 1s, range: 5m}
targets: [{name: bizra-inference, container: inference-server}]
signals:
  served: {query: 'sum(rate(http_requests_total{namespace="bizra-prod"}[30s]))'}
triggers:
  serving: {title: Serving requests, signal: served, op: ">", value: 0, auto: true,
            countdown: 30s}
"""


async def auto_rollback(rounds: int, res: Results) -> None:
    """3. A trigger with auto: true that holds (any traffic at all) on the demo's scenario:
    from its countdown running out (its armed record's fires_at) to the rollback's first call
    (action_started) and to its verification (action_done), in simulated seconds, with the
    checklist ticking every second as the screen ticks it."""
    fired: list[float] = []
    verified: list[float] = []
    for _ in range(rounds):
        async with SimCluster("bizra-inference-10k", speed=DEMO_SPEED) as sim:
            sim.set_users("bizra-prod/bizra-inference", 600)
            layout = parse_layout(AUTO_LAYOUT).with_overrides(
                context=CONTEXT, prometheus=sim.prometheus_url
            )
            async with open_room(layout, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as room:
                await room.sources.wait_synced(60)
                rolling = Rolling("bizra-prod", "bizra-inference", "inference-server")
                async with open_checklist(
                    room, f"bench-auto-{time.time_ns()}", operator="bench", layout_path=None,
                    pace=lambda: DEMO_SPEED,
                ) as run:  # fmt: skip
                    actions = RoomActions(room.connection, layout, run)
                    forward = rolling.set_image(await rolling.read(room.connection), NEXT)
                    checked = await actions.preflight(forward)
                    assert (await actions.run(forward, checked, lambda words: None)).ok
                    async with Repeat(1.0, run.tick, "tick"), AutoRollback(run, actions):
                        deadline = time.monotonic() + 120
                        journal = run.journal
                        assert journal is not None
                        while time.monotonic() < deadline:
                            kinds = {r.kind: r for r in journal.records}
                            if "auto_rollback_finished" in kinds:
                                break
                            await asyncio.sleep(0.05)
                        records = list(journal.records)
            armed = next(r for r in records if r.kind == "auto_rollback_armed")
            started = [r for r in records if r.kind == "action_started"][-1]
            done = [r for r in records if r.kind == "action_done"][-1]
            assert done.payload.get("ok") is True, done.payload
            fires_at = float(armed.payload["fires_at"])
            fired.append(started.at_cluster - fires_at)
            verified.append(done.at_cluster - fires_at)
    res.rows.append((
        "3. auto rollback at ×5: countdown out → first call (sim s)",
        f"{spread(fired, 1, '{:.2f}')} ({len(fired)} rounds)",
        "(a look every 0.5 s, sooner near the end)",
    ))  # fmt: skip
    res.rows.append((
        "   countdown out → rollback verified (sim s)",
        f"{spread(verified, 1, '{:.2f}')}",
        "(the rollout itself included)",
    ))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rollbacks", type=int, default=3)
    parser.add_argument("--auto", type=int, default=3, help="rounds of the automatic rollback")
    args = parser.parse_args()
    res = Results()
    sim = Sim(args.pods, args.nodes)
    try:
        hello = sim.start()
        asyncio.run(key_to_preview(hello, args.repeat, res))
    finally:
        sim.stop()
    asyncio.run(rollback_verified(args.rollbacks, res))
    asyncio.run(auto_rollback(args.auto, res))
    print_table(res.rows)
    print()
    print(__doc__.split("\n\n")[1] if __doc__ else "")


if __name__ == "__main__":
    main()
