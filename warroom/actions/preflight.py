"""Before an action runs: may this context make each call (a SelfSubjectAccessReview per exact
verb, resource and subresource, the pairing lock's included), and what does the server say
each call would do (a server-side dry run, which runs admission and, for an eviction, the
PodDisruptionBudgets). All of it asked at once. A procedure's calls (a drain's evictions) are
asked and dry-run too; the server's 429 to one of them is a PodDisruptionBudget that will
hold it (the procedure retries it), said in `held`, and its 404 a pod already gone. A call
that cannot be dry-run (a POST through a service proxy) is not sent: its permission is asked,
and the preflight says it was not tried rather than pretend the server accepted it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warroom.actions.calls import Call, Permission
from warroom.actions.plan import Plan
from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Preflight:
    """What the preflight found: the permissions missing (each a sentence), the calls the
    server refused in the dry run, its answers, and what they say will happen (first, for each
    call that cannot be dry-run, why it was not tried: `untried`)."""

    denied: tuple[str, ...]
    refused: tuple[str, ...]
    answers: tuple[Obj, ...]
    after: tuple[str, ...]
    held: tuple[str, ...] = ()  # what will wait, and for what (a PDB's "needs 3, has 3")
    untried: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.denied and not self.refused

    @property
    def sentence(self) -> str:
        """Why the action may not run, in one sentence ("" when it may)."""
        if self.denied:
            return self.denied[0] + (f" (and {len(self.denied) - 1} more)" * (len(self.denied) > 1))
        if self.refused:
            return f"the dry run was refused: {self.refused[0]}"
        return ""

    def journalled(self) -> Obj:
        return {
            "denied": list(self.denied),
            "refused": list(self.refused),
            "after": list(self.after),
            "held": list(self.held),
            "untried": list(self.untried),
        }


def permissions(plan: Plan, lock: Sequence[Permission] = ()) -> list[Permission]:
    """Each permission the action needs, once, in the order the calls need them."""
    seen: dict[Permission, None] = {}
    for call in (*plan.calls, *(plan.procedure.calls if plan.procedure else ())):
        seen.setdefault(call.permission)
    for permission in lock:
        seen.setdefault(permission)
    return list(seen)


async def _dry_run(
    connection: Connection, calls: Sequence[Call]
) -> list[Obj | tuple[Call, ApiError]]:
    async def one(call: Call) -> Obj | tuple[Call, ApiError]:
        try:
            return await call.send(connection, dry_run=True)
        except ApiError as exc:
            return call, exc

    tried = [call for call in calls if call.dry_runnable]
    return list(await asyncio.gather(*(one(call) for call in tried)))


def _procedure_refusals(
    plan: Plan, results: Sequence[Obj | tuple[Call, ApiError]]
) -> tuple[list[str], list[str]]:
    """(refused, held) of the procedure's dry runs: a 429 is held, a 404 is already done."""
    errors = [r for r in results if isinstance(r, tuple)]
    waiting = [(call, exc) for call, exc in errors if exc.code == 429]
    refused = [str(exc) for _, exc in errors if exc.code not in (404, 429)]
    held = plan.procedure.held(waiting) if plan.procedure is not None and waiting else []
    return refused, held


async def preflight(
    connection: Connection, plan: Plan, lock: Sequence[Permission] = ()
) -> Preflight:
    """Ask every permission and dry-run every call, concurrently. KubeError (the cluster did not
    answer) propagates: an action whose preflight did not run does not run."""
    needed = permissions(plan, lock)
    asked = asyncio.gather(*(p.ask(connection) for p in needed))
    own = _dry_run(connection, plan.calls)
    later = _dry_run(connection, plan.procedure.calls if plan.procedure else ())
    grants, results, procedure_results = await asyncio.gather(asked, own, later)
    answers = [r for r in results if not isinstance(r, tuple)]
    refused = [str(r[1]) for r in results if isinstance(r, tuple)]
    procedure_refused, held = _procedure_refusals(plan, procedure_results)
    refused += procedure_refused
    denied = tuple(sentence for allowed, sentence in grants if not allowed)
    if denied:
        # A call the context may not make is refused in the dry run as well; the missing
        # permission is the one sentence worth saying.
        refused = [r for r in refused if "forbidden" not in r.casefold()]
    untried = tuple(f"{c.says}: {c.untried}" for c in plan.calls if not c.dry_runnable)
    after = tuple(plan.after(answers)) if plan.after is not None and not refused else ()
    return Preflight(
        denied, tuple(refused), tuple(answers), untried + after, tuple(held), untried
    )
