"""A session that ran two drills, written with the real journal writer (warroom.journal) on a
clock the script sets, each record shaped as the drill runner writes it: drill_started is
live/drill.py's own `started_payload` of a scenario parsed from YAML against its layout, the
rest as its `_journal` calls and the checklist and actions write theirs.

The first drill rehearses on the simulated cluster and is worked through by two people; the
second, against staging, has a fault declined and is halted by its guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.drills.loading import parse_scenario
from warroom.journal import open_journal, readable_records, verify_file
from warroom.journal.journal import Journal
from warroom.layout import Layout, parse_layout
from warroom.live.drill import started_payload
from warroom.report import ChainStatus

START = datetime(2026, 11, 20, 14, 0, tzinfo=UTC).timestamp()
SECOND = START + 3600  # the staging drill, an hour later
HALT = "error_rate is 0.62, > 0.5"
OVERRIDE = "the rollback goes first; the soak comes after"

LAYOUT = """
name: llm rehearsal
cluster: {namespaces: [inference]}
prometheus: {interval: 5s, range: 15m}
targets: [{name: llm, container: server}]
signals:
  p95:
    title: p95 latency
    query: histogram_quantile(0.95, sum by (le) (rate(latency_bucket[1m])))
    unit: s
    slo: {max: 2.0}
  error_rate:
    title: 5xx error rate
    query: sum(rate(errors_total[1m])) / sum(rate(requests_total[1m]))
    unit: ratio
    slo: {max: 0.01}
phases:
  - id: go
    title: The switch
    items:
      - {id: healthy, title: Health check passes, rollout: {target: llm}}
      - {id: soak, title: Soak 10 minutes, soak: {signals: [p95], for: 10m}}
triggers:
  slow: {title: p95 over 2 s, signal: p95, op: ">", value: 2.0}
"""

SIM_SCENARIO = """
name: llm-slow-release
layout: llm rehearsal
says: >-
  The release answers three times slower four minutes in; roll it back within five minutes
  of the first breach.
targets: {detect: 1m, acknowledge: 3m, decide: 10m, mitigate: 30m}
error_budget: {signal: error_rate, objective: 99.9, window: 30d}
faults:
  - id: release
    at: 1m
    release: {target: llm, image: "registry.example/llm:2.1"}
  - id: slow
    at: 4m
    regress: {image: "registry.example/llm:2.1", latency: 3}
responses:
  - id: acked
    title: The latency trigger acknowledged
    acknowledged: {trigger: slow}
    within: 2m
  - id: rolled-back
    title: Rolled back within 5 minutes of the first breach
    action: {action: undo, target: llm}
    within: 5m
    points: 3
  - id: healthy
    title: The health check passes again within 3 minutes of the slowdown
    checklist: {item: healthy}
    after: slow
    within: 3m
  - id: drained
    title: gpu-1 drained
    drained: {node: gpu-1}
    within: 10m
    points: 2
"""

STAGING_SCENARIO = """
name: llm-pod-loss
layout: llm rehearsal
says: A serving pod is lost and a node cordoned on staging; the rollout must hold.
targets: {detect: 5m}
faults:
  - id: lose-pod
    at: 1m
    delete_pod: {selector: app=llm, namespace: inference}
  - id: cordon
    at: 2m
    cordon: {node: staging-gpu-2}
responses:
  - id: healthy
    title: The health check passes again
    checklist: {item: healthy}
    within: 10m
halt:
  - {signal: error_rate, op: ">", value: 0.5}
"""

TARGET = {"kind": "Deployment", "name": "llm", "namespace": "inference"}


@dataclass
class Drilled:
    path: Path
    layout: Layout

    def records(self) -> list[dict[str, Any]]:
        """The records as `warroom report` reads them."""
        return list(readable_records(self.path))

    def chain(self) -> ChainStatus:
        checked = verify_file(self.path)
        return ChainStatus(checked.ok, checked.records, checked.head)


class Session:
    """The journal as the war room's processes write it: one handle per person at a
    keyboard, all on the cluster clock this script moves."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.now = START
        self.handles: dict[str, Journal] = {}

    def at(self, seconds: float) -> Session:
        self.now = seconds
        return self

    def write(self, operator: str, kind: str, /, **payload: Any) -> None:
        if operator not in self.handles:
            self.handles[operator] = open_journal(
                self.path, operator, clock=lambda: self.now, process=f"{operator}@laptop:1"
            )
        self.handles[operator].append(kind, payload)

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


@contextmanager
def session(path: Path) -> Iterator[Session]:
    s = Session(path)
    try:
        yield s
    finally:
        s.close()


def opened(layout: Layout) -> dict[str, Any]:
    """session_opened as live/session.py's opened_payload writes it for this layout."""
    return {
        "layout": layout.name, "layout_path": "layouts/llm.yaml", "layout_hash": "ab" * 32,
        "context": "warroom-sim", "server": "http://127.0.0.1:41234",
        "namespaces": list(layout.cluster.namespaces), "go_live": None, "drill": True,
        "production": False, "warroom": "0.1.0",
        "signals": {
            sid: {"title": s.title or sid, "unit": s.unit,
                  "slo_min": s.slo.min if s.slo else None, "slo_max": s.slo.max if s.slo else None}
            for sid, s in layout.signals.items()
        },
        "phases": [{"id": p.id, "title": p.title, "at": p.at, "items": [
            {"id": i.id, "title": i.title, "check": "kubernetes", "required": i.required,
             "role": None} for i in p.items]} for p in layout.phases],
        "triggers": [{"id": tid, "title": t.title} for tid, t in layout.triggers.items()],
        "session_fields": [],
    }  # fmt: skip


def verdict(s: Session, item: str, value: str, reason: str) -> None:
    s.write("ana", "verdict", phase="go", item=item, verdict=value, reason=reason,
            evidence=None)  # fmt: skip


def fault(s: Session, index: int, fid: str, kind: str, says: str, **how: bool) -> None:
    """A drill_fault as the runner's _inject writes it: injected (with `impact`), or
    `declined` or `failed`."""
    s.write("ana", "drill_fault", index=index, id=fid, kind=kind, says=says, **how)


def action(**extra: Any) -> dict[str, Any]:
    return {"action": "undo", "target": TARGET, **extra}


def drilled(folder: Path) -> Drilled:
    """Both drills, in one session file under `folder`."""
    layout = parse_layout(LAYOUT)
    sim = parse_scenario(SIM_SCENARIO, "llm-slow-release.yaml", layout=layout)
    staging = parse_scenario(STAGING_SCENARIO, "llm-pod-loss.yaml", layout=layout)
    path = folder / "rehearsal.jsonl"
    with session(path) as s:
        t = START
        s.at(t - 5).write("ana", "session_opened", **opened(layout))
        s.at(t - 4).write("ana", "phase_started", phase="go", early=False, reason=None)
        s.at(t).write(
            "ana", "drill_started", **started_payload(sim, layout, staging=False, speed=10.0)
        )
        s.write("ana", "drill_slo", breached=[])
        verdict(s.at(t + 2), "healthy", "pass", "rolled out")
        verdict(s.at(t + 2), "soak", "pending", "soaking")
        for step in range(0, 20):  # samples every 30 s: 2 % errors from T+5:00 to T+8:00
            s.at(t + 30 * step).write(
                "ana",
                "samples",
                values={
                    "p95": 2.6 if 10 <= step < 16 else 0.4,
                    "error_rate": 0.02 if 10 <= step < 16 else 0.0,
                },
            )
        fault(
            s.at(t + 60),
            0,
            "release",
            "release",
            "deployment inference/llm set to registry.example/llm:2.1",
            impact=False,
        )
        fault(
            s.at(t + 240),
            1,
            "slow",
            "regress",
            "registry.example/llm:2.1 answers ×3 slower",
            impact=True,
        )
        s.at(t + 300).write("ana", "drill_slo", breached=["error_rate", "p95"])
        s.at(t + 330).write(
            "ana", "trigger_raised", trigger="slow", title="p95 over 2 s", evidence=None
        )
        verdict(s.at(t + 330), "healthy", "fail", "p95 over its SLO")
        s.at(t + 390).write("bob", "trigger_acknowledged", trigger="slow", title="p95 over 2 s")
        s.at(t + 400).write("bob", "override", phase="go", reason=OVERRIDE, unmet=["soak"])
        s.at(t + 420).write(
            "bob",
            "action_started",
            **action(preview=["roll deployment inference/llm back to revision 3"]),
        )
        s.at(t + 450).write(
            "bob",
            "action_done",
            **action(ok=True, verified=True, sentence="undo done; the rollout completes"),
        )
        s.at(t + 480).write("ana", "drill_slo", breached=[])
        s.at(t + 500).write("ana", "trigger_cleared", trigger="slow")
        verdict(s.at(t + 540), "healthy", "pass", "rolled out")
        s.at(t + 560).write(
            "ana",
            "drill_fault_undone",
            index=1,
            id="slow",
            says="registry.example/llm:2.1 answers as before",
        )
        s.write("ana", "drill_finished", why="its time ran out (10 min)", completion=[1, 2])

        t = SECOND
        s.at(t).write(
            "ana", "drill_started", **started_payload(staging, layout, staging=True, speed=1.0)
        )
        s.write("ana", "drill_slo", breached=[])
        fault(
            s.at(t + 60),
            0,
            "lose-pod",
            "delete_pod",
            "pod inference/llm-7d9f-x2 deleted",
            impact=True,
        )
        s.at(t + 90).write("ana", "drill_slo", breached=["error_rate"])
        fault(s.at(t + 120), 1, "cordon", "cordon", "declined by the operator", declined=True)
        s.at(t + 150).write("ana", "drill_halted", why=HALT, undone=[])
        s.write("ana", "drill_finished", why=f"halted: {HALT}", completion=[0, 2])
        s.at(t + 160).write("ana", "session_closed", reason="warroom stopped")
    return Drilled(path, layout)
