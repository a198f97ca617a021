"""Rollback readiness: whether a target could be rolled back now, as each strategy reads it.

A strategy's `rollback_ready` says which side of the release the target is on (`before`: the
release has not taken traffic yet, so the rollback to come returns to what runs now), what its
rollback returns to, the plan it would run now (during a release: preflighted with its dry
run), the permissions its calls need (before one: asked alone, as nothing can be dry-run yet),
and what would make any rollback impossible (a Deployment that keeps no old ReplicaSet)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from warroom.actions.calls import Permission
from warroom.actions.plan import ActionRefused, Plan


@dataclass(frozen=True, slots=True)
class RollbackReady:
    """What a strategy says of its target's rollback now."""

    action: str  # the action that rolls it back: "undo", "rollback"
    before: bool  # the release has not started: the rollback to come returns to what runs now
    says: str  # where a rollback returns to, in words
    returns_to: str  # the image(s) it returns to ("" when it cannot say)
    permissions: tuple[Permission, ...]  # what the rollback's calls need
    plan: Plan | None = None  # the rollback as it would run now (None: `refused`)
    refused: str = ""  # why a rollback now cannot be planned, in one sentence
    problem: str = ""  # why no rollback will be possible, whichever side it is on

    def returns_to_image(self, image: str) -> bool:
        """Whether `image` (as a layout writes it: repo:tag or repo@digest) is among what the
        rollback returns to."""
        return image in (part.strip() for part in self.returns_to.split(","))


def during(
    planned: Callable[[], Plan], says: str, returns_to: str, permissions: tuple[Permission, ...]
) -> RollbackReady:
    """Mid-release: the strategy's rollback as it would run now, or why it cannot be made."""
    try:
        plan = planned()
    except ActionRefused as refused:
        return RollbackReady("rollback", False, "", returns_to, permissions, refused=str(refused))
    return RollbackReady("rollback", False, says, returns_to, permissions, plan)


__all__ = ["RollbackReady", "during"]
