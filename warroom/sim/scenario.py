"""Scenarios: YAML files that seed the simulated cluster (nodes, manifests, faults, timings)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from warroom.sim.access import DenyRule
from warroom.sim.app_api import AppApi, parse_apps
from warroom.sim.controllers.context import Timings
from warroom.sim.load import Regression, ServiceLoad
from warroom.sim.load_section import parse_load

SCENARIO_PACKAGE = "warroom.sim.scenarios"
ZONES = "abcdefgh"


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message says what to fix."""


@dataclass
class GpuSpec:
    count: int
    model: str
    memory_mib: int


@dataclass
class NodePool:
    name: str
    count: int
    prefix: str
    cpu: str = "16"
    memory: str = "64Gi"
    pods: int = 110
    gpu: GpuSpec | None = None
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[dict[str, Any]] = field(default_factory=list)
    zone_count: int = 3
    instance_type: str = "sim.large"


@dataclass
class Scenario:
    name: str
    description: str = ""
    warmup: float = 120.0
    namespaces: list[str] = field(default_factory=list)
    node_pools: list[NodePool] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    # Images with a cosign signature, for Kyverno verifyImages rules (kyverno.py).
    signed_images: list[str] = field(default_factory=list)
    image_pull_seconds: dict[str, float] = field(default_factory=dict)
    hpa_metrics: dict[str, float] = field(default_factory=dict)
    deny_rules: list[DenyRule] = field(default_factory=list)
    load: list[ServiceLoad] = field(default_factory=list)
    regressions: dict[str, Regression] = field(default_factory=dict)
    timings: Timings = field(default_factory=Timings)
    apps: list[AppApi] = field(default_factory=list)


def available() -> list[str]:
    names = []
    for entry in resources.files(SCENARIO_PACKAGE).iterdir():
        if entry.name.endswith(".yaml"):
            names.append(entry.name[: -len(".yaml")])
    return sorted(names)


def load(name_or_path: str) -> Scenario:
    """A packaged scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"cannot read scenario file {path}: {exc.strerror}") from exc
        return parse(text, str(path))
    if name_or_path not in available():
        raise ScenarioError(
            f"unknown scenario {name_or_path!r}: choose one of {', '.join(available())}, or give "
            "the path of a scenario YAML file"
        )
    text = resources.files(SCENARIO_PACKAGE).joinpath(f"{name_or_path}.yaml").read_text("utf-8")
    return parse(text, name_or_path)


def _expect(value: Any, kind: type | tuple[type, ...], where: str, source: str) -> Any:
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ScenarioError(f"{source}: {where} must be a {names}")
    return value


def parse(text: str, source: str) -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(f"{source}: not valid YAML{where}; fix the syntax and retry") from exc
    data = _expect(data, dict, "the document", source)
    known = {
        "name",
        "description",
        "warmup",
        "namespaces",
        "nodePools",
        "objects",
        "brokenImages",
        "signedImages",
        "imagePullSeconds",
        "hpaMetrics",
        "denyRules",
        "timings",
        "load",
        "apps",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScenarioError(
            f"{source}: unknown keys {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
        )
    scenario = Scenario(name=str(data.get("name") or Path(source).stem))
    scenario.description = str(data.get("description", ""))
    scenario.warmup = float(_expect(data.get("warmup", 120), (int, float), "warmup", source))
    scenario.namespaces = [
        str(n) for n in _expect(data.get("namespaces", []), list, "namespaces", source)
    ]
    for i, pool in enumerate(_expect(data.get("nodePools", []), list, "nodePools", source)):
        scenario.node_pools.append(_pool(_expect(pool, dict, f"nodePools[{i}]", source), i, source))
    for i, obj in enumerate(_expect(data.get("objects", []), list, "objects", source)):
        obj = _expect(obj, dict, f"objects[{i}]", source)
        if (
            not obj.get("apiVersion")
            or not obj.get("kind")
            or not (obj.get("metadata") or {}).get("name")
        ):
            raise ScenarioError(f"{source}: objects[{i}] needs apiVersion, kind and metadata.name")
        scenario.objects.append(obj)
    scenario.broken_images = [
        str(i) for i in _expect(data.get("brokenImages", []), list, "brokenImages", source)
    ]
    scenario.signed_images = [
        str(i) for i in _expect(data.get("signedImages", []), list, "signedImages", source)
    ]
    pulls = _expect(data.get("imagePullSeconds", {}), dict, "imagePullSeconds", source)
    scenario.image_pull_seconds = {str(k): float(v) for k, v in pulls.items()}
    metrics = _expect(data.get("hpaMetrics", {}), dict, "hpaMetrics", source)
    scenario.hpa_metrics = {str(k): float(v) for k, v in metrics.items()}
    for i, rule in enumerate(_expect(data.get("denyRules", []), list, "denyRules", source)):
        try:
            scenario.deny_rules.append(
                DenyRule.from_dict(_expect(rule, dict, f"denyRules[{i}]", source))
            )
        except ValueError as exc:
            raise ScenarioError(f"{source}: denyRules[{i}]: {exc}") from exc
    if "load" in data:
        try:
            scenario.load, scenario.regressions = parse_load(data["load"], source)
        except (TypeError, ValueError) as exc:
            raise ScenarioError(str(exc)) from exc
    if "apps" in data:
        try:
            scenario.apps = parse_apps(data["apps"], source)
        except ValueError as exc:
            raise ScenarioError(str(exc)) from exc
    timings = _expect(data.get("timings", {}), dict, "timings", source)
    names = {f.name for f in dataclasses.fields(Timings)}
    bad = sorted(set(timings) - names)
    if bad:
        raise ScenarioError(
            f"{source}: unknown timings {', '.join(bad)}; allowed: {', '.join(sorted(names))}"
        )
    scenario.timings = Timings(**{k: float(v) for k, v in timings.items()})
    return scenario


def _pool(data: dict[str, Any], index: int, source: str) -> NodePool:
    where = f"nodePools[{index}]"
    for key in ("name", "count"):
        if key not in data:
            raise ScenarioError(f"{source}: {where} needs {key}")
    gpu = None
    if data.get("gpu"):
        g = _expect(data["gpu"], dict, f"{where}.gpu", source)
        gpu = GpuSpec(
            int(g.get("count", 1)),
            str(g.get("model", "NVIDIA-A100-SXM4-80GB")),
            int(g.get("memoryMiB", 81920)),
        )
    return NodePool(
        name=str(data["name"]),
        count=int(data["count"]),
        prefix=str(data.get("prefix", data["name"])),
        cpu=str(data.get("cpu", "16")),
        memory=str(data.get("memory", "64Gi")),
        pods=int(data.get("pods", 110)),
        gpu=gpu,
        labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
        taints=list(data.get("taints") or []),
        zone_count=int(data.get("zones", 3)),
        instance_type=str(data.get("instanceType", "sim.large")),
    )


def node_name(pool: NodePool, index: int) -> str:
    """The name of a pool's node, counted from 0: `gpu-node-1` is the first of gpu-node."""
    return f"{pool.prefix}-{index + 1}"


def node_names(scenario: Scenario) -> list[str]:
    """The names of every node the scenario builds, pool by pool."""
    return [node_name(pool, i) for pool in scenario.node_pools for i in range(pool.count)]


def node_objects(scenario: Scenario, created: str) -> list[dict[str, Any]]:
    """Node objects for every pool, Ready, with capacity and (for GPU pools) GPU labels."""
    nodes = []
    serial = 0
    for pool in scenario.node_pools:
        for i in range(pool.count):
            serial += 1
            name = node_name(pool, i)
            labels = {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": pool.instance_type,
                "topology.kubernetes.io/zone": f"zone-{ZONES[i % max(pool.zone_count, 1) % 8]}",
                "warroom.dev/pool": pool.name,
                **pool.labels,
            }
            capacity = {
                "cpu": pool.cpu,
                "memory": pool.memory,
                "pods": str(pool.pods),
                "ephemeral-storage": "500Gi",
            }
            if pool.gpu is not None:
                labels.update(
                    {
                        "nvidia.com/gpu.present": "true",
                        "nvidia.com/gpu.product": pool.gpu.model,
                        "nvidia.com/gpu.count": str(pool.gpu.count),
                        "nvidia.com/gpu.memory": str(pool.gpu.memory_mib),
                    }
                )
                capacity["nvidia.com/gpu"] = str(pool.gpu.count)
            address = f"10.0.{serial // 250}.{serial % 250 + 10}"
            conditions = [
                {
                    "type": kind,
                    "status": "False",
                    "reason": reason,
                    "message": message,
                    "lastHeartbeatTime": created,
                    "lastTransitionTime": created,
                }
                for kind, reason, message in (
                    (
                        "MemoryPressure",
                        "KubeletHasSufficientMemory",
                        "kubelet has sufficient memory available",
                    ),
                    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    (
                        "PIDPressure",
                        "KubeletHasSufficientPID",
                        "kubelet has sufficient PID available",
                    ),
                )
            ]
            conditions.append(
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": created,
                    "lastTransitionTime": created,
                }
            )
            node: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": name,
                    "labels": labels,
                    "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
                },
                "spec": {
                    "podCIDR": f"10.244.{serial}.0/24",
                    "podCIDRs": [f"10.244.{serial}.0/24"],
                    "providerID": f"warroom-sim://{name}",
                },
                "status": {
                    "capacity": capacity,
                    "allocatable": dict(capacity),
                    "conditions": conditions,
                    "addresses": [
                        {"type": "InternalIP", "address": address},
                        {"type": "Hostname", "address": name},
                    ],
                    "nodeInfo": {
                        "kubeletVersion": "v1.32.4",
                        "kubeProxyVersion": "v1.32.4",
                        "containerRuntimeVersion": "containerd://1.7.22",
                        "osImage": "Ubuntu 22.04.4 LTS",
                        "kernelVersion": "5.15.0-119-generic",
                        "architecture": "amd64",
                        "operatingSystem": "linux",
                        "machineID": f"{serial:032x}",
                        "systemUUID": f"{serial:032x}",
                        "bootID": f"{serial:032x}",
                    },
                    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                },
            }
            if pool.taints:
                node["spec"]["taints"] = [dict(t) for t in pool.taints]
            nodes.append(node)
    return nodes
