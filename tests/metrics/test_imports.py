"""warroom.metrics and warroom.probes are headless: they import with Textual blocked."""

from __future__ import annotations

import subprocess
import sys

BLOCKED_IMPORT = """
import importlib, importlib.abc, pkgutil, sys

class BlockTextual(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "textual" or name.startswith("textual."):
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, BlockTextual())
for package in ("warroom.metrics", "warroom.probes"):
    root = importlib.import_module(package)
    for module in pkgutil.iter_modules(root.__path__):
        importlib.import_module(f"{package}.{module.name}")
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "textual"
                or m.startswith(("warroom.sim", "warroom.ui")))
print(",".join(loaded) or "clean")
"""


def test_metrics_and_probes_import_with_textual_blocked() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
