"""Where the shipped layouts are: the checkout's layouts/ folder, or the installed copy."""

from __future__ import annotations

import sys
from pathlib import Path

_FOLDERS = (
    Path(__file__).resolve().parents[1] / "layouts",  # a source checkout
    Path(sys.prefix) / "share" / "warroom" / "layouts",  # pip install .
)


def shipped_layout(name: str) -> Path:
    """The path of a layout that ships with warroom, e.g. `bizra-inference-10k.yaml`."""
    candidates = tuple(folder / name for folder in _FOLDERS)
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"the layout {name} is not installed (looked in {', '.join(map(str, candidates))}); "
        "reinstall warroom"
    )


def shipped_names() -> list[str]:
    """The names of the layouts that ship with warroom (`demo`, `node0-canary` …)."""
    for folder in _FOLDERS:
        if folder.is_dir():
            return sorted(p.stem for p in folder.glob("*.yaml"))
    return []


def find_layout(name_or_path: str) -> Path | None:
    """A layout file by path, or a shipped layout by name (`node0-canary`); None if neither."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    if "/" in name_or_path or name_or_path.startswith("."):
        return None
    stem = name_or_path.removesuffix(".yaml").removesuffix(".yml")
    try:
        return shipped_layout(f"{stem}.yaml")
    except FileNotFoundError:
        return None
