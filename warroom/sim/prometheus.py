"""Runs a real Prometheus (the `prometheus` binary) scraping the sim, on a free loopback port.

Its data lives in a temporary folder that goes when it stops. Debian and Ubuntu: `apt install
prometheus`; macOS: `brew install prometheus`.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp

INSTALL_HINT = (
    "install Prometheus (Debian/Ubuntu: sudo apt install prometheus; macOS: brew install "
    "prometheus) or leave --prometheus off to use the sim's built-in PromQL subset"
)


class PrometheusError(RuntimeError):
    """Prometheus could not be started; the message says what to do."""


def find_binary() -> str | None:
    return shutil.which("prometheus")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_text(target: str, scrape_interval: float) -> str:
    interval = f"{max(int(scrape_interval * 1000), 100)}ms"
    return (
        "global:\n"
        f"  scrape_interval: {interval}\n"
        f"  scrape_timeout: {interval}\n"
        f"  evaluation_interval: {interval}\n"
        "scrape_configs:\n"
        "  - job_name: warroom-sim\n"
        "    honor_labels: true\n"
        "    metrics_path: /metrics\n"
        "    static_configs:\n"
        f"      - targets: ['{target}']\n"
    )


class PrometheusProcess:
    """`async with PrometheusProcess("127.0.0.1:8080") as prom:` gives `prom.url`."""

    def __init__(
        self, target: str, *, scrape_interval: float = 1.0, binary: str | None = None
    ) -> None:
        self.target = target
        self.scrape_interval = scrape_interval
        self.binary = binary or find_binary()
        self.url = ""
        self._proc: asyncio.subprocess.Process | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._log: Path | None = None

    async def __aenter__(self) -> PrometheusProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self, timeout: float = 30.0) -> str:
        if self.binary is None:
            raise PrometheusError(f"the prometheus binary is not on PATH: {INSTALL_HINT}")
        self._dir = tempfile.TemporaryDirectory(prefix="warroom-prometheus-")
        folder = Path(self._dir.name)
        config = folder / "prometheus.yml"
        config.write_text(config_text(self.target, self.scrape_interval), encoding="utf-8")
        port = free_port()
        self._log = folder / "prometheus.log"
        log = self._log.open("wb")
        try:
            self._proc = await asyncio.create_subprocess_exec(
                self.binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1d",
                "--log.level=warn",
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        finally:
            log.close()
        self.url = f"http://127.0.0.1:{port}"
        await self._wait_ready(timeout)
        return self.url

    async def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self._proc is not None and self._proc.returncode is not None:
                    raise PrometheusError(
                        f"prometheus exited at start with code {self._proc.returncode}: "
                        f"{self.log_tail()}"
                    )
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(f"{self.url}/-/ready") as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.1)
        await self.stop()
        raise PrometheusError(f"prometheus did not become ready within {timeout:.0f} s")

    def log_tail(self, lines: int = 5) -> str:
        if self._log is None or not self._log.exists():
            return ""
        text = self._log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return " | ".join(text[-lines:])

    async def stop(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        self._proc = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
