"""docs/layouts.md stays true: its complete example loads, every check key (and each of its
fields) is in its tables, `warroom schema` accepts the demo layout as written, and `warroom
validate` says what the checklist holds."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from warroom.cli import main
from warroom.layout import Layout, parse_layout
from warroom.layout.checks import CHECK_KINDS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "layouts.md"
DEMO = ROOT / "layouts" / "bizra-inference-10k.yaml"


def example() -> str:
    found = re.search(r"^## A complete example\n+```yaml\n(.*?)^```", DOC.read_text(), re.S | re.M)
    assert found is not None, "docs/layouts.md has no 'A complete example' YAML block"
    return found.group(1)


def table_rows() -> dict[str, str]:
    """Each table row of the page, by the key in its first cell (`| `rollout` | ...`)."""
    rows = re.finditer(r"^\| `(\w+)` \|.*$", DOC.read_text(), re.M)
    return {row.group(1): row.group(0) for row in rows}


def test_the_complete_example_loads_with_every_part() -> None:
    layout = parse_layout(example(), "docs/layouts.md")
    assert isinstance(layout, Layout)
    assert layout.phases and layout.triggers and layout.roles
    kinds = {item.kind for _, item in layout.items()}
    assert {"nodes", "command", "field", "manual", "rollout", "http", "promql", "events",
            "soak", "signoff"} <= kinds  # fmt: skip


@pytest.mark.parametrize("kind", sorted(CHECK_KINDS))
def test_every_check_key_and_field_is_in_the_tables(kind: str) -> None:
    row = table_rows().get(kind)
    assert row is not None, f"`{kind}` has no row in docs/layouts.md's tables"
    model = CHECK_KINDS[kind][0]
    written = [f.alias or name for name, f in model.model_fields.items()]
    missing = [name for name in written if not re.search(rf"`{name}[`:]", row)]
    assert not missing, f"`{kind}`'s row does not name {missing}"


def test_every_session_field_key_is_in_its_table() -> None:
    from warroom.layout.session_fields import SessionField

    rows = table_rows()
    missing = [name for name in SessionField.model_fields if name not in rows]
    assert not missing, f"docs/layouts.md's session fields table does not name {missing}"
    layout = parse_layout(example(), "docs/layouts.md")
    assert layout.session_fields["environment"].choices == ("Staging", "Production")


def jsonschema_module() -> Any:
    """The jsonschema package (a dev extra): skipped locally when absent, a failure in CI."""
    try:
        import jsonschema
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("jsonschema is not installed; CI installs the dev extras")
        pytest.skip("jsonschema is not installed (pip install -e '.[dev]')")
    return jsonschema


def schema() -> dict[str, Any]:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def test_warroom_schema_accepts_the_demo_and_the_example_as_written() -> None:
    jsonschema = jsonschema_module()
    validator = jsonschema.Draft202012Validator(schema())
    for text in (DEMO.read_text(encoding="utf-8"), example()):
        problems = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(
            yaml.safe_load(text))]  # fmt: skip
        assert problems == []


def test_warroom_schema_refuses_what_the_loader_refuses() -> None:
    """Not vacuous: a mistyped check key, a bad op and a missing title are refused."""
    jsonschema = jsonschema_module()
    validator = jsonschema.Draft202012Validator(schema())
    layout = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    item = layout["phases"][0]["items"][0]
    for broken in (
        {**item, "nodez": item.get("nodes")},
        {"id": "x", "title": "X", "promql": {"signal": "p95_latency", "op": "~", "value": 1}},
        {"id": "x", "promql": {"signal": "p95_latency", "op": "<", "value": 1, "for": "5m"}},
    ):
        layout["phases"][0]["items"] = [broken]
        assert list(validator.iter_errors(layout)), broken


def test_warroom_schema_knows_session_fields() -> None:
    jsonschema = jsonschema_module()
    validator = jsonschema.Draft202012Validator(schema())
    layout = yaml.safe_load(example())
    assert not list(validator.iter_errors(layout))
    for broken in ({"kind": "semver"}, {"choices": "Staging"}, {"titel": "Version"}):
        layout["session_fields"] = {"version": broken}
        assert list(validator.iter_errors(layout)), broken


def test_validate_says_what_the_checklist_holds() -> None:
    result = CliRunner().invoke(main, ["validate", str(DEMO)])
    assert result.exit_code == 0, result.output
    demo = parse_layout(DEMO.read_text(encoding="utf-8"))
    items = demo.items()
    checks = sum(1 for _, i in items if not i.ticked_by_person)
    assert (
        f"{len(demo.phases)} phase(s) of {len(items)} item(s) ({checks} proved by checks), "
        f"{len(demo.triggers)} trigger(s)"
    ) in result.output
    assert len(demo.phases) >= 2 and demo.triggers
