"""Where sessions live: `<data dir>/sessions/NAME.jsonl`, private to the user (0700, 0600)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

SUFFIX = ".jsonl"
TORN_SUFFIX = ".torn"
NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")
DIR_MODE = 0o700
FILE_MODE = 0o600


class SessionNameError(ValueError):
    """A session name that cannot be a file name here; str() is one sentence."""


@dataclass(frozen=True, slots=True)
class SessionFile:
    """One session on disk, as listed."""

    name: str
    path: Path
    size: int
    modified: float


def data_dir() -> Path:
    """`WARROOM_DATA_DIR` when set (tests set it), else the platform's user data folder."""
    override = os.environ.get("WARROOM_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path("warroom")


def sessions_dir() -> Path:
    return data_dir() / "sessions"


def check_name(name: str) -> str:
    """`name` when it is a session name; SessionNameError (one sentence) when not."""
    if not NAME.fullmatch(name):
        raise SessionNameError(
            f"{name!r} is not a session name: use up to 100 letters, digits, '-', '_' and "
            "'.', not starting with '.'"
        )
    return name


def session_path(name_or_path: str | Path) -> Path:
    """The file of a session: a path that exists or has a '/' in it is taken as it is;
    anything else is a session name in the sessions folder (a trailing .jsonl is allowed)."""
    if isinstance(name_or_path, Path):
        return name_or_path
    text = name_or_path
    if "/" in text or os.sep in text or os.path.lexists(text):
        return Path(text)
    name = text[: -len(SUFFIX)] if text.endswith(SUFFIX) and len(text) > len(SUFFIX) else text
    if not NAME.fullmatch(name):
        check_name(text)  # named as typed; invalid with its .jsonl as without it
    return sessions_dir() / f"{name}{SUFFIX}"


def torn_path(path: Path) -> Path:
    """Where the torn bytes of `path` are set aside."""
    return path.with_name(path.name + TORN_SUFFIX)


def make_dir(path: Path) -> None:
    """Create `path` (and missing parents); the folders created here are 0700 whatever the
    umask, since a session records what the operators did. An existing folder is left as is."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            continue  # made by another process between the check and here
        os.chmod(folder, DIR_MODE)


def open_file(path: Path, flags: int) -> int:
    """Open `path` with `flags`, creating it 0600 (whatever the umask) when missing; a new
    file's folder entry is synced, so the file itself survives a crash."""
    make_dir(path.parent)
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        return os.open(path, flags | os.O_CLOEXEC)
    try:
        os.fchmod(fd, FILE_MODE)
        _sync_dir(path.parent)
    except OSError:
        os.close(fd)
        raise
    return fd


def list_sessions(folder: Path | None = None) -> list[SessionFile]:
    """The sessions in `folder` (the sessions folder by default), newest first."""
    folder = sessions_dir() if folder is None else folder
    found: list[SessionFile] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        name = entry.name[: -len(SUFFIX)]
        if not entry.name.endswith(SUFFIX) or not NAME.fullmatch(name):
            continue
        try:
            stat = entry.stat()
        except FileNotFoundError:
            continue
        found.append(SessionFile(name, Path(entry.path), stat.st_size, stat.st_mtime))
    found.sort(key=lambda s: (-s.modified, s.name))
    return found


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
