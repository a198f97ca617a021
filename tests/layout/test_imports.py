"""warroom.layout is headless: it imports, loads and validates with Textual unavailable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "layouts" / "demo.yaml"

SCRIPT = f"""
import sys

class RefuseTextual:
    def find_spec(self, name, path=None, target=None):
        if name == "textual" or name.startswith("textual."):
            raise ImportError(f"{{name}} is blocked in this test")
        return None

sys.meta_path.insert(0, RefuseTextual())
import warroom.layout
layout = warroom.layout.load_layout({str(DEMO)!r})
assert not any(m == "textual" or m.startswith("textual.") for m in sys.modules)
print(layout.name)
"""


def test_layout_imports_and_loads_with_textual_blocked() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "BIZRA inference go-live (10K users)"


def test_the_blocker_does_block_textual() -> None:
    # Guard against a finder that blocks nothing, which would make the test above vacuous.
    script = SCRIPT.split("import warroom.layout")[0] + "import textual\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "textual is blocked in this test" in result.stderr
