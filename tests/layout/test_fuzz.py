"""Whatever text a layout file holds, loading it ends in a Layout or a LayoutError."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.layout import Layout, LayoutError, parse_layout

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


def _load(text: str) -> None:
    try:
        result = parse_layout(text, "fuzz.yaml")
    except LayoutError as err:
        # Every problem is one line of text that starts with the file's name.
        lines = str(err).splitlines()
        assert len(lines) == len(err.problems) >= 1
        assert all(line.startswith("fuzz.yaml") for line in lines)
        assert "Traceback" not in str(err)
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
