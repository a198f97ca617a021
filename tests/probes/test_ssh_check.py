"""The SSH check: one command on a host over SSH, judged like a local command."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from tests.sshhost import FakeSshHost
from warroom.probes.command import CUT_NOTE, OUTPUT_LIMIT, judge_output
from warroom.probes.ssh import SshConnection, SshTarget, ssh_check

VERIFY = "cosign verify --key k.pub registry/web:1.2"


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[FakeSshHost]:
    server = FakeSshHost(
        tmp_path,
        answers={
            VERIFY: (0, "Verification for registry/web:1.2 --\nVerified OK\n", ""),
            "pg_isready": (2, "", "no response\n"),
            "trivy fs /": (0, "HIGH: 1\nCRITICAL: 2\n", ""),
            "dmesg": (0, "x" * (OUTPUT_LIMIT + 10), ""),
        },
    )
    await server.start()
    yield server
    await server.stop()


async def test_a_command_that_passes(host: FakeSshHost) -> None:
    outcome = await ssh_check(host.target(name="db-1"), VERIFY, timeout=10)
    assert outcome.exit_code == 0 and outcome.error is None and not outcome.timed_out
    assert host.commands == [VERIFY]
    assert judge_output(outcome.exit_code, outcome.stdout, pattern="^Verified OK$") == (
        "pass",
        "exit 0, '^Verified OK$' found",
    )


async def test_a_failing_command_and_a_found_pattern_fail(host: FakeSshHost) -> None:
    down = await ssh_check(host.target(name="db-1"), "pg_isready", timeout=10)
    assert (down.exit_code, down.stderr) == (2, "no response\n")
    assert judge_output(down.exit_code, down.stdout) == ("fail", "exit 2, wants 0")
    scan = await ssh_check(host.target(name="db-1"), "trivy fs /", timeout=10)
    assert judge_output(scan.exit_code, scan.stdout, absent_pattern="CRITICAL") == (
        "fail",
        "'CRITICAL' found",
    )
    missing = await ssh_check(host.target(name="db-1"), "trivy image x", timeout=10)
    assert missing.exit_code == 127


async def test_a_command_that_hangs_times_out(host: FakeSshHost) -> None:
    outcome = await ssh_check(host.target(name="db-1"), "hang", timeout=0.3)
    assert outcome.timed_out and outcome.exit_code is None
    assert outcome.error == "db-1: `hang` did not finish within 0.3 s; the host may be overloaded"
    assert judge_output(outcome.exit_code, outcome.stdout)[0] == "fail"


async def test_output_past_64_kib_is_cut(host: FakeSshHost) -> None:
    outcome = await ssh_check(host.target(name="db-1"), "dmesg", timeout=10)
    assert outcome.stdout == "x" * OUTPUT_LIMIT + CUT_NOTE


async def test_an_open_connection_is_reused_and_left_open(host: FakeSshHost) -> None:
    target = host.target(name="db-1")
    async with SshConnection(target) as conn:
        first = await ssh_check(target, VERIFY, timeout=10, connection=conn)
        second = await ssh_check(target, "pg_isready", timeout=10, connection=conn)
        third = await ssh_check(target, VERIFY, timeout=10, connection=conn)
    assert (first.exit_code, second.exit_code, third.exit_code) == (0, 2, 0)
    assert len(host.connections) == 1


async def test_a_wrong_host_key_runs_nothing(host: FakeSshHost) -> None:
    known_hosts = host.known_hosts(asyncssh.generate_private_key("ssh-ed25519"))
    outcome = await ssh_check(host.target(known_hosts, name="db-1"), VERIFY, timeout=10)
    assert outcome.exit_code is None and not outcome.timed_out
    assert outcome.error is not None and outcome.error.startswith("db-1: host key does not match ")
    assert host.commands == []


async def test_a_host_that_is_down_is_an_error_not_a_raise(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    target = SshTarget("127.0.0.1", port, known_hosts=str(known_hosts), name="db-2")
    outcome = await ssh_check(target, VERIFY, timeout=10)
    assert outcome.error == f"db-2: connection refused on port {port}; is sshd running?"
    assert outcome.exit_code is None and not outcome.timed_out
