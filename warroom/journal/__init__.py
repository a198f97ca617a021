"""The session journal: durable, hash-chained, shared by the processes of a session.

The record format is fixed in docs/journal.md; `warroom report` reads what this writes."""

from __future__ import annotations

from warroom.journal.files import (
    SessionFile,
    SessionNameError,
    check_name,
    data_dir,
    list_sessions,
    session_path,
    sessions_dir,
    torn_path,
)
from warroom.journal.journal import (
    Journal,
    JournalError,
    JournalReadOnly,
    JournalWriteError,
    open_journal,
)
from warroom.journal.records import (
    GENESIS,
    Record,
    RecordError,
    decode,
    encode,
    head_hash,
    line_hash,
)
from warroom.journal.redact import REDACTED, redact
from warroom.journal.replay import Problem, Verification, readable_records, verify_file

__all__ = [
    "GENESIS",
    "REDACTED",
    "Journal",
    "JournalError",
    "JournalReadOnly",
    "JournalWriteError",
    "Problem",
    "Record",
    "RecordError",
    "SessionFile",
    "SessionNameError",
    "Verification",
    "check_name",
    "data_dir",
    "decode",
    "encode",
    "head_hash",
    "line_hash",
    "list_sessions",
    "open_journal",
    "readable_records",
    "redact",
    "session_path",
    "sessions_dir",
    "torn_path",
    "verify_file",
]
