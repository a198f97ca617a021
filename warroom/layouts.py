"""Where the shipped layouts are: the checkout's layouts/ folder, or the installed copy."""

from __future__ import annotations

import sys
from pathlib import Path


def shipped_layout(name: str) -> Path:
    """The path of a layout that ships with warroom, e.g. `demo.yaml`."""
    candidates = (
        Path(__file__).resolve().parents[1] / "layouts" / name,  # a source checkout
        Path(sys.prefix) / "share" / "warroom" / "layouts" / name,  # pip install .
    )
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"the layout {name} is not installed (looked in {', '.join(map(str, candidates))}); "
        "reinstall warroom"
    )
