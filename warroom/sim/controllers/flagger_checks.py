"""Flagger's checks of a canary: its webhooks by type and its metrics against their ranges.

Followed: fluxcd/flagger pkg/controller/webhook.go (callWebhook: a POST of the
CanaryWebhookPayload, any status above 202 an error whose text is the body),
scheduler_hooks.go, scheduler_metrics.go (runBuiltinMetricChecks, runMetricChecks),
pkg/metrics/observers/nginx.go and render.go (the builtin queries, the template variables),
pkg/metrics/providers/prometheus.go (RunQuery: the last sample of the vector; none, or NaN,
is "no values found"). Webhook URLs reach the sim's own Services (no network); queries run
on the built-in Prometheus' engine over the sim's own scrapes.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from warroom.sim.controllers.runtime import go_duration
from warroom.sim.errors import ApiError
from warroom.sim.promapi import PrometheusApi
from warroom.sim.promql.errors import QueryError
from warroom.sim.service_proxy import ServiceProxy
from warroom.sim.store import Obj, Store

TEMPLATES = ("flagger.app", "metrictemplates")

# pkg/metrics/observers/nginx.go
NGINX_QUERIES = {
    "request-success-rate": (
        'sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",'
        'ingress="{{ ingress }}",canary!="",status!~"5.*"}[{{ interval }}])) / '
        'sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",'
        'ingress="{{ ingress }}",canary!=""}[{{ interval }}])) * 100'
    ),
    "request-duration": (
        "sum(rate(nginx_ingress_controller_response_duration_seconds_sum{"
        'namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""}[{{ interval }}])) / '
        "sum(rate(nginx_ingress_controller_response_duration_seconds_count{"
        'namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""}[{{ interval }}])) '
        "* 1000"
    ),
}
# prometheus.go's prometheusOnlineQuery.
ONLINE_QUERY = "vector(1)"
_ACTION = re.compile(r"{{-?\s*([^{}]*?)\s*-?}}")


class NoValues(Exception):
    """providers.ErrNoValuesFound."""


class QueryFailed(Exception):
    """Any other failure of a query, worded as Flagger's Prometheus provider words it."""


def render(template: str, model: dict[str, str], variables: dict[str, str]) -> str:
    """render.go's text/template with Flagger's functions ({{ namespace }}, {{ target }},
    {{ variables.name }}, ...); an unknown one fails as missingkey=error does."""

    def one(match: re.Match[str]) -> str:
        action = match.group(1)
        if action.startswith("variables."):
            name = action[len("variables.") :]
            if name not in variables:
                raise QueryFailed(
                    f'template excution failed: template: tmpl: map has no entry for key "{name}"'
                )
            return variables[name]
        if action in model:
            return model[action]
        raise QueryFailed(
            f'template parsing failed: template: tmpl:1: function "{action}" not defined'
        )

    return _ACTION.sub(one, template)


def metric_model(canary: Obj, interval: str) -> dict[str, str]:
    """toMetricModel."""
    spec = canary.get("spec") or {}
    target = str((spec.get("targetRef") or {}).get("name", ""))
    return {
        "name": canary["metadata"]["name"],
        "namespace": canary["metadata"]["namespace"],
        "target": target,
        "service": str((spec.get("service") or {}).get("name") or target),
        "ingress": str((spec.get("ingressRef") or {}).get("name") or target),
        "route": str((spec.get("routeRef") or {}).get("name") or target),
        "interval": interval,
    }


@dataclass
class Prometheus:
    """Flagger's Prometheus provider, asking the sim's built-in Prometheus."""

    api: PrometheusApi
    clock: Callable[[], float] = time.time

    def run(self, query: str) -> float:
        if not self.api.available:
            body = orjson.dumps(
                {"status": "error", "errorType": "unavailable", "error": self.api.outage_message}
            ).decode()
            raise QueryFailed(f"error response: Status 503 Service Unavailable: {body}")
        try:
            data = self.api.engine.instant(" ".join(query.split()), self.clock())
        except QueryError as err:
            body = orjson.dumps(
                {"status": "error", "errorType": err.error_type, "error": str(err)}
            ).decode()
            code = 400 if err.error_type == "bad_data" else 422
            text = "Bad Request" if code == 400 else "Unprocessable Entity"
            raise QueryFailed(f"error response: Status {code} {text}: {body}") from None
        value: float | None = None
        if data.get("resultType") == "scalar":
            value = float(data["result"][1])
        else:
            for sample in data.get("result") or ():
                value = float(sample["value"][1])
        if value is None or math.isnan(value):
            raise NoValues("no values found")
        return value


class Webhooks:
    """callWebhook against the sim's Services: `http://svc.ns[.svc…][:port]/path`."""

    def __init__(self, store: Store, proxy: ServiceProxy) -> None:
        self.store = store
        self.proxy = proxy

    def call(self, canary: Obj, phase: str, hook: dict[str, Any]) -> str | None:
        """None when the hook answered 2xx (≤ 202), else the error Flagger records."""
        url = str(hook.get("url", ""))
        payload: dict[str, Any] = {
            "name": canary["metadata"]["name"],
            "namespace": canary["metadata"]["namespace"],
            "phase": phase,
            "checksum": str((canary.get("status") or {}).get("lastAppliedSpec", "")),
        }
        if hook.get("metadata"):
            payload["metadata"] = hook["metadata"]
        parts = urlsplit(url)
        host = parts.hostname or ""
        labels = host.split(".")
        if (
            parts.scheme not in ("http", "https")
            or len(labels) < 2
            or (len(labels) > 2 and ".".join(labels[2:]) not in ("svc", "svc.cluster.local"))
        ):
            return f'Post "{url}": dial tcp: lookup {host}: no such host'
        service, namespace = labels[0], labels[1]
        if self.store.get(("", "services"), namespace, service) is None:
            return f'Post "{url}": dial tcp: lookup {host}: no such host'
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            reply = self.proxy.reach(
                namespace,
                f"{parts.scheme}:{service}:{port}",
                "POST",
                parts.path or "/",
                json.dumps(payload).encode(),
            )
        except ApiError:
            return f'Post "{url}": dial tcp {host}:{port}: connect: connection refused'
        if reply.status > 202:
            body = reply.body
            return body.decode(errors="replace") if isinstance(body, bytes) else str(body or "")
        return None


def interval_of(text: Any, default: float = 60.0) -> float:
    """A Go duration such as 1m, 30s, 1m30s, in seconds."""
    total, found = 0.0, False
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(text or "")):
        found = True
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return total if found and total > 0 else default


def _threshold_breach(canary: Obj, metric: dict[str, Any], value: float, what: str) -> str | None:
    """The event of a value outside the metric's thresholdRange (or over its threshold)."""
    name = f"{canary['metadata']['name']}.{canary['metadata']['namespace']}"
    bounds = metric.get("thresholdRange")
    shown = f"{what} {value:.2f}"
    if isinstance(bounds, dict):
        low, high = bounds.get("min"), bounds.get("max")
        if low is not None and value < float(low):
            return f"Halt {name} advancement {shown} < {_go_number(low)}"
        if high is not None and value > float(high):
            return f"Halt {name} advancement {shown} > {_go_number(high)}"
        return None
    threshold = float(metric.get("threshold", 0) or 0)
    if value > threshold:
        return f"Halt {name} advancement {shown} > {_go_number(threshold)}"
    return None


def _go_number(value: Any) -> str:
    """%v of a float64: 1.5, 99, 0.01."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _go_duration(ms: float) -> str:
    """time.Duration(int64(ms)) * time.Millisecond, printed."""
    return go_duration(int(ms) / 1000)


@dataclass(frozen=True)
class MetricCase:
    """One metric of a canary's analysis, with what checking it needs."""

    canary: Obj
    metric: dict[str, Any]
    model: dict[str, str]
    variables: dict[str, str]
    store: Store
    prometheus: Prometheus


def metric_checks(canary: Obj, store: Store, prometheus: Prometheus) -> str | None:
    """runBuiltinMetricChecks (builtin names and in-line queries) then runMetricChecks
    (MetricTemplates): None when every metric is in range, else the event that halts."""
    analysis = (canary.get("spec") or {}).get("analysis") or {}
    metrics = list(analysis.get("metrics") or ())
    default_interval = str(analysis.get("interval") or "1m")
    for check in (_builtin_check, _template_check):
        for metric in metrics:
            interval = str(metric.get("interval") or default_interval)
            model = metric_model(canary, interval)
            variables = {str(k): str(v) for k, v in (metric.get("templateVariables") or {}).items()}
            halt = check(MetricCase(canary, metric, model, variables, store, prometheus))
            if halt is not None:
                return halt
    return None


def _builtin_check(case: MetricCase) -> str | None:
    canary, metric, model, variables = case.canary, case.metric, case.model, case.variables
    prometheus = case.prometheus
    spec = canary.get("spec") or {}
    ns = canary["metadata"]["namespace"]
    target = str((spec.get("targetRef") or {}).get("name", ""))
    name = f"{canary['metadata']['name']}.{ns}"
    provider = str(spec.get("provider") or "nginx")
    mname = str(metric.get("name", ""))
    if mname in NGINX_QUERIES:
        try:
            value = prometheus.run(render(NGINX_QUERIES[mname], model, variables))
        except NoValues as err:
            return (
                f"Halt advancement no values found for {provider} metric {mname} probably "
                f"{target}.{ns} is not receiving traffic: running query failed: {err}"
            )
        except QueryFailed as err:
            return f"Prometheus query failed: running query failed: {err}"
        if mname == "request-duration":
            return _duration_breach(name, metric, value)
        return _success_breach(name, metric, value)
    if metric.get("query"):
        try:
            value = prometheus.run(render(str(metric["query"]), model, variables))
        except NoValues:
            return f"Halt advancement no values found for metric: {mname}"
        except QueryFailed as err:
            return f"Prometheus query failed for {mname}: {err}"
        return _threshold_breach(canary, metric, value, mname)
    return None


def _template_check(case: MetricCase) -> str | None:
    canary, metric, model, variables = case.canary, case.metric, case.model, case.variables
    store, prometheus = case.store, case.prometheus
    ns = canary["metadata"]["namespace"]
    mname = str(metric.get("name", ""))
    template_ref = metric.get("templateRef")
    if not template_ref:
        if mname not in NGINX_QUERIES and not metric.get("query"):
            return "Metric query failed for no usable metrics template and query were configured"
        return None
    tname, tns, template = _template(store, template_ref, ns)
    if template is None:
        return f"Metric template {tname}.{tns} error: {_missing(tname)}"
    try:
        query = render(str((template.get("spec") or {}).get("query", "")), model, variables)
    except QueryFailed as err:
        return f"Metric template {tname}.{tns} query render error: {err}"
    try:
        value = prometheus.run(query)
    except NoValues as err:
        return f"Halt advancement no values found for custom metric: {mname}: {err}"
    except QueryFailed as err:
        return f"Metric query failed for {mname}: {err}"
    return _threshold_breach(canary, metric, value, mname)


def _success_breach(name: str, metric: dict[str, Any], value: float) -> str | None:
    bounds = metric.get("thresholdRange")
    if isinstance(bounds, dict):
        if bounds.get("min") is not None and value < float(bounds["min"]):
            return (
                f"Halt {name} advancement success rate {value:.2f}% < {_go_number(bounds['min'])}%"
            )
        if bounds.get("max") is not None and value > float(bounds["max"]):
            return (
                f"Halt {name} advancement success rate {value:.2f}% > {_go_number(bounds['max'])}%"
            )
        return None
    threshold = float(metric.get("threshold", 0) or 0)
    if threshold > value:
        return f"Halt {name} advancement success rate {value:.2f}% < {_go_number(threshold)}%"
    return None


def _duration_breach(name: str, metric: dict[str, Any], value: float) -> str | None:
    shown = _go_duration(value)
    bounds = metric.get("thresholdRange")
    if isinstance(bounds, dict):
        if bounds.get("min") is not None and int(value) < float(bounds["min"]):
            return (
                f"Halt {name} advancement request duration {shown} < "
                f"{_go_duration(float(bounds['min']))}"
            )
        if bounds.get("max") is not None and int(value) > float(bounds["max"]):
            return (
                f"Halt {name} advancement request duration {shown} > "
                f"{_go_duration(float(bounds['max']))}"
            )
        return None
    threshold = float(metric.get("threshold", 0) or 0)
    if int(value) > threshold:
        return f"Halt {name} advancement request duration {shown} > {_go_duration(threshold)}"
    return None


def _template(store: Store, ref: dict[str, Any], ns: str) -> tuple[str, str, Obj | None]:
    """A metric's templateRef: (name, namespace, the MetricTemplate or None)."""
    tns = str(ref.get("namespace") or ns)
    tname = str(ref.get("name", ""))
    return tname, tns, store.get(TEMPLATES, tns, tname)


def _missing(name: str) -> str:
    return f'metrictemplate.flagger.app "{name}" not found'


def providers_available(canary: Obj, store: Store, prometheus: Prometheus) -> str | None:
    """checkMetricProviderAvailability, run while a canary initialises: None when every
    metric's provider answers its online query, else why one does not."""
    ns = canary["metadata"]["namespace"]
    for metric in ((canary.get("spec") or {}).get("analysis") or {}).get("metrics") or ():
        ref = metric.get("templateRef")
        if str(metric.get("name", "")) in NGINX_QUERIES:
            where = "prometheus not avaiable: running query failed: {err}"
        elif ref:
            tname, tns, template = _template(store, ref, ns)
            if template is None:
                return f"metric template {tname}.{tns} error: {_missing(tname)}"
            kind = str(((template.get("spec") or {}).get("provider") or {}).get("type", ""))
            where = f"{kind} in metric template {tname}.{tns} not avaiable: running query "
            where += "failed: {err}"
        else:
            continue
        try:
            online = prometheus.run(ONLINE_QUERY) == 1
        except (NoValues, QueryFailed) as err:
            return where.format(err=err)
        if not online:
            return where.format(err=f"value is not 1 for query: {ONLINE_QUERY}")
    return None
