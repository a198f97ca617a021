"""Run a command on a host over SSH (asyncssh), with known_hosts verification always on.

Host keys are checked against a known_hosts file and never accepted automatically: an unknown
host or a changed key is refused with one sentence naming the host and what to do. Every
failure surfaces as an `SshError` whose text is that one sentence.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from warroom.probes.command import CommandOutcome, keep_first

if TYPE_CHECKING:  # asyncssh is imported when SSH is used: 0.3 s of everyone's start-up
    import asyncssh

DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"


class SshError(Exception):
    """An SSH connection or command failed; str() is one sentence for the user."""


class SshTimeout(SshError):
    """The command did not finish in time (the connection itself was fine)."""


@dataclass(frozen=True, slots=True)
class SshTarget:
    """Where to connect and how to trust it.

    `client_keys` () uses the SSH agent and the usual ~/.ssh/id_* keys; None disables
    public-key authentication (a server that needs none, as in tests).
    """

    host: str
    port: int = 22
    username: str | None = None
    known_hosts: str = DEFAULT_KNOWN_HOSTS
    client_keys: Sequence[str] | None = ()
    name: str = ""
    connect_timeout: float = 10.0

    @property
    def label(self) -> str:
        """The name used in messages: the given name, else the host."""
        return self.name or self.host


@dataclass(frozen=True, slots=True)
class CommandResult:
    exit_status: int
    stdout: str
    stderr: str


def shown_path(path: Path) -> str:
    """A path as the user would type it: under the home folder with ~/."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class SshConnection:
    """One SSH connection to a target, opened on first use and reopened after a failure.

    Reusing the connection keeps a poller from doing a key exchange (and writing an auth log
    line on the host) every few seconds.
    """

    def __init__(self, target: SshTarget) -> None:
        self.target = target
        self._conn: asyncssh.SSHClientConnection | None = None

    async def __aenter__(self) -> SshConnection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def run(self, command: str, timeout: float = 30.0) -> CommandResult:
        """Run `command`; a non-zero exit is returned, not raised. Raises `SshError`."""
        import asyncssh

        conn = await self._connect()
        name = self.target.label
        try:
            done = await conn.run(command, check=False, timeout=timeout)
        except asyncssh.TimeoutError:
            await self.close()
            raise SshTimeout(
                f"{name}: `{command.split()[0]}` did not finish within {timeout:g} s; "
                "the host may be overloaded"
            ) from None
        except (asyncssh.Error, OSError) as err:
            # The connection went away under us: the next run reconnects.
            await self.close()
            raise SshError(
                f"{name}: the SSH connection broke ({_reason(err)}); check the host and the network"
            ) from None
        status = done.exit_status if done.exit_status is not None else -1
        return CommandResult(status, _text(done.stdout), _text(done.stderr))

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            await self._conn.wait_closed()
            self._conn = None

    async def _connect(self) -> asyncssh.SSHClientConnection:
        import asyncssh

        if self._conn is not None:
            return self._conn
        target = self.target
        known_hosts_path = known_hosts_file(target)
        known_hosts = await asyncio.to_thread(_read_known_hosts, target, known_hosts_path)
        try:
            # asyncssh's connect_timeout covers the TCP connect and the handshake; the outer
            # deadline also bounds authentication, so nothing here can hang a poller.
            async with asyncio.timeout(target.connect_timeout * 2):
                self._conn = await asyncssh.connect(
                    target.host,
                    target.port,
                    # Unset, asyncssh takes ~/.ssh/config's User, else the local user.
                    username=target.username if target.username is not None else (),
                    known_hosts=known_hosts,
                    client_keys=target.client_keys,
                    connect_timeout=target.connect_timeout,
                )
        except asyncssh.HostKeyNotVerifiable as err:
            raise SshError(_host_key_sentence(target, known_hosts, known_hosts_path, err)) from None
        except asyncssh.KeyExchangeFailed as err:
            if _listed(target, known_hosts):
                # known_hosts restricts the offered key types to the ones it lists: a server
                # whose key type changed fails the exchange instead of failing verification.
                raise SshError(_mismatch_sentence(target, known_hosts_path)) from None
            raise SshError(f"{target.label}: SSH key exchange failed ({err.reason})") from None
        except asyncssh.PermissionDenied:
            user = f" as {target.username}" if target.username else ""
            raise SshError(
                f"{target.label}: SSH login{user} was refused; check the key, the agent "
                "or the user name"
            ) from None
        except TimeoutError:
            raise SshError(
                f"{target.label}: no SSH answer within {target.connect_timeout:g} s on port "
                f"{target.port}; check that the host is up and reachable"
            ) from None
        except ConnectionRefusedError:
            raise SshError(
                f"{target.label}: connection refused on port {target.port}; is sshd running?"
            ) from None
        except socket.gaierror:
            raise SshError(
                f"{target.label}: cannot resolve {target.host}; check the host name"
            ) from None
        except OSError as err:
            raise SshError(
                f"{target.label}: cannot connect to port {target.port} "
                f"({err.strerror or err}); check the address and the network"
            ) from None
        except asyncssh.Error as err:
            raise SshError(f"{target.label}: SSH failed ({_reason(err)})") from None
        except ValueError as err:  # asyncssh's word for bad options, e.g. an unreadable key
            raise SshError(f"{target.label}: cannot set up SSH ({err})") from None
        return self._conn


async def run_command(target: SshTarget, command: str, timeout: float = 30.0) -> CommandResult:
    """Connect, run one command, disconnect. Raises `SshError`."""
    async with SshConnection(target) as conn:
        return await conn.run(command, timeout)


async def ssh_check(
    target: SshTarget,
    command: str,
    *,
    timeout: float,
    connection: SshConnection | None = None,
) -> CommandOutcome:
    """Run one check command on `target`, for `judge_output`; never raises `SshError`.

    `connection` reuses an open one (else one is opened and closed for this check). Each
    stream keeps its first 64 KiB, as a local command's does."""
    started = time.monotonic()
    conn = connection if connection is not None else SshConnection(target)
    try:
        done = await conn.run(command, timeout)
    except SshTimeout as err:
        return CommandOutcome(None, "", "", time.monotonic() - started, True, str(err))
    except SshError as err:
        return CommandOutcome(None, "", "", time.monotonic() - started, error=str(err))
    finally:
        if connection is None:
            await conn.close()
    return CommandOutcome(
        done.exit_status,
        keep_first(done.stdout),
        keep_first(done.stderr),
        time.monotonic() - started,
    )


def known_hosts_file(target: SshTarget) -> Path:
    return Path(target.known_hosts).expanduser()


def _read_known_hosts(target: SshTarget, path: Path) -> asyncssh.SSHKnownHosts:
    import asyncssh

    # Loaded here rather than by asyncssh: with no file, asyncssh's defaults could end up
    # trusting any key (known_hosts=None); we refuse instead.
    if not path.is_file():
        raise SshError(
            f"{target.label}: no known_hosts file at {shown_path(path)}; verify the host's key "
            "and add it there (ssh once by hand, or ssh-keyscan and compare fingerprints)"
        )
    try:
        return asyncssh.read_known_hosts(str(path))
    except (OSError, ValueError) as err:
        raise SshError(
            f"{target.label}: cannot read {shown_path(path)} ({err}); fix or replace the file"
        ) from None


def _listed(target: SshTarget, known_hosts: asyncssh.SSHKnownHosts) -> bool:
    port = target.port if target.port != 22 else None
    host_keys, ca_keys, *_ = known_hosts.match(target.host, "", port)
    return bool(host_keys or ca_keys)


def _mismatch_sentence(target: SshTarget, path: Path) -> str:
    return (
        f"{target.label}: host key does not match {shown_path(path)}; verify the server's key "
        "and update known_hosts"
    )


def _host_key_sentence(
    target: SshTarget,
    known_hosts: asyncssh.SSHKnownHosts,
    path: Path,
    err: asyncssh.HostKeyNotVerifiable,
) -> str:
    if "revoked" in err.reason.lower():
        return (
            f"{target.label}: the host's key is marked revoked in {shown_path(path)}; do not "
            "connect until the server has a new, verified key"
        )
    if _listed(target, known_hosts):
        return _mismatch_sentence(target, path)
    where = f"[{target.host}]:{target.port}" if target.port != 22 else target.host
    return (
        f"{target.label}: {where} is not in {shown_path(path)}; verify the server's key and add "
        "it to known_hosts (warroom never accepts host keys by itself)"
    )


def _reason(err: BaseException) -> str:
    import asyncssh

    if isinstance(err, asyncssh.Error):
        return err.reason
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data
