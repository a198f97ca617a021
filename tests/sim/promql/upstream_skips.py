"""Upstream evals that use PromQL outside the built-in subset, skipped by explicit rule.

Each rule is (vendored file, regex searched in the eval's expression, reason). The runner only
honours a rule when the engine rejects that query as unsupported, and fails on unused rules.
Upstream's runner also replays every eval with the @ modifier pinned to the eval time; the @
modifier is outside the subset, so those variants are not replayed at all. Of the other v2.42
test files, at_modifier.test, subquery.test and trig_functions.test test nothing but features
outside the subset and are not vendored.
"""

from __future__ import annotations

SKIP_RULES: list[tuple[str, str, str]] = [
    ("functions.test", r"\bpredict_linear\(",
     "predict_linear() (linear regression) is outside the built-in subset"),
    ("functions.test", r"\bderiv\(",
     "deriv() (linear regression) is outside the built-in subset"),
    ("functions.test", r"\bholt_winters\(",
     "holt_winters() is outside the built-in subset"),
    ("functions.test", r"\[\d+[smhdwy]:\d*[smhdwy]?\]",
     "subqueries are outside the built-in subset"),
]
