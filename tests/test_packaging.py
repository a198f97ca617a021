"""An installed warroom has every file it reads: each data file in the package is covered by
the package-data of pyproject.toml (a stylesheet left out only fails after `pip install .`)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_data_file_of_the_package_is_installed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    missing = []
    for path in sorted((ROOT / "warroom").rglob("*")):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        home = path.parent
        while not (home / "__init__.py").exists():  # data may sit in a folder of a package
            home = home.parent
        package = ".".join(home.relative_to(ROOT).parts)
        inside = path.relative_to(home).as_posix()
        patterns = package_data.get(package, [])
        if not any(fnmatch.fnmatch(inside, pattern) for pattern in patterns):
            missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
