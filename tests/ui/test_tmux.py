"""`warroom demo` in a real tmux, as an on-call engineer runs it: 80×24 and 200×50."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.waiting import until_sync

# A tmux server of this test process's own: tests in another worker that close their last
# session end their server, and a shared default server could exit under this one's
# new-session ("server exited unexpectedly").
SOCKET = ("-L", f"warroom-tests-{os.getpid()}")


def tmux(*args: str) -> str:
    command = ["tmux", *SOCKET, *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def capture(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for_screen(session: str, pattern: str, timeout: float = 60.0) -> str:
    """The pane once `pattern` shows on it (polled: the pane is another process's)."""
    seen = [""]

    def shows() -> bool:
        seen[0] = capture(session)
        return re.search(pattern, seen[0], re.S) is not None

    try:
        until_sync(shows, timeout=timeout, what=f"{pattern!r} on the screen")
    except AssertionError as err:
        raise AssertionError(f"{err}; last screen:\n{seen[0]}") from None
    return seen[0]


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_demo_in_tmux_shows_live_panels_and_quits_cleanly(
    size: tuple[int, int], tmp_path: Path
) -> None:
    require_tool("tmux")
    width, height = size
    session = f"warroom-test-{uuid.uuid4().hex[:8]}"
    status = tmp_path / "exit-status"
    # Textual draws on stderr, so nothing is redirected: a traceback would show in the pane.
    # No COLORTERM: a terminal of 256 colours, which is all the screen may use.
    command = (
        f"env -u COLORTERM TERM=tmux-256color {sys.executable} -m warroom demo --speed 10; "
        f"echo $? > {status}; sleep 60"
    )
    tmux("new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), command)
    try:
        screen = wait_for_screen(session, r"Rollout.*HPA.*Signals")
        assert "DRILL" in screen and "warroom-sim" in screen
        assert "sim time ×10" in screen  # the header says whose clock it shows
        assert "PRODUCTION" in screen  # the demo's layout marks its cluster production
        screen = wait_for_screen(session, r"bizra-inference-hpa\s+\d+→\d+ of 3–50")
        assert re.search(r"rev \d+\s+\d+/\d+ updated, \d+ available", screen)
        assert re.search(r"cpu: \d+%/70%", screen)
        tmux("send-keys", "-t", session, "2")
        screen = wait_for_screen(session, r"bizra-inference-\w+-\w+\s+Running\s+1/1")
        tmux("send-keys", "-t", session, "3")
        screen = wait_for_screen(session, r"gpu-node-1\s+Ready")
        assert "Traceback" not in screen
        # The colours tmux holds for the pane, as the app sent them: palette ones, no RGB.
        codes = re.findall(r"\x1b\[([0-9;]*)m", tmux("capture-pane", "-e", "-p", "-t", session))
        assert any(";5;" in f";{c};" for c in codes), codes
        assert not [c for c in codes if re.search(r"(^|;)[34]8;2;", c)], codes
        tmux("send-keys", "-t", session, "q")
        # The shell writes the exit status once warroom has quit.
        until_sync(status.exists, timeout=30, what=f"warroom to quit; screen:\n{capture(session)}")
        assert status.read_text().strip() == "0"
        assert "Traceback" not in capture(session)
    finally:
        subprocess.run(["tmux", *SOCKET, "kill-session", "-t", session], capture_output=True)


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`, with its command name, from /proc."""
    parents: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # it ended while we looked
        child = int(stat.parent.name)
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :]
        parents.setdefault(int(rest.split()[1]), []).append(child)
        names[child] = name
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found[child] = names[child]
            todo.append(child)
    return found


# When the pane closes: once the signals are read from the real Prometheus, and as soon as
# the first live frame is drawn, while the screen is still busy (the kernel's SIGCONT after
# the SIGHUP once restarted Textual's output there and deadlocked the shutdown).
CLOSED_AT = {"steady": r"p95 latency\s+\d", "first-frame": r"Rollout.*?live ─"}


@pytest.mark.parametrize("moment", sorted(CLOSED_AT))
def test_closing_the_tmux_pane_stops_the_demo_and_its_prometheus(moment: str) -> None:
    require_tool("tmux")
    require_tool("prometheus")
    session = f"warroom-test-{uuid.uuid4().hex[:8]}"
    command = f"env -u COLORTERM TERM=tmux-256color {sys.executable} -m warroom demo --speed 10"
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command)
    try:
        wait_for_screen(session, CLOSED_AT[moment])
        shell = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        started = descendants(shell) | {shell: "pane"}
        prometheus = [pid for pid, name in started.items() if name == "prometheus"]
        assert prometheus, started
    finally:
        subprocess.run(["tmux", *SOCKET, "kill-session", "-t", session], capture_output=True)

    def ended() -> bool:
        return not any(Path(f"/proc/{p}").exists() for p in started)

    try:
        until_sync(ended, timeout=30, what="every process of the pane to end")
    except AssertionError:
        left = {p: n for p, n in started.items() if Path(f"/proc/{p}").exists()}
        raise AssertionError(f"still running after the pane closed: {left}") from None


def test_the_demos_checklist_in_tmux_ticks_an_item_and_journals_it() -> None:
    require_tool("tmux")
    session = f"warroom-test-{uuid.uuid4().hex[:8]}"
    name = f"tmux-{uuid.uuid4().hex[:6]}"
    data = os.environ["WARROOM_DATA_DIR"]  # the test's own (tests/conftest.py); said outright,
    # because a tmux server started earlier would hand the pane its own environment
    command = (
        f"env -u COLORTERM TERM=tmux-256color WARROOM_DATA_DIR={shlex.quote(data)} "
        f"{sys.executable} -m warroom demo --speed 10 --session {name} --operator carol; "
        "sleep 60"
    )
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        wait_for_screen(session, r"Rollout.*HPA")
        tmux("send-keys", "-t", session, "6")
        screen = wait_for_screen(session, r"Phase 1: Pre-Deployment Validation.*✓ pass")
        assert re.search(r"◔ wait\s+Storage Provisioned\s+to tick", screen), screen
        # The cursor starts on the phase row; Storage Provisioned is the third item under it.
        tmux("send-keys", "-t", session, "j", "j", "j", "t")
        wait_for_screen(session, r"Tick — Storage Provisioned")
        tmux("send-keys", "-t", session, "-l", "PV bound, md5 checked")
        tmux("send-keys", "-t", session, "Enter")
        screen = wait_for_screen(session, r"● done\s+Storage Provisioned\s+by carol")
        assert "Traceback" not in screen
        path = Path(data) / "sessions" / f"{name}.jsonl"
        ticks = [r for r in map(json.loads, path.read_text().splitlines()) if r["kind"] == "tick"]
        assert [(t["operator"], t["payload"]) for t in ticks] == [
            (
                "carol",
                {
                    "phase": "pre-deployment",
                    "item": "storage-provisioned",
                    "note": "PV bound, md5 checked",
                },
            )
        ]
    finally:
        subprocess.run(["tmux", *SOCKET, "kill-session", "-t", session], capture_output=True)
