"""Signals, graphs and GPUs on screen, from the sim's built-in Prometheus through a layout."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from tests.metrics.test_ssh import FakeGpuHost
from tests.ui.conftest import wait_until
from warroom.layout import CustomResource, SshHost, load_layout
from warroom.layouts import shipped_layout
from warroom.room import Room, open_room, room_app
from warroom.sim.cluster import SimCluster
from warroom.ui.widgets.graph import LineGraph, plot
from warroom.ui.widgets.nodes import NodeTable
from warroom.ui.widgets.panels import Banner, CustomPanel, SignalsPanel

NS = "bizra-prod"


@pytest.fixture
async def live() -> AsyncIterator[tuple[SimCluster, Room]]:
    async with SimCluster("gpu-inference", speed=20, scrape_interval=0.5) as sim:
        sim.set_users(f"{NS}/bizra-inference", 1000)
        layout = load_layout(shipped_layout("demo.yaml")).with_overrides(
            context="warroom-sim", prometheus=sim.prometheus_url
        )
        # Poll fast so a test sees an outage and its end within seconds.
        layout = layout.model_copy(
            update={
                "prometheus": layout.prometheus.model_copy(
                    update={"interval": layout.prometheus.interval / 5}
                )
            }
        )
        async with open_room(layout, kubeconfig=sim.kubeconfig) as room:
            yield sim, room


async def test_signals_show_values_against_their_slos(live: tuple[SimCluster, Room]) -> None:
    _, room = live
    app = room_app(room, session="test", drill=True)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.query_one("#signals", SignalsPanel)
        await wait_until(
            pilot,
            lambda: "ms" in panel.plain() and "%" in panel.plain(),
            timeout=30,
            what="signal values",
        )
        text = panel.plain()
        p95 = next(line for line in text.splitlines() if line.startswith("p95 latency "))
        assert "(SLO ≤ 1.00s)" in p95
        assert "built-in PromQL subset" in app.query_one("#header").info.prometheus  # type: ignore[attr-defined]


async def test_a_wide_overview_draws_the_graphs_under_the_panels(
    live: tuple[SimCluster, Room],
) -> None:
    _, room = live
    app = room_app(room, session="test")
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_until(
            pilot, lambda: bool(app.query("#overview-graph-p95_latency")), timeout=30, what="graphs"
        )
        graph = app.query_one("#overview-graph-p95_latency", LineGraph)
        assert graph.region.width > 0 and graph.region.y > app.query_one("#signals").region.y
        await wait_until(
            pilot,
            lambda: graph.data is not None and any(pts for _, pts in graph.data.series),
            timeout=30,
            what="graph points on the overview",
        )
    narrow = room_app(room, session="test")
    async with narrow.run_test(size=(100, 30)):
        assert not narrow.query_one("#overview-graphs").display  # 80–149 columns: tab 4 only


async def test_prometheus_outage_shows_the_banner_and_graphs_recover(
    live: tuple[SimCluster, Room],
) -> None:
    sim, room = live
    app = room_app(room, session="test")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await wait_until(pilot, lambda: bool(app.query(LineGraph)), timeout=30, what="graphs")
        graph = app.query_one("#graph-p95_latency", LineGraph)
        await wait_until(
            pilot,
            lambda: graph.data is not None and any(pts for _, pts in graph.data.series),
            timeout=30,
            what="graph points",
        )
        banner = app.query_one("#banner", Banner)
        assert not banner.display
        sim.prometheus_outage(True)
        await wait_until(pilot, lambda: banner.display, timeout=30, what="the outage banner")
        assert "503" in banner.plain() or "unavailable" in banner.plain()
        await wait_until(
            pilot,
            lambda: graph.data is not None and bool(graph.data.status),
            timeout=30,
            what="the graph saying why it has no fresh data",
        )
        sim.prometheus_outage(False)
        await wait_until(pilot, lambda: not banner.display, timeout=30, what="recovery")
        await wait_until(
            pilot,
            lambda: graph.data is not None and not graph.data.status,
            timeout=30,
            what="the graph drawing again",
        )
        await pilot.press("minus")
        await wait_until(
            pilot,
            lambda: graph.data is not None and graph.data.window == 1800,
            timeout=30,
            what="the graphs zoomed out to 30 minutes",
        )
        axis = "".join(ch for ch, _ in plot(graph.data, 80, 8)[-1])
        assert axis.split()[0] == "-30m" and axis.split()[-1] == "now"


async def test_gpu_bars_follow_telemetry_and_vanish_with_a_failed_node(
    live: tuple[SimCluster, Room],
) -> None:
    sim, room = live
    node = sim.store.list(("", "pods"), NS)[0]["spec"]["nodeName"]
    app = room_app(room, session="test")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        panel = app.query_one("#nodes-panel", NodeTable)

        def node_line() -> str:
            return next(
                (line for line in panel.plain().splitlines() if line.split()[:1] == [node]), ""
            )

        await wait_until(pilot, lambda: "°" in node_line(), timeout=30, what="GPU bars")
        assert node_line().count("°") == 4  # four GPUs on each node of the pool
        sim.fail_node(node)
        await wait_until(
            pilot,
            lambda: "NotReady" in node_line() and "°" not in node_line(),
            timeout=60,
            what="the failed node's GPU bars gone",
        )


async def test_bare_metal_gpus_over_ssh_and_a_wrong_host_key(tmp_path: Path) -> None:
    good, bad = FakeGpuHost(tmp_path / "good"), FakeGpuHost(tmp_path / "bad")
    for host in (good, bad):
        host.folder.mkdir()
        await host.start()
    try:
        impostor = asyncssh.generate_private_key("ssh-ed25519")
        hosts = (
            SshHost(host="127.0.0.1", port=good.port, user="ops", known_hosts=good.known_hosts()),
            SshHost(
                host="127.0.0.1", port=bad.port, user="ops", known_hosts=bad.known_hosts(impostor)
            ),
        )
        good_name, bad_name = f"127.0.0.1:{good.port}", f"127.0.0.1:{bad.port}"
        async with SimCluster("gpu-inference", speed=20) as sim:
            layout = load_layout(shipped_layout("demo.yaml")).with_overrides(
                context="warroom-sim", prometheus=sim.prometheus_url
            )
            layout = layout.model_copy(
                update={"gpus": layout.gpus.model_copy(update={"ssh": hosts})}
            )
            async with open_room(layout, kubeconfig=sim.kubeconfig) as room:
                app = room_app(room, session="test")
                async with app.run_test(size=(120, 40)) as pilot:
                    await pilot.press("3")
                    panel = app.query_one("#nodes-panel", NodeTable)

                    def line(name: str) -> str:
                        return next(
                            (
                                ln
                                for ln in panel.plain().splitlines()
                                if ln.split()[:2] == [name, "ssh"]
                                or ln.split()[:2] == [name, "ssh ✗"][:2]
                            ),
                            "",
                        )

                    await wait_until(
                        pilot,
                        lambda: line(good_name).count("°") == 2,
                        timeout=30,
                        what="the SSH host's two GPUs",
                    )
                    assert "0:" in line(good_name) and "1:" in line(good_name)
                    await wait_until(
                        pilot,
                        lambda: "host key does not match" in line(bad_name),
                        timeout=30,
                        what="the host-key refusal",
                    )
                    banner = app.query_one("#banner", Banner)
                    assert f"{bad_name}: host key does not match" in banner.plain()
                    assert not any(c.startswith("nvidia-smi") for c in bad.commands)
    finally:
        for host in (good, bad):
            await host.stop()


async def test_custom_resources_the_layout_names_are_watched_and_shown() -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "canaries.flagger.app"},
        "spec": {
            "group": "flagger.app",
            "scope": "Namespaced",
            "names": {"plural": "canaries", "singular": "canary", "kind": "Canary"},
            "versions": [
                {"name": "v1beta1", "served": True, "storage": True, "subresources": {"status": {}}}
            ],
        },
    }
    async with SimCluster("gpu-inference", speed=20) as sim:
        sim.registry.create(
            sim.catalogue.get("apiextensions.k8s.io", "v1", "customresourcedefinitions"),
            "",
            crd,
            dry_run=False,
        )
        layout = load_layout(shipped_layout("demo.yaml")).with_overrides(
            context="warroom-sim", prometheus=sim.prometheus_url
        )
        layout = layout.model_copy(
            update={
                "custom_resources": (
                    CustomResource(
                        group="flagger.app", version="v1beta1", plural="canaries", namespace=NS
                    ),
                )
            }
        )
        async with open_room(layout, kubeconfig=sim.kubeconfig) as room:
            app = room_app(room, session="test")
            async with app.run_test(size=(120, 40)) as pilot:
                panel = app.query_one("#custom", CustomPanel)
                assert panel.display
                canaries = sim.catalogue.get("flagger.app", "v1beta1", "canaries")
                sim.registry.create(
                    canaries,
                    NS,
                    {
                        "metadata": {"name": "bizra-inference", "namespace": NS},
                        "spec": {"targetRef": {"kind": "Deployment", "name": "bizra-inference"}},
                    },
                    dry_run=False,
                )
                await wait_until(
                    pilot,
                    lambda: "canaries/bizra-inference" in panel.plain(),
                    timeout=20,
                    what="the canary listed",
                )
                sim.registry.patch(
                    canaries,
                    NS,
                    "bizra-inference",
                    "application/merge-patch+json",
                    {
                        "status": {
                            "phase": "Failed",
                            "conditions": [
                                {
                                    "type": "Ready",
                                    "status": "False",
                                    "message": "Canary analysis failed",
                                }
                            ],
                        }
                    },
                    subresource="status",
                    dry_run=False,
                )
                await wait_until(
                    pilot, lambda: "Failed" in panel.plain(), timeout=20, what="the canary's phase"
                )
                assert "Canary analysis failed" in panel.plain()
