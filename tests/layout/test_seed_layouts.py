"""Each seed checklist's layout holds the whole seed: every phase and every task in the seed's
order and words (read from the seed file itself with the import's Markdown reader), each item
whose seed text states a measurable criterion proved by a check rather than ticked (or saying in
its help why a person judges it), no signal left with a placeholder query. A layout says which
seed it comes from in its header comment ("From seed 003 …"); every seed has one."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from warroom.importing.reading import ReadItem, read_file
from warroom.importing.thresholds import find_criteria
from warroom.layout import Layout, load_layout
from warroom.layout.signals import is_placeholder

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "importing" / "seeds"

SEED_FILES = sorted(p.name for p in SEEDS.glob("00*.txt"))
# An item whose seed text carries a number that is not a measurement of the running system
# ("RTO defined (< 1 hour)": a plan's target) is ticked by a person; its help says why.
JUDGED = "judged by a person:"


def _header(path: Path) -> str:
    lines = path.read_text("utf-8").splitlines()
    return "\n".join(line for line in lines[:12] if line.startswith("#")).casefold()


def _seed_layouts() -> dict[str, str]:
    """seed file → the layout whose header comment says it comes from that seed."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "layouts").glob("*.yaml")):
        header = _header(path)
        for seed in SEED_FILES:
            if f"from seed {seed[:3]}" in header:
                found[seed] = path.stem
    return found


SEED_LAYOUTS = _seed_layouts()


def words(text: str) -> str:
    """Text compared as a reader would: case, emoji, punctuation and spacing aside."""
    flat = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(c if c.isalnum() or c.isspace() else " " for c in flat)
    return " ".join(kept.split())


def _criterion(item: ReadItem) -> bool:
    if find_criteria(item.title):
        return True
    return any(find_criteria(line) for line in item.detail[:1])


def _matches(title: str, seed_title: str) -> bool:
    return words(title).startswith(words(seed_title))


def test_every_seed_has_its_layout() -> None:
    assert sorted(SEED_LAYOUTS) == SEED_FILES, f"layouts per seed: {SEED_LAYOUTS}"


@pytest.fixture(params=sorted(SEED_LAYOUTS), ids=lambda s: s[:3])
def seed(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def _layout(seed: str) -> tuple[Path, Layout]:
    path = ROOT / "layouts" / f"{SEED_LAYOUTS[seed]}.yaml"
    return path, load_layout(path)


def test_every_phase_and_task_of_the_seed_is_there_in_its_order_and_words(seed: str) -> None:
    _, layout = _layout(seed)
    read = read_file(SEEDS / seed)
    phases = list(layout.phases)
    at_phase = 0
    missing: list[str] = []
    for read_phase in read.phases:
        tasks = [i for i in read_phase.items if i.task]
        if not tasks:
            continue
        later = range(at_phase, len(phases))
        found = next((k for k in later if _matches(phases[k].title, read_phase.title)), None)
        if found is None:
            missing.append(f"phase {read_phase.title!r}")
            continue
        at_phase = found
        items = phases[found].items
        at_item = -1
        for task in tasks:
            hit = next(
                (k for k in range(at_item + 1, len(items)) if _matches(items[k].title, task.title)),
                None,
            )
            if hit is None:
                missing.append(f"{read_phase.title} › {task.title!r}")
            else:
                at_item = hit
    assert not missing, f"{len(missing)} missing or out of order:\n" + "\n".join(missing)


def test_items_stating_a_measurable_criterion_are_proved_by_checks(seed: str) -> None:
    _, layout = _layout(seed)
    read = read_file(SEEDS / seed)
    by_phase = {words(p.title): p for p in layout.phases}
    manual = []
    for read_phase in read.phases:
        key = words(read_phase.title)
        phase = next((p for title, p in by_phase.items() if title.startswith(key)), None)
        if phase is None:
            continue
        for task in read_phase.items:
            if not task.task or not _criterion(task):
                continue
            made = [i for i in phase.items if _matches(i.title, task.title)]
            if made and all(i.kind == "manual" and JUDGED not in i.help for i in made):
                manual.append(task.title)
    assert not manual, "stated criteria left to a manual tick: " + ", ".join(manual)


def test_no_signal_waits_for_its_query(seed: str) -> None:
    _, layout = _layout(seed)
    waiting = [sid for sid, signal in layout.signals.items() if is_placeholder(signal.query)]
    assert not waiting


def test_sign_offs_name_roles_the_layout_declares(seed: str) -> None:
    _, layout = _layout(seed)
    signoffs = [item for _, item in layout.items() if item.signoff is not None]
    assert signoffs, "a go-live without a sign-off"
    assert {s.signoff.role for s in signoffs if s.signoff} <= set(layout.roles)


def test_the_words_compared_are_the_seeds_own() -> None:
    """The comparison ignores only case, emoji and punctuation: a changed word is caught."""
    assert _matches("✅ Dignity: System treats users", "Dignity: system treats users")
    assert _matches("1,000 Users: p95 latency < 1s", "1,000 Users")
    assert not _matches("1,000 Clients", "1,000 Users")
    assert re.fullmatch(r"[a-z0-9 ]+", words("HPA Scales Up (3 → 50)!"))
