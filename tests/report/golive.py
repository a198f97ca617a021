"""A realistic go-live's journal, record by record as records.md fixes them (with a real hash
chain), for the report's tests to render and read back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson

from warroom.report import ChainStatus

GO_LIVE = datetime(2026, 12, 2, 21, 0, tzinfo=UTC).timestamp()
ZERO = "0" * 64
NASTY_NOTE = "checked with <script>alert('x')</script> | twice\nsecond line"

SIGNALS = {
    "p99": {"title": "p99 latency", "unit": "ms", "slo_min": None, "slo_max": 300.0},
    "success": {"title": "Success rate", "unit": "%", "slo_min": 99.5, "slo_max": None},
}

PHASES = [
    {"id": "preflight", "title": "Pre-flight", "at": "T-6h", "items": [
        {"id": "nodes", "title": "GPU nodes Ready", "check": "kubernetes", "required": True,
         "role": None},
        {"id": "capacity", "title": "GPU capacity free", "check": "promql", "required": True,
         "role": None},
        {"id": "runbook", "title": "Runbook read", "check": "manual", "required": True,
         "role": None},
        {"id": "change", "title": "Change approved", "check": "signoff", "required": True,
         "role": "change manager"},
    ]},
    {"id": "canary", "title": "Canary 10%", "at": "T-0", "items": [
        {"id": "latency", "title": "Canary p99 under 300 ms", "check": "promql",
         "required": True, "role": None},
        {"id": "soak", "title": "Soak 15 minutes", "check": "soak", "required": True,
         "role": None},
        {"id": "sre", "title": "SRE sign-off", "check": "signoff", "required": True,
         "role": "SRE lead"},
    ]},
    {"id": "full", "title": "Full rollout", "at": "T+1h", "items": [
        {"id": "replicas", "title": "All replicas available", "check": "kubernetes",
         "required": True, "role": None},
        {"id": "comms", "title": "Customer comms sent", "check": "manual", "required": False,
         "role": None},
    ]},
]


def evidence(measured: str, value: str | None, threshold: str | None, taken: float,
             source: str = "prometheus", query: str | None = None) -> dict[str, Any]:
    return {"measured": measured, "query": query, "value": value, "threshold": threshold,
            "since": taken - 60, "taken": taken, "source": source, "detail": None}


def latency(minute: float) -> float | None:
    """p99 over the canary: calm, a breach from T+3m to T+8m, a gap at T+10m."""
    if 10 <= minute < 10.5:
        return None
    return 420.0 if 3 <= minute < 8 else 180.0 + minute


class Journal:
    """Appends records as the journal would: seq, at, operator, kind, payload, prev."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.lines: list[bytes] = []

    def add(self, minute: float, operator: str, kind: str, **payload: Any) -> None:
        at = GO_LIVE + minute * 60
        record = {
            "v": 1, "seq": len(self.records) + 1, "at": {"cluster": at, "wall": at + 0.8},
            "operator": operator, "process": f"{operator}@laptop:4242", "kind": kind,
            "payload": payload,
            "prev": hashlib.sha256(self.lines[-1]).hexdigest() if self.lines else ZERO,
        }
        self.records.append(record)
        self.lines.append(orjson.dumps(record))

    def chain(self) -> ChainStatus:
        return ChainStatus(True, len(self.records), hashlib.sha256(self.lines[-1]).hexdigest())

    def parsed(self) -> list[dict[str, Any]]:
        """The records as a reader gets them: each line parsed back from its bytes."""
        return [orjson.loads(line) for line in self.lines]


# The go-live record's facts (docs/journal.md, session_opened's session_fields): one set twice,
# one typed with markup, one required and never set, one optional.
SESSION_FIELDS = [
    {"id": "deployment_date", "title": "Deployment Date", "kind": "date", "choices": [],
     "required": True},
    {"id": "deployed_by", "title": "Deployed By", "kind": "text", "choices": [], "required": True},
    {"id": "version", "title": "Version", "kind": "version", "choices": [], "required": True},
    {"id": "environment", "title": "Environment", "kind": "text",
     "choices": ["Staging", "Production"], "required": True},
    {"id": "notes", "title": "Additional Notes", "kind": "text", "choices": [], "required": False},
]  # fmt: skip
DEPLOYED_BY = "alice & <b>bob</b> | ops"


def go_live() -> Journal:
    j = Journal()
    j.add(-370, "alice", "session_opened", layout="llm-inference <b>v2</b>",
          layout_path="layouts/llm.yaml", layout_hash="ab" * 32, context="prod-eu",
          server="https://api.prod-eu.example:6443", namespaces=["inference", "gateway"],
          go_live=GO_LIVE, drill=False, production=True, warroom="0.1.0", signals=SIGNALS,
          phases=PHASES, triggers=[{"id": "burn", "title": "p99 over SLO for 5 minutes"}],
          session_fields=SESSION_FIELDS)
    j.add(-360, "alice", "phase_started", phase="preflight", early=False, reason=None)
    j.add(-358, "alice", "field_set", field="version", value="1.4.1")
    j.add(-357, "alice", "field_set", field="environment", value="Production")
    j.add(-359, "alice", "verdict", phase="preflight", item="nodes", verdict="pass",
          reason="all Ready", evidence=evidence("Ready GPU nodes", "8/8", "8", GO_LIVE - 21540,
                                                source="kubernetes"))
    j.add(-358, "alice", "verdict", phase="preflight", item="capacity", verdict="fail",
          reason="short", evidence=evidence("free GPUs", "3", "≥ 4", GO_LIVE - 21480))
    j.add(-355, "alice", "verdict", phase="preflight", item="capacity", verdict="pass",
          reason="enough", evidence=evidence("free GPUs", "6", "≥ 4", GO_LIVE - 21300))
    j.add(-350, "alice", "tick", phase="preflight", item="runbook", note="read by both on-call")
    j.add(-349, "alice", "note", text=NASTY_NOTE, phase="preflight", item="runbook")
    j.add(-340, "carol", "signoff", phase="preflight", item="change", role="change manager",
          statement="CHG-4711 approved for tonight", note=None,
          bound={"target": "inference/llm", "revision": "6", "image": "registry.example/llm:1.4.1",
                 "evidence": {"nodes": "pass", "capacity": "pass"}})
    j.add(-10, "alice", "phase_started", phase="canary", early=True,
          reason="window moved up by the change board")
    j.add(-9, "alice", "override", phase="canary", reason="soak runs after the switch, agreed",
          unmet=["soak"])
    for step in range(0, 80):  # samples every 30 s from T-10m to T+30m
        minute = -10 + step / 2
        j.add(minute, "alice", "samples", values={
            "p99": latency(minute), "success": 99.9 if not 3 <= minute < 6 else 98.7,
        })
        if minute == 1:
            j.add(minute, "alice", "verdict", phase="canary", item="latency",
                  verdict="pending", reason="warming up", evidence=None)
        if minute == 4:
            j.add(minute, "alice", "verdict", phase="canary", item="latency", verdict="fail",
                  reason="over SLO", evidence=evidence("canary p99", "420 ms", "≤ 300 ms",
                                                       GO_LIVE + 240))
            j.add(minute, "alice", "verdict", phase="canary", item="latency", verdict="fail",
                  reason="over SLO", evidence=evidence("canary p99", "421 ms", "≤ 300 ms",
                                                       GO_LIVE + 240))
            j.add(minute, "alice", "trigger_raised", trigger="burn",
                  title="p99 over SLO for 5 minutes",
                  evidence=evidence("canary p99", "420 ms", "≤ 300 ms", GO_LIVE + 240))
        if minute == 5:
            j.add(minute, "alice", "command_approved", phase="canary", item="latency",
                  command="kubectl -n inference scale deploy/llm-canary --replicas=4")
            j.add(minute, "alice", "action_started", action="scale",
                  target={"kind": "Deployment", "name": "llm-canary", "namespace": "inference"},
                  preview=["scale deployment inference/llm-canary 2 → 4 pods"])
        if minute == 9:
            j.add(minute, "alice", "verdict", phase="canary", item="latency", verdict="pass",
                  reason="under SLO", evidence=evidence("canary p99", "189 ms", "≤ 300 ms",
                                                        GO_LIVE + 540))
            j.add(minute, "alice", "trigger_cleared", trigger="burn")
        if minute == 12:
            j.add(minute, "dave", "signoff", phase="canary", item="sre", role="SRE lead",
                  statement="canary healthy, go for full rollout", note="watched the burn",
                  bound={"target": "inference/llm", "revision": "7",
                         "image": "registry.example/llm:1.4.2", "digest": "sha256:4a1f09",
                         "evidence": {"latency": "pass", "soak": "pending"},
                         "fields": {"version": "1.4.1", "environment": "Production"}})
        if minute == 14:
            j.add(minute, "alice", "signoff_lapsed", phase="canary", item="sre",
                  why="revision changed: 7 → 8")
        if minute == 13:
            j.add(minute, "dave", "field_set", field="version", value="1.4.2")
        if minute == 15:
            j.add(minute, "bob", "operator_changed", **{"from": "alice", "to": "bob"})
            j.add(minute, "bob", "field_set", field="deployed_by", value=DEPLOYED_BY)
        if minute == 16:
            j.add(minute, "bob", "phase_started", phase="full", early=False, reason=None)
        if minute == 20:
            j.add(minute, "bob", "verdict", phase="full", item="replicas", verdict="pass",
                  reason="40/40", evidence=evidence("available replicas", "40", "40",
                                                    GO_LIVE + 1200, source="kubernetes"))
            j.add(minute, "bob", "tick", phase="full", item="comms", note=None)
        if minute == 22:
            j.add(minute, "bob", "untick", phase="full", item="comms",
                  reason="posted to the wrong channel")
    j.add(31, "bob", "session_closed", reason="go-live done")
    return j
