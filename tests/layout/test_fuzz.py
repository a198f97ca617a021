"""Whatever text a layout file holds, loading it ends in a Layout or a LayoutError."""

from __future__ import annotations

import re
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.layout import Layout, LayoutError, parse_layout
from warroom.layout.checks import CHECK_KINDS

KEYS = [
    "name", "description", "cluster", "context", "namespaces", "production", "prometheus",
    "url", "interval", "range", "step", "targets", "kind", "namespace", "container", "hpa",
    "pdb", "service", "signals", "title", "query", "unit", "slo", "max", "min", "graph", "by",
    "gpus", "ssh", "host", "port", "user", "known_hosts", "identity", "temperature_warn",
    "memory_warn", "custom_resources", "group", "version", "plural", "links", "p95", "<<",
]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=30),
    st.sampled_from(["5s", "1h30m", "0s", "bizra-prod", "Deployment", "up", "rate(x[1m])",
                     "sum(", "http://h:9090", "s", "ratio", "x[5m]", '"str"']),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), SCALARS.filter(
            lambda v: v is None or isinstance(v, bool | int | str))), children, max_size=5),
    ),
    max_leaves=25,
)


def _load(text: str, *, precise: bool = False) -> None:
    """`precise`: every problem also names its line, and its path is the user's keys (no
    pydantic union-member tags such as `op["literal[...]"]`)."""
    try:
        result = parse_layout(text, "fuzz.yaml")
    except LayoutError as err:
        # Every problem is one line of text that starts with the file's name.
        lines = str(err).splitlines()
        assert len(lines) == len(err.problems) >= 1
        assert all(line.startswith("fuzz.yaml") for line in lines)
        assert "Traceback" not in str(err)
        if precise:
            for line in lines:
                assert re.match(r"fuzz\.yaml:\d+: \S", line), line
                assert "literal[" not in line and "function-" not in line, line
    else:
        assert isinstance(result, Layout)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_layout_error(text: str) -> None:
    _load(text)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6))
def test_arbitrary_yaml_structures_raise_only_layout_error(data: dict[Any, Any]) -> None:
    _load(yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "name: x\n", "cluster:\n", "  namespaces: [a]\n", "  namespaces: []\n", "signals:\n",
    "  p95:\n", "    query: rate(x[1m])\n", "    query: (\n", "    slo: {max: 1}\n",
    "targets:\n", "  - name: web\n", "    namespace: b\n", "  - &a [*a]\n", "- x\n", "\t\n",
    "prometheus: {interval: 5}\n", "links: {yes: http://x}\n", "? [k]\n: v\n", "<<: *nope\n",
]), max_size=12))
def test_layout_shaped_fragments_raise_only_layout_error(lines: list[str]) -> None:
    _load("".join(lines))


# The checklist's keys: phases of items with any check (and random fields), triggers, roles.
# The field names come from the models, so a check added later is fuzzed too.
CHECK_FIELDS = {
    kind: sorted(f.alias or n for n, f in model.model_fields.items())
    for kind, (model, _) in CHECK_KINDS.items()
}
ITEM_KEYS = ["id", "title", "help", "required", "once", "signers"]
PLAUSIBLE = st.sampled_from(
    [
        "app=web",
        "app in (a,b),tier!=cache",
        "a=(",
        "Deployment/web",
        "Daemonset/x",
        "Pod",
        "DaemonSet/nvidia",
        "ConfigMap/c",
        "Secret/s",
        ".spec.replicas",
        "{.status.x}",
        ".a[?(@",
        "$..x",
        "==",
        "!=",
        ">=",
        "<",
        "in",
        "exists",
        "between",
        "~",
        "5m",
        "30s",
        "T-6h",
        "T",
        "T+1h",
        "T-6x",
        "session",
        "phase",
        "p95",
        "p99",
        "rps",
        "eng_lead",
        "nobody",
        "http",
        "/health",
        "GET",
        "POST",
        "trivy image x",
        "^ok$",
        "(",
        "node-role=gpu",
        "web",
        "kube-system",
        "http://h/health",
        "ftp://x",
        "[0, 1]",
    ]
)
FIELD_VALUES = st.one_of(
    PLAUSIBLE,
    SCALARS,
    st.lists(st.one_of(PLAUSIBLE, SCALARS), max_size=3),
    st.dictionaries(
        st.sampled_from(["status", "ok", "model_loaded"]), st.one_of(PLAUSIBLE, SCALARS), max_size=2
    ),
)


@st.composite
def check_body(draw: st.DrawFn, kind: str) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(VALUES)  # not even a mapping, now and then
    names = st.sampled_from([*CHECK_FIELDS.get(kind, ["selector"]), "bogus", "fro"])
    return draw(st.dictionaries(names, FIELD_VALUES, max_size=5))


@st.composite
def item(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 14)) == 0:
        return draw(VALUES)
    out: dict[str, Any] = {}
    if draw(st.integers(0, 4)):  # mostly well-formed, so the checks themselves are reached
        out = {"id": draw(st.sampled_from(["a", "b", "c", "d"])), "title": "T"}
    for key in draw(st.lists(st.sampled_from(ITEM_KEYS), max_size=3, unique=True)):
        out[key] = draw(st.one_of(PLAUSIBLE, SCALARS, st.sampled_from(["a", "b", 2, True])))
    for kind in draw(st.lists(st.sampled_from([*CHECK_KINDS, "podz"]), max_size=2, unique=True)):
        out[kind] = draw(check_body(kind))
    return out


PHASE = st.fixed_dictionaries(
    {
        "id": st.one_of(st.sampled_from(["prep", "go", "prep"]), SCALARS),
        "items": st.one_of(st.lists(item(), max_size=4), VALUES),
    },
    optional={
        "title": st.one_of(PLAUSIBLE, SCALARS),
        "at": st.one_of(PLAUSIBLE, SCALARS),
        "starter_may_sign": st.one_of(st.booleans(), SCALARS),
        "bogus": SCALARS,
    },
)
TRIGGER = st.one_of(
    st.dictionaries(
        st.sampled_from(["title", "signal", "op", "value", "between", "for", "x"]),
        FIELD_VALUES,
        max_size=6,
    ),
    VALUES,
)
CHECKLIST = st.fixed_dictionaries(
    {},
    optional={
        "phases": st.one_of(st.lists(PHASE, max_size=3), VALUES),
        "triggers": st.one_of(
            st.dictionaries(st.sampled_from(["slow", "errors", "x y"]), TRIGGER, max_size=3), VALUES
        ),
        "roles": st.one_of(
            st.dictionaries(
                st.sampled_from(["eng_lead", "sre", "ops"]),
                st.one_of(PLAUSIBLE, SCALARS),
                max_size=3,
            ),
            VALUES,
        ),
        "targets": st.just([{"name": "web", "container": "app"}]),
        "signals": st.just(
            {
                "p95": {"query": "rate(x[1m])", "slo": {"max": 1}},
                "rps": {"query": "sum(rate(y[1m]))"},
            }
        ),
        "gpus": st.just({"ssh": [{"host": "gpu1", "user": "ops"}]}),
    },
)


@settings(max_examples=300, deadline=None)
@given(CHECKLIST)
def test_checklists_of_every_check_raise_only_layout_error(data: dict[str, Any]) -> None:
    _load(
        yaml.safe_dump(
            {"name": "fuzz", "cluster": {"namespaces": ["ns"]}, **data}, allow_unicode=True
        ),
        precise=True,
    )
