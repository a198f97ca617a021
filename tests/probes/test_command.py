"""The local command check with real commands: exits, output, limits, timeouts that end the
whole process group."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.waiting import until
from warroom.probes.command import CUT_NOTE, OUTPUT_LIMIT, judge_output, run_command


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_a_command_runs_without_a_shell_and_keeps_its_streams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_INHERITED", "kept")
    outcome = await run_command(
        "sh -c 'echo \"$GREETING $WARROOM_INHERITED $PWD\"; echo warning >&2; exit 3'",
        timeout=10,
        cwd=tmp_path,
        env={"GREETING": "hello"},
    )
    assert outcome.exit_code == 3 and not outcome.timed_out and outcome.error is None
    assert outcome.stdout == f"hello kept {tmp_path}\n" and outcome.stderr == "warning\n"
    assert outcome.elapsed > 0
    literal = await run_command("echo $HOME '*' ;", timeout=10)  # no shell: no expansion
    assert literal.stdout == "$HOME * ;\n"


async def test_true_and_false_judge_by_exit_code() -> None:
    ok = await run_command("true", timeout=10)
    bad = await run_command("false", timeout=10)
    assert judge_output(ok.exit_code, ok.stdout) == ("pass", "exit 0")
    assert judge_output(bad.exit_code, bad.stdout) == ("fail", "exit 1, wants 0")
    assert judge_output(bad.exit_code, bad.stdout, exit_code_expected=1) == ("pass", "exit 1")
    assert judge_output(bad.exit_code, "", exit_code_expected=None)[0] == "pass"


def test_patterns_must_match_a_line_or_be_absent() -> None:
    out = "checking signature…\nVerified OK\nHIGH: 2\n"
    assert judge_output(0, out, pattern=r"^Verified OK$") == (
        "pass",
        "exit 0, '^Verified OK$' found",
    )
    assert judge_output(0, "Verification failure\n", pattern="Verified OK") == (
        "fail",
        "no line matches 'Verified OK'",
    )
    assert judge_output(0, out, absent_pattern="CRITICAL") == ("pass", "exit 0")
    assert judge_output(0, out + "CRITICAL: 1\n", absent_pattern="CRITICAL") == (
        "fail",
        "'CRITICAL' found",
    )
    assert judge_output(1, out, pattern="Verified OK") == ("fail", "exit 1, wants 0")
    assert judge_output(None, out) == ("fail", "no exit code (it did not finish)")


async def test_a_missing_program_is_one_sentence(tmp_path: Path) -> None:
    outcome = await run_command("trivy image web:1.2", timeout=10, env={"PATH": str(tmp_path)})
    assert outcome.exit_code is None and not outcome.timed_out
    assert outcome.error == "trivy is not installed or not on PATH"
    script = tmp_path / "check.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    denied = await run_command(str(script), timeout=10)
    assert denied.error == f"{script} is not executable (permission denied)"
    assert (await run_command("true", timeout=10, cwd=tmp_path / "no")).error == (
        f"true: the folder {tmp_path / 'no'} does not exist"
    )
    assert (await run_command("  ", timeout=10)).error == "the command is empty"
    assert (await run_command("echo 'open", timeout=10)).error == (
        'cannot read the command "echo \'open" (No closing quotation)'
    )


async def test_output_past_64_kib_is_cut_and_says_so() -> None:
    outcome = await run_command(
        f"{sys.executable} -c \"import sys; sys.stdout.write('x' * 300000); "
        "sys.stderr.write('e' * 10)\"",
        timeout=30,
    )
    assert outcome.exit_code == 0  # the child was not blocked on a full pipe
    assert outcome.stdout == "x" * OUTPUT_LIMIT + CUT_NOTE
    assert outcome.stderr == "e" * 10


async def test_a_timeout_ends_the_whole_process_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # The shell starts a grandchild sleep and waits; both must be gone after the timeout.
    outcome = await run_command(
        f"sh -c 'sleep 60 & echo $! > {pids}; echo $$ >> {pids}; echo started; wait'",
        timeout=0.5,
    )
    assert outcome.timed_out and outcome.exit_code is None
    assert outcome.error == "sh did not finish within 0.5 s and was stopped"
    assert outcome.stdout == "started\n"
    written = [int(line) for line in pids.read_text().split()]
    assert len(written) == 2 and all(gone(pid) for pid in written)
    assert judge_output(outcome.exit_code, outcome.stdout)[0] == "fail"


async def test_a_child_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    outcome = await run_command(
        f"sh -c 'trap \"\" TERM; echo $$ > {pid_file}; while :; do sleep 0.05; done'",
        timeout=0.3,
    )
    assert outcome.timed_out and outcome.elapsed >= 2.0  # SIGTERM ignored: SIGKILL at 2 s
    assert gone(int(pid_file.read_text()))


async def test_cancelling_the_check_ends_the_command(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    task = asyncio.create_task(
        run_command(f"sh -c 'echo $$ > {pid_file}; exec sleep 60'", timeout=60)
    )
    await until(
        lambda: pid_file.exists() and pid_file.read_text().strip() != "",
        what="the child wrote its pid",
    )
    with pytest.raises(asyncio.CancelledError):
        task.cancel()
        await task
    assert gone(int(pid_file.read_text()))
