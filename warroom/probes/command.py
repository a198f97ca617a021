"""A local command check: run one command (no shell) with a deadline, then judge its output.

The command runs in its own process group, so a timeout ends everything it started: SIGTERM
to the group, then SIGKILL to whatever is left after 2 s. `judge_output` is shared with the
SSH check (`probes/ssh.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

OUTPUT_LIMIT = 64 * 1024
CUT_NOTE = "\n[output cut: only the first 64 KiB kept]"
KILL_GRACE = 2.0


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """How a command ended. `exit_code` is None when it timed out or never started (`error`)."""

    exit_code: int | None
    stdout: str
    stderr: str
    elapsed: float
    timed_out: bool = False
    error: str | None = None


async def run_command(
    command: str,
    *,
    timeout: float,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> CommandOutcome:
    """Run `command` split as a shell would split it, but with no shell.

    `env` adds to (or overrides) this process's environment. Never raises for the command."""
    started = time.monotonic()
    try:
        argv = shlex.split(command)
    except ValueError as err:
        return _failed(started, f"cannot read the command {command!r} ({err})")
    if not argv:
        return _failed(started, "the command is empty")
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            env={**os.environ, **env} if env is not None else None,
            start_new_session=True,  # its own process group, to end all of it
        )
    except FileNotFoundError as err:
        if cwd is not None and os.fspath(err.filename or "") == os.fspath(cwd):
            return _failed(started, f"{argv[0]}: the folder {cwd} does not exist")
        return _failed(started, f"{argv[0]} is not installed or not on PATH")
    except PermissionError:
        return _failed(started, f"{argv[0]} is not executable (permission denied)")
    except OSError as err:
        return _failed(started, f"{argv[0]} cannot be started ({err.strerror or err})")
    assert proc.stdout is not None and proc.stderr is not None
    reading = asyncio.gather(_keep(proc.stdout), _keep(proc.stderr), proc.wait())
    timed_out = False
    try:
        try:
            (out, err_text, code) = await asyncio.wait_for(asyncio.shield(reading), timeout)
        except TimeoutError:
            timed_out = True
            await _end_group(proc)
            out, err_text = await _rest(reading)
    finally:
        if not reading.done():  # cancelled from outside: leave nothing running
            await asyncio.shield(_end_group(proc))
            reading.cancel()
    return CommandOutcome(
        None if timed_out else code,
        out,
        err_text,
        time.monotonic() - started,
        timed_out=timed_out,
        error=f"{argv[0]} did not finish within {timeout:g} s and was stopped"
        if timed_out
        else None,
    )


async def _rest(reading: asyncio.Future[tuple[str, str, int]]) -> tuple[str, str]:
    # A process that left the group (setsid) may hold the pipes open: do not wait for it.
    try:
        out, err, _ = await asyncio.wait_for(reading, KILL_GRACE)
    except TimeoutError:
        return "", ""
    return out, err


def _failed(started: float, sentence: str) -> CommandOutcome:
    return CommandOutcome(None, "", "", time.monotonic() - started, error=sentence)


def keep_first(text: str) -> str:
    """`text` cut to its first OUTPUT_LIMIT bytes (UTF-8), saying so when it was."""
    data = text.encode("utf-8", "surrogateescape")
    if len(data) <= OUTPUT_LIMIT:
        return text
    return data[:OUTPUT_LIMIT].decode("utf-8", "replace") + CUT_NOTE


async def _keep(stream: asyncio.StreamReader) -> str:
    """The first OUTPUT_LIMIT bytes as text; the rest is read and dropped, so the child never
    blocks on a full pipe."""
    kept = bytearray()
    cut = False
    while chunk := await stream.read(65536):
        room = OUTPUT_LIMIT - len(kept)
        if len(chunk) > room:
            cut = True
        kept += chunk[: max(room, 0)]
    return kept.decode("utf-8", "replace") + (CUT_NOTE if cut else "")


async def _end_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the group, then SIGKILL what is left of it after KILL_GRACE seconds."""
    group = proc.pid  # start_new_session: the leader's pid is the group's id
    if not _signal_group(group, signal.SIGTERM):
        return
    deadline = time.monotonic() + KILL_GRACE
    while time.monotonic() < deadline:
        if proc.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 0.05)
        elif not _signal_group(group, 0):
            return  # the leader is reaped and nothing else is left in the group
        else:
            await asyncio.sleep(0.05)  # others of the group are still ending; no event tells
    _signal_group(group, signal.SIGKILL)
    await proc.wait()


def _signal_group(group: int, sig: int) -> bool:
    """Send `sig` to the group; False when no process of it is left."""
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        return False
    except PermissionError:  # only zombies left, on some systems
        return False
    return True


def judge_output(
    exit_code: int | None,
    stdout: str,
    *,
    exit_code_expected: int | None = 0,
    pattern: str | None = None,
    absent_pattern: str | None = None,
) -> tuple[Literal["pass", "fail"], str]:
    """(verdict, reason) for a finished command: the exit code, then `pattern` (a regex some
    line must match), then `absent_pattern` (a regex no line may match)."""
    if exit_code is None:
        return "fail", "no exit code (it did not finish)"
    if exit_code_expected is not None and exit_code != exit_code_expected:
        return "fail", f"exit {exit_code}, wants {exit_code_expected}"
    if pattern is not None and not re.search(pattern, stdout, re.MULTILINE):
        return "fail", f"no line matches {pattern!r}"
    if absent_pattern is not None and re.search(absent_pattern, stdout, re.MULTILINE):
        return "fail", f"{absent_pattern!r} found"
    found = f", {pattern!r} found" if pattern is not None else ""
    return "pass", f"exit {exit_code}{found}"
