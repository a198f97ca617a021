"""What a loaded layout holds: defaults, durations, SLO checks, and CLI overrides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from warroom.layout import (
    Layout,
    LayoutError,
    Slo,
    format_duration,
    parse_duration,
    parse_layout,
)

MINIMAL = "name: demo\ncluster:\n  namespaces: [bizra-prod, bizra-monitoring]\n"


def test_minimal_layout_gets_the_documented_defaults() -> None:
    layout = parse_layout(MINIMAL)
    assert layout.description == ""
    assert layout.cluster.context is None
    assert layout.cluster.production is False
    assert layout.prometheus.url is None
    assert layout.prometheus.interval == timedelta(seconds=5)
    assert layout.prometheus.range == timedelta(minutes=15)
    assert layout.prometheus.step is None
    assert layout.prometheus.graph_step == timedelta(seconds=5)
    assert layout.gpus.prometheus is True
    assert layout.gpus.ssh == ()
    assert (layout.gpus.temperature_warn, layout.gpus.memory_warn) == (83, 0.9)
    assert (layout.targets, layout.signals, layout.custom_resources, layout.links) == (
        (), {}, (), {}
    )


def test_target_namespace_defaults_to_the_first_cluster_namespace() -> None:
    layout = parse_layout(MINIMAL + "targets:\n  - name: web\n  - name: dcgm\n"
                          "    namespace: bizra-monitoring\n")
    assert [(t.namespace, t.name, t.kind) for t in layout.targets] == [
        ("bizra-prod", "web", "Deployment"), ("bizra-monitoring", "dcgm", "Deployment")
    ]


def test_signal_title_defaults_from_its_id_and_order_is_kept() -> None:
    layout = parse_layout(MINIMAL + "signals:\n  p95_latency: {query: up}\n"
                          "  gpu_util: {query: up}\n  errors: {query: up, title: 5xx}\n")
    assert [(sid, s.title) for sid, s in layout.signals.items()] == [
        ("p95_latency", "P95 latency"), ("gpu_util", "GPU util"), ("errors", "5xx")
    ]
    assert layout.signals["p95_latency"].graph is True
    assert layout.signals["p95_latency"].unit == ""


def test_query_is_stored_stripped() -> None:
    layout = parse_layout(MINIMAL + "signals:\n  q:\n    query: |\n      sum(up)\n\n")
    assert layout.signals["q"].query == "sum(up)"


def test_ssh_hosts_default_port_and_known_hosts() -> None:
    layout = parse_layout(MINIMAL + "gpus:\n  ssh:\n    - {host: gpu-1.lab, user: ops}\n")
    [host] = layout.gpus.ssh
    assert (host.host, host.port, host.user, host.known_hosts, host.identity) == (
        "gpu-1.lab", 22, "ops", "~/.ssh/known_hosts", None
    )


def test_yaml_merge_keys_fill_in_without_overriding() -> None:
    layout = parse_layout(
        MINIMAL + "signals:\n"
        "  a: &base {query: up, unit: s, slo: {max: 1}}\n"
        "  b:\n    <<: *base\n    unit: ms\n"
    )
    assert (layout.signals["b"].unit, layout.signals["b"].slo) == ("ms", Slo(max=1))


def test_layout_is_frozen() -> None:
    layout = parse_layout(MINIMAL)
    with pytest.raises(ValidationError):
        layout.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(("text", "expected"), [
    ("5s", timedelta(seconds=5)),
    ("1m", timedelta(minutes=1)),
    ("15m", timedelta(minutes=15)),
    ("2h", timedelta(hours=2)),
    ("1h30m", timedelta(minutes=90)),
    ("500ms", timedelta(milliseconds=500)),
    ("1d", timedelta(days=1)),
])
def test_durations_parse_and_print_back(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert format_duration(expected) == text


@pytest.mark.parametrize("text", ["", "5", "5 s", "1m1h", "0s", "-5s", "5sec", "1.5m", "m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|zero"):
        parse_duration(text)


@pytest.mark.parametrize(("slo", "value", "breached"), [
    (Slo(max=1.0), 1.0, False),
    (Slo(max=1.0), 1.01, True),
    (Slo(min=30), 29.9, True),
    (Slo(min=30, max=100), 50, False),
    (Slo(max=0.01), float("nan"), False),
])
def test_slo_breach(slo: Slo, value: float, breached: bool) -> None:
    assert slo.breached(value) is breached


def test_model_validate_outside_the_loader_still_checks_cross_field_rules() -> None:
    with pytest.raises(ValidationError, match=r"targets\.0\.namespace: 'b' is not in"):
        Layout.model_validate({
            "name": "x", "cluster": {"namespaces": ["a"]},
            "targets": [{"name": "web", "namespace": "b"}],
        })


# ---- overrides ------------------------------------------------------------------------------

LAYOUT = MINIMAL + """\
  context: prod-eu
  production: true
prometheus:
  url: http://prometheus.bizra-monitoring:9090
targets:
  - {name: web}
  - {name: dcgm, namespace: bizra-monitoring}
signals:
  errors:
    query: >-
      sum(rate(x{namespace="bizra-prod", code=~"5.."}[1m]))
      / sum(rate(x{namespace='bizra-prod'}[1m]))
  other:
    query: sum(x{namespace="bizra-prod-2"}) + sum(y{kube_namespace="bizra-prod"})
"""


def test_overrides_return_a_new_layout_and_leave_the_original() -> None:
    layout = parse_layout(LAYOUT)
    changed = layout.with_overrides(context="staging", prometheus="http://127.0.0.1:9090/")
    assert changed.cluster.context == "staging"
    assert changed.prometheus.url == "http://127.0.0.1:9090"
    assert changed.cluster.production is True  # a flag never downgrades the safety marking
    assert layout.cluster.context == "prod-eu"
    assert layout.prometheus.url == "http://prometheus.bizra-monitoring:9090"


def test_no_overrides_is_an_equal_layout() -> None:
    layout = parse_layout(LAYOUT)
    assert layout.with_overrides() == layout


def test_namespace_override_replaces_the_primary_namespace_everywhere() -> None:
    changed = parse_layout(LAYOUT).with_overrides(namespace="bizra-staging")
    assert changed.cluster.namespaces == ("bizra-staging", "bizra-monitoring")
    assert [t.namespace for t in changed.targets] == ["bizra-staging", "bizra-monitoring"]
    assert changed.signals["errors"].query == (
        'sum(rate(x{namespace="bizra-staging", code=~"5.."}[1m])) / '
        "sum(rate(x{namespace='bizra-staging'}[1m]))"
    )
    # Other namespaces and other labels are left alone.
    assert changed.signals["other"].query == (
        'sum(x{namespace="bizra-prod-2"}) + sum(y{kube_namespace="bizra-prod"})'
    )


def test_namespace_override_to_a_listed_namespace_does_not_list_it_twice() -> None:
    changed = parse_layout(LAYOUT).with_overrides(namespace="bizra-monitoring")
    assert changed.cluster.namespaces == ("bizra-monitoring",)
    assert [t.namespace for t in changed.targets] == ["bizra-monitoring", "bizra-monitoring"]


@pytest.mark.parametrize(("flags", "message"), [
    ({"namespace": "Bizra_Prod"}, "--namespace: 'Bizra_Prod' is not a valid namespace name; "
     "Kubernetes names use lowercase letters, digits and '-' (at most 63 characters)"),
    ({"prometheus": "localhost:9090"},
     "--prometheus: 'localhost:9090' is not an http:// or https:// URL"),
    ({"context": "  "}, "--context: is empty; give a kubeconfig context name"),
])
def test_bad_override_blames_the_flag(flags: dict[str, str], message: str) -> None:
    with pytest.raises(LayoutError) as caught:
        parse_layout(LAYOUT).with_overrides(**flags)
    assert str(caught.value) == message


def test_namespace_override_that_duplicates_a_target_is_a_layout_error() -> None:
    layout = parse_layout(MINIMAL + "targets:\n  - {name: web}\n"
                          "  - {name: web, namespace: bizra-monitoring}\n")
    with pytest.raises(LayoutError) as caught:
        layout.with_overrides(namespace="bizra-monitoring")
    assert str(caught.value) == (
        "--namespace: targets[1].name: bizra-monitoring/web is already a target; keep one"
    )
