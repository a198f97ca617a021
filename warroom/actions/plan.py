"""An action planned: what it will do in plain words, the calls it will make, what else may
undo it, and how to tell that it happened. Strategies make plans from what the cluster says
now; the runner (actions/run.py) preflights, journals, sends and verifies them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from warroom.actions.calls import Call
from warroom.actions.lease import Target
from warroom.kube.connection import Connection

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


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the expected state stands: reached, still coming (in words), or never coming."""

    done: bool
    words: str
    failed: str = ""


Check = Callable[[Connection], Awaitable[Progress]]


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
            "calls": [call.journalled() for call in self.calls],
        }
