"""Signals, graphs and GPUs on screen, from the sim's built-in Prometheus through a layout."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from tests.conftest import require_tool
from tests.metrics.test_ssh import FakeGpuHost
from tests.ui.screen import color_of, content, line_with, lines, text, theme_color
from tests.waiting import until
from warroom.kinds.times import parse_timestamp
from warroom.layout import CustomResource, Slo, SshHost, load_layout
from warroom.layouts import shipped_layout
from warroom.live.room import Room, open_room
from warroom.sim.cluster import SimCluster
from warroom.sim.prometheus import PrometheusProcess
from warroom.ui.run import room_app
from warroom.ui.widgets.graph import LineGraph
from warroom.ui.widgets.nodes import NodeTable
from warroom.ui.widgets.panels import Banner, CustomPanel, SignalsPanel

BRAILLE = range(0x2801, 0x2900)  # a Braille cell with at least one dot


def brightness(style: object) -> float:
    """How bright a cell's colour is drawn, 0 to 765 (red + green + blue)."""
    hex_colour = color_of(style)  # type: ignore[arg-type]
    assert hex_colour is not None
    return sum(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def word_after(text: str, label: str) -> str:
    """The first word drawn after `label` on a line (a signal's value after its title)."""
    return text.split(label, 1)[1].split()[0]


def plotted(graph: LineGraph) -> bool:
    """Whether the graph draws any point."""
    return any(ord(ch) in BRAILLE for line in lines(graph) for ch in line.text)


NS = "bizra-prod"


@pytest.fixture
async def live() -> AsyncIterator[tuple[SimCluster, Room]]:
    async with SimCluster("bizra-inference-10k", speed=20, scrape_interval=0.5) as sim:
        sim.set_users(f"{NS}/bizra-inference", 1000)
        layout = load_layout(shipped_layout("bizra-inference-10k.yaml")).with_overrides(
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
        await until(
            lambda: "ms" in text(panel) and "%" in text(panel),
            timeout=30,
            what="signal values",
            pause=pilot.pause,
        )
        p95 = line_with(panel, "p95 latency ")
        assert "(SLO ≤ 1.00s)" in p95.text
        value = word_after(p95.text, "p95 latency")
        assert value.endswith("ms")
        assert color_of(p95.style_of(value)) == theme_color(app, "success")  # within the SLO
        await until(
            lambda: "built-in PromQL subset" in text(app.query_one("#header")),
            what="the header naming the Prometheus",
            pause=pilot.pause,
        )


async def test_a_wide_overview_draws_the_graphs_under_the_panels(
    live: tuple[SimCluster, Room],
) -> None:
    _, room = live
    app = room_app(room, session="test")
    async with app.run_test(size=(200, 60)) as pilot:
        await until(
            lambda: bool(app.query("#overview-graphs-p95_latency")),
            timeout=30,
            what="graphs",
            pause=pilot.pause,
        )
        graph = app.query_one("#overview-graphs-p95_latency", LineGraph)
        assert graph.region.width > 0 and graph.region.y > app.query_one("#signals").region.y
        await until(
            lambda: plotted(graph),
            timeout=30,
            what="graph points on the overview",
            pause=pilot.pause,
        )
    narrow = room_app(room, session="test")
    async with narrow.run_test(size=(100, 30)):
        assert not narrow.query_one("#overview-graphs").display  # 80–149 columns: tab 4 only


async def test_prometheus_outage_shows_the_banner_and_graphs_recover(
    live: tuple[SimCluster, Room],
) -> None:
    sim, room = live
    app = room_app(room, session="test")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("4")
        await until(
            lambda: bool(app.query("#graph-list-p95_latency")),
            timeout=30,
            what="graphs",
            pause=pilot.pause,
        )
        graph = app.query_one("#graph-list-p95_latency", LineGraph)
        await until(lambda: plotted(graph), timeout=30, what="graph points", pause=pilot.pause)
        banner = app.query_one("#banner", Banner)
        assert not banner.display
        sim.prometheus_outage(True)
        await until(lambda: banner.display, timeout=30, what="the outage banner", pause=pilot.pause)
        assert content(banner).startswith("⚠ Prometheus")
        assert "503" in text(banner) or "unavailable" in text(banner)
        header = app.query_one("#header")
        await until(lambda: "✗ unreachable" in text(header), what="the header", pause=pilot.pause)
        await pilot.press("exclamation_mark")
        await until(
            lambda: bool(app.screen.query("SourceTable")), what="the sources", pause=pilot.pause
        )
        sources = content(app.screen.query_one("SourceTable"))
        assert f"Prometheus at {sim.prometheus_url}" in sources and "failed" in sources
        await pilot.press("escape")
        await until(
            lambda: "Prometheus answered 503" in content(graph),
            timeout=30,
            what="the graph saying why it has no fresh data",
            pause=pilot.pause,
        )
        sim.prometheus_outage(False)
        await until(lambda: not banner.display, timeout=30, what="recovery", pause=pilot.pause)
        await until(
            lambda: "Prometheus answered" not in content(graph) and plotted(graph),
            timeout=30,
            what="the graph drawing again",
            pause=pilot.pause,
        )
        assert lines(graph)[-1].text.split()[0] == "-15m"
        await pilot.press("minus")
        await until(
            lambda: lines(graph)[-1].text.split()[:1] == ["-30m"],
            timeout=30,
            what="the graphs zoomed out to 30 minutes",
            pause=pilot.pause,
        )
        assert lines(graph)[-1].text.split()[-1] == "now"
        # Out once more, then back in twice: the ladder retraces to 15 minutes, and the
        # toasts replace each other.
        await pilot.press("minus", "plus", "plus")
        await until(
            lambda: lines(graph)[-1].text.split()[:1] == ["-15m"],
            timeout=30,
            what="the graphs back at 15 minutes",
            pause=pilot.pause,
        )

        def toasts() -> list[str]:
            return [content(toast) for toast in app.screen.query("Toast")]

        await until(
            lambda: toasts() == ["Graphs show the last 15 minutes."],
            what=f"one toast, the last; shown: {toasts()}",
            pause=pilot.pause,
        )


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
            return next((ln.text for ln in lines(panel) if ln.text.split()[:1] == [node]), "")

        await until(lambda: "°" in node_line(), timeout=30, what="GPU bars", pause=pilot.pause)
        assert node_line().count("°") == 4  # four GPUs on each node of the pool
        sim.fail_node(node)
        await until(
            lambda: "NotReady" in node_line() and "°" not in node_line(),
            timeout=60,
            what="the failed node's GPU bars gone",
            pause=pilot.pause,
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
        async with SimCluster("bizra-inference-10k", speed=20) as sim:
            layout = load_layout(shipped_layout("bizra-inference-10k.yaml")).with_overrides(
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
                            (ln.text for ln in lines(panel) if ln.text.split()[:1] == [name]), ""
                        )

                    await until(
                        lambda: line(good_name).count("°") == 2,
                        timeout=30,
                        what="the SSH host's two GPUs",
                        pause=pilot.pause,
                    )
                    assert "0:" in line(good_name) and "1:" in line(good_name)
                    await until(
                        lambda: "host key does not match" in line(bad_name),
                        timeout=30,
                        what="the host-key refusal",
                        pause=pilot.pause,
                    )
                    assert line(bad_name).split()[1:3] == ["ssh", "✗"]
                    bad_line = line_with(panel, bad_name)
                    assert color_of(bad_line.style_of(bad_name)) == theme_color(app, "error")
                    banner = app.query_one("#banner", Banner)
                    await until(lambda: banner.display, what="the banner", pause=pilot.pause)
                    assert f"{bad_name}: host key does not match" in content(banner)
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
    async with SimCluster("bizra-inference-10k", speed=20) as sim:
        sim.registry.create(
            sim.catalogue.get("apiextensions.k8s.io", "v1", "customresourcedefinitions"),
            "",
            crd,
            dry_run=False,
        )
        layout = load_layout(shipped_layout("bizra-inference-10k.yaml")).with_overrides(
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
                await until(
                    lambda: "None found yet." in text(panel), what="the panel", pause=pilot.pause
                )
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
                await until(
                    lambda: "canaries/bizra-inference" in text(panel),
                    timeout=20,
                    what="the canary listed",
                    pause=pilot.pause,
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
                await until(
                    lambda: "Failed" in text(panel),
                    timeout=20,
                    what="the canary's phase",
                    pause=pilot.pause,
                )
                failed = line_with(panel, "Failed")
                assert color_of(failed.style_of("Failed")) == theme_color(app, "error")
                assert "Canary analysis failed" in text(panel)


async def test_a_breached_signal_is_drawn_in_the_bad_tone_on_the_overview_and_its_graph() -> None:
    async with SimCluster("bizra-inference-10k", speed=20, scrape_interval=0.5) as sim:
        sim.set_users(f"{NS}/bizra-inference", 1000)
        layout = load_layout(shipped_layout("bizra-inference-10k.yaml")).with_overrides(
            context="warroom-sim", prometheus=sim.prometheus_url
        )
        # An SLO of 1 ms, which no request meets: p95 latency breaches at once.
        signals = dict(layout.signals)
        signals["p95_latency"] = signals["p95_latency"].model_copy(update={"slo": Slo(max=0.001)})
        fast = layout.prometheus.model_copy(update={"interval": layout.prometheus.interval / 5})
        layout = layout.model_copy(update={"signals": signals, "prometheus": fast})
        async with open_room(layout, kubeconfig=sim.kubeconfig) as room:
            app = room_app(room, session="test")
            async with app.run_test(size=(200, 60)) as pilot:
                panel = app.query_one("#signals", SignalsPanel)
                await until(
                    lambda: "ms" in line_with(panel, "p95 latency ").text,
                    timeout=30,
                    what="the p95 value",
                    pause=pilot.pause,
                )
                p95 = line_with(panel, "p95 latency ")
                value = word_after(p95.text, "p95 latency")
                bad = theme_color(app, "error")
                assert color_of(p95.style_of(value)) == bad
                assert "(SLO ≤ 1ms)" in p95.text
                # Requests per second has no SLO: its value stays in the ok tone.
                await until(
                    lambda: word_after(
                        line_with(panel, "Requests per second").text, "Requests per second"
                    )[:1].isdigit(),
                    timeout=30,
                    what="the request rate",
                    pause=pilot.pause,
                )
                rps = line_with(panel, "Requests per second")
                rate = word_after(rps.text, "Requests per second")
                assert color_of(rps.style_of(rate)) == theme_color(app, "success")
                graph = app.query_one("#overview-graphs-p95_latency", LineGraph)
                await until(lambda: plotted(graph), timeout=30, what="points", pause=pilot.pause)
                dots = [
                    color_of(style)
                    for line in lines(graph)
                    for ch, style in line.cells
                    if ord(ch) in BRAILLE
                ]
                assert dots and set(dots) == {bad}  # every point is above the SLO line
                legend = app.query_one("#overview-graphs-p95_latency-legend")
                shown = line_with(legend, "p95 latency")
                assert color_of(shown.style_of(word_after(shown.text, "p95 latency"))) == bad


async def test_without_a_prometheus_the_signals_are_listed_as_not_measured() -> None:
    async with SimCluster("bizra-inference-10k", speed=20) as sim:
        layout = load_layout(shipped_layout("bizra-inference-10k.yaml")).with_overrides(
            context="warroom-sim"
        )
        layout = layout.model_copy(
            update={"prometheus": layout.prometheus.model_copy(update={"url": None})}
        )
        async with open_room(layout, kubeconfig=sim.kubeconfig) as room:
            app = room_app(room, session="test")
            async with app.run_test(size=(100, 40)) as pilot:
                panel = app.query_one("#signals", SignalsPanel)
                await until(
                    lambda: "No Prometheus is configured" in content(panel),
                    what="the signals panel saying so",
                    pause=pilot.pause,
                )
                assert "give one with --prometheus URL or prometheus.url in the layout" in (
                    content(panel)
                )
                for title in ("p95 latency", "5xx error rate", "GPU utilisation"):
                    assert "not measured" in line_with(panel, title).text
                assert "No signals in this layout" not in text(panel)
                assert "no Prometheus" in lines(panel)[-1].text  # the panel's corner
                await pilot.press("4")
                note = app.query_one("#graphs-note")
                await until(
                    lambda: "No Prometheus is configured" in content(note),
                    what="the graphs view saying so",
                    pause=pilot.pause,
                )


async def test_a_scrape_outage_behind_a_live_prometheus_is_a_banner_and_unknown_signals() -> None:
    binary = require_tool("prometheus")
    async with (
        SimCluster("bizra-inference-10k", speed=20, scrape_interval=0.5) as sim,
        PrometheusProcess(sim.metrics_target, scrape_interval=0.5, binary=binary) as prom,
    ):
        sim.set_users(f"{NS}/bizra-inference", 1000)
        layout = load_layout(shipped_layout("bizra-inference-10k.yaml")).with_overrides(
            context="warroom-sim", prometheus=prom.url
        )
        fast = layout.prometheus.model_copy(update={"interval": layout.prometheus.interval / 5})
        layout = layout.model_copy(update={"prometheus": fast})
        async with open_room(layout, kubeconfig=sim.kubeconfig) as room:
            app = room_app(room, session="test")
            async with app.run_test(size=(120, 40)) as pilot:
                panel = app.query_one("#signals", SignalsPanel)
                banner = app.query_one("#banner", Banner)
                await until(
                    lambda: (
                        word_after(
                            line_with(panel, "Requests per second").text, "Requests per second"
                        )
                        not in ("–", "no", "waiting")
                    ),
                    timeout=40,
                    what="a request rate measured",
                    pause=pilot.pause,
                )
                sim.prometheus_outage(True)
                await until(
                    lambda: "scrape targets are down" in content(banner),
                    timeout=30,
                    what="the banner",
                    pause=pilot.pause,
                )
                assert "Prometheus is up but 1 of 1 scrape targets are down (job warroom-sim)" in (
                    content(banner)
                )
                await until(
                    lambda: (
                        "unknown: job warroom-sim is down"
                        in line_with(panel, "Requests per second").text
                    ),
                    timeout=30,
                    what="the signal unknown",
                    pause=pilot.pause,
                )
                assert "no traffic" not in text(panel)
                sim.prometheus_outage(False)
                await until(
                    lambda: not banner.display, timeout=30, what="recovery", pause=pilot.pause
                )


def seconds_of(age: str) -> float:
    """A HumanDuration back to seconds, to its precision (`2m10s`, `15m`, `3h5m`, `57s`)."""
    total, number = 0.0, ""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "y": 365 * 86400}
    for ch in age:
        if ch.isdigit():
            number += ch
        else:
            total += int(number) * units[ch]
            number = ""
    return total


async def test_ages_follow_the_clusters_clock_not_ours_against_a_fast_sim() -> None:
    """`warroom LAYOUT` against `warroom sim --speed 10`: no clock is handed to the room, so
    ages are read against the clock estimated from the API server's answers."""
    # The cluster's clock five hours behind ours, and running ten times as fast.
    async with SimCluster(
        "bizra-inference-10k", speed=10, start_time=time.time() - 5 * 3600
    ) as sim:
        layout = load_layout(shipped_layout("bizra-inference-10k.yaml")).with_overrides(
            context="warroom-sim"
        )
        async with open_room(layout, kubeconfig=sim.kubeconfig) as room:
            app = room_app(room, session="test")
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.press("2")
                table = app.query_one("#pod-table")
                await until(
                    lambda: "bizra-inference-" in text(table),
                    timeout=20,
                    what="pods",
                    pause=pilot.pause,
                )
                # Answers over a few seconds let the client see the sim's pace (×10).
                for _ in range(12):
                    await room.connection.get_json("/version")
                    await pilot.pause(0.5)
                assert "<invalid>" not in text(table)
                pod = sim.store.list(("", "pods"), NS)[0]
                name = pod["metadata"]["name"]
                drawn = line_with(table, name).text.split()[
                    5
                ]  # version pod status ready restarts age
                true_age = sim.clock.now() - parse_timestamp(pod["metadata"]["creationTimestamp"])
                # To the precision HumanDuration prints (a minute past ten minutes), and the
                # estimate within a second or two of sim time.
                assert abs(seconds_of(drawn) - true_age) <= 60 + 20, (drawn, true_age)


async def test_every_view_says_how_old_its_data_is_and_dims_what_may_be_behind(
    live: tuple[SimCluster, Room],
) -> None:
    sim, room = live
    node = sim.store.list(("", "pods"), NS)[0]["spec"]["nodeName"]
    app = room_app(room, session="test")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("3")
        status = app.query_one("#nodes-status")
        panel = app.query_one("#nodes-panel", NodeTable)
        await until(
            lambda: "GPUs live" in text(status) and "°" in line_with(panel, node).text,
            timeout=30,
            what="live GPU readings",
            pause=pilot.pause,
        )
        assert " nodes · live · GPUs live · pods counted in bizra-prod, bizra-monitoring only" in (
            text(status)
        )
        before = brightness(line_with(panel, node).style_of("°"))
        name_before = brightness(line_with(panel, node).style_of(node))
        sim.prometheus_outage(True)  # the GPU readings stop coming
        await until(
            lambda: "GPUs " in text(status) and "s old" in text(status),
            timeout=30,
            what="the GPUs' age",
            pause=pilot.pause,
        )
        # Behind: dimmed (Textual draws dim by fading the colour toward the background).
        await until(
            lambda: brightness(line_with(panel, node).style_of("°")) < before * 0.8,
            what="the GPU readings dimmed",
            pause=pilot.pause,
        )
        # The node itself is current: its watch is live.
        assert brightness(line_with(panel, node).style_of(node)) == name_before
        for tab, status_id in (("4", "#graphs-status"), ("5", "#events-status")):
            await pilot.press(tab)
            line = app.query_one(status_id)
            await until(
                lambda line=line: "old" in text(line) or "live" in text(line),
                what=f"{status_id} saying how old",
                pause=pilot.pause,
            )
