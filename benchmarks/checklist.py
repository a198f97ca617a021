"""The checklist at scale: one evaluation tick, quiet and under churn, and keypresses on tab 6.

The simulated cluster of war_room.py (10,000 pods on 200 nodes, 20 Deployments in 4 namespaces)
runs in a child process on 127.0.0.1. This process opens the room and the session as `warroom
run` does (open_room, open_checklist with a journal, room_app) on a 100-item checklist written
for that cluster: rollouts, pods and restarts per Deployment and per namespace, nodes, events,
fields, objects, Prometheus thresholds held `for`, soaks, ticks and sign-offs. The layout has no
Prometheus; its signals are fed from synthetic histories (720 points a series, one new point a
second), so the `for` and soak scans walk real lengths.

    python benchmarks/checklist.py [--pods 10000] [--nodes 200] [--quiet-ticks 200]
                                   [--rate 500] [--churn-seconds 60] [--keys 120]

Targets (issue 10): an evaluation tick p95 ≤ 10 ms; keypress → redrawn frame p95 ≤ 100 ms with
the checklist on screen. Definitions are printed under the table.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import math
import os
import pstats
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from textual import events
from war_room import GcPauses, Results, Screen, Sim, Timed, print_table, spread

from warroom.checklist.world import Point, SignalFacts
from warroom.layout import Layout, load_layout
from warroom.live.room import open_room
from warroom.live.session import open_checklist
from warroom.sim.cluster import CONTEXT
from warroom.ui.app import WarRoomApp
from warroom.ui.evidence import EvidenceDetail
from warroom.ui.run import room_app
from warroom.ui.widgets.checklist import ChecklistList

SIZE = (200, 50)
HISTORY = 720  # points a series keeps: an hour at 5 s
KEY_TIMEOUT = 5.0
DEPLOYMENTS = 20

# ---- the layout -----------------------------------------------------------------------


def bench_layout(namespaces: list[str]) -> dict[str, Any]:
    """A 100-item checklist for sim_api.scenario's cluster."""
    ns = lambda i: namespaces[i % len(namespaces)]  # noqa: E731 - where svc-i lives
    signals = {
        "p95": {"query": "bench_p95", "unit": "s", "slo": {"max": 1.0}},
        "p95_by_version": {
            "query": "max by (v) (bench_p95)",
            "unit": "s",
            "slo": {"max": 1.0},
            "by": "v",
        },
        "errors": {"query": "bench_errors", "unit": "ratio", "slo": {"max": 0.01}},
        "rps": {"query": "bench_rps", "unit": "rps"},
    }
    kube: list[dict[str, Any]] = []
    for i in range(DEPLOYMENTS):
        app = f"svc-{i}"
        kube += [
            {"id": f"rolled-{i}", "title": f"{app} rolled out", "rollout": {"target": app}},
            {
                "id": f"ready-{i}",
                "title": f"{app} pods Ready",
                "pods": {"selector": f"app={app}", "namespace": ns(i), "min": 500},
            },
            {
                "id": f"restarts-{i}",
                "title": f"{app} restarts",
                "restarts": {"selector": f"app={app},tier=web", "namespace": ns(i), "max": 3},
            },
        ]
    for n in namespaces:
        kube += [
            {
                "id": f"web-{n}",
                "title": f"web tier Ready in {n}",
                "pods": {"selector": "tier in (web,api),app!=legacy", "namespace": n, "min": 2000},
            },
            {
                "id": f"events-{n}",
                "title": f"no crash events in {n}",
                "events": {
                    "reasons": ["OOMKilled", "BackOff", "FailedScheduling"],
                    "namespace": n,
                },
            },
            {
                "id": f"events-10m-{n}",
                "title": f"no kills in the last 10 minutes in {n}",
                "events": {"reasons": ["Killing", "Unhealthy"], "namespace": n, "since": "10m"},
            },
        ]
    kube += [
        {"id": "nodes", "title": "all nodes Ready", "nodes": {"min": 200}},
        {
            "id": "pool",
            "title": "pool nodes Ready",
            "nodes": {"selector": "warroom.dev/pool=pool,kubernetes.io/os=linux", "min": 150},
        },
        *[
            {
                "id": f"field-{i}",
                "title": f"svc-{i} replicas",
                "field": {
                    "object": f"Deployment/svc-{i}",
                    "namespace": ns(i),
                    "path": ".spec.replicas",
                    "op": ">=",
                    "value": 1,
                },
            }
            for i in range(4)
        ],
        *[
            {
                "id": f"exists-{i}",
                "title": f"svc-{i} exists",
                "exists": {"object": f"Deployment/svc-{i}", "namespace": ns(i)},
            }
            for i in range(2)
        ],
    ]
    prom: list[dict[str, Any]] = []
    for i, (signal, op, value, held) in enumerate(
        [
            ("p95", "<", 1.0, "5m"),
            ("p95", "<", 0.5, "30m"),
            ("p95_by_version", "<", 1.0, "10m"),
            ("errors", "<", 0.01, "10m"),
            ("errors", "<", 0.001, "1h"),
            ("rps", ">", 100, "5m"),
            ("rps", ">", 10, "1m"),
            ("p95_by_version", "<", 0.8, "45m"),
        ]
    ):
        prom.append(
            {
                "id": f"gate-{i}",
                "title": f"{signal} {op} {value} for {held}",
                "promql": {"signal": signal, "op": op, "value": value, "for": held},
            }
        )
    prom += [
        {"id": "soak-all", "title": "every SLO for 30 minutes", "soak": {"for": "30m"}},
        {"id": "soak-p95", "title": "p95 for 2 hours", "soak": {"signals": ["p95"], "for": "2h"}},
        {
            "id": "soak-err",
            "title": "errors for 15 min",
            "soak": {"signals": ["errors"], "for": "15m"},
        },
        {
            "id": "soak-ver",
            "title": "p95 by version for 20 minutes",
            "soak": {"signals": ["p95_by_version", "errors"], "for": "20m"},
        },
    ]
    people: list[dict[str, Any]] = [
        {"id": f"manual-{i}", "title": f"runbook step {i} confirmed"} for i in range(4)
    ]
    people += [
        {
            "id": f"signed-{i}",
            "title": f"sign-off {i}",
            "signoff": {
                "role": "lead",
                "statement": "ready for traffic",
                "target": f"svc-{i}",
            },
        }
        for i in range(4)
    ]
    items = kube + prom + people
    assert len(items) == 100, len(items)
    phases = [
        {"id": f"phase-{p}", "title": f"Phase {p}", "items": items[p * 20 : (p + 1) * 20]}
        for p in range(5)
    ]
    return {
        "name": "checklist benchmark",
        "cluster": {"context": CONTEXT, "namespaces": namespaces},
        "targets": [
            {"name": f"svc-{i}", "namespace": ns(i), "container": "app"} for i in range(DEPLOYMENTS)
        ],
        "signals": signals,
        "phases": phases,
        "roles": {"lead": "Engineering lead"},
        "triggers": {
            "slow": {
                "title": "p95 over 1 s for 5 minutes",
                "signal": "p95",
                "op": ">",
                "value": 1.0,
                "for": "5m",
            },
            "errors": {"title": "errors over 5 %", "signal": "errors", "op": ">", "value": 0.05},
        },
    }


# ---- synthetic signal histories -----------------------------------------------------------


class Histories:
    """Each signal's series as the poller would hold them: HISTORY points, one new a second."""

    VALUES = {"p95": 0.3, "p95_by_version": 0.4, "errors": 0.0005, "rps": 250.0}

    def __init__(self, layout: Layout, now: float) -> None:
        self.layout = layout
        self.series: dict[str, dict[str, list[Point]]] = {}
        for sid, spec in layout.signals.items():
            legends = ["v1", "v2", "v3"] if spec.by else [""]
            base = self.VALUES[sid]
            self.series[sid] = {
                legend: [
                    (now - (HISTORY - k), base * (1 + 0.2 * math.sin(k / 7 + j)))
                    for k in range(HISTORY)
                ]
                for j, legend in enumerate(legends)
            }
        self.newest = now

    def facts(self) -> dict[str, SignalFacts]:
        now = time.time()
        while self.newest + 1 <= now:  # one point a second, the oldest dropped
            self.newest += 1
            for sid, by_legend in self.series.items():
                for j, points in enumerate(by_legend.values()):
                    k = len(points) + int(self.newest)
                    points.append((self.newest, self.VALUES[sid] * (1 + 0.2 * math.sin(k / 7 + j))))
                    del points[0]
        out = {}
        for sid, spec in self.layout.signals.items():
            series = tuple((legend, tuple(pts)) for legend, pts in self.series[sid].items())
            out[sid] = SignalFacts(
                sid,
                spec.query,
                series,
                True,
                "ok",
                "synthetic",
                spec.unit,
                spec.title or sid,
                spec.slo.min if spec.slo else None,
                spec.slo.max if spec.slo else None,
                1.0,
                self.newest,
            )
        return out


# ---- the key script on tab 6 ------------------------------------------------------------------

# (key, character, what it does): the cursor moves, the evidence opens and closes.
ROUND: list[tuple[str, str | None, str]] = [
    *[("j", "j", "down")] * 6,
    ("enter", "\r", "open"),
    ("escape", "\x1b", "close"),
    *[("k", "k", "up")] * 2,
    ("enter", "\r", "open"),
    ("escape", "\x1b", "close"),
    *[("j", "j", "down")] * 3,
]


def key_script(count: int) -> Iterator[tuple[str, str | None, str, tuple[int, bool]]]:
    """Presses with the (cursor row, evidence open) each must produce, from row 0."""
    cursor, shown = 0, False
    for i in range(count):
        key, char, kind = ROUND[i % len(ROUND)]
        if kind == "down":
            cursor += 1
        elif kind == "up":
            cursor -= 1
        else:
            shown = kind == "open"
        yield key, char, kind, (cursor, shown)


async def keypresses(
    app: WarRoomApp, screen: Screen, count: int, until: float
) -> tuple[dict[str, list[float]], list[str], int]:
    latencies: dict[str, list[float]] = {"down": [], "up": [], "open": [], "close": []}
    missed: list[str] = []
    pressed = 0
    for key, char, kind, want in key_script(count):
        if time.perf_counter() > until:
            break
        mark = len(screen.frames)
        event = events.Key(key, char)
        event.set_sender(app)
        pressed_at = time.perf_counter()
        app.post_message(event)
        pressed += 1
        deadline = pressed_at + KEY_TIMEOUT
        drawn = None
        while drawn is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
            drawn = screen.first_after(mark, want.__eq__)
        if drawn is None:
            missed.append(f"{key}→{want}")
            continue
        latencies[kind].append(drawn - pressed_at)
        await asyncio.sleep(0.1)  # a person's pace between keys
    return latencies, missed, pressed


def write_profile(profiler: cProfile.Profile, path: str) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(30)
    Path(path).write_text(out.getvalue())


# ---- the run --------------------------------------------------------------------------------


async def bench(sim: Sim, hello: dict[str, Any], args: argparse.Namespace, res: Results) -> None:
    folder = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    os.environ["WARROOM_DATA_DIR"] = str(folder / "data")
    path = folder / "checklist.yaml"
    path.write_text(yaml.safe_dump(bench_layout(hello["namespaces"]), sort_keys=False))
    layout = load_layout(path)
    async with open_room(layout, kubeconfig=hello["kubeconfig"]) as room:
        await room.sources.wait_synced(120)
        async with open_checklist(
            room, "bench", operator="bench", layout_path=path, go_live="23:30"
        ) as run:
            histories = Histories(layout, time.time())
            run._signals = histories.facts  # type: ignore[method-assign]
            evaluate = Timed(run.evaluator, "evaluate")
            # ---- 1. quiet ticks ------------------------------------------------------------
            deadline = time.monotonic() + 60
            while not run.world().picture_fresh:  # listed; now watching too
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the watches are not current: {run.world().picture_status}")
                await asyncio.sleep(0.05)
            run.tick()  # the first judges everything
            first = evaluate.calls[-1][1]
            assert run.evaluation is not None
            stale = [v.item for v in run.evaluation.items.values() if v.reason == "stale"]
            assert not stale, f"the first tick found the picture stale: {stale}"
            start = time.perf_counter()
            ticks: list[float] = []
            quiet_profiler = cProfile.Profile() if args.profile else None
            for _ in range(args.quiet_ticks):
                t0 = time.perf_counter()
                if quiet_profiler is not None:
                    quiet_profiler.enable()
                run.tick()
                if quiet_profiler is not None:
                    quiet_profiler.disable()
                ticks.append(time.perf_counter() - t0)
                await asyncio.sleep(0.005)
            if quiet_profiler is not None:
                write_profile(quiet_profiler, f"{args.profile}.quiet")
                res.notes.append(f"profile of the quiet ticks: {args.profile}.quiet")
            quiet = evaluate.between(start, time.perf_counter())
            res.rows.append(
                ("1. first evaluation (everything judged)", f"{first * 1000:.1f} ms", "")
            )
            res.rows.append(
                (
                    "2. tick, quiet cluster (ms)",
                    f"evaluate {spread(quiet, fmt='{:.1f}')}; "
                    f"whole tick {spread(ticks, fmt='{:.1f}')}",
                    "p95 ≤ 10 ms",
                )
            )
            summary = run.evaluation
            assert summary is not None
            verdicts: dict[str, int] = {}
            for v in summary.items.values():
                verdicts[v.verdict] = verdicts.get(v.verdict, 0) + 1
            failing = [
                f"{v.item} ({v.reason})" for v in summary.items.values() if v.verdict == "fail"
            ]
            res.notes.append(f"failing after the quiet ticks: {', '.join(failing) or 'none'}")
            res.notes.append(
                "verdicts after the quiet ticks: "
                + ", ".join(f"{n} {k}" for k, n in sorted(verdicts.items()))
            )

            # ---- 3. ticks under churn, at the app's 1 s cadence ---------------------------
            indexes = run.evaluator._pods._by_cache.values()
            catch_ups = [Timed(index, "catch_up") for index in indexes]
            follow = Timed(run, "follow")
            collector = GcPauses()
            gc.callbacks.append(collector)
            await sim.ask({"op": "churn", "rate": args.rate, "seconds": args.churn_seconds})
            churn_start = time.perf_counter()
            half = churn_start + args.churn_seconds / 2
            churn_ticks: list[float] = []
            profiler = cProfile.Profile() if args.profile else None
            while time.perf_counter() < half:
                for _ in range(3):  # as the app does between ticks, every 0.25 s
                    await asyncio.sleep(0.25)
                    run.follow()
                await asyncio.sleep(0.25)
                t0 = time.perf_counter()
                if profiler is not None:
                    profiler.enable()
                run.tick()
                if profiler is not None:
                    profiler.disable()
                churn_ticks.append(time.perf_counter() - t0)
            if profiler is not None:
                write_profile(profiler, args.profile)
                res.notes.append(f"profile of the churn ticks: {args.profile}")
            churned = evaluate.between(churn_start, time.perf_counter())
            following = [
                sum(d for t in catch_ups for s, d in t.calls if s0 <= s <= s0 + d0)
                for s0, d0 in evaluate.calls
                if churn_start <= s0
            ]
            res.rows.append(
                (
                    f"3. tick, {args.rate:.0f} pod updates/s, every 1 s (ms)",
                    f"evaluate {spread(churned, fmt='{:.1f}')}; whole tick "
                    f"{spread(churn_ticks, fmt='{:.1f}')} ({len(churn_ticks)} ticks)",
                    "p95 ≤ 10 ms",
                )
            )
            res.rows.append(
                (
                    "   of it, reading the pods changed since the last follow (ms)",
                    f"{spread(following, fmt='{:.1f}')} ({len(indexes)} namespaces)",
                    "",
                )
            )
            follows = follow.between(churn_start, time.perf_counter())
            res.rows.append(
                (
                    "   follow() between ticks, every 0.25 s (ms)",
                    f"{spread(follows, fmt='{:.1f}')} ({len(follows)} calls)",
                    "",
                )
            )

            # ---- 4. keypresses with the checklist on screen, churn going on ---------------
            app = room_app(room, session="bench", checklist=run)
            refresh = Timed(app, "refresh_views")
            widgets: dict[str, Any] = {}

            def state() -> tuple[Any, ...]:
                if "list" not in widgets:
                    try:
                        widgets["list"] = app.query_one("#checklist-list", ChecklistList)
                    except Exception:  # not mounted yet
                        return (-1, False)
                body = getattr(app.screen, "body", None)
                return (widgets["list"].cursor, isinstance(body, EvidenceDetail))

            screen = Screen(state=state)
            screen.install(app)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("6")
                await pilot.pause(0.5)
                keys_start = time.perf_counter()
                latencies, missed, pressed = await keypresses(
                    app, screen, args.keys, churn_start + args.churn_seconds - 1
                )
                keys_end = time.perf_counter()
            every = [v for vs in latencies.values() for v in vs]
            res.rows.append(
                (
                    "4. keypress → redrawn frame on tab 6, during churn (ms)",
                    f"{spread(every)} ({len(every)} of {pressed}"
                    + (f", {len(missed)} not drawn in {KEY_TIMEOUT:.0f} s" if missed else "")
                    + ")",
                    "p95 ≤ 100 ms",
                )
            )
            for kind, label in (
                ("down", "j (down)"),
                ("up", "k (up)"),
                ("open", "Enter opens the evidence"),
                ("close", "Esc closes it"),
            ):
                res.rows.append((f"   {label} (ms)", spread(latencies[kind]), ""))
            in_keys = evaluate.between(keys_start, keys_end)
            res.rows.append(
                (
                    "   evaluate during the keys (ms)",
                    f"{spread(in_keys, fmt='{:.1f}')} ({len(in_keys)} ticks)",
                    "",
                )
            )
            views = refresh.between(keys_start, keys_end)
            res.rows.append(
                (
                    "   refresh_views during the keys (ms)",
                    f"{spread(views)} ({len(views)} calls)",
                    "",
                )
            )
            for generation in (1, 2):
                pauses = collector.between(generation, churn_start, keys_end)
                res.rows.append(
                    (
                        f"   garbage collection, generation {generation} (ms)",
                        f"{spread(pauses)} ({len(pauses)} runs)",
                        "",
                    )
                )
            gc.callbacks.remove(collector)
            if missed:
                res.notes.append(f"keys never drawn within {KEY_TIMEOUT} s: {', '.join(missed)}")
            await sim.ask(
                {"op": "churn_result", "seconds": args.churn_seconds},
                timeout=args.churn_seconds + 60,
            )
            assert run.journal is not None
            res.notes.append(f"journal: {len(run.journal.records)} records in {run.journal.path}")


DEFINITIONS = """\
Definitions:
1. ChecklistRun.tick() right after the room synced: every item judged for the first time.
2. {quiet} calls of ChecklistRun.tick() 5 ms apart with no cluster changes: "evaluate" is
   Evaluator.evaluate() (the judging), "whole tick" adds folding the journal's new records,
   building the World (signals from the synthetic histories) and journalling what changed.
3. The same at the app's cadence while the sim writes {rate:.0f} pod updates a second
   round-robin over all pods: one tick a second and, as the app does between ticks,
   ChecklistRun.follow() every 0.25 s, which reads the pods changed since (so a tick reads
   ~{quarter:.0f} of the ~{rate:.0f} pods a second changes, and each follow() as many).
4. The war room at {w}×{h} on tab 6 (Checklist), churn still going, ticks by the app itself:
   keys posted as Key events 100 ms apart, in this order, repeated:
   {keys}
   Latency is from posting to the first frame (a compositor update handed to the headless
   driver) whose checklist cursor row and evidence view are what the key must produce."""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--quiet-ticks", type=int, default=200)
    parser.add_argument("--rate", type=float, default=500.0, help="pod updates per second")
    parser.add_argument("--churn-seconds", type=float, default=60.0)
    parser.add_argument("--keys", type=int, default=120, help="keypresses at most")
    parser.add_argument("--profile", default="", help="write cProfile stats of the churn ticks")
    args = parser.parse_args()
    sim = Sim(args.pods, args.nodes)
    res = Results()
    try:
        hello = sim.start()
        res.rows.append(
            (f"sim: {hello['pods']:,} pods on {args.nodes} nodes", f"{hello['setup_s']:.1f} s", "")
        )
        asyncio.run(bench(sim, hello, args, res))
    finally:
        sim.stop()
    print_table(res.rows)
    print()
    print(
        DEFINITIONS.format(
            quiet=args.quiet_ticks,
            rate=args.rate,
            quarter=args.rate / 4,
            w=SIZE[0],
            h=SIZE[1],
            keys=" ".join(k for k, _, _ in ROUND),
        )
    )
    for note in res.notes:
        print(f"Note: {note}")


if __name__ == "__main__":
    main()
