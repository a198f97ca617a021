"""The core is headless: every module outside ui/ imports with Textual blocked (DESIGN.md).

The modules are found by walking the package, not kept in a list here: a new package is
checked the day it lands. Each top-level package is imported module by module in a fresh
interpreter that refuses `textual`; the core must not pull in the sim or the UI either (only
the sim itself, and the wiring of the demo and the drill, may import the sim; only the
wiring that runs the screen may import the UI).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import warroom

# Wiring that creates and runs the screen (`__main__` runs the CLI when imported): the only
# modules outside ui/ that may import it.
SCREEN_WIRING = {"demo", "__main__"}

BLOCKED_IMPORT = """
import importlib, importlib.abc, pkgutil, sys

class BlockTextual(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "textual" or name.startswith("textual."):
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, BlockTextual())
name = sys.argv[1]
root = importlib.import_module(name)
for module in pkgutil.walk_packages(getattr(root, "__path__", []), prefix=name + "."):
    importlib.import_module(module.name)
may_use_sim = name in ("warroom.sim", "warroom.cli", "warroom.rehearse", "warroom.simulated")
forbidden = ["textual", "warroom.ui"] + ([] if may_use_sim else ["warroom.sim"])
loaded = sorted(m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden))
print(",".join(loaded) or "clean")
"""

CORE = sorted(
    f"warroom.{m.name}"
    for m in pkgutil.iter_modules(warroom.__path__)
    if m.name != "ui" and m.name not in SCREEN_WIRING
)


def test_the_walk_finds_the_core() -> None:
    # Guard against a walk that finds nothing, which would make the test below vacuous.
    for name in ("warroom.kube", "warroom.state", "warroom.live", "warroom.kinds", "warroom.sim"):
        assert name in CORE
    assert "warroom.ui" not in CORE


@pytest.mark.parametrize("package", CORE)
def test_core_package_imports_without_textual(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORT, package],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"


def test_the_blocker_does_block_textual() -> None:
    # Guard against a finder that blocks nothing, which would make the tests above vacuous.
    script = BLOCKED_IMPORT.split("name = sys.argv[1]")[0] + "import textual\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "textual is blocked in this test" in result.stderr
