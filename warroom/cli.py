"""The `warroom` command line."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

import click

DEFAULT_KUBECONFIG = Path.home() / ".kube" / "warroom-sim.yaml"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """warroom: the go-live war room for Kubernetes."""


@main.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default="a free port",
    help="Port to serve the Kubernetes API on (127.0.0.1 only).",
)
@click.option(
    "--kubeconfig",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_KUBECONFIG,
    show_default=True,
    help="Where to write the kubeconfig (context warroom-sim).",
)
@click.option(
    "--scenario",
    default="gpu-inference",
    show_default=True,
    help="A packaged scenario name or the path of a scenario YAML file.",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    help="How many times faster than real time the cluster runs.",
)
@click.option(
    "--prometheus",
    "with_prometheus",
    is_flag=True,
    help="Also run a real Prometheus (the prometheus binary) scraping the sim every second.",
)
def sim(port: int, kubeconfig: Path, scenario: str, speed: float, with_prometheus: bool) -> None:
    """Serve a simulated Kubernetes cluster that kubectl and warroom can drive."""
    from warroom.sim.cluster import SimCluster
    from warroom.sim.scenario import ScenarioError

    try:
        cluster = SimCluster(scenario, port=port, speed=speed, kubeconfig=kubeconfig)
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        asyncio.run(_serve(cluster, with_prometheus))
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on 127.0.0.1:{port} ({exc.strerror}); choose another --port"
        ) from exc
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


async def _serve(cluster: object, with_prometheus: bool) -> None:
    from warroom.sim.cluster import SimCluster
    from warroom.sim.prometheus import INSTALL_HINT, PrometheusError, PrometheusProcess, find_binary

    assert isinstance(cluster, SimCluster)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with cluster:
        click.echo(
            f"warroom sim: scenario {cluster.scenario.name} at {cluster.url} "
            f"(speed ×{cluster.speed:g}); try: kubectl --kubeconfig {cluster.kubeconfig} "
            "get pods -A   (Ctrl-C stops it)"
        )
        real: PrometheusProcess | None = None
        if with_prometheus and find_binary() is None:
            click.echo(f"warroom sim: prometheus is not on PATH; {INSTALL_HINT}.")
        elif with_prometheus:
            real = PrometheusProcess(f"127.0.0.1:{cluster.port}")
            try:
                await real.start()
            except PrometheusError as exc:
                click.echo(f"warroom sim: {exc}; using the built-in PromQL subset instead.")
                real = None
        if real is not None:
            click.echo(f"warroom sim: Prometheus {real.url} (real, scraping every second)")
        else:
            click.echo(
                f"warroom sim: Prometheus API {cluster.prometheus_url} (built-in PromQL subset)"
            )
        sys.stdout.flush()
        try:
            await stop.wait()
        finally:
            if real is not None:
                await real.stop()
    click.echo("warroom sim: stopped")


@main.command()
@click.option(
    "--speed",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="How many times faster than real time the simulated go-live runs.",
)
def demo(speed: float) -> None:
    """Open the war room on a simulated GPU-inference go-live (no cluster needed)."""
    from warroom.demo import run_demo

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(speed=speed))


if __name__ == "__main__":
    main()
