"""One journal record: the fixed line format (docs/journal.md), its encoding and its hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

VERSION = 1
GENESIS = "0" * 64
KEYS = frozenset(("v", "seq", "at", "operator", "process", "kind", "payload", "prev"))


class RecordError(ValueError):
    """A line that is not a record of this version; str() says what is wrong (no line number)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One line of a session journal. `payload` is already redacted; treat it as read-only."""

    v: int
    seq: int
    at_cluster: float
    at_wall: float
    operator: str
    process: str
    kind: str
    payload: dict[str, Any]
    prev: str


def encode(record: Record) -> bytes:
    """The record's line: its exact bytes without the ending newline (what the hash covers).

    Keys in the fixed order; orjson keeps a dict's insertion order and escapes every control
    character, so the line never holds a newline of its own."""
    return orjson.dumps(
        {
            "v": record.v,
            "seq": record.seq,
            "at": {"cluster": record.at_cluster, "wall": record.at_wall},
            "operator": record.operator,
            "process": record.process,
            "kind": record.kind,
            "payload": record.payload,
            "prev": record.prev,
        }
    )


def parse(line: bytes) -> Any:
    """The line's JSON value; raises orjson.JSONDecodeError (a ValueError) when it is none."""
    return orjson.loads(line)


def from_json(value: Any) -> Record:
    """The record a parsed line holds; RecordError says what is wrong with it."""
    if type(value) is not dict or value.keys() != KEYS:
        raise RecordError(_not_a_record(value))
    v, seq, at, prev = value["v"], value["seq"], value["at"], value["prev"]
    if v != VERSION or type(v) is not int:
        raise RecordError(f"has record version {v!r}; this warroom reads version {VERSION}")
    if (
        type(seq) is not int
        or type(at) is not dict
        or at.keys() != {"cluster", "wall"}
        or type(value["operator"]) is not str
        or type(value["process"]) is not str
        or type(value["kind"]) is not str
        or type(value["payload"]) is not dict
        or type(prev) is not str
        or len(prev) != 64
    ):
        raise RecordError("is not a journal record (a field has the wrong type)")
    cluster, wall = at["cluster"], at["wall"]
    if type(cluster) not in (float, int) or type(wall) not in (float, int):
        raise RecordError("is not a journal record (its times are not numbers)")
    return Record(
        v,
        seq,
        float(cluster),
        float(wall),
        value["operator"],
        value["process"],
        value["kind"],
        value["payload"],
        prev,
    )


def decode(line: bytes) -> Record:
    """The record of one line (without its newline); RecordError when it is not one."""
    try:
        value = parse(line)
    except orjson.JSONDecodeError:
        raise RecordError("is not JSON") from None
    return from_json(value)


def line_hash(line: bytes) -> str:
    """sha256 hex of a line's exact bytes, without its newline: the next record's `prev`."""
    return hashlib.sha256(line).hexdigest()


def head_hash(data: bytes) -> str:
    """The head of journal bytes: the hash of the last complete line, GENESIS when none."""
    end = data.rfind(b"\n")
    if end < 0:
        return GENESIS
    start = data.rfind(b"\n", 0, end) + 1
    return line_hash(data[start:end])


def _not_a_record(value: Any) -> str:
    if type(value) is not dict:
        return "is not a journal record (not a JSON object)"
    missing = sorted(KEYS - value.keys())
    extra = sorted(value.keys() - KEYS)
    parts = [f"missing {', '.join(missing)}"] if missing else []
    parts += [f"unexpected {', '.join(extra)}"] if extra else []
    return f"is not a journal record ({'; '.join(parts)})"
