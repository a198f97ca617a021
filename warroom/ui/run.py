"""Creating and running the war-room screen on a live room."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable

from warroom.actions.lease import process_identity
from warroom.kube.logs import log_source
from warroom.live.actions import RoomActions
from warroom.live.auto_rollback import AutoRollback
from warroom.live.checklist import ChecklistRun
from warroom.live.drill import DrillRun
from warroom.live.room import Room
from warroom.state.model import RoomModel
from warroom.state.room import HeaderInfo
from warroom.ui.app import WarRoomApp
from warroom.ui.keys import Keymap


def room_app(
    room: Room,
    *,
    session: str,
    drill: bool = False,
    read_only: bool = False,
    clock: Callable[[], float] | None = None,
    keymap: Keymap | None = None,
    clock_label: str = "cluster time",
    checklist: ChecklistRun | None = None,
    drill_run: DrillRun | None = None,
) -> WarRoomApp:
    """The screen on `room`; `clock` is the cluster's (the sim's runs ahead of ours);
    `drill_run` the drill played beside `checklist` (`warroom drill`)."""
    layout = room.layout
    header = HeaderInfo(
        room.connection.context,
        tuple(layout.cluster.namespaces),
        session,
        drill=drill,
        read_only=read_only,
        production=layout.cluster.production,
        clock=clock_label,
    )
    model = RoomModel(
        room.snapshot, room.targets, clock=clock or room.picture.clock, ours=process_identity()
    )
    zoom = room.zoom if room.signals is not None else None
    logs = log_source(room.connection)
    # Acting needs a session to journal in; --read-only offers no action at all.
    actions = (
        RoomActions(room.connection, layout, checklist)
        if checklist is not None and checklist.journal is not None and not read_only
        else None
    )
    if checklist is not None and checklist.probes is not None:
        # `rollback:` items judge whether this screen's rollback key is armed.
        why = "" if actions is not None else _unarmed(read_only)
        checklist.probes.key_armed = lambda: why
    auto = (
        AutoRollback(checklist, actions)
        if actions is not None and checklist is not None and any(
            t.auto for t in layout.triggers.values()
        )
        else None
    )
    return WarRoomApp(
        model,
        header,
        keymap=keymap,
        zoom=zoom,
        logs=logs,
        checklist=checklist,
        actions=actions,
        auto=auto,
        drill_run=drill_run,
    )


def _unarmed(read_only: bool) -> str:
    """Why this screen offers no rollback key."""
    if read_only:
        return "the rollback key is not armed: this war room runs --read-only"
    return "the rollback key is not armed: this war room keeps no session journal to record it in"


async def run_app(app: WarRoomApp, room: Room | None = None) -> None:
    """Run the screen until `q`, or until the terminal goes away (a closed tmux pane sends
    SIGHUP) or the process is asked to stop: then it closes like `q`, so everything the room
    started (reflectors, pollers, the demo's Prometheus) is stopped rather than orphaned."""
    loop = asyncio.get_running_loop()
    installed = []
    # SIGTERM: Windows has no SIGTERM handler in its event loops; closing the window ends the
    # process there anyway.
    with contextlib.suppress(NotImplementedError, ValueError, AttributeError):
        loop.add_signal_handler(signal.SIGTERM, app.exit)
        installed.append(signal.SIGTERM)
    hangup = getattr(signal, "SIGHUP", None)
    before = signal.signal(hangup, _on_hangup(loop, app)) if hangup is not None else None
    if room is not None:
        # The heap's full pass waits while keys come (see warroom.heap).
        room.heap.busy = lambda: app.seconds_since_key() < 3.0
    try:
        await app.run_async()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        if hangup is not None:
            signal.signal(hangup, before)


def _on_hangup(loop: asyncio.AbstractEventLoop, app: WarRoomApp) -> Callable[..., None]:
    """The terminal hung up. The kernel sends SIGCONT with the SIGHUP, and Textual's SIGCONT
    handler would restart application mode on the dead terminal, where its output thread
    deadlocks the shutdown (the process, and the demo's Prometheus, then live on). This runs
    as a Python-level handler, before SIGCONT's (CPython runs pending handlers by signal
    number): it stops SIGCONT's, points the terminal's descriptors at /dev/null so that the
    closing writes go nowhere instead of failing, and closes the app like `q`."""

    def hung_up(signum: int, frame: object) -> None:
        signal.signal(signal.SIGCONT, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            with contextlib.suppress(OSError):
                os.dup2(devnull, fd)
        os.close(devnull)
        loop.call_soon_threadsafe(app.exit)

    return hung_up
