"""The shipped drill scenarios: the checkout's drills/ folder, or the installed copy; each
read with its layout, so `warroom drill --list` says what every one rehearses."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from warroom.drills.loading import ScenarioError, parse_scenario, read_scenario_file
from warroom.drills.scenario import Scenario

_FOLDERS = (
    Path(__file__).resolve().parents[2] / "drills",  # a source checkout
    Path(sys.prefix) / "share" / "warroom" / "drills",  # pip install .
)


@dataclass(frozen=True)
class Entry:
    """One shipped scenario, or the sentence saying why it could not be read."""

    path: Path
    scenario: Scenario | None
    problem: str = ""


def shipped_paths() -> list[Path]:
    for folder in _FOLDERS:
        if folder.is_dir():
            return sorted(folder.glob("*.yaml"))
    return []


def library() -> list[Entry]:
    """Every shipped scenario, read (without its layout: that is `check`'s job)."""
    out = []
    for path in shipped_paths():
        try:
            out.append(Entry(path, parse_scenario(read_scenario_file(path), str(path))))
        except ScenarioError as err:
            out.append(Entry(path, None, str(err)))
    return out


def find_scenario(name_or_path: str) -> Path | None:
    """A scenario file by path, or a shipped one by name (`gpu-node-lost`); None if neither."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    stem = name_or_path.removesuffix(".yaml").removesuffix(".yml")
    return next((p for p in shipped_paths() if p.stem == stem), None)


__all__ = ["Entry", "find_scenario", "library", "shipped_paths"]
