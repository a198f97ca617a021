"""What a cluster's add-ons do for the objects a go-live reads, over real HTTP with kubectl:
claims bound by a provisioner, quotas counting their namespace, LoadBalancer Services getting
an address, Secrets' stringData, and metrics-server's resource metrics for `kubectl top`."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.sim.conftest import Kubectl
from warroom.sim.cluster import SimCluster
from warroom.sim.scenario import parse

SCENARIO = """
name: services-test
warmup: 0
namespaces: [shop]
nodePools:
  - {name: worker, prefix: node, count: 2, cpu: "16", memory: 64Gi}
load:
  services:
    - service: shop/web
      stages: [{duration: 10, users: 100}, {duration: 3600, users: 100}]
      requestsPerUser: 0.2
      capacityPerPod: 20
objects:
  - apiVersion: v1
    kind: ResourceQuota
    metadata: {name: compute, namespace: shop}
    spec:
      hard: {pods: "10", requests.cpu: "4", requests.memory: 8Gi, limits.memory: 16Gi,
             persistentvolumeclaims: "3", secrets: "5"}
  - apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: data, namespace: shop}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: standard
      resources: {requests: {storage: 20Gi}}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - name: web
              image: registry.example/shop/web:2.3
              resources:
                requests: {cpu: 500m, memory: 512Mi}
                limits: {memory: 1Gi}
  - apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec:
      type: LoadBalancer
      selector: {app: web}
      ports: [{port: 80, targetPort: 8080}]
"""


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    scenario = parse(SCENARIO, "test")
    async with SimCluster(scenario, manual_clock=True, start_time=1.7e9) as cluster:
        await cluster.advance(60)
        yield cluster


@pytest.fixture
def kubectl(kubectl_binary: str, sim: SimCluster, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary, sim.kubeconfig, tmp_path / "kube-cache")


async def test_a_claim_is_provisioned_and_bound_as_kubectl_shows(kubectl: Kubectl) -> None:
    out = (await kubectl.ok("get", "pvc", "-n", "shop")).splitlines()
    assert out[0].split() == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES",
                              "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"]
    name, status, volume, capacity, modes, sc, vac, _ = out[1].split()
    assert (name, status, capacity, modes, sc, vac) == (
        "data", "Bound", "20Gi", "RWO", "standard", "<unset>")
    pvc = json.loads(await kubectl.ok("get", "pvc", "data", "-n", "shop", "-o", "json"))
    assert volume == f"pvc-{pvc['metadata']['uid']}"
    assert pvc["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
    events = await kubectl.ok("get", "events", "-n", "shop",
                              "--field-selector", "involvedObject.name=data")
    assert "ProvisioningSucceeded" in events
    assert f"Successfully provisioned volume {volume}" in events


async def test_quota_counts_what_runs_in_its_namespace(kubectl: Kubectl) -> None:
    out = await kubectl.ok("describe", "quota", "compute", "-n", "shop")
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[4:] if line.strip()}
    assert rows == {
        "limits.memory": ["2Gi", "16Gi"],
        "persistentvolumeclaims": ["1", "3"],
        "pods": ["2", "10"],
        "requests.cpu": ["1", "4"],
        "requests.memory": ["1Gi", "8Gi"],
        "secrets": ["0", "5"],
    }
    await kubectl.ok("scale", "deployment/web", "-n", "shop", "--replicas=3")
    await kubectl.ok("wait", "--for=jsonpath={.status.used.pods}=3", "resourcequota/compute",
                     "-n", "shop", "--timeout=10s")
    table = await kubectl.ok("get", "quota", "-n", "shop")
    assert "requests.cpu: 1500m/4" in table
    assert "limits.memory: 3Gi/16Gi" in table


async def test_a_load_balancer_service_gets_an_address_and_loses_it(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    ip = await kubectl.ok("get", "svc", "web", "-n", "shop", "-o",
                          "jsonpath={.status.loadBalancer.ingress[0].ip}")
    assert ip.startswith("203.0.113.")
    assert ip in (await kubectl.ok("get", "svc", "web", "-n", "shop")).splitlines()[1].split()
    events = await kubectl.ok("get", "events", "-n", "shop", "--field-selector",
                              "involvedObject.kind=Service")
    assert "EnsuringLoadBalancer" in events and "EnsuredLoadBalancer" in events
    await kubectl.ok("patch", "svc", "web", "-n", "shop", "-p", '{"spec":{"type":"ClusterIP"}}')
    await sim.until(
        lambda: not sim.store.get(("", "services"), "shop", "web")["status"]["loadBalancer"]
    )
    row = (await kubectl.ok("get", "svc", "web", "-n", "shop")).splitlines()[1].split()
    assert row[1:4] == ["ClusterIP", row[2], "<none>"]


async def test_secrets_store_string_data_as_base64_and_list_as_kubectl_prints(
    kubectl: Kubectl,
) -> None:
    db = json.dumps({"apiVersion": "v1", "kind": "Secret",
                     "metadata": {"name": "db", "namespace": "shop"},
                     "data": {"user": "c2hvcA==", "password": "czNjcmV0"}})
    await kubectl.ok("create", "--validate=false", "-f", _write(kubectl, "db.json", db))
    manifest = json.dumps({"apiVersion": "v1", "kind": "Secret",
                           "metadata": {"name": "api", "namespace": "shop"},
                           "stringData": {"token": "abc"}})
    path = _write(kubectl, "api.json", manifest)
    proc_out = await kubectl.ok("create", "--validate=false", "-f", path)
    assert proc_out.strip() == "secret/api created"
    token = await kubectl.ok("get", "secret", "api", "-n", "shop",
                             "-o", "jsonpath={.data.token}")
    assert base64.b64decode(token) == b"abc"
    out = (await kubectl.ok("get", "secrets", "-n", "shop")).splitlines()
    assert out[0].split() == ["NAME", "TYPE", "DATA", "AGE"]
    assert [line.split()[:3] for line in out[1:]] == [["api", "Opaque", "1"],
                                                      ["db", "Opaque", "2"]]
    bad = json.dumps({"apiVersion": "v1", "kind": "Secret",
                      "metadata": {"name": "bad", "namespace": "shop"},
                      "data": {"token": "not base64!"}})
    result = await kubectl("create", "--validate=false", "-f", _write(kubectl, "bad.json", bad))
    assert result.returncode == 1
    assert "illegal base64 data" in result.stderr


def _write(kubectl: Kubectl, name: str, text: str) -> str:
    path = kubectl.cache_dir.parent / name
    path.write_text(text)
    return str(path)


async def test_kubectl_top_reads_usage_that_follows_the_load(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    out = (await kubectl.ok("top", "pods", "-n", "shop")).splitlines()
    assert out[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    rows = [line.split() for line in out[1:]]
    assert len(rows) == 2 and all(r[0].startswith("web-") for r in rows)
    # 100 users × 0.2 req/s over 2 pods of capacity 20: half load, so CPU is
    # 15 % + 80 % × 0.5 = 55 % of the 500m request, as the HPA would read it.
    assert {r[1] for r in rows} == {"275m"}
    assert {r[2] for r in rows} == {"332Mi"}
    containers = await kubectl.ok("top", "pod", rows[0][0], "-n", "shop", "--containers")
    assert containers.splitlines()[1].split()[:2] == [rows[0][0], "web"]
    nodes = (await kubectl.ok("top", "nodes")).splitlines()
    assert nodes[0].split() == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
    assert sorted(line.split()[0] for line in nodes[1:]) == ["node-1", "node-2"]
    missing = await kubectl("top", "pod", "nope", "-n", "shop")
    assert missing.returncode == 1
    assert 'podmetrics.metrics.k8s.io "shop/nope" not found' in missing.stderr


async def test_network_policies_default_their_policy_types_and_list_as_kubectl_prints(
    kubectl: Kubectl,
) -> None:
    for name, spec in (("default-deny", {"podSelector": {}}),
                       ("web-egress", {"podSelector": {"matchLabels": {"app": "web"}},
                                       "egress": [{"to": [{"podSelector": {}}]}]})):
        policy = json.dumps({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                             "metadata": {"name": name, "namespace": "shop"}, "spec": spec})
        path = _write(kubectl, f"{name}.json", policy)
        await kubectl.ok("create", "--validate=false", "-f", path)
    out = (await kubectl.ok("get", "netpol", "-n", "shop")).splitlines()
    assert out[0].split() == ["NAME", "POD-SELECTOR", "AGE"]
    assert [line.split()[:2] for line in out[1:]] == [["default-deny", "<none>"],
                                                      ["web-egress", "app=web"]]
    types = await kubectl.ok("get", "networkpolicy", "-n", "shop",
                             "-o", "jsonpath={range .items[*]}{.spec.policyTypes}{'\\n'}{end}")
    assert types.splitlines() == ['["Ingress"]', '["Ingress","Egress"]']


async def test_the_status_of_a_service_it_never_provisioned_is_left_alone(
    sim: SimCluster, kubectl: Kubectl
) -> None:
    svc = json.dumps({"apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": "edge", "namespace": "shop"},
                      "spec": {"selector": {"app": "edge"}, "ports": [{"port": 80}]}})
    await kubectl.ok("create", "--validate=false", "-f", _write(kubectl, "edge.json", svc))
    await kubectl.ok("patch", "svc", "edge", "-n", "shop", "--subresource=status",
                     "--type=merge", "-p",
                     '{"status":{"loadBalancer":{"ingress":[{"ip":"198.51.100.7"}]}}}')
    await sim.advance(30)
    ip = await kubectl.ok("get", "svc", "edge", "-n", "shop", "-o",
                          "jsonpath={.status.loadBalancer.ingress[0].ip}")
    assert ip == "198.51.100.7"


async def test_ingress_nginx_publishes_its_services_address_on_its_ingresses(
    kubectl_binary: str, tmp_path: Path
) -> None:
    async with SimCluster("hsc-jit-slow-roll", manual_clock=True) as sim:
        kubectl = Kubectl(kubectl_binary, sim.kubeconfig, tmp_path / "kube-cache")
        lb = await kubectl.ok("get", "svc", "ingress-nginx-controller", "-n", "ingress-nginx",
                              "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")
        out = (await kubectl.ok("get", "ingress", "-n", "hsc-jit")).splitlines()
        assert out[0].split() == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
        assert out[1].split()[:4] == ["hsc-jit", "nginx", "api.example.com", lb]
        # The controller's Service loses its load balancer: the Ingress its address.
        await kubectl.ok("patch", "svc", "ingress-nginx-controller", "-n", "ingress-nginx",
                         "-p", '{"spec":{"type":"ClusterIP"}}')
        await sim.until(lambda: not sim.store.get(
            ("networking.k8s.io", "ingresses"), "hsc-jit", "hsc-jit")["status"]["loadBalancer"])
        row = (await kubectl.ok("get", "ingress", "-n", "hsc-jit")).splitlines()[1].split()
        assert lb not in row
        assert row[3:5] == ["80,", "443"]  # an empty ADDRESS: PORTS follows HOSTS
