"""Shared fixtures: tools the tests need, which skip locally but fail in CI when missing."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """The path of `name`; skips the test when absent, but fails it when CI=true."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed; install it to run this test"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI must have it)")
        pytest.skip(message)
    return path
