"""Criteria as the five seed checklists write them (../shared/seeds/), each read into what is
measured, the comparison, the value in base units and how long it must hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warroom.importing.thresholds import find_criteria, hold_of

MIN = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("line", "want"),
    [
        # (measured, op, value, unit, between, held, sustained)
        ("- [ ] P95 latency <1.5s verified", ("P95 latency", "<", 1.5, "s", None, None, False)),
        ("- [ ] Error rate < 0.5%", ("Error rate", "<", 0.005, "ratio", None, None, False)),
        ("- [ ] GPU utilization 60-80%",
         ("GPU utilization", "between", None, "ratio", (0.6, 0.8), None, False)),
        ("**احسان Score Requirement**: ≥95%",
         ("احسان Score Requirement", ">=", 0.95, "ratio", None, None, False)),
        ("- [ ] Throughput >5K docs/hour",
         ("Throughput", ">", 5000.0, "docs/hour", None, None, False)),
        ("- p95 latency > 2s sustained for 5 min",
         ("p95 latency", ">", 2.0, "s", None, 5 * MIN, True)),
        ("1. **Critical Error Rate:** > 5% for > 5 minutes",
         ("Critical Error Rate", ">", 0.05, "ratio", None, 5 * MIN, False)),
        ("2. **Performance Degradation:** P95 > 2s for > 10 minutes",
         ("P95", ">", 2.0, "s", None, 10 * MIN, False)),
        ("- Average throughput >= 30 tokens/sec ✅",
         ("Average throughput", ">=", 30.0, "tokens/sec", None, None, False)),
        ("- [ ] Memory usage <64GB per pod", ("Memory usage", "<", 64.0, "GB", None, None, False)),
        ("- [ ] Verify latency < 100ms (API)", ("latency", "<", 0.1, "s", None, None, False)),
        ("- Latency: ✅ (p95 < 1s)", ("p95", "<", 1.0, "s", None, None, False)),
        ("- [ ] Queue depth > 1000", ("Queue depth", ">", 1000.0, "", None, None, False)),
        ("- âœ… Error rate <1% for 24 hours",
         ("Error rate", "<", 0.01, "ratio", None, timedelta(hours=24), False)),
        ("- [ ] High latency (> 500ms)", ("High latency", ">", 0.5, "s", None, None, False)),
        ("- احسان pass rate < 50%", ("احسان pass rate", "<", 0.5, "ratio", None, None, False)),
        ("- Delete a pod: a new pod starts within 30s",
         ("a new pod starts", "<=", 30.0, "s", None, None, False)),
    ],
)  # fmt: skip
def test_a_seed_criterion_is_read_as_written(line: str, want: tuple[object, ...]) -> None:
    found = find_criteria(line)
    assert len(found) == 1, found
    c = found[0]
    assert (c.measured, c.op, c.value, c.unit, c.between, c.held, c.sustained) == want


def test_a_load_condition_is_not_a_criterion() -> None:
    # "under 10K load" says when, not what: only the latency is a criterion.
    found = find_criteria("- p95 latency < 1000ms under 10K load ✅")
    assert [(c.measured, c.op, c.value) for c in found] == [("p95 latency", "<", 1.0)]


def test_a_price_keeps_its_currency() -> None:
    (cost,) = find_criteria("- [ ] Confirm cost per document <$0.005")
    assert (cost.measured, cost.op, cost.value, cost.unit) == ("cost per document", "<", 0.005, "$")


def test_a_monitored_stage_holds_for_its_time() -> None:
    assert hold_of("- [ ] 5% traffic to green (monitor 30min)") == 30 * MIN
    assert hold_of("- [ ] 100% traffic to green (monitor 4hr)") == timedelta(hours=4)
    assert hold_of("- [ ] Runbook written") is None


def test_names_and_code_are_not_criteria() -> None:
    # Seed 003: a file name with digits and a dash is not a range of percentages.
    line = "- [ ] Stage 1: 10% traffic manifest (`ops/canary/stage1-10pct.yaml`)"
    assert find_criteria(line) == []
    assert find_criteria("- [ ] Run `kubectl top pods | awk '$3 > 500'`") == []
    assert find_criteria("- [ ] node-1-3 drained") == []


def test_text_without_a_criterion_has_none() -> None:
    assert find_criteria("- [ ] Runbook written and reviewed by the team") == []
    assert find_criteria("kubectl get pods -n bizra-prod") == []
