"""Bad layouts: each problem is one `file:line: path: message` line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.layout import LayoutError, load_layout, parse_layout

HEAD = "name: demo\ncluster:\n  namespaces: [bizra-prod]\n"  # lines 1-3

CASES: list[tuple[str, str, str]] = [
    (
        "yaml syntax error",
        "name: demo\ncluster:\n  namespaces: [bizra-prod\n",
        "demo.yaml:4: YAML syntax error at column 1: expected ',' or ']', but got "
        "'<stream end>'; check the indentation and quoting",
    ),
    (
        "tab indentation",
        "name: demo\n\tcluster: {}\n",
        "demo.yaml:2: YAML syntax error at column 1: found character '\\t' that cannot start "
        "any token; check the indentation and quoting",
    ),
    (
        "unknown key close to a known one",
        HEAD + "signals:\n  p95_latency:\n    qeury: up\n",
        "demo.yaml:6: signals.p95_latency.qeury: unknown key; did you mean query?",
    ),
    (
        "unknown top-level key",
        HEAD + "alerts: []\n",
        "demo.yaml:4: alerts: unknown key; expected one of name, description, cluster, "
        "prometheus, targets, signals, gpus, custom_resources, links, roles, phases, "
        "triggers, session_fields, simulation",
    ),
    (
        "wrong type",
        "name: demo\ncluster:\n  namespaces: bizra-prod\n",
        "demo.yaml:3: cluster.namespaces: expected a list, got 'bizra-prod'",
    ),
    (
        "number where text is expected",
        "name: 2024\ncluster:\n  namespaces: [bizra-prod]\n",
        "demo.yaml:1: name: expected text, got the number 2024; put it in quotes",
    ),
    (
        "not a boolean",
        HEAD + "  production: maybe\n",
        "demo.yaml:4: cluster.production: expected true or false, got 'maybe'",
    ),
    (
        "missing name",
        "# a comment first\ncluster:\n  namespaces: [bizra-prod]\n",
        "demo.yaml:2: name: required key is missing; add it",
    ),
    (
        "missing nested key",
        "name: demo\ncluster:\n  context: prod\n",
        "demo.yaml:2: cluster.namespaces: required key is missing; add it",
    ),
    (
        "no namespaces",
        "name: demo\ncluster:\n  namespaces: []\n",
        "demo.yaml:3: cluster.namespaces: is empty; list at least one",
    ),
    (
        "bad duration",
        HEAD + "prometheus:\n  interval: 5 seconds\n",
        "demo.yaml:5: prometheus.interval: '5 seconds' is not a duration; write it like 5s, "
        "1m, 15m, 2h or 1h30m",
    ),
    (
        "duration without a unit",
        HEAD + "prometheus:\n  range: 15\n",
        "demo.yaml:5: prometheus.range: 15 has no unit; write it like 15s or 15m",
    ),
    (
        "bad promql in a folded block, reported where the query starts",
        HEAD + "signals:\n  p95_latency:\n    unit: s\n    query: >-\n"
        "      histogram_quantile(0.95,\n        sum by (le) (rate(x_bucket[1m]))\n",
        "demo.yaml:7: signals.p95_latency.query: parse error: unclosed left parenthesis; "
        "fix the query",
    ),
    (
        "bad promql inline",
        HEAD + "signals:\n  errors:\n    query: sum(rate(http_requests_total[5m]) by (code)\n",
        "demo.yaml:6: signals.errors.query: parse error: unclosed left parenthesis; "
        "fix the query",
    ),
    (
        "range vector query",
        HEAD + "signals:\n  raw:\n    query: http_requests_total[5m]\n",
        "demo.yaml:6: signals.raw.query: returns a range vector, which cannot be graphed; "
        "wrap it in a function such as rate(...) or avg_over_time(...)",
    ),
    (
        "target namespace not listed",
        HEAD + "targets:\n  - name: bizra-inference\n    namespace: bizra-staging\n",
        "demo.yaml:6: targets[0].namespace: 'bizra-staging' is not in cluster.namespaces "
        "(bizra-prod); add it there or fix the name",
    ),
    (
        "duplicate signal id",
        HEAD + "signals:\n  p95:\n    query: up\n  p95:\n    query: up\n",
        "demo.yaml:7: signals.p95: duplicate key (first at line 5); keep only one",
    ),
    (
        "signal id not an identifier",
        HEAD + "signals:\n  P95-latency:\n    query: up\n",
        "demo.yaml:5: signals.P95-latency: 'P95-latency' is not a signal id; use lowercase "
        "letters, digits and '_', starting with a letter, like p95_latency",
    ),
    (
        "unknown unit",
        HEAD + "signals:\n  p95:\n    query: up\n    unit: secs\n",
        "demo.yaml:7: signals.p95.unit: 'secs' is not a unit the war room knows; did you "
        "mean 's'? (or leave it out)",
    ),
    (
        "slo with neither bound",
        HEAD + "signals:\n  p95:\n    query: up\n    slo: {}\n",
        "demo.yaml:7: signals.p95.slo: is empty; give max, min or both",
    ),
    (
        "only deployments",
        HEAD + "targets:\n  - kind: StatefulSet\n    name: db\n",
        "demo.yaml:5: targets[0].kind: 'StatefulSet' is not supported; only Deployment "
        "targets are supported for now",
    ),
    (
        "yes as a key",
        HEAD + "links:\n  yes: https://example.com\n",
        "demo.yaml:5: links.yes: keys must be text; put this one in quotes",
    ),
    (
        "port out of range",
        HEAD + "gpus:\n  ssh:\n    - {host: gpu-1, user: ops, port: 70000}\n",
        "demo.yaml:6: gpus.ssh[0].port: the number 70000 is out of range; it must be at "
        "most 65535",
    ),
    (
        "too many graph points",
        HEAD + "prometheus:\n  range: 1d\n",
        "demo.yaml:5: prometheus.range: a 1d graph at 5s steps needs more than 11000 points, "
        "which Prometheus refuses; set prometheus.step to 8s or more",
    ),
    (
        "unknown session field kind",
        HEAD + "session_fields:\n  version:\n    kind: semver\n",
        "demo.yaml:6: session_fields.version.kind: 'semver' is not allowed; use 'text', "
        "'date' or 'version'",
    ),
    (
        "a session field with choices and a kind",
        HEAD + "session_fields:\n  environment:\n    kind: date\n    choices: [Staging]\n",
        "demo.yaml:6: session_fields.environment.kind: a field with choices is one of them, not "
        "a date; remove kind or the choices",
    ),
    (
        "a session field's choice listed twice",
        HEAD + "session_fields:\n  environment:\n    choices:\n      - Staging\n"
        "      - staging\n",
        "demo.yaml:8: session_fields.environment.choices[1]: 'staging' is listed twice; keep one",
    ),
    (
        "a session field id that is not one",
        HEAD + "session_fields:\n  Deployed By: {}\n",
        "demo.yaml:5: session_fields['Deployed By']: 'Deployed By' is not an id; use lowercase "
        "letters, digits, '-' and '_', like pre-deploy or p95_gate",
    ),
    (
        "a session field's required that is not a boolean",
        HEAD + "session_fields:\n  version: {required: sometimes}\n",
        "demo.yaml:5: session_fields.version.required: expected true or false, got 'sometimes'",
    ),
    (
        "empty file",
        "",
        "demo.yaml:1: is empty; a layout needs at least name and cluster.namespaces",
    ),
    (
        "only comments",
        "# TBD\n",
        "demo.yaml:1: is empty; a layout needs at least name and cluster.namespaces",
    ),
    (
        "a list, not a mapping",
        "- name: demo\n",
        "demo.yaml:1: the layout is a list; it must be a mapping of keys such as name, "
        "cluster, signals",
    ),
    (
        "unknown yaml tag",
        "name: !secret demo\ncluster:\n  namespaces: [bizra-prod]\n",
        "demo.yaml:1: name: cannot read this value (could not determine a constructor for "
        "the tag '!secret'); write it as plain text or a number",
    ),
    (
        "a trigger's target two targets share the name of",
        "name: demo\ncluster:\n  namespaces: [blue, green]\n"
        "targets: [{name: api, namespace: green}, {name: api, namespace: blue}]\n"
        "signals: {errors: {query: up}}\n"
        "triggers:\n  bad:\n    signal: errors\n    op: '>'\n    value: 1\n"
        "    target: api\n",
        "demo.yaml:11: triggers.bad.target: two targets are named api (in green and blue): "
        "add namespace: to say which",
    ),
    (
        "a rollback check's namespace no target of that name is in",
        "name: demo\ncluster:\n  namespaces: [blue, green]\n"
        "targets: [{name: api, namespace: green}, {name: api, namespace: blue}]\n"
        "phases:\n  - id: p\n    title: P\n    items:\n      - id: r\n        title: R\n"
        "        rollback: {target: api, namespace: red}\n",
        "demo.yaml:11: phases[0].items[0].rollback.namespace: no target api is in red; its "
        "targets: green, blue",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_layout_reports_file_line_path_and_message(text: str, expected: str) -> None:
    with pytest.raises(LayoutError) as caught:
        parse_layout(text, "demo.yaml")
    assert str(caught.value) == expected


def test_several_problems_are_reported_together_in_line_order() -> None:
    text = (
        "name: demo\n"
        "cluster:\n"
        "  namespaces: [bizra-prod]\n"
        "prometheus:\n"
        "  interval: soon\n"
        "signals:\n"
        "  p95:\n"
        "    query: rate(\n"
        "    colour: red\n"
    )
    with pytest.raises(LayoutError) as caught:
        parse_layout(text, "demo.yaml")
    assert str(caught.value).splitlines() == [
        "demo.yaml:5: prometheus.interval: 'soon' is not a duration; write it like 5s, 1m, "
        "15m, 2h or 1h30m",
        "demo.yaml:8: signals.p95.query: parse error: unclosed left parenthesis; fix the query",
        "demo.yaml:9: signals.p95.colour: unknown key; expected one of title, query, unit, "
        "slo, graph, by",
    ]
    assert [p.line for p in caught.value.problems] == [5, 8, 9]


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(LayoutError) as caught:
        load_layout(missing)
    assert str(caught.value) == f"{missing}: no such file; check the path"


def test_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: demo\ndescription: caf\xe9\n")
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    assert str(caught.value) == f"{path}:2: is not UTF-8 text; save it as UTF-8"


def test_load_reports_with_the_path_as_given(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(HEAD + "targets:\n  - name: Bad_Name\n")
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    assert str(caught.value) == (
        f"{path}:5: targets[0].name: 'Bad_Name' is not a valid object name; Kubernetes names "
        "use lowercase letters, digits and '-' (at most 253 characters)"
    )


LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}' if prev else 'lol'] * 10)}]\n"
    for name, prev in zip("abcdef", ["", "a", "b", "c", "d", "e"], strict=True)
)
HOSTILE = [
    ("deeply nested lists", "[" * 5000 + "]" * 5000,
     "demo.yaml:1: is nested too deeply to read; flatten it"),
    ("alias bomb", LAUGHS,
     "demo.yaml:1: has more than 100000 values; is an alias expanding too much?"),
    ("query deep enough to overflow the parser",
     HEAD + 'signals:\n  q:\n    query: "' + "(" * 3000 + "1" + ")" * 3000 + '"\n',
     "demo.yaml:6: signals.q.query: is longer than 2000 tokens; shorten the query"),
    ("self-referencing alias", "name: &n [*n]\ncluster:\n  namespaces: [bizra-prod]\n",
     "demo.yaml:1: name: expected text, got a list\n"
     "demo.yaml:1: name[0]: refers to itself through an alias; remove the alias"),
    ("line break inside a key", HEAD + 'signals:\n  "a\\u2028b": {query: up}\n',
     "demo.yaml:5: signals['a\\u2028b']: 'a\\u2028b' is not a signal id; use lowercase "
     "letters, digits and '_', starting with a letter, like p95_latency"),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in HOSTILE],
                         ids=[c[0] for c in HOSTILE])
def test_hostile_layouts_end_in_a_layout_error(text: str, expected: str) -> None:
    with pytest.raises(LayoutError) as caught:
        parse_layout(text, "demo.yaml")
    assert str(caught.value) == expected


# The checklist's keys: each mistake on the line of the key or value it is about.
CHECKLIST_HEAD = (
    HEAD
    + "signals:\n  p95_latency: {query: up}\n"  # lines 4-5
    + "roles:\n  eng_lead: Engineering lead\n"  # lines 6-7
    + "phases:\n  - id: go\n    title: Go\n"  # lines 8-10
)
ITEM = "    items:\n      - id: a\n        title: A\n"  # lines 11-13; its check is line 14
CHECKLIST_CASES: list[tuple[str, str, str]] = [
    (
        "unknown signal in a promql check, the nearest suggested",
        ITEM + "        promql: {signal: p95_latncy, op: '<', value: 1}\n",
        "demo.yaml:14: phases[0].items[0].promql.signal: 'p95_latncy' is not a signal of this "
        "layout; did you mean 'p95_latency'?",
    ),
    (
        "unknown role in a sign-off",
        ITEM + "        signoff: {role: eng_laed, statement: ok}\n",
        "demo.yaml:14: phases[0].items[0].signoff.role: 'eng_laed' is not a role of this "
        "layout; did you mean 'eng_lead'?",
    ),
    (
        "bad JSONPath",
        ITEM + "        field: {object: Deployment/x, path: '.spec[?(@.x', value: 1}\n",
        "demo.yaml:14: phases[0].items[0].field.path: unclosed filter [?( at column 6",
    ),
    (
        "bad selector",
        ITEM + "        pods: {selector: 'app in (a,b', min: 1}\n",
        "demo.yaml:14: phases[0].items[0].pods.selector: 'app in (a,b' is not a label "
        "selector: ')' is missing",
    ),
    (
        "two checks on one item: the second one written is blamed, on its line",
        ITEM + "        pods: {selector: app=x}\n        rollout: {target: x}\n",
        "demo.yaml:15: phases[0].items[0].rollout: the item already has pods; an item has one "
        "check — split it into two items",
    ),
    (
        "duplicate item id",
        "    items:\n      - {id: a, title: A}\n      - {id: a, title: B}\n",
        "demo.yaml:13: phases[0].items[1].id: item 'a' is already in phase 'go'; item ids are "
        "unique across the checklist",
    ),
    (
        "a go-live offset whose duration is not one",
        "    at: T-6x\n" + ITEM,
        "demo.yaml:11: phases[0].at: 'T-6x' is not a go-live offset ('6x' is not a duration); "
        "write it like T-6h, T-30m, T or T+1h",
    ),
    (
        "unknown kind in object, the right spelling suggested",
        ITEM + "        exists: {object: Daemonset/x}\n",
        "demo.yaml:14: phases[0].items[0].exists.object: 'Daemonset' is not a kind a check can "
        "read; did you mean 'DaemonSet'?",
    ),
    (
        "a wrong op is one problem naming every choice",
        ITEM + "        promql: {signal: p95_latency, op: 5, value: 1}\n",
        "demo.yaml:14: phases[0].items[0].promql.op: the number 5 is not allowed; use '<', "
        "'<=', '>', '>=', '==', '!=' or 'between'",
    ),
    (
        "a phase whose only item is bad is not also said to be empty",
        "    items:\n      - {id: a}\n",
        "demo.yaml:12: phases[0].items[0].title: required key is missing; add it",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(t, e) for _, t, e in CHECKLIST_CASES],
    ids=[c[0] for c in CHECKLIST_CASES],
)
def test_checklist_mistakes_are_line_precise(text: str, expected: str) -> None:
    with pytest.raises(LayoutError) as caught:
        parse_layout(CHECKLIST_HEAD + text, "demo.yaml")
    assert str(caught.value) == expected
