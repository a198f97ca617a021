"""An action planned: what it will do in plain words, the calls it will make, what else may
undo it, and how to tell that it happened. Strategies make plans from what the cluster says
now; the runner (actions/run.py) preflights, journals, sends and verifies them.

An action that is more than a fixed list of calls (a drain: evictions retried while a
PodDisruptionBudget holds them) adds a `Procedure`: the calls it will make, preflighted like
the plan's own, and the coroutine the runner awaits after the plan's calls, with `Hooks` to
journal, report progress, and stop when the lock is lost or the operator cancels."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from warroom.actions.calls import Call
from warroom.actions.lease import Target
from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError

Obj = dict[str, Any]


class ActionRefused(Exception):
    """The action cannot run as asked; the message is one sentence saying what to do, and
    `instead` names an action that would do what was meant (e.g. resume-then-undo)."""

    def __init__(self, sentence: str, instead: str = "") -> None:
        super().__init__(sentence)
        self.instead = instead


class MissingArgument(ActionRefused):
    """The action needs an argument the caller did not give (a usage mistake)."""


@dataclass(frozen=True, slots=True)
class ActionArgs:
    """What an action needs beyond its name: a replica count, an image, a revision."""

    replicas: int | None = None
    image: str | None = None
    to_revision: int = 0
    delete_emptydir_data: bool = False  # drain: evict pods with emptyDir data too
    force: bool = False  # drain: evict pods no controller replaces too
    timeout: float | None = None  # drain: seconds on the cluster's clock for all of it


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the expected state stands: reached, still coming (in words), or never coming."""

    done: bool
    words: str
    failed: str = ""


Check = Callable[[Connection], Awaitable[Progress]]
Record = Callable[[str, Obj], object]  # the journal's append(kind, payload); raising stops it


class Cancelled(Exception):
    """The operator cancelled the action while it ran."""


@dataclass(frozen=True, slots=True)
class Hooks:
    """What a procedure works with while the runner holds the target's lock: the connection,
    the journal, progress in words, `check` (raises LockLost when the lock is gone and
    Cancelled when the operator cancelled: call it before each write), the cluster's clock and
    the deadline on it."""

    connection: Connection
    record: Record
    progress: Callable[[str], None]
    check: Callable[[], None]
    now: Callable[[], float]
    deadline: float
    poll: float = 0.5

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds`, checking the lock and the cancel in between."""
        left = seconds
        while left > 0:
            self.check()
            await asyncio.sleep(min(self.poll, left))
            left -= self.poll
        self.check()


@dataclass(frozen=True, slots=True)
class Procedure:
    """The part of an action that is not a fixed list of calls. `calls` are the writes it will
    make (each preflighted: its permission asked and its dry run sent); `run` makes them and
    answers "" when done or why it stopped, in one sentence. A dry run the server answers
    429 (a PodDisruptionBudget that allows no disruption now) is not a refusal: `run` retries
    it; `held` words those answers for the preview."""

    says: str
    calls: tuple[Call, ...]
    run: Callable[[Hooks], Awaitable[str]]
    held: Callable[[Sequence[tuple[Call, ApiError]]], list[str]] = lambda held: []


@dataclass(frozen=True, slots=True)
class Plan:
    """One action on one target, ready for its preflight."""

    action: str  # "undo", "pause", "scale", …
    doing: str  # "rolling back": what another warroom reads on the target's lease
    target: Target
    preview: tuple[str, ...]  # what will happen, in plain words
    calls: tuple[Call, ...]
    warnings: tuple[str, ...] = ()  # what else may undo it (an HPA, Flagger, Argo CD)
    destructive: bool = False  # rollback, drain, abort, scale to 0: a typed name on production
    expect: Check | None = None
    expect_says: str = ""  # "the rollout completes"
    timeout: float = 600.0  # seconds on the cluster's clock for the expected state
    # What the dry run's answers say the real calls will then do, in plain words.
    after: Callable[[Sequence[Obj]], list[str]] | None = None
    nothing_to_do: str = ""  # already so: said, and nothing is sent
    procedure: Procedure | None = None  # awaited after `calls`, before the expected state
    cancelled_says: str = ""  # what a cancel leaves behind ("the node stays cordoned")
    # Why it runs, when no person confirmed it (an automatic rollback's trigger and countdown).
    because: str = ""

    def journalled(self) -> Obj:
        return {
            "action": self.action,
            "target": {
                "kind": self.target.kind,
                "name": self.target.name,
                "namespace": self.target.namespace,
            },
            "preview": list(self.preview),
            "warnings": list(self.warnings),
            "destructive": self.destructive,
            **({"because": self.because} if self.because else {}),
            "calls": [call.journalled() for call in self.calls],
            **({"procedure": {"says": self.procedure.says,
                              "calls": [c.journalled() for c in self.procedure.calls]}}
               if self.procedure is not None else {}),
        }  # fmt: skip


def as_abort(rollback: Plan, kept: str) -> Plan:
    """Abort, where the rollback already is one: traffic back to stable and the new version
    kept for inspection (`kept` says how); destructive, as the rollback is."""
    if rollback.nothing_to_do:
        return replace(rollback, action="abort", doing="aborting")
    return replace(
        rollback, action="abort", doing="aborting", preview=(*rollback.preview, kept),
        destructive=True,
    )  # fmt: skip
