"""`kubectl get ingress`: the server-side Table of printIngress (pkg/printers/internalversion).

The first case is TestPrintIngress of printers_test.go; the others follow formatHosts,
formatPorts and ingressLoadBalancerStatusStringer in printers.go, which that test does not
reach (the "+ N more..." tail, TLS ports, sorted and de-duplicated addresses). The server
prints wide, so addresses are never clipped.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.sim.conftest import Kubectl
from warroom.sim.catalogue import BUILTIN_TYPES
from warroom.sim.cluster import SimCluster
from warroom.sim.tables import to_table

INGRESS = next(rt for rt in BUILTIN_TYPES if rt.kind == "Ingress")
NOW = datetime(2026, 11, 22, 6, 0, 0, tzinfo=UTC)
TEN_YEARS = timedelta(days=10 * 365)


def ingress(
    *,
    name: str = "test1",
    rules: list[dict[str, Any]] | None = None,
    tls: list[dict[str, Any]] | None = None,
    lb: list[dict[str, str]] | None = None,
    klass: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if klass is not None:
        spec["ingressClassName"] = klass
    if rules is not None:
        spec["rules"] = rules
    if tls is not None:
        spec["tls"] = tls
    obj: dict[str, Any] = {
        "metadata": {
            "name": name,
            "creationTimestamp": (NOW - TEN_YEARS).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "spec": spec,
    }
    if lb is not None:
        obj["status"] = {"loadBalancer": {"ingress": lb}}
    return obj


def row(obj: dict[str, Any]) -> list[Any]:
    return to_table(INGRESS, [obj], now=NOW)["rows"][0]["cells"]


def test_print_ingress_of_printers_test_go() -> None:
    obj = ingress(klass="foo", lb=[{"ip": "2.3.4.5", "hostname": "localhost.localdomain"}])
    obj["spec"]["defaultBackend"] = {
        "service": {"name": "default-backend", "port": {"name": "default-backend", "number": 80}}
    }
    assert row(obj) == ["test1", "foo", "*", "2.3.4.5", "80", "10y"]


def test_ingress_columns_are_those_of_the_api_server() -> None:
    table = to_table(INGRESS, [ingress()], now=NOW)
    assert [(c["name"], c["type"], c["priority"]) for c in table["columnDefinitions"]] == [
        ("Name", "string", 0),
        ("Class", "string", 0),
        ("Hosts", "string", 0),
        ("Address", "string", 0),
        ("Ports", "string", 0),
        ("Age", "string", 0),
    ]
    descriptions = [c["description"] for c in table["columnDefinitions"]][1:5]
    assert descriptions == [
        "The name of the IngressClass resource that should be used for additional configuration",
        "Hosts that incoming requests are matched against before the ingress rule",
        "Address is a list containing ingress points for the load-balancer",
        "Ports of TLS configurations that open",
    ]


def host_rules(*hosts: str) -> list[dict[str, Any]]:
    return [{"host": h} if h else {} for h in hosts]


@pytest.mark.parametrize(
    ("rules", "hosts"),
    [
        (None, "*"),
        (host_rules(""), "*"),
        (host_rules("a.example"), "a.example"),
        (host_rules("a.example", "", "b.example"), "a.example,b.example"),
        (host_rules("a", "b", "c"), "a,b,c"),
        (host_rules("a", "b", "c", "d", "e"), "a,b,c + 2 more..."),
        # The rules past the third are counted whether or not they name a host.
        (host_rules("a", "b", "c", ""), "a,b,c + 1 more..."),
        (host_rules("", "a", "b", "c"), "a,b,c"),
    ],
)
def test_hosts_cell_follows_format_hosts(rules: list[dict[str, Any]] | None, hosts: str) -> None:
    assert row(ingress(rules=rules))[2] == hosts


@pytest.mark.parametrize(
    ("lb", "address"),
    [
        (None, ""),
        ([], ""),
        ([{"hostname": "lb.example.com"}], "lb.example.com"),
        (
            [
                {"ip": "10.0.0.2"},
                {"hostname": "lb.example.com"},
                {"ip": "10.0.0.1"},
                {"ip": "10.0.0.2"},
            ],
            "10.0.0.1,10.0.0.2,lb.example.com",
        ),
        # Wide: longer than the 16 characters a client-side printer keeps, and not clipped.
        (
            [{"hostname": "a1b2c3d4e5f6.elb.eu-west-1.amazonaws.com"}],
            "a1b2c3d4e5f6.elb.eu-west-1.amazonaws.com",
        ),
    ],
)
def test_address_cell_lists_load_balancer_points(
    lb: list[dict[str, str]] | None, address: str
) -> None:
    assert row(ingress(lb=lb))[3] == address


def test_class_and_ports_cells() -> None:
    assert row(ingress())[1] == "<none>"
    assert row(ingress(klass="nginx"))[1] == "nginx"
    assert row(ingress())[4] == "80"
    assert row(ingress(tls=[{"hosts": ["a.example"], "secretName": "a-tls"}]))[4] == "80, 443"
    assert row(ingress(tls=[{}]))[4] == "80, 443"


HEADER = re.compile(r"^NAMESPACE\s+NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\s*$")


async def test_kubectl_get_ingress_prints_class_hosts_address_and_ports(
    sim: SimCluster, kubectl: Kubectl, tmp_path: Path
) -> None:
    out = await kubectl.ok("get", "ingress", "-A")
    lines = out.splitlines()
    assert HEADER.match(lines[0]), out
    assert re.match(
        r"^bizra-prod\s+bizra-inference\s+nginx\s+inference\.bizra\.example\s+80\s+1\dm\s*$",
        lines[1],
    ), out
    assert len(lines) == 2

    await kubectl.ok(
        "patch",
        "ingress",
        "bizra-inference",
        "-n",
        "bizra-prod",
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}}}),
    )
    manifest = tmp_path / "ingress.yaml"
    manifest.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {"name": "dashboards", "namespace": "bizra-monitoring"},
                "spec": {
                    "tls": [{"hosts": ["grafana.bizra.example"], "secretName": "grafana-tls"}],
                    "rules": [
                        {"host": h}
                        for h in (
                            "grafana.bizra.example",
                            "prometheus.bizra.example",
                            "alerts.bizra.example",
                            "traces.bizra.example",
                        )
                    ],
                },
            }
        ),
        encoding="utf-8",
    )
    await kubectl.ok("create", "--validate=false", "-f", str(manifest))

    for wide in ((), ("-o", "wide")):
        out = await kubectl.ok("get", "ingress", "-A", *wide)
        lines = out.splitlines()
        assert HEADER.match(lines[0]), out
        rows = {line.split()[1]: line for line in lines[1:]}
        assert re.match(
            r"^bizra-monitoring\s+dashboards\s+<none>\s+grafana\.bizra\.example,"
            r"prometheus\.bizra\.example,alerts\.bizra\.example \+ 1 more\.\.\.\s+80, 443\s+\d+s",
            rows["dashboards"],
        ), out
        assert re.match(
            r"^bizra-prod\s+bizra-inference\s+nginx\s+inference\.bizra\.example\s+"
            r"203\.0\.113\.10\s+80\s+1\dm\s*$",
            rows["bizra-inference"],
        ), out
