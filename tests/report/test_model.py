"""What the report reads out of a journal: each item's final state, the timeline's lines, the
triggers' spans and the signals against their SLO."""

from __future__ import annotations

from tests.report.golive import GO_LIVE, go_live
from warroom.report import ChainStatus, build_report
from warroom.report.model import Report
from warroom.report.parts import Item
from warroom.report.series import SAMPLE_STEP, Series
from warroom.report.timeline import Names, sentence
from warroom.report.times import offset, stamp


def report() -> Report:
    journal = go_live()
    return build_report(journal.parsed(), journal.chain())


def item(r: Report, phase: str, item_id: str) -> Item:
    found = next(p for p in r.phases if p.id == phase)
    return next(i for i in found.items if i.id == item_id)


def test_times_are_the_clusters_utc_and_offsets_from_go_live() -> None:
    assert stamp(GO_LIVE + 245) == "2026-12-02 21:04:05Z"
    assert offset(GO_LIVE + 3900, GO_LIVE) == "T+1h05m"
    assert offset(GO_LIVE - 6 * 3600, GO_LIVE) == "T-6h00m"
    assert offset(GO_LIVE + 59, GO_LIVE) == "T+0m"
    assert offset(GO_LIVE, None) is None
    assert stamp(None) == "—"


def test_session_facts_come_from_session_opened() -> None:
    s = report().session
    assert (s.layout, s.context, s.server) == (
        "llm-inference <b>v2</b>", "prod-eu", "https://api.prod-eu.example:6443")
    assert s.namespaces == ("inference", "gateway")
    assert s.go_live == GO_LIVE and s.production and not s.drill
    assert s.opened is not None and s.opened.operator == "alice"
    assert s.closed is not None and s.closed.text == "go-live done"
    assert s.operators == ("alice", "carol", "dave", "bob")


def test_phases_keep_the_layouts_order_and_items() -> None:
    r = report()
    assert [p.title for p in r.phases] == ["Pre-flight", "Canary 10%", "Full rollout"]
    assert [i.id for i in r.phases[0].items] == ["nodes", "capacity", "runbook", "change"]


def test_a_verdict_keeps_its_history_and_ends_on_the_last() -> None:
    latency = item(report(), "canary", "latency")
    assert latency.state == "pass"
    assert latency.verdicts == ("pending", "fail", "pass")  # the repeated fail is one step
    assert latency.verdict is not None and latency.verdict.evidence is not None
    assert latency.verdict.evidence.value == "189 ms"
    assert latency.commands[0].text == "kubectl -n inference scale deploy/llm-canary --replicas=4"


def test_a_tick_is_done_by_its_ticker_with_the_note_and_an_untick_undoes_it() -> None:
    r = report()
    runbook = item(r, "preflight", "runbook")
    assert (runbook.state, runbook.by) == ("done", "alice")
    assert runbook.tick is not None and runbook.tick.text == "read by both on-call"
    assert "<script>" in (runbook.notes[0].text or "")
    comms = item(r, "full", "comms")
    assert (comms.state, comms.tick) == ("pending", None)
    assert comms.untick is not None and comms.untick.text == "posted to the wrong channel"


def test_a_signoff_is_bound_and_a_lapsed_one_says_so() -> None:
    r = report()
    change = item(r, "preflight", "change")
    assert (change.state, change.by) == ("done", "carol (change manager)")
    assert change.signoff is not None
    assert (change.signoff.revision, change.signoff.image) == ("6", "registry.example/llm:1.4.1")
    assert change.signoff.evidence == (("nodes", "pass"), ("capacity", "pass"))
    sre = item(r, "canary", "sre")
    assert (sre.state, sre.by) == ("pending", "dave (SRE lead), lapsed")
    assert sre.signoff is not None and sre.signoff.lapsed is not None
    assert sre.signoff.lapsed.text == "revision changed: 7 → 8"
    assert item(r, "canary", "soak").state == "unknown"


def test_overrides_and_triggers() -> None:
    r = report()
    assert [(o.phase_title, o.reason, o.unmet) for o in r.overrides] == [
        ("Canary 10%", "soak runs after the switch, agreed", ("Soak 15 minutes",))]
    [burn] = r.triggers
    assert burn.raised.at == GO_LIVE + 240
    assert burn.cleared is not None and burn.cleared.at == GO_LIVE + 540
    assert burn.evidence is not None and burn.evidence.value == "420 ms"


def test_the_timeline_reads_every_record_worth_reading_in_order() -> None:
    timeline = report().timeline
    lines = [e.text for e in timeline]
    assert not any(e.kind == "samples" for e in timeline)
    latency = [e.text for e in timeline if e.kind == "verdict" and "Canary p99" in e.text]
    assert [line.split(": ", 1)[1].split(" — ")[0] for line in latency] == [
        "pending", "pending → fail", "fail → pass"]  # the repeated fail is not a change
    assert ("action started: scale Deployment inference/llm-canary — scale deployment "
            "inference/llm-canary 2 → 4 pods") in lines
    # A kind this reader does not know is shown as its payload.
    unknown = sentence("chaos_run", {"fault": "regress", "target": "inference/llm-canary"},
                       Names())  # fmt: skip
    assert unknown == ('chaos_run: {"fault":"regress","target":"inference/llm-canary"}', None)
    assert "operator: alice → bob" in lines
    assert lines[0].startswith("session opened: llm-inference <b>v2</b> on prod-eu")
    assert lines[-1] == "session closed: go-live done"
    assert len(lines) == 110 - 80 - 1  # all but the samples and the repeated verdict


def test_signals_measure_time_outside_the_slo() -> None:
    p99, success = report().signals
    assert (p99.title, p99.unit, p99.slo_max) == ("p99 latency", "ms", 300.0)
    assert (p99.min, p99.max) == (170.0, 420.0)
    assert p99.seconds_outside == 5 * 60  # T+3m..T+8m above 300 ms
    assert success.seconds_outside == 3 * 60  # T+3m..T+6m below 99.5 %
    assert (GO_LIVE + 600, None) in p99.points  # the gap stays a gap


def test_the_summary_counts_final_states() -> None:
    s = report().summary
    assert (s.items, s.counts["pass"], s.counts["done"], s.counts["pending"]) == (9, 4, 2, 2)
    assert s.line() == (
        "9 items: 4 passed, 0 failed, 1 unknown, 2 pending, 2 done; 1 override, 1 trigger raised")


def test_records_of_the_wrong_shape_are_read_not_raised_on() -> None:
    records = [
        "not a record", {"kind": "tick"}, {"payload": "x"},
        {"kind": "session_opened", "payload": {"phases": "nope", "signals": [1], "go_live": "x"}},
        {"kind": "verdict", "at": {"cluster": "soon"}, "payload": {"phase": 3, "verdict": [1]}},
        {"kind": "samples", "at": {"cluster": 5.0}, "payload": {"values": {"p99": "high"}}},
        {"kind": "signoff", "payload": {"bound": "x"}},
        {"kind": "trigger_cleared", "payload": {"trigger": "never-raised"}},
    ]
    r = build_report(records, ChainStatus(False, 8, "ab" * 32, "line 3 is not JSON"))  # type: ignore[arg-type]
    assert r.session.layout == "—"
    assert [s.points for s in r.signals] == [((5.0, None),)]
    assert any(e.kind == "(no kind)" for e in r.timeline)


def test_a_gap_in_the_journal_is_not_counted_as_a_breach() -> None:
    # An hour with no samples (the war room was closed) counts two steps, not the hour; the
    # last sample, outside, stands for one step.
    points = ((0.0, 400.0), (30.0, 400.0), (3630.0, 400.0), (3660.0, 100.0), (3690.0, 400.0))
    series = Series("p99", "p99", "ms", None, 300.0, points)
    assert series.step == 30.0
    assert series.seconds_outside == 30 + 60 + 30 + 30
    assert Series("s", "s", "%", 99.5, None, ((0.0, 99.0),)).seconds_outside == SAMPLE_STEP


def test_a_later_verdict_on_a_signed_item_keeps_its_signer() -> None:
    journal = go_live()
    journal.add(25, "bob", "verdict", phase="preflight", item="change", verdict="done",
                reason="signed", evidence=None)
    r = build_report(journal.parsed(), journal.chain())
    change = item(r, "preflight", "change")
    assert (change.state, change.cause, change.by) == ("done", "verdict", "carol (change manager)")
