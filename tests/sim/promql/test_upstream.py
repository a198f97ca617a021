"""Prometheus' own PromQL test files (v2.42, vendored in testdata/) run against the sim's engine.

Every `eval` is one test. Evals using PromQL outside the built-in subset are skipped by the
explicit rules in `upstream_skips.py`, and a skip is only honoured if the engine really rejects
the query as unsupported, so a rule cannot hide a case the engine claims to handle.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from tests.sim.promql.promqltest import DslFile, Eval, build_store, parse_file, run_eval
from tests.sim.promql.upstream_skips import SKIP_RULES
from warroom.sim.promql import Engine, QueryError

TESTDATA = Path(__file__).parent / "testdata"
FILES = sorted(TESTDATA.glob("*.test"))
UNSUPPORTED = "not supported by the warroom sim's built-in PromQL engine"


@cache
def _parsed(name: str) -> DslFile:
    return parse_file(TESTDATA / name)


@cache
def _engine(name: str, state: int) -> Engine:
    # Evals between two load/clear commands share one store; queries never modify it.
    return Engine(build_store(_parsed(name), state))


def _evals() -> list[Eval]:
    return [c for f in FILES for c in _parsed(f.name).commands if isinstance(c, Eval)]


def skip_reason(ev: Eval) -> str | None:
    for file, pattern, reason in SKIP_RULES:
        if file in ("*", ev.file) and re.search(pattern, ev.expr):
            return reason
    return None


@pytest.mark.parametrize("ev", _evals(), ids=lambda ev: ev.id)
def test_upstream_eval(ev: Eval) -> None:
    engine = _engine(ev.file, ev.state)
    reason = skip_reason(ev)
    if reason is not None:
        with pytest.raises(QueryError) as raised:
            engine.instant(ev.expr, ev.at_ms / 1000)
        assert UNSUPPORTED in raised.value.message, (
            f"skip rule is stale: the engine answers {ev.expr!r} with {raised.value!r}"
        )
        pytest.skip(reason)
    if ev.mode == "fail":
        with pytest.raises(QueryError) as raised:
            engine.instant(ev.expr, ev.at_ms / 1000)
        assert raised.value.error_type == "execution"
        assert UNSUPPORTED not in raised.value.message
        return
    run_eval(engine, ev)


def test_every_skip_rule_is_used() -> None:
    used = {rule for ev in _evals() for rule in SKIP_RULES if
            rule[0] in ("*", ev.file) and re.search(rule[1], ev.expr)}
    assert used == set(SKIP_RULES), f"unused skip rules: {set(SKIP_RULES) - used}"


def test_vendored_files_are_the_upstream_selection() -> None:
    assert [f.name for f in FILES] == [
        "aggregators.test", "collision.test", "functions.test", "histograms.test", "literals.test",
        "operators.test", "selectors.test", "staleness.test",
    ]
    for f in FILES:
        header = f.read_text().splitlines()[:2]
        assert f"promql/testdata/{f.name}" in header[1], f"{f.name} lacks its attribution"
        assert "prometheus/prometheus v2.42.0" in header[0]
