"""The session journal: one append-only file, hash-chained, shared by the processes of a
session (two operators' war rooms pair through it).

Every append takes an exclusive `flock`, first reads what other writers appended since this
process last looked, then writes its one line with a single `write` and `fsync`s before it
returns: a record the caller was given is on disk. The offset, seq and head hash are kept in
memory, so an append reads only what others added (usually nothing)."""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from warroom.journal.files import open_file, torn_path
from warroom.journal.records import GENESIS, VERSION, Record, encode, line_hash
from warroom.journal.redact import redact
from warroom.journal.replay import Scan, scan

NEW_SESSION = "this session is read-only — start a new one with --session NAME"
# poll() skips a look while a writer holds the lock (it would wait for that writer's fsync)
# unless it has not caught up for this long: pairing wants the other's records within 1 s.
POLL_PATIENCE = 0.5

WRITE_FAILURES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the disk is full", "free some space and try again"),
    errno.EDQUOT: ("the disk quota is used up", "free some space and try again"),
    errno.EFBIG: (
        "the file reached the size this process may write, ulimit -f",
        "raise the limit, or start a new session with --session NAME",
    ),
    errno.EROFS: (
        "the file system is read-only",
        "start a new session with --session NAME where you can write (WARROOM_DATA_DIR)",
    ),
    errno.EACCES: ("permission denied", "check the file's permissions and try again"),
    errno.EPERM: ("permission denied", "check the file's permissions and try again"),
    errno.EIO: ("the disk reported an I/O error", "check the disk and try again"),
}


class JournalError(Exception):
    """A journal that cannot be opened or written; str() is one sentence for the user."""


class JournalWriteError(JournalError):
    """A record that was not saved (disk full, file too large, read-only, ...)."""


class JournalReadOnly(JournalError):
    """An append to a journal that may not be written (tampered with, or not writable)."""


class Journal:
    """One process's handle on a session file; make it with `open_journal`."""

    def __init__(
        self,
        path: Path,
        fd: int,
        *,
        writable: bool,
        operator: str,
        process: str,
        clock: Callable[[], float],
    ) -> None:
        self.path = path
        self.operator = operator
        self.process = process
        self._fd = fd
        self._writable = writable
        self._clock = clock
        self._records: list[Record] = []
        self._pending: list[Record] = []
        self._end = 0
        self._lines = 0
        self._seq = 0
        self._head = GENESIS
        self._broken = False
        self._problem: str | None = None
        self._looked = time.monotonic()
        # One process may append from a worker thread while the screen polls.
        self._lock = threading.Lock()

    # ---- what it holds --------------------------------------------------------------

    @property
    def records(self) -> Sequence[Record]:
        """Every record, in file order: replayed, appended here and polled. Do not mutate."""
        return self._records

    @property
    def head(self) -> str:
        """The hash of the last line read or written (GENESIS for an empty journal)."""
        return self._head

    @property
    def read_only(self) -> bool:
        return self._broken or not self._writable

    @property
    def problem(self) -> str | None:
        """One sentence: why the journal is read-only, or what was set aside on opening."""
        return self._problem

    # ---- writing --------------------------------------------------------------------

    def append(self, kind: str, payload: Mapping[str, Any]) -> Record:
        """Write one record (its payload redacted) and return it once it is on disk."""
        record = self.claim(kind, payload, lambda unseen: False)
        assert record is not None
        return record

    def claim(
        self,
        kind: str,
        payload: Mapping[str, Any],
        taken: Callable[[Sequence[Record]], bool],
    ) -> Record | None:
        """Append unless another process got there first: `taken` is handed, under the
        file's lock, the records others appended that this process has not polled yet; when
        it answers true nothing is written and None comes back. Two war rooms deciding the
        same thing at once (which of them fires an automatic rollback) so decide it once."""
        if not isinstance(kind, str) or not kind:
            raise ValueError("a record's kind is a non-empty string")
        if not isinstance(payload, Mapping):
            raise TypeError("a record's payload is a mapping")
        clean = redact(payload)
        with self._lock:
            self._check_writable()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                self._catch_up(final=True)
                self._check_writable()
                if taken(self._pending):
                    return None
                # Times are read under the lock, so wall times rise with seq across writers.
                record = Record(
                    VERSION,
                    self._seq + 1,
                    float(self._clock()),
                    time.time(),
                    self.operator,
                    self.process,
                    kind,
                    clean,
                    self._head,
                )
                line = encode(record)
                self._write(line + b"\n")
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._end += len(line) + 1
            self._lines += 1
            self._seq = record.seq
            self._head = line_hash(line)
            self._records.append(record)
            self._looked = time.monotonic()
            return record

    def _check_writable(self) -> None:
        if self._fd < 0:
            raise ValueError(f"{self.path}: the journal is closed")
        if self.read_only:
            raise JournalReadOnly(self._problem or f"{self.path}: {NEW_SESSION}")

    def _write(self, data: bytes) -> None:
        """One `write` (more only if the kernel takes part of it), then `fsync`; on any
        failure the file is cut back to where it ended, so no partial line stays."""
        view = memoryview(data)
        written = 0
        try:
            while written < len(data):
                written += os.write(self._fd, view[written:])
            os.fsync(self._fd)
        except OSError as exc:
            if written:
                try:
                    os.ftruncate(self._fd, self._end)
                    os.fsync(self._fd)
                except OSError:
                    pass  # the next writer (or open) finds a torn line and sets it aside
            raise JournalWriteError(write_failed(self.path, exc)) from exc

    # ---- reading what others wrote ----------------------------------------------------

    def poll(self) -> list[Record]:
        """The records other processes appended since this one last looked (cheap when
        there are none: one fstat)."""
        with self._lock:
            if self._fd >= 0 and not self._broken:
                if os.fstat(self._fd).st_size == self._end:
                    self._looked = time.monotonic()
                else:
                    self._look()
            out, self._pending = self._pending, []
            return out

    def _look(self) -> None:
        # A shared lock: no writer is between its write and its fsync (or its undo), so
        # what is read was acknowledged to its writer.
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() - self._looked < POLL_PATIENCE:
                return
            fcntl.flock(self._fd, fcntl.LOCK_SH)
        try:
            self._catch_up(final=False)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._looked = time.monotonic()

    def _catch_up(self, *, final: bool) -> None:
        """Take in the lines appended after `_end`. `final` when holding the exclusive
        lock: a torn tail is then set aside, since no writer can still be finishing it."""
        if self._broken:
            return
        size = os.fstat(self._fd).st_size
        if size < self._end:
            self._break(f"{self.path}: the file is shorter than when warroom last read it")
            return
        if size == self._end:
            return
        data = _read(self._fd, self._end, size - self._end)
        found = scan(data, lines=self._lines, seq=self._seq, head=self._head, final=final)
        self._take(found, pending=True)
        if found.problems:
            first = found.problems[0]
            self._break(f"{self.path}: {first.sentence}")
        elif found.tail is not None:
            self._set_aside(data[found.tail :], found.lines + 1)

    def _take(self, found: Scan, *, pending: bool) -> None:
        self._records.extend(found.records)
        if pending:
            self._pending.extend(found.records)
        self._end += found.end
        self._lines = found.lines
        self._seq = found.seq
        self._head = found.head

    def _break(self, what: str) -> None:
        self._broken = True
        self._problem = f"{what}; {NEW_SESSION}"

    def _set_aside(self, torn: bytes, line: int) -> None:
        """Move a torn tail to NAME.jsonl.torn and cut it off, so the next record starts on
        a line of its own. The torn bytes are synced before the journal is cut."""
        aside = torn_path(self.path)
        try:
            fd = open_file(aside, os.O_WRONLY | os.O_APPEND)
            try:
                _write_all(fd, torn if torn.endswith(b"\n") else torn + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)
            os.ftruncate(self._fd, self._end)
            os.fsync(self._fd)
        except OSError as exc:
            raise JournalWriteError(write_failed(aside, exc)) from exc
        self._problem = (
            f"{self.path}: line {line} is incomplete (warroom stopped while writing it); it "
            f"was never acknowledged and is set aside in {aside}"
        )

    # ---- opening and closing --------------------------------------------------------

    def _replay(self) -> None:
        """Read and check the whole file; then, as a writer, settle a torn tail under the
        lock. The long read is done unlocked, so others' appends do not wait for it."""
        size = os.fstat(self._fd).st_size
        data = _read(self._fd, 0, size)
        found = scan(data, lines=0, seq=0, head=GENESIS, final=False)
        self._take(found, pending=False)
        if found.problems:
            self._break(f"{self.path}: {found.problems[0].sentence}")
            return
        if self._writable:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                self._catch_up(final=True)
                # What others appended while we replayed is history, not news.
                self._pending.clear()
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_journal(
    path: Path | str,
    operator: str,
    *,
    clock: Callable[[], float],
    process: str | None = None,
) -> Journal:
    """Open (creating it 0600 if missing) the journal at `path`, replay and verify it.

    A file that was tampered with opens read-only, saying so in `problem`; a file this
    process may not write opens read-only too. JournalError when it cannot be opened."""
    path = Path(path)
    process = process or f"{operator}@{socket.gethostname()}:{os.getpid()}"
    writable = True
    problem = None
    try:
        fd = open_file(path, os.O_RDWR | os.O_APPEND)
    except OSError as exc:
        if not os.path.exists(path) or exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise JournalError(f"{path}: cannot open the session ({_why(exc)})") from exc
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as again:
            raise JournalError(f"{path}: cannot read the session ({_why(again)})") from again
        writable = False
        problem = f"{path}: warroom may not write this file ({_why(exc)}); {NEW_SESSION}"
    journal = Journal(path, fd, writable=writable, operator=operator, process=process, clock=clock)
    try:
        journal._replay()
    except BaseException:
        journal.close()
        raise
    if problem and not journal._broken:
        journal._problem = problem
    return journal


def write_failed(path: Path, exc: OSError) -> str:
    """One sentence: which file, what went wrong, what to do."""
    why, fix = WRITE_FAILURES.get(exc.errno or 0, (_why(exc), "check the disk and try again"))
    return f"{path}: the record was not saved ({why}); {fix}"


def _why(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _read(fd: int, offset: int, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = os.pread(fd, size, offset)
        if not chunk:
            break  # cut short meanwhile: the next look sees the size it has now
        chunks.append(chunk)
        offset += len(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
