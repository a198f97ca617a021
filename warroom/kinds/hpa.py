"""A HorizontalPodAutoscaler's TARGETS as kubectl prints them (formatHPAMetrics, autoscaling/v2)."""

from __future__ import annotations

from collections.abc import Sequence

from warroom.kinds.objects import Obj
from warroom.kinds.quantity import quantity


def _hpa_metric(spec: Obj, current: Obj | None) -> str:
    kind = spec.get("type")
    if kind == "External" or kind == "Object":
        field = "external" if kind == "External" else "object"
        target = (spec.get(field) or {}).get("target") or {}
        cur = (current or {}).get(field)
        if target.get("averageValue") is not None:
            value = "<unknown>"
            if cur is not None and (cur.get("current") or {}).get("averageValue") is not None:
                value = quantity(cur["current"]["averageValue"])
            return f"{value}/{quantity(target['averageValue'])} (avg)"
        value = (
            quantity((cur.get("current") or {}).get("value")) if cur is not None else ("<unknown>")
        )
        return f"{value}/{quantity(target.get('value'))}"
    if kind == "Pods":
        target = (spec.get("pods") or {}).get("target") or {}
        cur = (current or {}).get("pods")
        value = (
            quantity((cur.get("current") or {}).get("averageValue"))
            if cur is not None
            else ("<unknown>")
        )
        return f"{value}/{quantity(target.get('averageValue'))}"
    if kind == "Resource" or kind == "ContainerResource":
        field = "resource" if kind == "Resource" else "containerResource"
        source = spec.get(field) or {}
        target = source.get("target") or {}
        cur = (current or {}).get(field)
        name = source.get("name", "")
        if target.get("averageValue") is not None:
            value = (
                quantity((cur.get("current") or {}).get("averageValue"))
                if (cur is not None)
                else "<unknown>"
            )
            return f"{name}: {value}/{quantity(target['averageValue'])}"
        value = "<unknown>"
        if cur is not None and (cur.get("current") or {}).get("averageUtilization") is not None:
            value = f"{cur['current']['averageUtilization']}%"
        goal = "<auto>"
        if target.get("averageUtilization") is not None:
            goal = f"{target['averageUtilization']}%"
        return f"{name}: {value}/{goal}"
    return "<unknown type>"


def format_hpa_metrics(specs: Sequence[Obj], statuses: Sequence[Obj]) -> str:
    """``formatHPAMetrics``: statuses pair with specs by position, at most two are listed."""
    if not specs:
        return "<none>"
    shown = [
        _hpa_metric(spec, statuses[i] if len(statuses) > i else None)
        for i, spec in enumerate(specs[:2])
    ]
    text = ", ".join(shown)
    if len(specs) > 2:
        return f"{text} + {len(specs) - 2} more..."
    return text
