"""Rollback readiness as checklist evidence (an item's `rollback:` check): the target's strategy
says what its rollback returns to (actions/readiness.py), and this proves it now — during a
release the rollback's own preflight (a SelfSubjectAccessReview per permission, a server-side
dry run per call); before one, the permissions its calls will need — and that the image it
returns to is the layout's, and that the rollback key is armed on the screen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp

from warroom.actions.calls import Permission
from warroom.actions.lease import PairingLock, holder_identity
from warroom.actions.preflight import preflight
from warroom.actions.readiness import RollbackReady
from warroom.actions.strategies import RollsBack
from warroom.checklist.world import ProbeResult
from warroom.kube.connection import Connection
from warroom.kube.errors import KubeError
from warroom.layout.checks import RollbackCheck

# What says whether the rollback key is armed: "" armed, else why not (--read-only, no
# journal); None where no key exists to arm (`warroom check`), which is then not judged.
KeyArmed = Callable[[], str] | None


async def rollback_readiness(
    connection: Connection,
    strategy: RollsBack,
    check: RollbackCheck,
    *,
    taken: float,
    key_armed: KeyArmed = None,
) -> ProbeResult:
    """The item's verdict: pass when the rollback could run now and returns to `image`."""
    query = f"{strategy.strategy} rollback of {strategy.target.described}"
    try:
        state = await strategy.read(connection)
        ready = strategy.rollback_ready(state, check.image or "")
        failed = ready.problem or await _proved(connection, strategy, ready)
    except KubeError as exc:
        return ProbeResult("unknown", "could not read", None, str(exc), query, taken)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        sentence = str(connection.unreachable(exc))
        return ProbeResult("unknown", "unreachable", None, sentence, query, taken)
    value = ready.says or None
    if failed:
        return ProbeResult("fail", _reason(ready, failed), value, failed, query, taken)
    if check.image and not ready.returns_to_image(check.image):
        detail = (
            f"the rollback returns to {ready.returns_to or 'nothing warroom can name'}, not "
            f"{check.image}: the layout's stable image is gone from what it can return to"
        )
        return ProbeResult("fail", "returns elsewhere", value, detail, query, taken)
    armed = key_armed() if key_armed is not None else ""
    if armed:
        return ProbeResult("fail", "key not armed", value, armed, query, taken)
    if ready.before:
        proved = "its permissions are granted"
    elif ready.plan is not None and any(not c.dry_runnable for c in ready.plan.calls):
        proved = "its permissions are granted (its gate call cannot be dry-run)"
    else:
        proved = "its preflight and dry run pass"
    key = "" if key_armed is None else "; the rollback key is armed"
    detail = f"{ready.says}; {proved}{key}"
    return ProbeResult("pass", "ready", value, detail, query, taken)


async def _proved(connection: Connection, strategy: RollsBack, ready: RollbackReady) -> str:
    """Nothing ("") when the rollback could run now, else the first reason it could not."""
    lock = [
        Permission(*p)
        for p in PairingLock(connection, strategy.target, holder_identity("")).permissions()
    ]
    if ready.before:
        asked = await asyncio.gather(*(p.ask(connection) for p in (*ready.permissions, *lock)))
        return next((sentence for allowed, sentence in asked if not allowed), "")
    if ready.plan is None:
        return ready.refused or "no rollback can be planned now"
    if ready.plan.nothing_to_do:
        return ""
    checked = await preflight(connection, ready.plan, lock)
    return "" if checked.ok else checked.sentence


def _reason(ready: RollbackReady, failed: str) -> str:
    if ready.problem:
        return "cannot roll back"
    if "forbidden" in failed.casefold() or "may not" in failed.casefold():
        return "not permitted"
    if ready.plan is None:
        return "refused"
    return "dry run refused"


__all__ = ["KeyArmed", "rollback_readiness"]
