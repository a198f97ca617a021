"""`warroom import` on the five seeds: a layout that `warroom validate` accepts, the seeds'
thresholds as promql checks on placeholder signals (listed by validate), and bad input ending
in one sentence and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.test_cli import warroom
from warroom.layout import load_layout

SEEDS = Path(__file__).parent / "seeds"
FILES = sorted(SEEDS.glob("*.txt"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:3])
def test_each_seed_imports_to_a_layout_that_validates(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "layout.yaml"
    done = warroom("import", str(path), "-o", str(out))
    assert done.returncode == 0, done.stderr
    summary = done.stderr.splitlines()[0]
    assert summary.startswith(f"{path}: ") and " automatic" in summary
    layout = load_layout(out)
    kinds = [item.kind for _, item in layout.items()]
    automatic = sum(1 for k in kinds if k not in ("manual", "command", "signoff"))
    assert (
        f"{len(layout.phases)} phases, {len(layout.items())} items, {automatic} automatic, "
        f"{kinds.count('command')} commands on demand, {kinds.count('signoff')} sign-offs, "
        f"{len(layout.session_fields)} session fields"
    ) in summary
    checked = warroom("validate", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Every signal the import made waits for its PromQL, and validate says so.
    assert ("still have a placeholder query" in checked.stdout) == bool(layout.signals)


def test_seed_004s_thresholds_become_checks_in_its_words(tmp_path: Path) -> None:
    out = tmp_path / "hsc.yaml"
    assert (
        warroom("import", str(SEEDS / "004_203bec4f80c947ca.txt"), "-o", str(out)).returncode == 0
    )
    raw = yaml.safe_load(out.read_text())
    items = {i["title"]: i for phase in raw["phases"] for i in phase["items"]}
    assert items["Load test: P95 latency < 200ms"]["promql"] == {
        "signal": "p95_latency",
        "op": "<",
        "value": 0.2,
    }
    assert items["Load test: Error rate < 0.1%"]["promql"] == {
        "signal": "error_rate",
        "op": "<",
        "value": 0.001,
    }
    assert raw["signals"]["p95_latency"]["query"] == 'warroom_placeholder{signal="p95_latency"}'
    assert raw["signals"]["p95_latency"]["unit"] == "s"
    assert out.read_text().startswith("# Imported by `warroom import` from 004_")
    # What was nested under an item is its help, code keeping its indentation.
    seed = yaml.safe_load(warroom("import", str(SEEDS / "000_f6bed7c81dbe897a.txt")).stdout)
    built = {i["title"]: i for phase in seed["phases"] for i in phase["items"]}
    assert built["Docker Image Built"]["help"] == (
        "Container Registry\n"
        "```bash\n"
        "docker build -t ghcr.io/bizra/inference:2.0.0-production \\\n"
        "  -f models/bizra-agentic-v1/Dockerfile.production \\\n"
        "  models/bizra-agentic-v1/\n"
        "```"
    )


def test_without_o_the_layout_goes_to_stdout() -> None:
    done = warroom("import", str(SEEDS / "000_f6bed7c81dbe897a.txt"))
    assert done.returncode == 0
    assert yaml.safe_load(done.stdout)["name"].startswith("BIZRA Inference Server")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty; give the Markdown file of the checklist"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "is not text"),
        (b"# Notes\n\nNo tasks here.\n", "has no checklist items"),
    ],
    ids=["empty", "binary", "no-items"],
)
def test_bad_input_is_one_sentence_and_exit_1(content: bytes, says: str, tmp_path: Path) -> None:
    path = tmp_path / "in.md"
    path.write_bytes(content)
    done = warroom("import", str(path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert says in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_table_in_docs_layouts_says_what_each_seed_becomes() -> None:
    from warroom.importing.layout import build_layout
    from warroom.importing.reading import read_file

    docs = (Path(__file__).resolve().parents[2] / "docs" / "layouts.md").read_text()
    rows = {
        cells[0][:3]: tuple(int(c) for c in cells[1:7])
        for line in docs.splitlines()
        if line.startswith("| 00")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    made = {}
    for path in FILES:
        _, summary = build_layout(read_file(path))
        made[path.name[:3]] = (
            summary.phases,
            summary.items,
            summary.automatic,
            summary.commands,
            summary.signoffs,
            summary.fields,
        )
    assert rows == made
