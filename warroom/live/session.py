"""Opening a go-live session: its journal, the record that says what was opened, and the
go-live time the phases are scheduled against (`--go-live 22:00`)."""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

from warroom import __version__
from warroom.journal import Journal, JournalError, open_journal, session_path
from warroom.layout import Layout
from warroom.layout.checks import CHECK_KINDS
from warroom.live.checklist import ChecklistRun
from warroom.live.probing import ProbeRunner
from warroom.live.room import Room, ssh_target

_CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})")


class GoLiveError(ValueError):
    """A --go-live that cannot be read; str() says how to write one."""


def default_operator() -> str:
    """The login name: who signs unless --operator says otherwise."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def parse_go_live(text: str, now: float) -> float:
    """`22:00` → the next 22:00 (local time) after `now`; `2026-12-02T22:00` as written."""
    text = text.strip()
    match = _CLOCK_RE.fullmatch(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise GoLiveError(f"--go-live {text!r} is not a time of day; write it like 22:00")
        today = datetime.fromtimestamp(now).replace(
            hour=hour, minute=minute, second=0, microsecond=0
        )
        # A go-live is ahead: 22:00 given at 23:00 is tomorrow's; given within the last 12
        # hours it is today's (the night is under way).
        if today.timestamp() < now - 12 * 3600:
            today += timedelta(days=1)
        return today.timestamp()
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise GoLiveError(
            f"--go-live {text!r} is not a time; write it like 22:00 or 2026-12-02T22:00"
        ) from None


def layout_hash(path: str | Path | None) -> str:
    if path is None:
        return ""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def opened_payload(
    room: Room,
    layout_path: str | Path | None,
    *,
    go_live: float | None,
    drill: bool,
) -> dict[str, object]:
    """What session_opened records (docs/journal.md)."""
    layout: Layout = room.layout
    return {
        "layout": layout.name,
        "layout_path": str(layout_path) if layout_path is not None else "",
        "layout_hash": layout_hash(layout_path),
        "context": room.connection.context,
        "server": room.connection.server,
        "namespaces": list(layout.cluster.namespaces),
        "go_live": go_live,
        "drill": drill,
        "production": layout.cluster.production,
        "warroom": __version__,
        "signals": {
            sid: {
                "title": s.title or sid,
                "unit": s.unit,
                "slo_min": s.slo.min if s.slo else None,
                "slo_max": s.slo.max if s.slo else None,
            }
            for sid, s in layout.signals.items()
        },
        "phases": [
            {
                "id": p.id,
                "title": p.title,
                "at": p.at,
                "items": [
                    {
                        "id": i.id,
                        "title": i.title,
                        "check": CHECK_KINDS[i.kind][1] if i.kind in CHECK_KINDS else "manual",
                        "required": i.required,
                        "role": layout.roles.get(i.signoff.role) if i.signoff else None,
                    }
                    for i in p.items
                ],
            }
            for p in layout.phases
        ],
        "triggers": [{"id": tid, "title": t.title} for tid, t in layout.triggers.items()],
        "session_fields": [
            {
                "id": name,
                "title": f.title,
                "kind": f.kind,
                "choices": list(f.choices),
                "required": f.required,
            }
            for name, f in layout.session_fields.items()
        ],
    }


def open_session(
    room: Room,
    name: str,
    *,
    operator: str,
    layout_path: str | Path | None,
    go_live: str | None = None,
    drill: bool = False,
) -> Journal:
    """The session's journal, replayed, with a session_opened record appended (unless it
    opened read-only: then the screen says why and records nothing)."""
    path = session_path(name)
    journal = open_journal(path, operator, clock=room.picture.clock)
    when = parse_go_live(go_live, room.picture.clock()) if go_live else None
    if when is None:
        for record in journal.records:
            if record.kind == "session_opened" and isinstance(
                record.payload.get("go_live"), float | int
            ):
                when = float(record.payload["go_live"])
    if not journal.read_only:
        journal.append(
            "session_opened", opened_payload(room, layout_path, go_live=when, drill=drill)
        )
    return journal


@contextlib.asynccontextmanager
async def open_checklist(
    room: Room,
    name: str,
    *,
    operator: str,
    layout_path: str | Path | None,
    go_live: str | None = None,
    drill: bool = False,
    pace: Callable[[], float] | None = None,
) -> AsyncIterator[ChecklistRun]:
    """The room's checklist on session `name`: its journal open and replayed, its probes
    running; closed (session_closed recorded) on the way out."""
    journal = open_session(
        room, name, operator=operator, layout_path=layout_path, go_live=go_live, drill=drill
    )
    probes = ProbeRunner(
        room.layout, room.connection, clock=room.picture.clock, ssh_target=ssh_target
    )
    run = ChecklistRun(room, journal, probes, pace=pace)
    try:
        async with probes:
            yield run
    finally:
        if not journal.read_only:
            with contextlib.suppress(JournalError):
                journal.append("session_closed", {"reason": "warroom stopped"})
        journal.close()
