"""nvidia-smi over SSH against an in-process asyncssh server on loopback.

The server's session runs a stand-in nvidia-smi that prints the real CSV format. Host keys
are checked against a known_hosts written for the test; the wrong key is refused.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from tests.metrics.test_smi import TWO_GPUS
from tests.sshhost import FakeSshHost
from tests.waiting import until
from warroom.metrics.smi import COMMAND, SmiError, SshGpus, read_gpus
from warroom.probes.ssh import SshConnection, SshError, SshTarget, run_command, shown_path


@dataclass
class FakeGpuHost(FakeSshHost):
    """An SSH server on 127.0.0.1 whose `nvidia-smi` prints `output`."""

    output: str = TWO_GPUS
    exit_status: int = 0

    def reply(self, command: str) -> tuple[int, str, str]:
        if command.split()[:1] != ["nvidia-smi"]:
            return 127, "", ""
        if self.exit_status == 0:
            return 0, self.output, ""
        return self.exit_status, "", self.output


@pytest.fixture
async def gpu_host(tmp_path: Path) -> AsyncIterator[FakeGpuHost]:
    host = FakeGpuHost(tmp_path)
    await host.start()
    yield host
    await host.stop()


async def test_nvidia_smi_readings_come_back_parsed(gpu_host: FakeGpuHost) -> None:
    target = gpu_host.target(gpu_host.known_hosts(), name="gpu-box-1")
    async with SshConnection(target) as conn:
        gpus = await read_gpus(conn)
        again = await read_gpus(conn)  # the same connection, reused
    assert gpu_host.commands == [COMMAND, COMMAND]
    assert [g.index for g in gpus] == [0, 1] and again == gpus
    assert {g.node for g in gpus} == {"gpu-box-1"}
    assert gpus[0].util == 87 and gpus[0].memory_used == 61234 and gpus[0].power == 312.45
    assert gpus[1].power is None


async def test_a_poller_reads_the_host_and_reports_it_going_away(gpu_host: FakeGpuHost) -> None:
    target = gpu_host.target(gpu_host.known_hosts(), name="gpu-box-1")
    async with SshGpus(target, interval=0.1) as poller:
        await until(lambda: poller.snapshot().freshness.state == "ok", what="GPUs read")
        snap = poller.snapshot()
        assert snap.source == "ssh gpu-box-1" and len(snap.gpus) == 2
        assert not snap.freshness.stale
        await gpu_host.stop()
        # First the open connection drops; the next poll's reconnect is refused.
        refused = f"gpu-box-1: connection refused on port {gpu_host.port}; is sshd running?"
        await until(lambda: poller.snapshot().freshness.error == refused, what="host gone")
        down = poller.snapshot()
    assert down.freshness.state == "failed" and down.freshness.stale
    assert len(down.gpus) == 2  # the last readings stay, marked stale


async def test_a_wrong_host_key_is_refused_with_a_clear_sentence(gpu_host: FakeGpuHost) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519")
    known_hosts = gpu_host.known_hosts(other)
    target = gpu_host.target(known_hosts, name="gpu-box-1")
    with pytest.raises(SshError) as caught:
        await run_command(target, COMMAND)
    assert str(caught.value) == (
        f"gpu-box-1: host key does not match {shown_path(Path(known_hosts))}; verify the "
        "server's key and update known_hosts"
    )
    assert gpu_host.commands == []  # nothing ran on a host we could not verify


async def test_an_unknown_host_is_refused_not_accepted(gpu_host: FakeGpuHost) -> None:
    known_hosts = gpu_host.folder / "known_hosts"
    known_hosts.write_text("")  # exists, but lists nothing
    target = gpu_host.target(str(known_hosts))
    with pytest.raises(SshError) as caught:
        await run_command(target, COMMAND)
    message = str(caught.value)
    assert message.startswith(f"127.0.0.1: [127.0.0.1]:{gpu_host.port} is not in ")
    assert "verify the server's key and add it to known_hosts" in message
    missing = gpu_host.target(str(gpu_host.folder / "absent"))
    with pytest.raises(SshError, match=r"^127\.0\.0\.1: no known_hosts file at "):
        await run_command(missing, COMMAND)
    assert gpu_host.commands == []


async def test_an_unreachable_host_is_a_clear_failure(tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    refused = SshTarget("127.0.0.1", port, known_hosts=str(known_hosts), name="gpu-box-2")
    with pytest.raises(SshError) as caught:
        await run_command(refused, COMMAND)
    assert str(caught.value) == f"gpu-box-2: connection refused on port {port}; is sshd running?"


async def test_a_host_that_never_answers_times_out_with_a_sentence(tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts the TCP connection, never speaks SSH
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        target = SshTarget(
            "127.0.0.1", port, known_hosts=str(known_hosts), name="gpu-box-3", connect_timeout=0.3
        )
        with pytest.raises(SshError) as caught:
            await run_command(target, COMMAND)
    finally:
        server.close()
    assert str(caught.value) == (
        f"gpu-box-3: no SSH answer within 0.3 s on port {port}; check that the host is up "
        "and reachable"
    )


async def test_nvidia_smi_failures_read_as_one_sentence(gpu_host: FakeGpuHost) -> None:
    target = gpu_host.target(gpu_host.known_hosts(), name="gpu-box-1")
    gpu_host.exit_status = 9
    gpu_host.output = (
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
        "Make sure that the latest NVIDIA driver is installed and running.\n"
    )
    async with SshConnection(target) as conn:
        with pytest.raises(
            SmiError,
            match=r"^gpu-box-1: nvidia-smi failed \(exit 9\): "
            r"NVIDIA-SMI has failed",
        ):
            await read_gpus(conn)
        gpu_host.exit_status, gpu_host.output = 6, "No devices were found\n"
        assert await read_gpus(conn) == []
        gpu_host.exit_status, gpu_host.output = 127, "bash: nvidia-smi: command not found\n"
        with pytest.raises(SmiError) as caught:
            await read_gpus(conn)
    assert str(caught.value) == (
        "gpu-box-1: nvidia-smi is not installed or not on the SSH session's PATH"
    )
