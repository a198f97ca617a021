"""Reading a journal back: every line parsed, its seq and prev checked against the line
before it (a hash chain over the exact line bytes), a torn last line set apart."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from warroom.journal.files import torn_path
from warroom.journal.records import GENESIS, Record, RecordError, from_json, parse


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one line; `message` reads after "line N" (see `sentence`)."""

    line: int
    message: str

    @property
    def sentence(self) -> str:
        return f"line {self.line} {self.message}"


@dataclass(frozen=True, slots=True)
class Verification:
    """A whole file checked. `ok` when every complete line follows the one before; a torn
    last line does not spoil that (it was never acknowledged), but is in `problems` too."""

    ok: bool
    records: int
    head: str
    problems: list[Problem]
    torn: bool


@dataclass(slots=True)
class Scan:
    """What one pass over new bytes found; `end` is how far lines were taken (an offset
    relative to the bytes scanned), `tail` where a torn tail starts, when there is one."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    end: int = 0
    lines: int = 0
    seq: int = 0
    head: str = GENESIS
    tail: int | None = None


def scan(data: bytes, *, lines: int, seq: int, head: str, final: bool) -> Scan:
    """Check the complete lines of `data`, which follows line `lines` (whose record has
    `seq` and hash `head`). A last line without its newline, or a last line that is not
    JSON, is a torn tail: when `final` (the caller holds the lock, so no write is under
    way) it is reported in `tail`; otherwise it is left for a later look."""
    out = Scan(lines=lines, seq=seq, head=head)
    parts = data.split(b"\n")
    fragment = parts.pop()  # b"" when data ends with a newline
    records = out.records
    problems = out.problems
    sha256 = hashlib.sha256
    loads = orjson.loads
    offset = 0
    last = len(parts) - 1
    for index, line in enumerate(parts):
        number = lines + index + 1
        try:
            value = loads(line)
        except orjson.JSONDecodeError:
            if index == last and not fragment:
                out.tail = offset if final else None
                break
            problems.append(Problem(number, "is not JSON (edited, or not a journal)"))
            head = sha256(line).hexdigest()
            seq += 1
        else:
            try:
                record = from_json(value)
            except RecordError as exc:
                problems.append(Problem(number, str(exc)))
                seq += 1
            else:
                if record.prev != head or record.seq != seq + 1:
                    problems.append(Problem(number, _not_following(number)))
                records.append(record)
                seq = record.seq
            head = sha256(line).hexdigest()
        offset += len(line) + 1
        out.lines = number
    else:
        if fragment and final:
            out.tail = offset
    out.end = offset
    out.seq = seq
    out.head = head
    return out


def verify_file(path: Path) -> Verification:
    """Check the journal at `path` without changing it; OSError when it cannot be read."""
    data = read_all(path)
    found = scan(data, lines=0, seq=0, head=GENESIS, final=True)
    problems = list(found.problems)
    torn = found.tail is not None
    if torn:
        problems.append(
            Problem(
                found.lines + 1,
                "is incomplete (warroom stopped while writing it); it was never acknowledged "
                f"and will be set aside in {torn_path(path)} when warroom next opens the session",
            )
        )
    return Verification(
        ok=not found.problems,
        records=len(found.records),
        head=found.head,
        problems=problems,
        torn=torn,
    )


def readable_records(path: Path) -> list[dict[str, Any]]:
    """Every line of the journal at `path` that is a JSON object, in file order, as written:
    what a report shows, even of a journal whose chain is broken (the report says so)."""
    out = []
    for line in read_all(path).split(b"\n"):
        try:
            value = parse(line)
        except ValueError:
            continue  # a torn or edited line: the verification names it
        if isinstance(value, dict):
            out.append(value)
    return out


def read_all(path: Path) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def _not_following(number: int) -> str:
    if number == 1:
        return "is not the first record (edited, removed or reordered)"
    return f"does not follow line {number - 1} (edited, removed or reordered)"
