"""An SSH host on 127.0.0.1 (asyncssh) for tests: no client authentication (the tests are about
host keys and commands), a fresh ed25519 host key, and a known_hosts file written for it.

`reply(command)` says what a command prints and exits with; by default it is looked up in
`answers` (`sh: …: not found` otherwise). `hang` never finishes until `stop`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from warroom.probes.ssh import SshTarget


class _NoAuth(asyncssh.SSHServer):
    def __init__(self, host: FakeSshHost) -> None:
        self.host = host

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.host.connections.append(conn)

    def begin_auth(self, username: str) -> bool:
        return False


@dataclass
class FakeSshHost:
    folder: Path
    answers: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # exit, out, err
    commands: list[str] = field(default_factory=list)
    connections: list[asyncssh.SSHServerConnection] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    host_key: asyncssh.SSHKey | None = None
    _server: asyncssh.SSHAcceptor | None = None

    async def start(self) -> None:
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self._server = await asyncssh.create_server(
            lambda: _NoAuth(self),
            "127.0.0.1",
            0,
            server_host_keys=[self.host_key],
            process_factory=self._session,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def reply(self, command: str) -> tuple[int, str, str]:
        """(exit status, stdout, stderr) of `command`."""
        return self.answers.get(command, (127, "", f"sh: {command}: not found\n"))

    async def _session(self, process: asyncssh.SSHServerProcess[str]) -> None:
        command = process.command or ""
        self.commands.append(command)
        if command == "hang":
            await self.release.wait()
            process.exit(0)
            return
        code, out, err = self.reply(command)
        process.stdout.write(out)
        process.stderr.write(err)
        process.exit(code)

    async def stop(self) -> None:
        """The host goes away: no new connections, and the open ones drop."""
        self.release.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for conn in self.connections:
            conn.close()

    def known_hosts(self, key: asyncssh.SSHKey | None = None, name: str = "") -> str:
        """A known_hosts file trusting `key` (default: the real host key) for this server."""
        key = key or self.host_key
        assert key is not None
        path = self.folder / (name or "known_hosts")
        path.write_text(f"[127.0.0.1]:{self.port} {key.export_public_key().decode().strip()}\n")
        return str(path)

    def target(self, known_hosts: str | None = None, **options: object) -> SshTarget:
        return SshTarget(
            "127.0.0.1",
            self.port,
            username="ops",
            known_hosts=known_hosts or self.known_hosts(),
            client_keys=None,
            connect_timeout=5.0,
            **options,  # type: ignore[arg-type]
        )
