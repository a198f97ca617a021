"""Running a planned action as the safety rules ask: its preflight passed, a typed name where
the layout marks the context production and the action is destructive, the target's pairing
lock taken, a journal record before the first call and one with each answer, then the
expected state waited for with progress, and the outcome journalled and said in a sentence.
Nothing is sent when the journal cannot record it.

A plan's procedure (a drain's evictions) runs after its calls, inside the lock, on the same
deadline as the verification. An action is cancelled by the `cancel` callback answering true
(the runner checks it before each write and while waiting) or by cancelling its task: either
way the journal's last record says it was cancelled and what that left behind."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from warroom.actions.calls import Call, Permission
from warroom.actions.lease import LockLost, LockRefused, PairingLock, holder_identity
from warroom.actions.plan import Cancelled, Hooks, Plan, Record
from warroom.actions.preflight import Preflight, preflight
from warroom.kube.connection import Connection
from warroom.kube.errors import KubeError

Obj = dict[str, Any]


def typed_name_needed(plan: Plan, production: bool) -> bool:
    """On a production context a destructive action waits for its target's name, typed."""
    return production and plan.destructive


def confirmation_problem(plan: Plan, production: bool, typed: str | None) -> str:
    """Why the confirmation given does not do ("" when it does), in one sentence."""
    if not typed_name_needed(plan, production):
        return ""
    if typed is None or typed.strip() != plan.target.name:
        return (
            f"{plan.action} of {plan.target.described} on a production context needs its name "
            f"typed to confirm: type {plan.target.name}"
        )
    return ""


def answered(answer: Obj) -> Obj:
    """What the journal keeps of the server's answer: which object, at which version (or the
    Status), not the whole object."""
    if "proxied" in answer:  # a program's reply through a service proxy: its code and words
        return dict(answer["proxied"])
    if answer.get("kind") == "Status":
        return {"status": answer.get("status"), "message": answer.get("message", "")}
    meta = answer.get("metadata") or {}
    return {
        "kind": answer.get("kind", ""),
        "name": meta.get("name", ""),
        "resourceVersion": meta.get("resourceVersion", ""),
        "generation": meta.get("generation"),
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the action ended: done (and verified, when it has an expected state) or not, in one
    sentence."""

    ok: bool
    sentence: str
    verified: bool = False


class ActionRunner:
    """Runs plans on one connection for one operator, journalling through `record`."""

    def __init__(
        self,
        connection: Connection,
        *,
        operator: str,
        record: Record,
        now: Callable[[], float],
        lock_namespace: str = "",
        lock_seconds: int = 30,
        poll: float = 0.1,
    ) -> None:
        self.connection = connection
        self.operator = operator
        self.record = record
        self.now = now  # the cluster's clock
        self.lock_namespace = lock_namespace  # for cluster-scoped targets (nodes)
        self.lock_seconds = lock_seconds
        self.poll = poll
        self.holder = holder_identity(operator)

    def lock(self, plan: Plan) -> PairingLock:
        return PairingLock(
            self.connection,
            plan.target,
            self.holder,
            namespace=self.lock_namespace,
            duration=self.lock_seconds,
            action=plan.doing,
        )

    async def preflight(self, plan: Plan) -> Preflight:
        lock = [Permission(*p) for p in self.lock(plan).permissions()]
        return await preflight(self.connection, plan, lock)

    async def run(
        self,
        plan: Plan,
        checked: Preflight,
        *,
        progress: Callable[[str], None] = lambda words: None,
        cancel: Callable[[], bool] = lambda: False,
    ) -> Outcome:
        """Send the plan's calls, run its procedure and wait for its expected state. `checked`
        is its preflight; a failed one is refused here too (and journalled), so no caller can
        skip it. `cancel` answering true stops it at the next check."""
        what = plan.journalled()
        if plan.nothing_to_do:
            self.record("action_skipped", {**what, "reason": plan.nothing_to_do})
            return Outcome(True, plan.nothing_to_do)
        if not checked.ok:
            self.record("action_refused", {**what, "preflight": checked.journalled()})
            return Outcome(False, checked.sentence)
        lock = self.lock(plan)
        try:
            async with lock.hold() as renewal:
                self.record(
                    "action_started",
                    {**what, "preflight": checked.journalled(), "holder": self.holder},
                )

                def check() -> None:
                    renewal.check()
                    if cancel():
                        raise Cancelled()

                outcome = await self._steps(plan, progress, check)
        except LockRefused as refused:
            self.record("action_refused", {**what, "reason": str(refused)})
            return Outcome(False, str(refused))
        except LockLost as lost:
            outcome = Outcome(False, f"{plan.action} of {plan.target.described} stopped: {lost}")
        except Cancelled:
            ended = {"ok": False, "cancelled": True, "sentence": self.cancelled(plan)}
            self.record("action_done", {**what, **ended, "verified": False})
            return Outcome(False, self.cancelled(plan))
        except asyncio.CancelledError:
            ended = {"ok": False, "cancelled": True, "sentence": self.cancelled(plan)}
            self.record("action_done", {**what, **ended, "verified": False})
            raise
        self.record("action_done", {**what, "ok": outcome.ok, "sentence": outcome.sentence,
                                    "verified": outcome.verified})  # fmt: skip
        return outcome

    def cancelled(self, plan: Plan) -> str:
        """The outcome of a cancel, with what it left behind."""
        left = f"; {plan.cancelled_says}" if plan.cancelled_says else ""
        return f"{plan.action} of {plan.target.described} cancelled by {self.operator}{left}"

    async def _steps(
        self, plan: Plan, progress: Callable[[str], None], check: Callable[[], None]
    ) -> Outcome:
        """The calls, the procedure, the expected state: the first that fails ends it."""
        deadline = self.now() + plan.timeout
        outcome = await self._send(plan, check)
        if outcome is not None:
            return outcome
        if plan.procedure is not None:
            hooks = Hooks(self.connection, self.record, progress, check, self.now, deadline,
                          self.poll)  # fmt: skip
            stopped = await plan.procedure.run(hooks)
            if stopped:
                return Outcome(False, f"{plan.action} of {plan.target.described} stopped: "
                                      f"{stopped}")  # fmt: skip
        return await self._verify(plan, progress, check, deadline)

    async def _send(self, plan: Plan, still_held: Callable[[], None]) -> Outcome | None:
        """Each call in turn, journalled with its answer; the failure that stops it, if any."""
        for index, call in enumerate(plan.calls):
            still_held()
            try:
                answer = await call.send(self.connection)
            except KubeError as exc:
                self.record("action_call", {"call": call.says, "error": str(exc)})
                return Outcome(False, self._stopped(plan, index, call, exc))
            self.record("action_call", {"call": call.says, "answer": answered(answer)})
        return None

    @staticmethod
    def _stopped(plan: Plan, index: int, call: Call, exc: KubeError) -> str:
        done = f" after {index} of {len(plan.calls)} calls went through" if index else ""
        return f"{call.says} failed{done}: {exc}"

    async def _verify(
        self,
        plan: Plan,
        progress: Callable[[str], None],
        still_held: Callable[[], None],
        deadline: float,
    ) -> Outcome:
        done = f"{plan.target.described}: {plan.action} done"
        if plan.expect is None:
            return Outcome(True, done)
        words = ""
        while True:
            still_held()
            try:
                now = await plan.expect(self.connection)
            except KubeError as exc:
                now_words = f"could not read it back ({exc})"
                if self.now() >= deadline:
                    return Outcome(False, f"{done}, but {plan.expect_says} is unknown: {now_words}")
            else:
                if now.done:
                    progress(now.words)
                    return Outcome(True, f"{done}; {plan.expect_says}: {now.words}", verified=True)
                if now.failed:
                    return Outcome(False, f"{done}, but {plan.expect_says} will not: {now.failed}")
                if now.words != words:
                    words = now.words
                    progress(words)
                if self.now() >= deadline:
                    return Outcome(
                        False,
                        f"{done}, but {plan.expect_says} did not happen within "
                        f"{plan.timeout:g} s: {words}",
                    )
            await asyncio.sleep(self.poll)
