"""GPU readings from `nvidia-smi` over SSH, for bare-metal GPU hosts outside Kubernetes.

The query asks for CSV without header or units; nvidia-smi prints `[N/A]` or
`[Not Supported]` (and a few other bracketed words) for fields a GPU cannot report, which
become None in the records.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable

from warroom.background import Periodic
from warroom.metrics.gpus import GpuRecord, GpuSnapshot, GpuSource
from warroom.probes.ssh import SshConnection, SshError, SshTarget

FIELDS = (
    "index",
    "uuid",
    "name",
    "utilization.gpu",
    "memory.used",
    "memory.total",
    "temperature.gpu",
    "power.draw",
)
COMMAND = f"nvidia-smi --query-gpu={','.join(FIELDS)} --format=csv,noheader,nounits"
# nvidia-smi's exit status when it finds no GPU (it prints "No devices were found").
NO_DEVICES = 6
NOT_FOUND = 127


class SmiError(Exception):
    """nvidia-smi failed or printed something unexpected; str() is one sentence."""


def _number(text: str) -> float | None:
    """A value, or None for `[N/A]`, `[Not Supported]`, `N/A`, `ERR!` and the like."""
    text = text.strip()
    if not text or text.startswith("[") or text in ("N/A", "ERR!"):
        return None
    # Tolerate units, in case the command ran without `nounits` ("35 %", "72.3 W").
    try:
        return float(text.split()[0])
    except ValueError:
        return None


def parse_smi_csv(text: str, node: str) -> list[GpuRecord]:
    """Records from `nvidia-smi --query-gpu=<FIELDS> --format=csv,noheader,nounits` output."""
    records = []
    lines = [line for line in text.splitlines() if line.strip()]
    for row in csv.reader(lines, skipinitialspace=True):
        if len(row) != len(FIELDS):
            raise SmiError(
                f"{node}: nvidia-smi printed {', '.join(row)!r}, not the {len(FIELDS)} fields "
                "asked for; is it an nvidia-smi from a driver older than 2015?"
            )
        index_text, uuid, name, util, used, total, temp, power = (v.strip() for v in row)
        try:
            index = int(index_text)
        except ValueError:
            raise SmiError(
                f"{node}: nvidia-smi printed {index_text!r} as a GPU index; cannot read its output"
            ) from None
        records.append(
            GpuRecord(
                node=node,
                index=index,
                uuid=uuid,
                model=name,
                util=_number(util),
                memory_used=_number(used),
                memory_total=_number(total),
                temp=_number(temp),
                power=_number(power),
                xid=None,  # nvidia-smi's query interface has no last-XID field
            )
        )
    return sorted(records, key=lambda r: r.index)


async def read_gpus(conn: SshConnection, timeout: float = 20.0) -> list[GpuRecord]:
    """Run nvidia-smi on the connection's host. Raises `SshError` or `SmiError`."""
    name = conn.target.label
    done = await conn.run(COMMAND, timeout)
    if done.exit_status == NO_DEVICES and "No devices were found" in done.stdout + done.stderr:
        return []
    if done.exit_status == NOT_FOUND:
        raise SmiError(f"{name}: nvidia-smi is not installed or not on the SSH session's PATH")
    if done.exit_status != 0:
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()
        detail = f": {said[0].strip()}" if said else ""
        raise SmiError(f"{name}: nvidia-smi failed (exit {done.exit_status}){detail}")
    return parse_smi_csv(done.stdout, name)


class SshGpus(Periodic):
    """Polls one host's GPUs with nvidia-smi over a kept-open SSH connection."""

    def __init__(
        self,
        target: SshTarget,
        *,
        interval: float = 5.0,
        timeout: float = 20.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(interval)
        self.connection = SshConnection(target)
        self.timeout = timeout
        self.gpus = GpuSource(f"ssh {target.label}", interval, clock, named=target.label)

    async def step(self) -> None:
        try:
            records = await read_gpus(self.connection, self.timeout)
        except (SshError, SmiError) as err:
            self.gpus.failed(str(err))
            return
        self.gpus.record(records)

    def crashed(self, sentence: str) -> None:
        self.gpus.failed(sentence)

    def snapshot(self) -> GpuSnapshot:
        return self.gpus.snapshot()

    async def close(self) -> None:
        await self.connection.close()
