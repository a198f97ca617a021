"""Triggers that act: a trigger with `auto: true` rolls its target back by itself once it has
held for its countdown, unless a named operator cancels with a reason (a dead-man's switch).

`AutoRollback` runs beside the checklist: every half second it reads the checklist's last
evaluation and the session's automatic rollbacks (checklist/auto_rollback.py, folded from the
journal) and arms, disarms or fires. Each decision is claimed in the journal
(`Journal.claim`), so of two war rooms on one session exactly one arms a countdown and exactly
one fires it; the rollback itself is the strategy's, with its preflight, pairing lock, journal
and verification as from a key, and its plan says why no person confirmed it. It never fires
on stale evidence: a trigger kept raised only because its data went missing waits.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from warroom.actions.plan import ActionArgs, ActionRefused, Plan
from warroom.background import Periodic
from warroom.checklist.auto_rollback import STOPS, Countdown
from warroom.journal.journal import JournalError
from warroom.journal.records import Record
from warroom.kube.errors import KubeError
from warroom.live.actions import RoomActions
from warroom.live.checklist import ChecklistRun, Refused

log = logging.getLogger(__name__)

STEP = 0.5  # seconds between looks: a countdown fires within half a second of running out


class AutoRollback(Periodic):
    """Arms, disarms and fires the automatic rollbacks of one room's triggers."""

    def __init__(
        self,
        checklist: ChecklistRun,
        actions: RoomActions,
        *,
        interval: float = STEP,
        progress: Callable[[str], None] = lambda words: None,
    ) -> None:
        super().__init__(interval)
        self.step_every = interval
        self.checklist = checklist
        self.actions = actions
        self.progress = progress  # the running rollback's progress, for the screen
        self.rolling_back: Countdown | None = None  # the rollback this process is running
        self.problem = ""  # the last decision that could not be journalled, in one sentence

    @property
    def task_name(self) -> str:
        return "automatic rollback"

    def target_of(self, trigger_id: str) -> str:
        """The key of the trigger's target among the actions' (its first target by default)."""
        layout = self.checklist.layout
        trigger = layout.triggers[trigger_id]
        target = layout.target_named(trigger.target, trigger.namespace)
        return layout.target_key(target) if target is not None else ""

    def action_of(self, target: str) -> str:
        offers = self.actions.offers(target)
        return "rollback" if "rollback" in offers else "undo"

    # ---- the loop ---------------------------------------------------------------------

    async def step(self) -> None:
        run = self.checklist
        evaluation = run.evaluation
        if evaluation is None or run.journal is None or run.journal.read_only:
            return
        states = {t.id: t for t in evaluation.triggers}
        auto = run.session.auto
        now = run.now
        self.interval = self._next_look(now)
        for tid, trigger in run.layout.triggers.items():
            state = states.get(tid)
            if not trigger.auto or state is None:
                continue
            counting = auto.counting(tid)
            if not state.raised:
                if counting is not None:
                    self._stop(counting, "auto_rollback_disarmed", {"why": "the trigger cleared"})
                continue
            if counting is None:
                if auto.may_arm(tid) and not state.unknown:
                    self._arm(tid, trigger.title or tid, trigger.countdown.total_seconds(), now)
                continue
            if now < counting.fires_at or state.unknown:
                continue  # still counting, or the evidence is stale: never fire on old data
            if self._stop(counting, "auto_rollback_fired", {"target": counting.target}):
                await self._fire(counting)

    def _next_look(self, now: float) -> float:
        """Real seconds to the next look: every `STEP`, sooner when a countdown runs out
        before then (the sim's clock may run many times faster than ours)."""
        pace = max(self.checklist.pace(), 1e-6)
        lefts = [
            (c.fires_at - now) / pace
            for c in self.checklist.session.auto.latest.values()
            if c.state == "counting" and c.fires_at > now
        ]
        return max(0.02, min([self.step_every, *lefts]))

    def _claim(
        self, kind: str, payload: dict[str, object], taken: Callable[[Sequence[Record]], bool]
    ) -> Record | None:
        try:
            record = self.checklist.claim(kind, payload, taken)
        except (JournalError, Refused) as failed:
            self.problem = f"the automatic rollback could not be journalled: {failed}"
            return None
        self.problem = ""
        return record

    def _arm(self, tid: str, title: str, seconds: float, now: float) -> None:
        target = self.target_of(tid)
        if not target:
            self.problem = f"{title} acts by itself but the layout has no target to roll back"
            return
        payload: dict[str, object] = {
            "arm": secrets.token_hex(4),
            "trigger": tid,
            "title": title,
            "target": target,
            "action": self.action_of(target),
            "seconds": seconds,
            "fires_at": now + seconds,
        }

        def taken(unseen: Sequence[Record]) -> bool:
            return any(
                r.kind == "auto_rollback_armed" and r.payload.get("trigger") == tid for r in unseen
            )

        self._claim("auto_rollback_armed", payload, taken)

    def _stop(self, countdown: Countdown, kind: str, extra: dict[str, object]) -> bool:
        """End a countdown (cancelled, disarmed or fired) unless another war room ended it
        first; whether this one did."""

        payload = {"arm": countdown.arm, "trigger": countdown.trigger, **extra}
        return self._claim(kind, payload, _ended(countdown)) is not None

    def cancel(self, trigger_id: str, reason: str) -> Record:
        """Stop a trigger's countdown, signed by the operator at the keyboard, with a reason;
        Refused (one sentence) when there is nothing to cancel or no one to sign it."""
        reason = reason.strip()
        counting = self.checklist.session.auto.counting(trigger_id)
        if counting is None:
            raise Refused("no automatic rollback is counting down for that trigger")
        if not self.checklist.operator:
            raise Refused("a cancel is signed: say who has the keyboard first (w)")
        if not reason:
            raise Refused("a cancel needs a reason; type why the rollback must not run")

        payload: dict[str, object] = {
            "arm": counting.arm,
            "trigger": trigger_id,
            "target": counting.target,
            "reason": reason,
        }
        record = self.checklist.claim("auto_rollback_cancelled", payload, _ended(counting))
        if record is None:
            raise Refused("too late: another war room already ended this countdown")
        return record

    # ---- firing -----------------------------------------------------------------------

    async def _fire(self, countdown: Countdown) -> None:
        self.rolling_back = countdown
        ok, outcome = False, "stopped by an internal error in warroom; see its log"
        try:
            ok, outcome = await self._roll_back(countdown)
        except asyncio.CancelledError:
            ok, outcome = False, "stopped: this war room closed while it ran (see its action)"
            raise
        finally:
            self.rolling_back = None
            self._finished(countdown, ok, outcome)

    def _finished(self, countdown: Countdown, ok: bool, outcome: str) -> None:
        self._claim(
            "auto_rollback_finished",
            {"arm": countdown.arm, "trigger": countdown.trigger, "target": countdown.target,
             "ok": ok, "outcome": outcome},
            lambda unseen: False,
        )  # fmt: skip

    async def _roll_back(self, countdown: Countdown) -> tuple[bool, str]:
        because = (
            f"automatic: {countdown.title} held and its countdown ran out with no one cancelling it"
        )
        try:
            plan = await self._plan(countdown.target, countdown.action)
            checked = await self.actions.preflight(plan)
            outcome = await self.actions.run(
                replace(plan, because=because), checked, progress=self.progress
            )
        except ActionRefused as refused:
            return False, str(refused)
        except KubeError as failed:
            return False, f"the automatic rollback of {countdown.target} could not start: {failed}"
        return outcome.ok, outcome.sentence

    async def _plan(self, target: str, action: str) -> Plan:
        """The rollback's plan; a rolling Deployment that is paused is resumed and undone in
        one action, the one kubectl's refusal names."""
        try:
            return await self.actions.plan(target, action, ActionArgs())
        except ActionRefused as refused:
            if not refused.instead:
                raise
            return await self.actions.plan(target, refused.instead, ActionArgs())

    def crashed(self, sentence: str) -> None:
        self.problem = sentence


def _ended(countdown: Countdown) -> Callable[[Sequence[Record]], bool]:
    """Whether records not yet folded in already end `countdown` (cancelled, disarmed or
    fired by another war room): the claim of every end of a countdown."""

    def taken(unseen: Sequence[Record]) -> bool:
        return any(r.kind in STOPS and r.payload.get("arm") == countdown.arm for r in unseen)

    return taken


@dataclass(frozen=True, slots=True)
class Said:
    """What the views say of one automatic rollback: `head` first (it must survive a narrow
    banner's cut), then `why`."""

    countdown: Countdown
    head: str  # "AUTO ROLLBACK of api in 42 s"
    why: str  # "Error rate > 5% holds"

    @property
    def sentence(self) -> str:
        return f"{self.head}: {self.why}" if self.why else self.head


def said(auto: AutoRollback, *, recent: float = 600.0) -> list[Said]:
    """What every view says of the automatic rollbacks now: counting ("in 42 s"), waiting
    for current data, running, and for `recent` cluster seconds after it ended, how."""
    run = auto.checklist
    now = run.now
    states = {t.id: t for t in run.evaluation.triggers} if run.evaluation is not None else {}
    out = []
    for countdown in run.session.auto.latest.values():
        what = f"AUTO ROLLBACK of {countdown.target}"
        title = countdown.title
        state = states.get(countdown.trigger)
        if countdown.state == "counting":
            if countdown.left(now) > 0:
                one = Said(countdown, f"{what} in {countdown.left(now):.0f} s", f"{title} holds")
            elif state is not None and state.unknown:
                one = Said(countdown, f"{what} waits for current data", title)
            else:
                one = Said(countdown, f"{what} starting", f"{title} held its countdown")
        elif countdown.state == "firing":
            mine = auto.rolling_back is not None and auto.rolling_back.arm == countdown.arm
            by = "" if mine else f" (by {countdown.ended_by or 'another'}'s war room)"
            one = Said(countdown, f"{what} running{by}", title)
        elif countdown.ended_at is not None and now - countdown.ended_at <= recent:
            if countdown.state == "cancelled":
                head = f"auto rollback of {countdown.target} cancelled by {countdown.ended_by}"
                one = Said(countdown, head, countdown.reason)
            elif countdown.state == "done":
                ended = "done" if countdown.ok else "FAILED"
                one = Said(countdown, f"{what} {ended}", countdown.reason)
            else:
                continue  # disarmed: the trigger cleared in time, which its own line says
        else:
            continue
        out.append(one)
    return out


__all__ = ["AutoRollback", "Said", "said"]
