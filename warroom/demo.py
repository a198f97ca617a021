"""`warroom demo`: the simulated gpu-inference cluster, its metrics, and the war room on it."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from warroom.kube.connection import connect
from warroom.sim.cluster import SimCluster
from warroom.sim.prometheus import PrometheusError, PrometheusProcess, find_binary
from warroom.state.live import ClusterSources
from warroom.state.picture import ClusterPicture
from warroom.ui.app import Targets, WarRoomApp
from warroom.ui.widgets.panels import HeaderInfo

NAMESPACE = "bizra-prod"


async def run_demo(*, speed: float = 5.0) -> None:
    # Nothing may write to the terminal under the screen: the sim's own log goes to a file.
    log_file = Path(tempfile.gettempdir()) / "warroom-demo.log"
    logging.basicConfig(filename=log_file, level=logging.WARNING, force=True)
    async with SimCluster("gpu-inference", speed=speed) as sim:
        real: PrometheusProcess | None = None
        prometheus = f"built-in PromQL subset {sim.prometheus_url}"
        if find_binary() is not None:
            real = PrometheusProcess(f"127.0.0.1:{sim.port}")
            try:
                await real.start()
                prometheus = f"Prometheus {real.url}"
            except PrometheusError as exc:
                logging.warning("real Prometheus unavailable, using the built-in one: %s", exc)
                real = None
        try:
            connection = await connect(sim.kubeconfig, "warroom-sim")
            picture = ClusterPicture([NAMESPACE])
            picture.note("DemoStarted", f"simulated go-live at ×{speed:g} speed; {prometheus}")
            async with ClusterSources(connection, picture):
                app = WarRoomApp(
                    picture,
                    HeaderInfo(
                        "warroom-sim", (NAMESPACE,), "demo", drill=True, prometheus=prometheus
                    ),
                    Targets([(NAMESPACE, "bizra-inference")], [(NAMESPACE, "bizra-inference-hpa")]),
                )
                await app.run_async()
            await connection.close()
        finally:
            if real is not None:
                await real.stop()
