"""The war room at scale: start-up, ingest lag, keypress latency, memory, initial list vs kubectl.

The simulated cluster (10,000 pods on 200 nodes in 4 namespaces, sim_api.py's scenario) runs in
a child process on 127.0.0.1; this process runs the war room as `warroom` would (one connection,
a ClusterPicture, ClusterSources, WarRoomApp headless at 200×50) in one event loop, while the sim
writes a bounded, paced churn of pod annotation updates stamped with their wall-clock time:

    python benchmarks/war_room.py [--pods 10000] [--nodes 200] [--rate 500] [--churn-seconds 30]
                                  [--idle-seconds 5] [--keys 100] [--repeat 5] [--targets 4]
                                  [--profile out.prof]

Targets (the issue's): full first screen ≤ 3 s; ingest lag < 1 s; keypress to redrawn screen
p95 ≤ 100 ms; RSS ≤ 400 MB; initial list-and-index of all pods ≤ 1.5× `kubectl get pods -A -o
json`. Definitions are printed under the table. `--profile` writes cProfile stats of the churn
and keypress phase (slower: read its numbers as shares, not times).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import multiprocessing as mp
import pstats
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

from sim_api import PODS, scenario
from textual import events
from textual.geometry import Region

from warroom.heap import HeapFreezer
from warroom.kube.connection import Connection, connect
from warroom.kube.reflector import Reflector
from warroom.kube.resource import Resource
from warroom.live.sources import ClusterSources
from warroom.sim.cluster import CONTEXT, SimCluster
from warroom.state.model import RoomModel
from warroom.state.picture import ClusterPicture
from warroom.state.room import HeaderInfo, RoomSnapshot, Targets
from warroom.state.store import ObjectCache
from warroom.ui.app import WarRoomApp
from warroom.ui.widgets.panels import RolloutPanel
from warroom.ui.widgets.pods import PodTable

STAMP = "bench/written"  # the churn write's time.time(), as text
SEQ = "bench/seq"
KUBECTL = "/usr/bin/kubectl"
SIZE = (200, 50)
KEY_TIMEOUT = 5.0  # a keypress whose frame has not come by then counts as missed
Row = tuple[str, str, str]


# ---- the sim, in its own process ------------------------------------------------------


def serve(conn: Pipe, pods: int, nodes: int) -> None:
    asyncio.run(_serve(conn, pods, nodes))


async def _serve(conn: Pipe, pods: int, nodes: int) -> None:
    started = time.perf_counter()
    async with SimCluster(scenario(pods, nodes), manual_clock=True) as sim:
        conn.send(
            {
                "url": sim.url,
                "kubeconfig": str(sim.kubeconfig),
                "namespaces": list(sim.scenario.namespaces),
                "setup_s": time.perf_counter() - started,
                "pods": sim.store.count(PODS),
            }
        )
        loop = asyncio.get_running_loop()
        task: asyncio.Task[dict[str, float]] | None = None
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command["op"] == "stop":
                if task is not None:
                    task.cancel()
                return
            if command["op"] == "churn":
                task = asyncio.create_task(paced_churn(sim, command["rate"], command["seconds"]))
                conn.send({"ok": True})
            elif command["op"] == "churn_result":
                assert task is not None
                conn.send(await asyncio.wait_for(task, timeout=command["seconds"] + 30))


async def paced_churn(sim: SimCluster, rate: float, seconds: float) -> dict[str, float]:
    """`rate` pod updates a second for `seconds`, each stamped with its write's wall time."""
    pods = sorted(
        sim.store.list(PODS), key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"])
    )
    # Interleave namespaces so every namespace's reflector gets its share of the load.
    pods.sort(key=lambda p: hash(p["metadata"]["name"]) % 997)
    total = int(rate * seconds)
    start = time.perf_counter()
    written, behind = 0, 0
    while written < total:
        elapsed = time.perf_counter() - start
        if elapsed > seconds + 10:
            break  # the sim could not keep up; report what was written
        due = min(total, int(elapsed * rate) + 1)
        behind = max(behind, due - written)
        while written < due:
            pod = pods[written % len(pods)]["metadata"]
            current = sim.store.get(PODS, pod["namespace"], pod["name"])
            assert current is not None
            # Stored objects are never mutated, so a write may share every part it does not change.
            annotations = dict(
                current["metadata"].get("annotations") or {},
                **{SEQ: str(written), STAMP: f"{time.time():.6f}"},
            )
            sim.store.update(
                PODS, dict(current, metadata=dict(current["metadata"], annotations=annotations))
            )
            written += 1
        await asyncio.sleep(0.002)
    return {
        "events": float(written),
        "seconds": time.perf_counter() - start,
        "max_batch": float(behind),
    }


class Sim:
    """The child process and its command pipe."""

    def __init__(self, pods: int, nodes: int) -> None:
        self.pipe, child = mp.Pipe()
        self.proc = mp.get_context("spawn").Process(
            target=serve, args=(child, pods, nodes), daemon=True
        )

    def start(self, timeout: float = 600) -> dict[str, Any]:
        self.proc.start()
        if not self.pipe.poll(timeout):
            raise TimeoutError(f"the sim did not start within {timeout} s")
        hello: dict[str, Any] = self.pipe.recv()
        return hello

    async def ask(self, command: dict[str, Any], timeout: float = 120) -> Any:
        self.pipe.send(command)
        loop = asyncio.get_running_loop()
        ready = await loop.run_in_executor(None, self.pipe.poll, timeout)
        if not ready:
            raise TimeoutError(f"the sim did not answer {command['op']} within {timeout} s")
        return self.pipe.recv()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.pipe.send({"op": "stop"})
        self.proc.join(timeout=30)
        if self.proc.is_alive():
            self.proc.kill()


# ---- measuring helpers ----------------------------------------------------------------


def rss_mb(field_name: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def spread(values: list[float], unit: float = 1000, fmt: str = "{:.0f}") -> str:
    """p50/p95/max of `values` (seconds) in ms by default."""
    if not values:
        return "no samples"
    p50, p95, top = (
        fmt.format(v * unit) for v in (pct(values, 0.5), pct(values, 0.95), max(values))
    )
    return f"p50 {p50} / p95 {p95} / max {top}"


class IngestLog:
    """Wraps each pod cache's `apply` to record, per churn write, write-to-applied lag."""

    def __init__(self) -> None:
        self.lags: dict[str, tuple[float, float]] = {}  # seq → (written at, lag)
        self.recording = False

    def wrap(self, cache: ObjectCache) -> None:
        original = cache.apply

        def apply(event_type: str, obj: dict[str, Any]) -> None:
            original(event_type, obj)
            if not self.recording:
                return
            annotations = (obj.get("metadata") or {}).get("annotations") or {}
            seq = annotations.get(SEQ)
            if seq is not None and seq not in self.lags:
                written = float(annotations[STAMP])
                self.lags[seq] = (written, time.time() - written)

        cache.apply = apply  # type: ignore[method-assign]


@dataclass
class Screen:
    """What the screen showed at each frame: (perf_counter, state) per compositor update.

    A frame is one compositor update handed to the driver (`App._display`); headless, the driver
    writes nothing, but the layout and the widgets' lines for it have been computed.
    """

    frames: list[tuple[float, tuple[Any, ...]]] = field(default_factory=list)
    state: Callable[[], tuple[Any, ...]] = lambda: ()

    def install(self, app: WarRoomApp) -> None:
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.frames.append((time.perf_counter(), self.state()))

        app._display = display  # type: ignore[method-assign]

    def first_after(self, mark: int, check: Callable[[tuple[Any, ...]], bool]) -> float | None:
        for when, state in self.frames[mark:]:
            if check(state):
                return when
        return None


def wrap_replace(cache: ObjectCache, replaced: dict[int, float]) -> None:
    original = cache.replace

    def replace(items: list[dict[str, Any]], resource_version: str) -> None:
        original(items, resource_version)
        replaced.setdefault(id(cache), time.perf_counter())

    cache.replace = replace  # type: ignore[method-assign]


class Timed:
    """Durations of calls to one instance method, by wrapping the instance attribute."""

    def __init__(self, owner: Any, name: str) -> None:
        self.calls: list[tuple[float, float]] = []  # (start, duration)
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.calls.append((start, time.perf_counter() - start))

        setattr(owner, name, timed)

    def between(self, start: float, end: float) -> list[float]:
        return [d for s, d in self.calls if start <= s <= end]


class GcPauses:
    """Durations of the garbage collector's runs, by generation (gc.callbacks)."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[tuple[float, float]]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(
                (self._started, time.perf_counter() - self._started)
            )

    def between(self, generation: int, start: float, end: float) -> list[float]:
        return [d for s, d in self.pauses[generation] if start <= s <= end]


async def loop_stalls(out: list[float], stop: asyncio.Event) -> None:
    """How late a 10 ms sleep wakes: how long the event loop was blocked by other work."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.01)
        out.append(time.perf_counter() - start - 0.01)


async def wait_drawn(
    screen: Screen, mark: int, want: tuple[str, bool, str], pressed_at: float
) -> float | None:
    """When the first frame after `mark` showed `want`; None after KEY_TIMEOUT of a free loop.

    Time the loop spent blocked (one long synchronous call) extends the wait, so a key whose
    frame comes right after a 60 s stall is counted with its real latency, not as missed.
    """
    deadline = pressed_at + KEY_TIMEOUT
    while True:
        before = time.perf_counter()
        await asyncio.sleep(0.002)
        after = time.perf_counter()
        if after - before > 0.5:
            deadline += after - before
        drawn = screen.first_after(mark, lambda s: s[1:] == want)
        if drawn is not None or after > deadline:
            return drawn


# ---- the key script -------------------------------------------------------------------

# (key, character) and what the screen must show afterwards: (tab, filter box shown, filter).
FILTER = "node-1"
ROUND: list[tuple[str, str | None, str]] = [
    ("3", "3", "tab"),
    ("5", "5", "tab"),
    ("1", "1", "tab"),
    ("2", "2", "tab"),
    ("slash", "/", "filter"),
    *[(("minus" if c == "-" else c), c, "type") for c in FILTER],
    ("escape", "\x1b", "escape"),
]
TAB_OF = {"1": "overview", "2": "pods", "3": "nodes", "5": "events"}


def key_script(count: int) -> Iterator[tuple[str, str | None, str, tuple[str, bool, str]]]:
    """`count` presses, each with the (active tab, filter shown, filter text) it must produce."""
    tab, shown, text = "overview", False, ""
    for i in range(count):
        key, char, kind = ROUND[i % len(ROUND)]
        if kind == "tab":
            tab = TAB_OF[key]
        elif kind == "filter":
            tab, shown, text = "pods", True, ""
        elif kind == "type":
            text += char or ""
        else:
            shown, text = False, ""
        yield key, char, kind, (tab, shown, text)


# ---- the phases -----------------------------------------------------------------------


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


async def war_room(sim: Sim, hello: dict[str, Any], args: argparse.Namespace, res: Results) -> None:
    namespaces: list[str] = hello["namespaces"]
    rss_start = rss_mb()
    ingest = IngestLog()
    screen = Screen()
    targets = [(namespaces[i % len(namespaces)], f"svc-{i}") for i in range(args.targets)]

    # ---- 1. start to a full first screen -------------------------------------------------
    t0 = time.perf_counter()
    connection = await connect(hello["kubeconfig"], CONTEXT)
    t_connected = time.perf_counter()
    picture = ClusterPicture(namespaces)
    for cache in picture.caches["pods"].values():
        ingest.wrap(cache)
    # Each cache's first replace() is its reflector's sync (the list reached the sink).
    caches = [c for by_ns in picture.caches.values() for c in by_ns.values()]
    replaced: dict[int, float] = {}
    for cache in caches:
        wrap_replace(cache, replaced)
    sources = ClusterSources(connection, picture)
    sources.start()
    heap = HeapFreezer()  # as open_room runs it
    heap.start()
    model = RoomModel(
        lambda: RoomSnapshot(picture, sources=tuple(picture.sources()), prometheus=False),
        Targets(deployments=tuple(targets)),
    )
    app = WarRoomApp(model, HeaderInfo(CONTEXT, tuple(namespaces), "bench", drill=True))
    heap.busy = lambda: app.seconds_since_key() < 3.0  # as ui.run.run_app sets it
    refresh = Timed(app, "refresh_views")
    widgets: dict[str, Any] = {}

    def synced_at() -> float | None:
        return max(replaced.values()) if len(replaced) == len(caches) else None

    def full() -> bool:
        # Every reflector synced, then a refresh_views that began after it has finished.
        synced = synced_at()
        return synced is not None and any(start >= synced for start, _ in refresh.calls)

    def state() -> tuple[Any, ...]:
        if not widgets:
            try:
                widgets["table"] = app.query_one("#pod-table", PodTable)
                widgets["box"] = app.query_one("#pods .filter")
                widgets["tabs"] = app.query_one("#tabs")
            except Exception:  # not mounted yet
                widgets.clear()
                return (full(), "", False, "")
        return (
            full(),
            getattr(widgets["tabs"], "active", ""),
            bool(widgets["box"].display),
            widgets["table"].filter_text,
        )

    screen.state = state
    screen.install(app)
    collector = GcPauses()
    gc.callbacks.append(collector)
    profiler = cProfile.Profile() if args.profile else None
    try:
        async with app.run_test(size=SIZE) as pilot:
            t_app = time.perf_counter()
            table = app.query_one("#pod-table", PodTable)
            table_show = Timed(table, "show")
            deadline = time.monotonic() + 120
            first: float | None = None
            while first is None and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
                first = screen.first_after(0, lambda s: bool(s and s[0]))
            synced = synced_at()
            if first is None or synced is None:
                raise TimeoutError(
                    f"no full first screen within 120 s: {len(screen.frames)} frames, "
                    f"{len(replaced)} of {len(caches)} caches synced"
                )
            panel = app.query_one("#rollout", RolloutPanel)
            drawn = panel.render_lines(Region(0, 0, *panel.region.size))
            shown = "\n".join(strip.text for strip in drawn)
            missing = [name for _, name in targets if f"/{name} " not in shown]
            assert not missing, f"the rollout panel lacks {missing}:\n{shown}"
            res.rows.append(
                (
                    "1. start to a full first screen",
                    f"{first - t0:.2f} s (connected {t_connected - t0:.2f}, app mounted "
                    f"{t_app - t0:.2f}, {len(caches)} reflectors synced {synced - t0:.2f})",
                    "≤ 3 s",
                )
            )
            assert picture.count("pods") == hello["pods"], picture.count("pods")
            rss_loaded = rss_mb()

            # ---- 2 + 3. churn, ingest lag and keypresses --------------------------------
            await pilot.pause(0.5)
            stalls: list[float] = []
            stop_stalls = asyncio.Event()
            stall_task = asyncio.create_task(loop_stalls(stalls, stop_stalls))
            ingest.recording = True
            await sim.ask({"op": "churn", "rate": args.rate, "seconds": args.churn_seconds})
            churn_start = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            # The app idles on the overview first: the ingest lag without keypresses.
            await asyncio.sleep(args.idle_seconds)
            keys_from = time.time()
            latencies: dict[str, list[float]] = {"tab": [], "filter": [], "type": [], "escape": []}
            missed: list[str] = []
            per_key: list[str] = []
            pressed = 0
            key_end = churn_start + args.churn_seconds - 1
            for key, char, kind, want in key_script(args.keys):
                if time.perf_counter() > key_end:
                    break
                mark = len(screen.frames)
                event = events.Key(key, char)
                event.set_sender(app)
                pressed_at = time.perf_counter()
                app.post_message(event)
                pressed += 1
                drawn = await wait_drawn(screen, mark, want, pressed_at)
                if drawn is None:
                    missed.append(f"{key}→{want}")
                    per_key.append(f"{key}:missed")
                    continue
                latencies[kind].append(drawn - pressed_at)
                per_key.append(f"{key}:{(drawn - pressed_at) * 1000:.0f}")
                await asyncio.sleep(0.1)  # a person's pace between keys
            key_stop = time.perf_counter()
            result = await sim.ask(
                {"op": "churn_result", "seconds": args.churn_seconds},
                timeout=args.churn_seconds + 60,
            )
            written = int(result["events"])
            for _ in range(300):  # up to 15 s for the last events to arrive
                if len(ingest.lags) >= written:
                    break
                await asyncio.sleep(0.05)
            churn_end = time.perf_counter()
            if profiler is not None:
                profiler.disable()
            stop_stalls.set()
            await stall_task
            ingest.recording = False

            lags = [lag for _, lag in ingest.lags.values()]
            idle_lags = [lag for at, lag in ingest.lags.values() if at < keys_from]
            key_lags = [lag for at, lag in ingest.lags.values() if at >= keys_from]
            res.rows.append(
                (
                    "2. ingest lag, write in sim → applied to picture (ms)",
                    f"{spread(lags)} ({len(lags):,} of {written:,} writes at "
                    f"{written / result['seconds']:.0f}/s over {result['seconds']:.0f} s)",
                    "< 1 s",
                )
            )
            res.rows.append(
                (
                    f"   while idle on the overview, first {args.idle_seconds:g} s",
                    spread(idle_lags),
                    "",
                )
            )
            res.rows.append(("   while keys are pressed", spread(key_lags), ""))
            every = [v for vs in latencies.values() for v in vs]
            res.rows.append(
                (
                    "3. keypress → redrawn frame, all keys (ms)",
                    f"{spread(every)} ({len(every)} of {pressed} pressed"
                    + (f", {len(missed)} not drawn in {KEY_TIMEOUT:.0f} s" if missed else "")
                    + ")",
                    "p95 ≤ 100 ms",
                )
            )
            for kind, label in (
                ("tab", "tab switch 3/5/1/2"),
                ("filter", "/ opens the filter"),
                ("type", f"typing {FILTER!r} in the filter"),
                ("escape", "Esc clears the filter"),
            ):
                res.rows.append((f"   {label} (ms)", spread(latencies[kind]), ""))
            res.notes.append(f"keypress → frame, ms, in order: {' '.join(per_key)}")
            if missed:
                res.notes.append(f"keys never drawn within {KEY_TIMEOUT} s: {', '.join(missed)}")
            res.rows.append(
                (
                    "   refresh_views during churn (ms)",
                    f"{spread(refresh.between(churn_start, churn_end))} "
                    f"({len(refresh.between(churn_start, churn_end))} calls)",
                    "",
                )
            )
            res.rows.append(
                (
                    "   PodTable.show during churn (ms)",
                    f"{spread(table_show.between(churn_start, churn_end))} "
                    f"({len(table_show.between(churn_start, churn_end))} calls)",
                    "",
                )
            )
            for generation in (1, 2):
                res.rows.append(
                    (
                        f"   garbage collection, generation {generation} (ms)",
                        f"{spread(collector.between(generation, churn_start, churn_end))} "
                        f"({len(collector.between(generation, churn_start, churn_end))} runs)",
                        "",
                    )
                )
            res.rows.append(
                (
                    "   event-loop stall (10 ms sleep overshoot, ms)",
                    f"{spread(stalls)}; frames during churn "
                    f"{sum(1 for t, _ in screen.frames if churn_start <= t <= churn_end)}",
                    "",
                )
            )
            full_pass = heap.collect_all_now()
            res.rows.append(
                (
                    f"   HeapFreezer's full pass, every {heap.full_every:.0f} s (ms)",
                    f"{full_pass * 1000:.0f} ms on the churned heap (none fell in the key window)"
                    if heap.full_runs == 1
                    else f"{full_pass * 1000:.0f} ms ({heap.full_runs - 1} during the run)",
                    "",
                )
            )
            rss_churned, hwm = rss_mb(), rss_mb("VmHWM")
            res.rows.append(
                (
                    "4. resident memory of this process (MB)",
                    f"{rss_churned:.0f} MB after churn (peak {hwm:.0f}; {rss_start:.0f} before "
                    f"connecting, {rss_loaded:.0f} at first screen)",
                    "≤ 400 MB",
                )
            )
            res.notes.append(
                f"churn: {written:,} writes in {result['seconds']:.1f} s (largest catch-up batch "
                f"{int(result['max_batch'])}); keys pressed for {key_stop - churn_start:.1f} s"
            )
    finally:
        gc.callbacks.remove(collector)
        await sources.stop()
        await heap.stop()
        await connection.close()
    if profiler is not None:
        profiler.dump_stats(args.profile)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        Path(args.profile).with_suffix(".txt").write_text(out.getvalue())
        res.notes.append(f"profile of the churn phase: {args.profile} (+ .txt summary)")


async def kubectl_once(kubeconfig: str) -> float:
    cache_dir = tempfile.mkdtemp(prefix="kubectl-cache-")
    try:
        start = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            KUBECTL,
            "--kubeconfig",
            kubeconfig,
            "--cache-dir",
            cache_dir,
            "get",
            "pods",
            "-A",
            "-o",
            "json",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"kubectl failed: {err.decode()[:300]}")
        return elapsed
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)


async def reflector_once(connection: Connection, expected: int) -> float:
    cache = ObjectCache()
    start = time.perf_counter()
    reflector = Reflector(connection, Resource("", "v1", "pods"), cache)
    reflector.start()
    try:
        await reflector.wait_synced(120)
        elapsed = time.perf_counter() - start
    finally:
        await reflector.stop()
    assert len(cache) == expected, (len(cache), expected)
    return elapsed


async def list_vs_kubectl(hello: dict[str, Any], args: argparse.Namespace, res: Results) -> None:
    """5. A fresh reflector over all pods until synced vs `kubectl get pods -A -o json`."""
    gc.collect()
    kubeconfig = hello["kubeconfig"]
    start = time.perf_counter()
    connection = await connect(kubeconfig, CONTEXT)
    connect_s = time.perf_counter() - start
    try:
        await reflector_once(connection, hello["pods"])  # warm the sim's encoded objects
        await kubectl_once(kubeconfig)
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(args.repeat):
            theirs.append(await kubectl_once(kubeconfig))
            ours.append(await reflector_once(connection, hello["pods"]))
            gc.collect()
    finally:
        await connection.close()
    mine, kube = statistics.median(ours), statistics.median(theirs)
    res.rows.append(
        (
            f"5. list-and-index all {hello['pods']:,} pods vs kubectl",
            f"reflector {mine:.2f} s vs kubectl {kube:.2f} s (medians of {args.repeat}) = "
            f"{mine / kube:.2f}× (best {min(ours):.2f} / {min(theirs):.2f}; connect "
            f"{connect_s:.2f} s more)",
            "≤ 1.5×",
        )
    )


DEFINITIONS = """\
Definitions:
1. From before connect() (then ClusterPicture, ClusterSources.start(), WarRoomApp.run_test at
   {w}×{h}) to the first frame — one compositor update handed to the (headless) driver — emitted
   after every reflector's first list reached its cache AND a refresh_views() that began after
   that had returned (so the overview shows the synced picture; its rollout panel is checked to
   name all {targets} target Deployments). No churn during start-up.
2. For each churn write (a pod annotation update in the sim process stamped with time.time() just
   before the store write; {rate:.0f}/s, round-robin over all pods), time.time() in this process
   right after ObjectCache.apply returned for it, while the app runs and keys are pressed.
3. After {idle:g} s of churn with the app idle on the overview, keys are posted to the app as Key
   events (as a terminal driver would), one at a time, 100 ms apart, while churning, in this
   order, repeated:
   {keys}
   Latency is from posting to the first frame whose state (active tab, filter box shown,
   PodTable.filter_text) is what the key must produce; a key not drawn within {timeout:.0f} s of
   unblocked event loop counts as missed (time the loop was blocked does not count towards it).
   At most {count} presses, and only within the churn window.
4. VmRSS of this process from /proc/self/status after the churn (the sim runs elsewhere).
5. Per run: Reflector(all namespaces, pods, page size 500) into a fresh ObjectCache, from
   construction to wait_synced(), on an open connection; vs wall time of `kubectl --kubeconfig K
   --cache-dir <fresh tmp> get pods -A -o json >/dev/null` (process start, discovery, 500-item
   chunks). Alternated, after one unmeasured warm-up of each; after the app is stopped."""


def print_table(rows: list[Row]) -> None:
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    header = ("measurement", "result", "target")
    print(" | ".join(h.ljust(w) for h, w in zip(header, width, strict=True)))
    print("-|-".join("-" * w for w in width))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, width, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=500.0, help="churn writes per second")
    parser.add_argument("--churn-seconds", type=float, default=30.0)
    parser.add_argument(
        "--idle-seconds", type=float, default=5.0, help="churn before the first key"
    )
    parser.add_argument("--keys", type=int, default=100, help="keypresses at most")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the list comparison")
    parser.add_argument("--targets", type=int, default=4, help="Deployments in the rollout panel")
    parser.add_argument("--profile", default="", help="write cProfile stats of the churn phase")
    args = parser.parse_args()
    sim = Sim(args.pods, args.nodes)
    res = Results()
    try:
        hello = sim.start()
        res.rows.append(
            (
                f"sim start: {hello['pods']:,} pods on {args.nodes} nodes (child process)",
                f"{hello['setup_s']:.1f} s",
                "(setup, no target)",
            )
        )

        async def run() -> None:
            await war_room(sim, hello, args, res)
            await list_vs_kubectl(hello, args, res)

        asyncio.run(run())
    finally:
        sim.stop()
    print_table(res.rows)
    print()
    keys = " ".join(k for k, _, _ in ROUND)
    print(
        DEFINITIONS.format(
            w=SIZE[0],
            h=SIZE[1],
            targets=args.targets,
            rate=args.rate,
            keys=keys,
            timeout=KEY_TIMEOUT,
            count=args.keys,
            idle=args.idle_seconds,
        )
    )
    for note in res.notes:
        print(f"Note: {note}")


if __name__ == "__main__":
    main()
