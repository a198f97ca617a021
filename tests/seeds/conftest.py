"""The seeds' end-to-end runs use the real kubectl (skipped with a reason locally when it is
missing, failing when CI=true)."""

from tests.sim.conftest import kubectl_binary

__all__ = ["kubectl_binary"]
