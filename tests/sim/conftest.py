"""Fixtures for the simulated cluster: an in-process SimCluster and a kubectl bound to it."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import require_tool
from warroom.sim.cluster import SimCluster


@dataclass
class KubectlResult:
    returncode: int
    stdout: str
    stderr: str


class Kubectl:
    """Runs the real kubectl against a sim, with its own discovery cache."""

    def __init__(self, binary: str, kubeconfig: Path, cache_dir: Path) -> None:
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.cache_dir = cache_dir

    def argv(self, *args: str) -> list[str]:
        return [
            self.binary,
            "--kubeconfig",
            str(self.kubeconfig),
            "--cache-dir",
            str(self.cache_dir),
            *args,
        ]

    async def __call__(self, *args: str, timeout: float = 60.0) -> KubectlResult:
        proc = await asyncio.create_subprocess_exec(
            *self.argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            proc.kill()
            out, err = await proc.communicate()
            raise AssertionError(
                f"kubectl {' '.join(args)} did not finish in {timeout} s:\n"
                f"{out.decode()}\n{err.decode()}"
            ) from None
        return KubectlResult(proc.returncode or 0, out.decode(), err.decode())

    async def ok(self, *args: str, timeout: float = 60.0) -> str:
        result = await self(*args, timeout=timeout)
        assert result.returncode == 0, f"kubectl {' '.join(args)} failed:\n{result.stderr}"
        return result.stdout

    async def start(self, *args: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            *self.argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture
def kubectl_binary() -> str:
    return require_tool("kubectl")


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    """The bizra-inference-10k scenario, running 20× real time."""
    async with SimCluster("bizra-inference-10k", speed=20) as cluster:
        yield cluster


@pytest.fixture
def kubectl(kubectl_binary: str, sim: SimCluster, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary, sim.kubeconfig, tmp_path / "kube-cache")
