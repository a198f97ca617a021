"""The core is headless: every package outside ui/ imports with Textual blocked (DESIGN.md).

Each package is imported module by module in a fresh interpreter that refuses `textual`; the
core must not pull in the sim or the UI either (only the sim itself may import the sim).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

BLOCKED_IMPORT = """
import importlib, importlib.abc, pkgutil, sys

class BlockTextual(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "textual" or name.startswith("textual."):
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, BlockTextual())
package = sys.argv[1]
root = importlib.import_module(package)
for module in pkgutil.walk_packages(root.__path__, prefix=package + "."):
    importlib.import_module(module.name)
forbidden = ["textual", "warroom.ui"] + ([] if package == "warroom.sim" else ["warroom.sim"])
loaded = sorted(m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden))
print(",".join(loaded) or "clean")
"""


@pytest.mark.parametrize(
    "package",
    [
        "warroom.kube",
        "warroom.layout",
        "warroom.metrics",
        "warroom.probes",
        "warroom.state",
        "warroom.sim",
    ],
)
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
    script = BLOCKED_IMPORT.split("package = sys.argv[1]")[0] + "import textual\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "textual is blocked in this test" in result.stderr
