"""The inference load model: users over time, spread over the Ready pods behind each Service.

Each tick integrates per-pod counters (requests by code, a latency histogram, tokens) from
the traffic each pod receives. Latency grows as a pod's GPU nears saturation; a scenario can
mark an image as regressed (latency × k, errors + x), so a bad canary looks bad in the numbers.
Counters advance by simulated traffic divided by the clock's speed, so a Prometheus computing
rate() over wall-clock time sees the simulated per-second rates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from warroom.sim.declared_metrics import DeclaredSeries, Flow, advance, lognormal_cdf
from warroom.sim.metric_specs import MetricRegression, MetricSpec
from warroom.sim.nginx import canary_split
from warroom.sim.pods import is_ready, is_terminating
from warroom.sim.selectors import SelectorError, label_selector_from_spec
from warroom.sim.store import Obj, Store

SERVICES = ("", "services")
PODS = ("", "pods")
INGRESSES = ("networking.k8s.io", "ingresses")

BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
# Utilisation at which the configured latency holds; above it queueing stretches latency.
NOMINAL_UTILISATION = 0.6
Z95 = 1.6448536269514722


@dataclass(frozen=True)
class Stage:
    """k6-style stage: ramp linearly to `users` over `duration` simulated seconds."""

    duration: float
    users: float


@dataclass
class ServiceLoad:
    namespace: str
    service: str
    stages: list[Stage]
    repeat: bool = False
    requests_per_user: float = 0.05
    tokens_per_request: float = 120.0
    p50: float = 0.35
    p95: float = 0.6
    error_rate: float = 0.002
    capacity_per_pod: float = 40.0  # requests/s one pod serves at 100 % GPU
    model_memory_mib: float = 16_000.0
    # The share of answered requests that pass the احسان (ihsan) quality check, as seed 000's
    # service scores its answers; None: the service runs no such check (no ihsan metric).
    ihsan_pass_rate: float | None = None
    # Families the scenario declares under the names its program uses (metric_specs).
    metrics: list[MetricSpec] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.service}"


@dataclass(frozen=True)
class Regression:
    latency: float = 1.0  # multiplier
    errors: float = 0.0  # added error ratio
    ihsan: float = 0.0  # taken off the ihsan pass rate
    metrics: dict[str, MetricRegression] = field(default_factory=dict)  # by declared family


@dataclass
class ErrorBurst:
    service: str  # namespace/name, or "" for every service
    ratio: float
    until: float


@dataclass
class PodStats:
    """Cumulative counters of one pod, as its /metrics would show them."""

    namespace: str
    pod: str
    version: str
    service: str
    node: str = ""
    requests: dict[str, float] = field(default_factory=lambda: {"200": 0.0, "500": 0.0, "503": 0.0})
    buckets: list[float] = field(default_factory=lambda: [0.0] * (len(BUCKETS) + 1))
    duration_sum: float = 0.0
    tokens: float = 0.0
    # ihsan checks of answered requests by result (pass, fail); None: the service has none.
    ihsan: dict[str, float] | None = None
    queue_depth: float = 0.0
    utilisation: float = 0.0  # 0..1+, the pod's GPU load
    rps: float = 0.0  # simulated requests per second right now
    error_ratio: float = 0.0
    p95: float = 0.0
    users: float = 0.0  # the pod's share of the service's concurrent users
    declared: DeclaredSeries = field(default_factory=DeclaredSeries)


def pod_version(pod: Obj) -> str:
    labels = pod["metadata"].get("labels") or {}
    for key in ("version", "app.kubernetes.io/version"):
        if labels.get(key):
            return str(labels[key])
    containers = (pod.get("spec") or {}).get("containers") or [{}]
    image = str(containers[0].get("image", ""))
    tail = image.rsplit("/", 1)[-1]
    return tail.split(":", 1)[1] if ":" in tail else "latest"


class LoadModel:
    """Traffic, latency, errors and tokens per pod; the GPU telemetry reads it."""

    def __init__(
        self,
        store: Store,
        services: Iterable[ServiceLoad] = (),
        regressions: dict[str, Regression] | None = None,
    ) -> None:
        self.store = store
        self.services: dict[str, ServiceLoad] = {s.key: s for s in services}
        self.regressions: dict[str, Regression] = dict(regressions or {})
        self.bursts: list[ErrorBurst] = []
        self.user_override: dict[str, float] = {}
        self.pods: dict[str, PodStats] = {}  # by pod uid
        self.started = store.clock.now()
        self.last_tick = self.started

    def begin(self) -> None:
        """Start the stages' clock now (the cluster went live)."""
        self.started = self.last_tick = self.store.clock.now()

    # ---- inputs --------------------------------------------------------------------------

    def users(self, service: ServiceLoad, now: float) -> float:
        if service.key in self.user_override:
            return self.user_override[service.key]
        elapsed = max(0.0, now - self.started)
        total = sum(s.duration for s in service.stages)
        previous = 0.0
        if service.repeat and total > 0 and elapsed >= total:
            # Later rounds ramp from where the previous round ended, not from zero.
            elapsed %= total
            previous = service.stages[-1].users
        for stage in service.stages:
            if elapsed <= stage.duration:
                share = elapsed / stage.duration if stage.duration > 0 else 1.0
                return previous + (stage.users - previous) * share
            elapsed -= stage.duration
            previous = stage.users
        return previous

    def set_users(self, key: str, users: float | None) -> None:
        if users is None:
            self.user_override.pop(key, None)
        else:
            self.user_override[key] = users

    def _burst(self, key: str, now: float) -> float:
        self.bursts = [b for b in self.bursts if b.until > now]
        return sum(b.ratio for b in self.bursts if b.service in ("", key))

    # ---- traffic split -------------------------------------------------------------------

    def _backends(self, namespace: str, name: str) -> list[Obj]:
        svc = self.store.get(SERVICES, namespace, name)
        if svc is None:
            return []
        wanted = (svc.get("spec") or {}).get("selector")
        if not wanted:  # a Service without a selector has no pods behind it
            return []
        try:
            selector = label_selector_from_spec({"matchLabels": wanted})
        except SelectorError:
            return []
        return [
            p
            for p in self.store.list(PODS, namespace)
            if selector.matches(p["metadata"].get("labels") or {})
            and is_ready(p)
            and not is_terminating(p)
        ]

    def _canary(self, service: ServiceLoad) -> tuple[str, str, float] | None:
        """An NGINX canary Ingress in front of the service (in any namespace): (its
        namespace, canary service, weight 0..1)."""
        return canary_split(self.store.list(INGRESSES), service.namespace, service.service)

    def shares(self, service: ServiceLoad) -> list[tuple[Obj, float]]:
        """Each Ready backend pod with its share of the service's traffic (sums to 1)."""
        main = self._backends(service.namespace, service.service)
        canary = self._canary(service)
        if canary is not None:
            canary_pods = self._backends(canary[0], canary[1])
            weight = canary[2] if canary_pods else 0.0
            if not main:
                weight = 1.0 if canary_pods else 0.0
            out = [(p, (1 - weight) / len(main)) for p in main] if main else []
            out += [(p, weight / len(canary_pods)) for p in canary_pods] if canary_pods else []
            return out
        return [(p, 1.0 / len(main)) for p in main] if main else []

    # ---- integration ---------------------------------------------------------------------

    def tick(self) -> None:
        now = self.store.clock.now()
        dt = max(0.0, now - self.last_tick)
        self.last_tick = now
        speed = self.store.clock.speed if not self.store.clock.manual else 1.0
        seen: set[str] = set()
        for service in self.services.values():
            users = self.users(service, now)
            total_rps = users * service.requests_per_user
            burst = self._burst(service.key, now)
            for pod, share in self.shares(service):
                uid = pod["metadata"]["uid"]
                seen.add(uid)
                stats = self.pods.get(uid)
                if stats is None:
                    stats = self.pods[uid] = PodStats(
                        pod["metadata"]["namespace"],
                        pod["metadata"]["name"],
                        pod_version(pod),
                        service.service,
                    )
                stats.node = (pod.get("spec") or {}).get("nodeName", "")
                stats.users = users * share
                self._advance(stats, service, pod, total_rps * share, burst, dt / speed)
        for uid, stats in list(self.pods.items()):
            if uid not in seen:
                if self.store.by_uid(uid) is None:
                    del self.pods[uid]
                else:  # not Ready or no longer selected: serves nothing
                    stats.rps = stats.utilisation = stats.queue_depth = stats.users = 0.0
                    specs = self.declared(stats)
                    if specs:
                        advance(stats.declared, specs, Flow(0.0, {}), {})

    def _advance(
        self,
        stats: PodStats,
        service: ServiceLoad,
        pod: Obj,
        rps: float,
        burst: float,
        seconds: float,
    ) -> None:
        regression = self._regression(pod)
        utilisation = rps / service.capacity_per_pod if service.capacity_per_pod > 0 else 0.0
        stretch = (1 - NOMINAL_UTILISATION) / (1 - min(utilisation, 0.97))
        stretch = max(stretch, 0.8)  # an idle GPU is a little faster, not free
        median = service.p50 * stretch * regression.latency
        sigma = math.log(service.p95 / service.p50) / Z95 if service.p95 > service.p50 else 0.0
        shed = (utilisation - 1) / utilisation if utilisation > 1 else 0.0
        errors = min(1.0, service.error_rate + regression.errors + burst)
        served = rps * seconds
        stats.rps = rps
        stats.utilisation = utilisation
        stats.error_ratio = min(1.0, shed + (1 - shed) * errors)
        stats.p95 = median * math.exp(Z95 * sigma)
        stats.requests["503"] += served * shed
        stats.requests["500"] += served * (1 - shed) * errors
        stats.requests["200"] += served * (1 - shed) * (1 - errors)
        for i, bound in enumerate(BUCKETS):
            stats.buckets[i] += served * lognormal_cdf(bound, median, sigma)
        stats.buckets[-1] += served
        stats.duration_sum += served * median * math.exp(sigma * sigma / 2)
        answered = served * (1 - shed) * (1 - errors)
        stats.tokens += answered * service.tokens_per_request
        if service.ihsan_pass_rate is not None:
            passing = min(1.0, max(0.0, service.ihsan_pass_rate - regression.ihsan))
            checks = stats.ihsan if stats.ihsan is not None else {"pass": 0.0, "fail": 0.0}
            checks["pass"] += answered * passing
            checks["fail"] += answered * (1 - passing)
            stats.ihsan = checks
        in_flight = rps * median * math.exp(sigma * sigma / 2)
        batch = service.capacity_per_pod * service.p50  # requests a pod works on at once
        stats.queue_depth = max(0.0, in_flight - batch)
        if service.metrics:
            answering = rps * (1 - shed) * (1 - errors)
            rates = {
                "requests": rps,
                "failures": rps * stats.error_ratio,
                "answered": answering,
                "tokens": answering * service.tokens_per_request,
                "users": stats.users,
                "utilisation": utilisation,
                "queue": stats.queue_depth,
                "p95": stats.p95,
                "errorRatio": stats.error_ratio,
            }
            flow = Flow(seconds, rates, median, sigma)
            advance(stats.declared, service.metrics, flow, regression.metrics)

    def declared(self, stats: PodStats) -> list[MetricSpec]:
        service = self.services.get(f"{stats.namespace}/{stats.service}")
        return service.metrics if service is not None else []

    def _regression(self, pod: Obj) -> Regression:
        for container in (pod.get("spec") or {}).get("containers") or ():
            found = self.regressions.get(str(container.get("image", "")))
            if found is not None:
                return found
        return Regression()

    # ---- reads for the HPA ---------------------------------------------------------------

    def utilisation_of(self, namespace: str, pods: Iterable[Obj]) -> float | None:
        values = [
            self.pods[p["metadata"]["uid"]].utilisation
            for p in pods
            if p["metadata"]["uid"] in self.pods and is_ready(p)
        ]
        return sum(values) / len(values) if values else None

    def queue_depth_of(self, pods: Iterable[Obj]) -> float | None:
        values = [
            self.pods[p["metadata"]["uid"]].queue_depth
            for p in pods
            if p["metadata"]["uid"] in self.pods
        ]
        return sum(values) / len(values) if values else None
