"""The five seed checklists (tests/importing/seeds/, copies of ../shared/seeds/) read into
phases of items: their headings, tasks and numbered steps as written, mojibake repaired, and
no line of them lost; and files that are not checklists refused in one sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from warroom.importing.reading import ImportProblem, ReadChecklist, decode, read_file, read_text

SEEDS = Path(__file__).parent / "seeds"
FILES = sorted(SEEDS.glob("*.txt"))
WORD = re.compile(r"[^\W_]+")  # words and numbers; a line of ____ to write on is not one
BOX = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+\[[ xX]\]")  # a task's box: kept as `ticked`


def words_of(checklist: ReadChecklist) -> set[str]:
    text = [checklist.title]
    for phase in checklist.phases:
        text.append(phase.title)
        text += [f"{item.group} {item.text}" for item in phase.items]
    return set(WORD.findall(" ".join(text).lower()))


def test_there_are_five_seeds() -> None:
    assert len(FILES) == 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:3])
def test_no_line_of_a_seed_is_lost(path: Path) -> None:
    checklist = read_file(path)
    kept = words_of(checklist)
    source = decode(path.read_bytes(), path.name)
    for number, line in enumerate(source.splitlines(), 1):
        missing = set(WORD.findall(BOX.sub("", line).lower())) - kept
        assert not missing, f"{path.name}:{number} {line!r} lost {sorted(missing)}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:3])
def test_every_task_box_of_a_seed_is_an_item(path: Path) -> None:
    checklist = read_file(path)
    boxes = sum(
        1 for line in path.read_text().splitlines() if re.match(r"\s*[-*] \[[ xX]\] ", line)
    )
    tasks = [item for item in checklist.items if item.task]
    assert len(tasks) >= boxes > 0


def test_seed_000_reads_as_its_phases_with_their_items_and_groups() -> None:
    checklist = read_file(SEEDS / "000_f6bed7c81dbe897a.txt")
    assert checklist.title == "BIZRA Inference Server - Production Deployment Checklist (10K Users)"
    titles = [p.title for p in checklist.phases]
    assert titles[1:7] == [
        "Phase 1: Pre-Deployment Validation ✅",
        "Phase 2: Deployment Execution ✅",
        "Phase 3: Performance Validation ✅",
        "Phase 4: احسان Verification ✅",
        "Phase 5: Production Readiness ✅",
        "Phase 6: Go-Live Decision ✅",
    ]
    first = checklist.phases[1].items[0]
    assert (first.title, first.group, first.task) == (
        "Kubernetes Cluster Ready",
        "Infrastructure Setup",
        True,
    )
    assert "  - Min 3 nodes, max 50 nodes for HPA" in first.detail
    load = next(i for i in checklist.items if i.title == "Model Load Test")
    assert load.code == [
        "# Deploy single pod, verify model loads\n"
        "kubectl apply -f k8s/inference/deployment.yaml\n"
        "kubectl logs -f deployment/bizra-inference\n"
        '# Expected: "Model loaded successfully in X.Xs"'
    ]


@pytest.mark.parametrize("name", ["002_1e23f8aa5dc22048.txt", "003_7c585baa8920188b.txt"])
def test_the_mis_encoded_seeds_are_repaired(name: str) -> None:
    raw = (SEEDS / name).read_text()
    assert "âœ…" in raw  # UTF-8 once decoded as cp1252
    checklist = read_file(SEEDS / name)
    every = " ".join([p.title for p in checklist.phases] + [i.text for i in checklist.items])
    assert "âœ" not in every and "â‰" not in every and "ðŸ" not in every
    assert "✅" in every


def test_a_bom_and_crlf_read_as_plain_lines() -> None:
    text = "# Go-live\n\n## Before\n\n- [ ] Runbook written\n  - reviewed by two\n"
    plain = read_text(decode(text.encode(), "a.md"))
    windows = read_text(decode(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(), "b.md"))
    assert [(i.title, i.detail) for i in windows.items] == [
        (i.title, i.detail) for i in plain.items
    ]
    assert windows.title == "Go-live"


def test_ticked_boxes_nested_tasks_and_numbered_steps_are_items() -> None:
    checklist = read_text(
        "# Go-live\n\n## Cut-over\n\n"
        "1. Scale to 4\n2. Wait until ready\n\n"
        "- [x] Backup taken\n  - [ ] Restore tested\n\n"
        "Call the vendor if the restore fails.\n"
    )
    items = [(i.title, i.group, i.task, i.ticked) for i in checklist.items]
    assert items == [
        ("Scale to 4", "", True, False),
        ("Wait until ready", "", True, False),
        ("Backup taken", "", True, True),
        ("Restore tested", "Backup taken", True, False),
        ("Cut-over", "", False, False),
    ]
    assert checklist.items[-1].detail == ["Call the vendor if the restore fails."]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not text"),
        (b"# Notes\n\nJust prose, no tasks.\n", "has no checklist items"),
    ],
    ids=["empty", "blank", "binary", "no-items"],
)
def test_input_that_is_not_a_checklist_is_one_sentence(data: bytes, says: str) -> None:
    with pytest.raises(ImportProblem) as refused:
        read_text(decode(data, "in.md"), "in.md")
    sentence = str(refused.value)
    assert says in sentence and "\n" not in sentence and sentence.startswith("in.md ")


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with big.open("wb") as out:
        out.truncate(50 * 1024 * 1024)  # 50 MB, sparse
    with pytest.raises(ImportProblem, match=r"big\.md is 52\.4 MB; a checklist is at most 5 MB"):
        read_file(big)
    with pytest.raises(ImportProblem, match="cannot read"):
        read_file(tmp_path / "absent.md")
