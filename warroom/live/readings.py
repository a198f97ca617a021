"""Readings of the metrics sources turned into the state's view types, with the layout's
titles, units and SLOs: the one place that knows both sides."""

from __future__ import annotations

from collections.abc import Mapping

from warroom.layout import Signal as LayoutSignal
from warroom.metrics.gpus import GpuSnapshot
from warroom.metrics.signals import SignalReadings
from warroom.state.freshness import Freshness
from warroom.state.nodes import GpuCell
from warroom.state.signals import SignalView


def signal_status(freshness: Freshness) -> str:
    """Why a signal shows no current value, in one sentence; "" when it is current."""
    if freshness.state == "pending":
        return "waiting for the first answer from Prometheus"
    if freshness.state == "failed":
        return freshness.error or "the query failed"
    if freshness.state == "empty":
        return "no data: the query returned no series (no traffic yet?)"
    if freshness.stale and freshness.age is not None:
        return f"stale: newest data is {freshness.age:.0f} s old"
    return ""


def signal_views(
    signals: Mapping[str, LayoutSignal], readings: SignalReadings
) -> tuple[SignalView, ...]:
    """The layout's signals, in its order, as the signals panel and graphs show them."""
    out = []
    for sid, spec in signals.items():
        polled = readings.signals.get(sid)
        if polled is None:
            continue
        by = spec.by or ""
        many = len(polled.series) > 1
        series, latest = [], []
        for s in polled.series:
            legend = s.labels.get(by, "") if by else (s.title if many else "")
            series.append((legend, tuple(s.graph)))
            if s.live and s.value is not None:
                latest.append((legend, s.value))
        slo = spec.slo
        status = signal_status(polled.freshness)
        unknown = readings.targets.unknown(sid)
        if unknown and polled.freshness.state != "failed":
            # Values may linger for the lookback, then vanish: neither is the truth.
            status, latest = f"unknown: {unknown}", []
        out.append(
            SignalView(
                id=sid,
                title=spec.title or sid,
                unit=spec.unit or "",
                series=tuple(series),
                latest=tuple(latest),
                status=status,
                slo_max=slo.max if slo else None,
                slo_min=slo.min if slo else None,
                graph=spec.graph,
                window=polled.graph_range,
                age=polled.freshness.age,
                stale=polled.freshness.stale or bool(unknown),
            )
        )
    return tuple(out)


def unmeasured(signals: Mapping[str, LayoutSignal]) -> tuple[SignalView, ...]:
    """The layout's signals when no Prometheus is configured: listed, none measured."""
    return tuple(
        SignalView(
            id=sid,
            title=spec.title or sid,
            unit=spec.unit or "",
            series=(),
            latest=(),
            status="not measured",
            slo_max=spec.slo.max if spec.slo else None,
            slo_min=spec.slo.min if spec.slo else None,
            graph=spec.graph,
        )
        for sid, spec in signals.items()
    )


def gpu_cells(snapshot: GpuSnapshot) -> dict[str, tuple[GpuCell, ...]]:
    """Each GPU of a reading as a cell of the nodes view, by node (or SSH host)."""
    cells: dict[str, list[GpuCell]] = {}
    for gpu in snapshot.gpus:
        memory = (gpu.memory_percent or 0.0) / 100
        cells.setdefault(gpu.node, []).append(
            GpuCell(gpu.index, gpu.util or 0.0, memory, gpu.temp or 0.0, gpu.xid or 0, gpu.pod)
        )
    return {node: tuple(found) for node, found in cells.items()}
