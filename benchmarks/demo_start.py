"""`warroom demo --layout NAME` from the command to a live screen, for every shipped layout.

Each run starts the real command in a private tmux server (a terminal of SIZE, a data folder
of its own), reads the screen every 50 ms with `tmux capture-pane`, and stops the clock when
the Overview's rollout panel says `live` (the sim up, Prometheus answering or the built-in
one, reflectors synced, the first frame drawn with cluster data). It then kills the tmux
server, which ends the demo and its Prometheus.

    python benchmarks/demo_start.py [--repeat 3] [--size 200x50] [--timeout 30] [NAME ...]

Target (issue 11): a live screen within 5 s of the command on this machine, on any of the five.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIVE = re.compile(r"Rollout.*?live ─", re.S)
TARGET = 5.0


def layouts() -> list[str]:
    return sorted(p.stem for p in (ROOT / "layouts").glob("*.yaml"))


def ended(pid: int, within: float = 10.0) -> bool:
    """Whether the process ends within `within` seconds of its pane closing; if not, it is
    killed (with its Prometheus) so that the next run starts on a quiet machine."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.1)
    subprocess.run(["pkill", "-9", "-P", str(pid)], check=False)
    subprocess.run(["kill", "-9", str(pid)], check=False)
    return False


def one_start(name: str, size: str, timeout: float) -> tuple[float | None, bool]:
    """Seconds from the command to a live screen (None if it did not come within `timeout`),
    and whether the demo ended when its tmux server was killed."""
    width, height = size.split("x")
    with tempfile.TemporaryDirectory(prefix="warroom-demo-bench-") as tmp:
        socket = str(Path(tmp) / "tmux.sock")
        env = dict(os.environ, WARROOM_DATA_DIR=str(Path(tmp) / "data"))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        command = f"{sys.executable} -m warroom demo --layout {name}"
        started = time.monotonic()
        subprocess.run(
            ["tmux", "-S", socket, "new-session", "-d", "-x", width, "-y", height, command],
            env=env, check=True, cwd=ROOT,
        )  # fmt: skip
        pid = int(subprocess.run(
            ["tmux", "-S", socket, "display-message", "-p", "-t", "0", "#{pane_pid}"],
            capture_output=True, text=True, check=True,
        ).stdout)  # fmt: skip
        live = None
        try:
            while time.monotonic() - started < timeout:
                screen = subprocess.run(
                    ["tmux", "-S", socket, "capture-pane", "-p", "-t", "0"],
                    capture_output=True, text=True, check=False,
                ).stdout  # fmt: skip
                if LIVE.search(screen):
                    live = time.monotonic() - started
                    break
                time.sleep(0.05)
        finally:
            subprocess.run(["tmux", "-S", socket, "kill-server"], check=False)
        return live, ended(pid)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="layouts (default: every shipped one)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", default="200x50")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed: apt-get install tmux")
    rows = []
    for name in args.names or layouts():
        runs = [one_start(name, args.size, args.timeout) for _ in range(args.repeat)]
        times = [t for t, _ in runs]
        stuck = sum(1 for _, gone in runs if not gone)
        got = [t for t in times if t is not None]
        median = f"{statistics.median(got):.2f} s" if got else "—"
        worst = f"{max(got):.2f} s" if got else "—"
        missed = len(times) - len(got)
        note = f"{missed} of {len(times)} not live in {args.timeout:g} s" if missed else ""
        if stuck:
            left = f"{stuck} of {len(runs)} still running after close"
            note = "; ".join(filter(None, [note, left]))
        ok = bool(got) and not missed and not stuck and max(got) <= TARGET
        rows.append((name, median, worst, note or ("ok" if ok else "over target")))
    width = max(len(r[0]) for r in rows)
    print(f"{'layout':<{width}} | median  | worst   | target ≤ {TARGET:g} s, {args.size}")
    print(f"{'-' * width}-|---------|---------|------------------")
    for name, median, worst, note in rows:
        print(f"{name:<{width}} | {median:<7} | {worst:<7} | {note}")
    print(
        f"\n{args.repeat} runs each: from starting `warroom demo --layout NAME` in tmux to the "
        "first captured screen whose Rollout panel says live; then the tmux server is "
        "killed, and the demo must end within 10 s."
    )


if __name__ == "__main__":
    main()
