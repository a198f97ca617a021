"""SimCluster: API server, controllers and scenario together, in-process or behind `warroom sim`.

async with SimCluster("bizra-inference-10k", speed=10) as sim:
    print(sim.url, sim.kubeconfig)
    async with sim.session() as http:  # HTTPS, trusting the run's CA, as the operator
        ...

The API is HTTPS with a certificate authority made for the run, and every request brings a
credential (sim/credentials.py, sim/authentication.py). The kubeconfig it writes has two
contexts: `warroom-sim` (the operator, allowed everything) and `warroom-sim-viewer` (get,
list and watch), each user's bearer token in a file of its own beside the kubeconfig, both
written 0600. `tls=False` serves plain HTTP, where a request without a credential is the
operator's. The pods' metrics (what a Prometheus scrapes) are also served as plain HTTP on a
loopback port of their own, `metrics_target`, as a pod's /metrics endpoint is.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import ssl
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from warroom.background import Repeat
from warroom.sim.access import AccessRules, DenyRule
from warroom.sim.apiserver import ApiServer
from warroom.sim.authentication import Authentication
from warroom.sim.catalogue import Catalogue, ResourceType
from warroom.sim.clock import SimClock
from warroom.sim.cluster_faults import ClusterFaults
from warroom.sim.container_logs import ContainerLogs
from warroom.sim.control import control_routes
from warroom.sim.controllers.context import NODES, Context, Faults
from warroom.sim.controllers.daemonset import DaemonSetController
from warroom.sim.controllers.deployment import DeploymentController
from warroom.sim.controllers.disruption import DisruptionController
from warroom.sim.controllers.flagger import FlaggerController
from warroom.sim.controllers.flagger_checks import Prometheus, Webhooks
from warroom.sim.controllers.gc import GarbageCollector
from warroom.sim.controllers.hpa import HpaController, MetricSource, SettableMetrics
from warroom.sim.controllers.ingress_status import IngressStatusSync
from warroom.sim.controllers.kubelet import Kubelet
from warroom.sim.controllers.manager import ControllerManager
from warroom.sim.controllers.nodelifecycle import NodeLifecycleController
from warroom.sim.controllers.quota import ResourceQuotaController
from warroom.sim.controllers.replicaset import ReplicaSetController
from warroom.sim.controllers.scheduler import Scheduler
from warroom.sim.controllers.service_lb import ServiceLoadBalancer
from warroom.sim.controllers.traffic import LoadDrivenMetrics, TrafficTicker
from warroom.sim.controllers.volumes import VolumeBinder
from warroom.sim.crds import CrdServing
from warroom.sim.credentials import MASTERS, OPERATOR, VIEWER, VIEWERS, Authority, write_private
from warroom.sim.events import Recorder
from warroom.sim.gpus import GpuTelemetry
from warroom.sim.kubelet_metrics import KubeletMetrics
from warroom.sim.kyverno import ImageVerification, PolicyReadiness
from warroom.sim.load import LoadModel
from warroom.sim.metrics import SimMetrics
from warroom.sim.names import NameGenerator
from warroom.sim.pod_logs import PodLogs
from warroom.sim.promapi import PrometheusApi
from warroom.sim.promql.engine import Engine
from warroom.sim.registry import Registry
from warroom.sim.resource_metrics import ResourceMetrics
from warroom.sim.scenario import Scenario, load, node_objects
from warroom.sim.service_proxy import ServiceProxy
from warroom.sim.store import Store
from warroom.sim.tsdb import SeriesStore

CONTEXT = OPERATOR
VIEWER_CONTEXT = VIEWER


def kubeconfig_text(
    url: str,
    namespace: str = "default",
    *,
    ca: bytes | None = None,
    tokens: dict[str, str] | None = None,
    token_files: dict[str, Path] | None = None,
) -> str:
    """A kubeconfig for the sim at `url`: a context per user (the operator's current), each
    user's bearer token given inline (`tokens`) or as a tokenFile (`token_files`), and the
    run's CA as certificate-authority-data when it serves HTTPS."""
    cluster: dict[str, Any] = {"server": url}
    if ca is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
    names = [*(token_files or tokens or {CONTEXT: ""})]
    users = []
    for name in names:
        user: dict[str, Any] = {}
        if token_files and name in token_files:
            user["tokenFile"] = str(token_files[name])
        elif tokens and tokens.get(name):
            user["token"] = tokens[name]
        users.append({"name": name, "user": user})
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": cluster}],
        "users": users,
        "contexts": [
            {
                "name": name,
                "context": {"cluster": CONTEXT, "user": name, "namespace": namespace},
            }
            for name in names
        ],
        "current-context": CONTEXT,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


class SimCluster(ClusterFaults):
    """A whole simulated cluster on 127.0.0.1.

    `manual_clock=True` freezes simulated time: it then moves only through `advance()`,
    which tests use to step through minutes of cluster life deterministically. `names` picks
    the names drawn for generateName (a test can make them collide). The fault and
    load knobs (fail_node, set_users, lose_gpu, ...) come from ClusterFaults.
    """

    def __init__(
        self,
        scenario: str | Scenario | None = "bizra-inference-10k",
        *,
        port: int = 0,
        speed: float = 1.0,
        manual_clock: bool = False,
        kubeconfig: str | Path | None = None,
        watch_window: int = 50_000,
        bookmark_interval: float = 60.0,
        metric_source: MetricSource | None = None,
        start_time: float | None = None,
        seed: int = 0,
        scrape_interval: float = 1.0,
        names: NameGenerator | None = None,
        tls: bool = True,
    ) -> None:
        if isinstance(scenario, str):
            scenario = load(scenario)
        self.scenario = scenario or Scenario(name="empty", warmup=0)
        self.port = port
        self.speed = speed
        self.manual_clock = manual_clock
        self._kubeconfig_path = Path(kubeconfig) if kubeconfig else None
        self._owns_kubeconfig = kubeconfig is None
        now = time.time() if start_time is None else start_time
        # Seeding runs the warm-up on a stopped clock, ending at "now".
        self.clock = SimClock(start=now - self.scenario.warmup, speed=speed, manual=True)
        self.store = Store(self.clock, window=watch_window)
        self.catalogue = Catalogue()
        self.registry = Registry(self.store, self.catalogue, seed=seed, names=names)
        self.registry.hooks.append(CrdServing(self.catalogue, self.store))
        self.registry.hooks.append(PolicyReadiness(self.store))
        self.registry.admission.append(ImageVerification(self.store, self.scenario.signed_images))
        self.access = AccessRules(self.scenario.deny_rules)
        self.tls = tls
        self.authority = Authority()
        # The kubeconfig's two users, each with a token that does not expire.
        self.tokens = {
            CONTEXT: self.authority.mint_token(OPERATOR, (MASTERS,))[0],
            VIEWER_CONTEXT: self.authority.mint_token(VIEWER, (VIEWERS,))[0],
        }
        self.recorder = Recorder(self.store)
        self.faults = Faults(
            broken_images=set(self.scenario.broken_images),
            image_pull_seconds=dict(self.scenario.image_pull_seconds),
        )
        self.ctx = Context(
            self.store,
            self.registry,
            self.recorder,
            self.catalogue,
            timings=self.scenario.timings,
            faults=self.faults,
        )
        self.metrics = SettableMetrics()
        for key, value in self.scenario.hpa_metrics.items():
            ns, _, name = key.partition("/")
            self.metrics.set(ns, name, value)
        self.node_lifecycle = NodeLifecycleController(self.ctx)
        self.load = LoadModel(self.store, self.scenario.load, self.scenario.regressions)
        self.gpus = GpuTelemetry(self.store, self.load)
        self.gpus.unreachable = self.faults.failed_nodes
        usage = ResourceMetrics(self.store, self.load)
        node_side = KubeletMetrics(self.store, self.load, usage, lambda: self.faults.volume_use)
        self.telemetry = SimMetrics(self.load, self.gpus, node_side)
        self.traffic = TrafficTicker(self.load)
        self.logs = ContainerLogs(self.clock)
        self.kubelet = Kubelet(self.ctx, self.logs)
        # Prometheus outage fault: the scrape target and the built-in query API answer 503.
        self.metrics_down = False
        # The built-in Prometheus: the sim scrapes itself into a series store it can query.
        self.series = SeriesStore()
        self.prometheus = PrometheusApi(Engine(self.series))
        self.prometheus_url = ""
        self.scrape_interval = scrape_interval
        self._prom_runner: web.AppRunner | None = None
        # The built-in Prometheus scrapes the sim itself; the first scrape is at start.
        self._scraper = Repeat(scrape_interval, self.scrape_now, "sim-scraper")
        self.service_proxy = ServiceProxy(
            self.store,
            self.faults,
            self.load,
            self.scenario.apps,
            self.telemetry.pod_exposition,
        )
        self.manager = ControllerManager(
            self.store,
            self.clock,
            [
                DeploymentController(self.ctx),
                ReplicaSetController(self.ctx),
                DaemonSetController(self.ctx),
                Scheduler(self.ctx),
                self.kubelet,
                self.node_lifecycle,
                HpaController(
                    self.ctx,
                    metric_source or LoadDrivenMetrics(self.store, self.load, self.metrics),
                ),
                DisruptionController(self.ctx),
                GarbageCollector(self.ctx),
                FlaggerController(
                    self.ctx,
                    Prometheus(self.prometheus),
                    Webhooks(self.store, self.service_proxy),
                ),
                VolumeBinder(self.ctx),
                ResourceQuotaController(self.ctx),
                ServiceLoadBalancer(self.ctx),
                IngressStatusSync(self.ctx),
                self.traffic,
            ],
        )
        self.api = ApiServer(
            self.store,
            self.catalogue,
            self.registry,
            self.access,
            Authentication(self.authority, insecure=not tls),
            bookmark_interval=bookmark_interval,
        )
        self.api.pod_logs = PodLogs(self.store, self.logs, self.faults)
        self.api.service_proxy = self.service_proxy
        self.api.resource_metrics = usage
        self.api.extra_routes.extend(control_routes(self))
        self.api.extra_routes.append(("GET", "/metrics", self._metrics))
        self._runner: web.AppRunner | None = None
        self._metrics_runner: web.AppRunner | None = None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self.url = ""
        # host:port of the plain-HTTP /metrics a Prometheus scrapes.
        self.metrics_target = ""

    # ---- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> SimCluster:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        self._seed()
        self.manager.advance(self.scenario.warmup)
        # The seeded objects live as long as the cluster: keep the cyclic GC from rescanning
        # them on every collection (at 10,000 pods that halves the cost of each write).
        gc.collect()
        gc.freeze()
        # The go-live traffic starts once the cluster is up.
        self.load.begin()
        self.manager.enqueue(self.traffic, TrafficTicker.key)
        if not self.manual_clock:
            self.clock.run(self.speed)
        # handler_cancellation: a watch whose client hung up ends at once, as on a real server.
        self._runner = web.AppRunner(
            self.api.app(), access_log=None, handle_signals=False, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(
            self._runner,
            "127.0.0.1",
            self.port,
            backlog=512,
            ssl_context=self.authority.server_context() if self.tls else None,
        )
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr,attr-defined]
        self.port = port
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        self.api.address = f"127.0.0.1:{port}"
        self._write_kubeconfig()
        self.manager.start()
        metrics_app = web.Application()
        metrics_app.router.add_get("/metrics", self._metrics)
        self._metrics_runner = web.AppRunner(metrics_app, access_log=None, handle_signals=False)
        await self._metrics_runner.setup()
        metrics_site = web.TCPSite(self._metrics_runner, "127.0.0.1", 0)
        await metrics_site.start()
        assert metrics_site._server is not None
        metrics_port = metrics_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr,attr-defined]
        self.metrics_target = f"127.0.0.1:{metrics_port}"
        self._prom_runner = web.AppRunner(
            self.prometheus.application(), access_log=None, handle_signals=False
        )
        await self._prom_runner.setup()
        prom_site = web.TCPSite(self._prom_runner, "127.0.0.1", 0)
        await prom_site.start()
        prom_server = prom_site._server
        assert prom_server is not None
        prom_port = prom_server.sockets[0].getsockname()[1]  # type: ignore[union-attr,attr-defined]
        self.prometheus_url = f"http://127.0.0.1:{prom_port}"
        self.scrape_now()  # data from the first moment, before the loop's own first scrape
        self._scraper.start()

    async def stop(self) -> None:
        self.api.hub.drop_all()
        self.logs.close()  # followed logs end, so no handler holds the shutdown
        await self._scraper.stop()
        if self._prom_runner is not None:
            await self._prom_runner.cleanup()
            self._prom_runner = None
        await self.manager.stop()
        if self._metrics_runner is not None:
            await self._metrics_runner.cleanup()
            self._metrics_runner = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def _seed(self) -> None:
        created = self.clock.timestamp()
        for name in (
            "default",
            "kube-system",
            "kube-public",
            "kube-node-lease",
            *self.scenario.namespaces,
        ):
            if self.store.get(("", "namespaces"), "", name) is None:
                self.registry.create(
                    self._rt("", "v1", "namespaces"),
                    "",
                    {"metadata": {"name": name}},
                    dry_run=False,
                )
        for node in node_objects(self.scenario, created):
            self.store.create(NODES, node)
        for obj in self.scenario.objects:
            api_version = str(obj["apiVersion"])
            group = api_version.rpartition("/")[0]
            rt = self.catalogue.by_kind(group, str(obj["kind"]))
            if rt is None:
                raise ValueError(
                    f"scenario {self.scenario.name}: kind {obj['kind']} in {api_version} is not "
                    "served; create its CustomResourceDefinition earlier in the objects list"
                )
            ns = obj["metadata"].get("namespace", "default") if rt.namespaced else ""
            self.registry.create(rt, ns, obj, dry_run=False)

    def _rt(self, group: str, version: str, plural: str) -> ResourceType:
        rt = self.catalogue.get(group, version, plural)
        assert rt is not None
        return rt

    def _write_kubeconfig(self) -> None:
        if self._kubeconfig_path is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="warroom-sim-")
            self._kubeconfig_path = Path(self._tmpdir.name) / "kubeconfig"
        path = self._kubeconfig_path
        for name, token in self.tokens.items():
            write_private(self.token_file(name), token.encode())
        write_private(path, self.kubeconfig_text().encode())

    def token_file(self, context: str) -> Path:
        """Where the kubeconfig's user `context` keeps its bearer token (beside the file)."""
        path = self.kubeconfig
        return path.with_name(f"{path.name}.{context}.token").absolute()

    def kubeconfig_text(
        self, namespace: str = "default", *, inline: bool = False, url: str | None = None
    ) -> str:
        """The kubeconfig `warroom sim` writes (tokenFile users), or with `inline` one that
        carries the tokens themselves, for a file kept elsewhere; `url` puts another server
        (a proxy in front of this one) in it."""
        ca = self.authority.ca_pem if self.tls else None
        server = url or self.url
        if inline:
            return kubeconfig_text(server, namespace, ca=ca, tokens=self.tokens)
        files = {name: self.token_file(name) for name in self.tokens}
        return kubeconfig_text(server, namespace, ca=ca, token_files=files)

    @property
    def kubeconfig(self) -> Path:
        assert self._kubeconfig_path is not None, "the cluster is not started"
        return self._kubeconfig_path

    def ssl_context(self) -> ssl.SSLContext | bool:
        """How a client verifies this API server: the run's CA (True over plain HTTP)."""
        return self.authority.client_context() if self.tls else True

    def auth_headers(self, context: str = CONTEXT) -> dict[str, str]:
        """The Authorization header of the kubeconfig's user `context`."""
        return {"Authorization": f"Bearer {self.tokens[context]}"}

    def session(self, context: str = CONTEXT, **options: Any) -> aiohttp.ClientSession:
        """An aiohttp session that speaks to the API as `context`'s user, trusting the CA."""
        headers = {**self.auth_headers(context), **options.pop("headers", {})}
        connector = aiohttp.TCPConnector(ssl=self.ssl_context())
        return aiohttp.ClientSession(headers=headers, connector=connector, **options)

    # ---- driving it ----------------------------------------------------------------------

    async def advance(self, seconds: float) -> None:
        """Move a manual clock forward, running every controller step on the way."""
        if not self.clock.manual:
            raise RuntimeError("advance() needs SimCluster(manual_clock=True)")
        self.manager.advance(seconds)
        await asyncio.sleep(0)

    def settle(self) -> None:
        """Run all controller work due at the current simulated time."""
        self.manager.settle()

    async def until(
        self, predicate: Callable[[], bool], timeout: float = 10.0, step: float = 1.0
    ) -> None:
        """Wait (real time; with a manual clock, stepping `step` simulated seconds) until true."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            if self.clock.manual:
                self.manager.advance(step)
                await asyncio.sleep(0)
            else:
                await asyncio.sleep(0.02)

    def set_hpa_metric(self, namespace: str, hpa: str, value: float, metric: str = "*") -> None:
        self.metrics.set(namespace, hpa, value, metric)

    def deny(self, rule: DenyRule | dict[str, Any]) -> None:
        self.access.deny(rule if isinstance(rule, DenyRule) else DenyRule.from_dict(rule))

    # ---- metrics -------------------------------------------------------------------------

    def scrape_now(self) -> None:
        """One scrape into the built-in Prometheus, labelled as a real Prometheus labels it."""
        target = {"job": "warroom-sim", "instance": self.metrics_target or self.api.address}
        ts = time.time()
        if self.metrics_down:  # a failed scrape: every series goes stale, up is 0
            self.series.scrape([({"__name__": "up", **target}, 0.0)], ts)
            return
        self.load.tick()
        samples = [({**target, **labels}, value) for labels, value in self.telemetry.samples()]
        samples.append(({"__name__": "up", **target}, 1.0))
        self.series.scrape(samples, ts)

    async def _metrics(self, request: web.Request) -> web.Response:
        if self.metrics_down:
            return web.Response(status=503, text="metrics endpoint unavailable (sim fault)\n")
        self.load.tick()
        return web.Response(
            body=self.telemetry.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
