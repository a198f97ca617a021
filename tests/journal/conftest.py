"""Journals in a data folder of the test's own (WARROOM_DATA_DIR), and child processes."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from warroom.journal import Journal, open_journal

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("child.py")


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("WARROOM_DATA_DIR", str(folder))
    return folder


class Clock:
    """A cluster clock that runs fast, as the sim's can: 10 s per reading."""

    def __init__(self) -> None:
        self._ticks = itertools.count()

    def __call__(self) -> float:
        return 1_764_668_400.25 + 10 * next(self._ticks)


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[list[Journal]]:
    """Journals a test opens through `journal_at`, closed when it ends."""
    journals: list[Journal] = []
    yield journals
    for journal in journals:
        journal.close()


def journal_at(path: Path, opened: list[Journal], operator: str = "alice") -> Journal:
    journal = open_journal(path, operator, clock=Clock())
    opened.append(journal)
    return journal


def write_notes(path: Path, count: int, opened: list[Journal]) -> Journal:
    journal = journal_at(path, opened)
    for n in range(count):
        journal.append("note", {"text": f"note {n + 1}", "phase": None, "item": None})
    return journal


def child(*args: str, stdin: int | None = subprocess.PIPE) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
