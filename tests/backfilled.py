"""A real Prometheus serving history written as OpenMetrics: `promtool tsdb
create-blocks-from openmetrics` makes the blocks in a data folder before Prometheus starts on
it (it loads backfilled blocks only at start, and keeps them with a long retention)."""

from __future__ import annotations

import contextlib
import queue
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import require_tool


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def prometheus_serving(openmetrics: str, work: Path, timeout: float = 120) -> Iterator[str]:
    """Prometheus' URL while it serves `openmetrics` (ending `# EOF`) from blocks in `work`;
    skips (fails when CI=true) without prometheus or promtool."""
    binary, promtool = require_tool("prometheus"), require_tool("promtool")
    (work / "samples.om").write_text(openmetrics, encoding="utf-8")
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "-q",
         str(work / "samples.om"), str(work / "data")],
        check=True, timeout=300, capture_output=True,
    )  # fmt: skip
    (work / "prometheus.yml").write_text("global:\n  scrape_interval: 1h\n", encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [binary, f"--config.file={work / 'prometheus.yml'}",
         f"--storage.tsdb.path={work / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
         "--storage.tsdb.retention.time=100y"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    said: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            said.put(line)
        said.put(None)

    threading.Thread(target=pump, daemon=True).start()
    log: list[str] = []
    try:
        while True:
            line = said.get(timeout=timeout)
            if line is None:
                raise AssertionError("prometheus exited:\n" + "".join(log))
            log.append(line)
            if "Server is ready to receive web requests" in line:
                break
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
