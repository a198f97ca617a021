"""The pairing lock: one Lease (coordination.k8s.io/v1) per action target, so that two
engineers, each with a warroom, never act on one target at once.

    lock = PairingLock(connection, Target("Node", "gpu-node-3"), holder_identity("alice"),
                       namespace="warroom", action="draining")
    async with lock.hold() as renewal:      # LockRefused: someone else holds it
        ...                                 # renewal.check() before each mutating call
    # released: holderIdentity cleared, as client-go's ReleaseOnCancel does

The Lease is named `warroom-<kind>-<name>` and lives in the target's namespace; a
cluster-scoped target (a node) needs the namespace the room gives. Taking, renewing and
releasing follow client-go's LeaseLock and tryAcquireOrRenew (lease_record.py holds the rule):
an update carries the resourceVersion last read, so a 409 Conflict means someone else wrote
first; the lock then reads again and refuses, naming the holder. While held, `Renewal` renews
it every third of its duration; a warroom that dies stops renewing and its lease lapses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from warroom.actions.lease_record import LeaseRecord, Refuse, Take, decide, released, renewed
from warroom.background import Background
from warroom.kinds.lease import ACTION, GROUP, LABELS, TARGET, annotation, lease_name
from warroom.kinds.times import human_duration
from warroom.kube import writes
from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError, KubeError
from warroom.kube.resource import Resource

log = logging.getLogger(__name__)

Obj = dict[str, Any]
DEFAULT_DURATION = 15  # seconds, client-go's LeaseDuration default
ATTEMPTS = 2  # writes lost to a conflict before the lock gives up taking or releasing


def process_identity() -> str:
    """`@laptop:4121`: this warroom process, the tail of every holder identity it writes (so
    the screen knows its own holds whoever has the keyboard)."""
    return f"@{socket.gethostname()}:{os.getpid()}"


def holder_identity(operator: str) -> str:
    """`alice@laptop:4121`: the operator and this warroom process."""
    return f"{operator}{process_identity()}"


def clock_text(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(seconds))


@dataclass(frozen=True, slots=True)
class Target:
    """What an action acts on: a kind and name, and its namespace ("" when cluster-scoped)."""

    kind: str
    name: str
    namespace: str = ""

    @property
    def described(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


@dataclass(frozen=True, slots=True)
class Holding:
    """Who holds a target's lease, doing what, since and until when (the server's clock)."""

    target: Target
    record: LeaseRecord
    action: str
    now: float

    @property
    def sentence(self) -> str:
        """One sentence for a refused action: who holds the target and until when."""
        until = self.record.until
        held = f"lease held until {clock_text(until)}" if until is not None else "lease held"
        if not self.action:
            return (
                f"{self.target.name} is being acted on by {self.record.holder} ({held}); "
                "wait or ask them"
            )
        since = self.record.acquired
        for_how_long = f"for {human_duration(self.now - since)}; " if since is not None else ""
        return (
            f"{self.record.holder} is {self.action} {self.target.name} ({for_how_long}{held}); "
            "wait or ask them"
        )


class LockRefused(KubeError):
    """Another warroom holds the target's lease."""

    def __init__(self, holding: Holding) -> None:
        self.holding = holding
        super().__init__(holding.sentence)


class LockLost(KubeError):
    """The lease stopped being ours while we held it."""


class PairingLock:
    """The Lease of one action target, taken, renewed and released by one holder identity."""

    def __init__(
        self,
        connection: Connection,
        target: Target,
        holder: str,
        *,
        namespace: str = "",
        duration: int = DEFAULT_DURATION,
        action: str = "",
    ) -> None:
        lease_namespace = target.namespace or namespace
        if not lease_namespace:
            raise ValueError(
                f"{target.described} is cluster-scoped: pass the namespace its pairing lock "
                "lives in"
            )
        if duration < 1:
            raise ValueError(f"a lease lasts at least 1 s, not {duration}")
        self.connection = connection
        self.target = target
        self.holder = holder
        self.duration = duration
        self.action = action
        self.resource = Resource(GROUP, "v1", "leases", namespace=lease_namespace)
        self.name = lease_name(target.kind, target.name)
        self._lease: Obj | None = None  # what we last wrote: its resourceVersion goes next

    @property
    def namespace(self) -> str:
        return str(self.resource.namespace)

    @property
    def held(self) -> bool:
        return self._lease is not None

    def permissions(self) -> list[tuple[str, str, str, str, str]]:
        """(verb, resource, group, namespace, name) the lock needs, for `writes.can_i`."""
        return [
            ("get", "leases", GROUP, self.namespace, self.name),
            ("create", "leases", GROUP, self.namespace, ""),
            ("update", "leases", GROUP, self.namespace, self.name),
        ]

    async def read(self) -> Holding | None:
        """Who holds the target now, or None when nobody does (no lease, released, lapsed)."""
        lease = await self._read()
        if lease is None:
            return None
        record = LeaseRecord.of(lease)
        now = self.connection.clock.now()
        return Holding(self.target, record, _action(lease), now) if record.held(now) else None

    async def acquire(self) -> None:
        """Take the lease, or raise LockRefused naming who holds it and until when."""
        for _ in range(ATTEMPTS):
            lease = await self._read()
            observed = None if lease is None else LeaseRecord.of(lease)
            now = self.connection.clock.now()
            decision = decide(observed, self.holder, now, self.duration)
            if isinstance(decision, Refuse):
                raise LockRefused(Holding(self.target, decision.holder, _action(lease), now))
            try:
                self._lease = await self._write(lease, decision)
                return
            except ApiError as exc:
                if exc.code != 409:  # 409: someone else wrote first; read again
                    raise
        holding = await self.read()
        if holding is not None and holding.record.holder != self.holder:
            raise LockRefused(holding)
        raise KubeError(
            f"the pairing lock on {self.target.name} (lease {self.namespace}/{self.name}) "
            "changed under us twice while taking it; try again"
        )

    async def renew(self) -> None:
        """Renew the lease we hold; LockLost when it names someone else or is gone. Other
        failures (network, 5xx) raise as they are, for the renewal loop to retry."""
        lease = self._lease
        if lease is None:
            raise LockLost(
                f"the pairing lock on {self.target.name} is not held; take it again before acting"
            )
        try:
            self._lease = await self._replace(
                lease, renewed(LeaseRecord.of(lease), self.connection.clock.now())
            )
            return
        except ApiError as exc:
            if exc.code == 404:
                self._lease = None
                raise LockLost(
                    f"the pairing lock on {self.target.name} (lease {self.namespace}/{self.name})"
                    " was deleted; stop and check what changed before acting again"
                ) from None
            if exc.code != 409:
                raise
        # Someone wrote the lease since: it is still ours only if it still names us.
        current = await self._read()
        observed = None if current is None else LeaseRecord.of(current)
        if current is None or observed is None or observed.holder != self.holder:
            self._lease = None
            by = f" by {observed.holder}" if observed is not None and observed.holder else ""
            raise LockLost(
                f"the pairing lock on {self.target.name} was taken over{by}; stop and check "
                "what changed before acting again"
            )
        decision = decide(observed, self.holder, self.connection.clock.now(), self.duration)
        assert isinstance(decision, Take)  # it names us: a renewal
        self._lease = await self._replace(current, decision.record)

    async def release(self) -> bool:
        """Give the lease up (no holder, a one-second duration) if it still names us; True
        once nothing names us, False if conflicts kept us from writing it."""
        self._lease = None
        for _ in range(ATTEMPTS + 1):
            current = await self._read()
            if current is None:
                return True
            record = released(LeaseRecord.of(current), self.holder, self.connection.clock.now())
            if record is None:
                return True
            try:
                await self._replace(current, record)
                return True
            except ApiError as exc:
                if exc.code != 409:  # a renewal in flight moved it: read again
                    raise
        return False

    @contextlib.asynccontextmanager
    async def hold(self, *, renew_every: float | None = None) -> AsyncIterator[Renewal]:
        """Take the lease, renew it in the background while the block runs, release it after
        (also when the block fails or is cancelled)."""
        await self.acquire()
        renewal = Renewal(self, every=renew_every)
        renewal.start()
        try:
            yield renewal
        finally:
            await renewal.stop()
            try:
                await self.release()
            except KubeError as exc:
                renewal.unreleased = (
                    f"could not release the pairing lock on {self.target.name} ({exc}); it "
                    f"lapses by itself within {self.duration} s"
                )
                log.warning("%s", renewal.unreleased)

    async def _read(self) -> Obj | None:
        try:
            return await writes.get(self.connection, self.resource, self.name)
        except ApiError as exc:
            if exc.code == 404:
                return None
            raise

    async def _write(self, lease: Obj | None, decision: Take) -> Obj:
        if lease is None:
            return await writes.create(
                self.connection, self.resource, self._body(None, decision.record)
            )
        return await self._replace(lease, decision.record)

    async def _replace(self, lease: Obj, record: LeaseRecord) -> Obj:
        return await writes.replace(
            self.connection, self.resource, self.name, self._body(lease, record)
        )

    def _body(self, lease: Obj | None, record: LeaseRecord) -> Obj:
        """The Lease to write: what was read (its resourceVersion the precondition) with the
        record as its spec, our labels, and the action while held."""
        if lease is None:
            meta: Obj = {"name": self.name, "namespace": self.namespace}
        else:
            meta = dict(lease.get("metadata") or {})
        meta["labels"] = {**(meta.get("labels") or {}), **LABELS}
        annotations = {
            k: v for k, v in (meta.get("annotations") or {}).items() if k not in (ACTION, TARGET)
        }
        if record.holder:
            annotations[TARGET] = self.target.described
            if self.action:
                annotations[ACTION] = self.action
        if annotations:
            meta["annotations"] = annotations
        else:
            meta.pop("annotations", None)
        return {
            "apiVersion": f"{GROUP}/v1",
            "kind": "Lease",
            "metadata": meta,
            "spec": record.spec(),
        }


def _action(lease: Obj | None) -> str:
    return annotation(lease, ACTION)


class Renewal(Background):
    """Renews a held lease every third of its duration (in the server's seconds, so a sim
    that runs fast is renewed as often); after renewals fail for two thirds of it, or at once
    when the lease names someone else, the lock is lost: `check()` then raises LockLost."""

    def __init__(self, lock: PairingLock, *, every: float | None = None) -> None:
        super().__init__()
        self.lock = lock
        self.every = every
        self.renewals = 0
        self.lost: str | None = None
        self.lost_event = asyncio.Event()
        self.unreleased: str | None = None  # set by hold() when the release failed
        self._last_renewed = time.monotonic()

    @property
    def task_name(self) -> str:
        return f"Renewal({self.lock.namespace}/{self.lock.name})"

    def _pace(self) -> float:
        return max(self.lock.connection.clock.rate, 1.0)

    def interval(self) -> float:
        """Real seconds between renewals."""
        if self.every is not None:
            return self.every
        return self.lock.duration / 3 / self._pace()

    def deadline(self) -> float:
        """Real seconds renewals may keep failing before the lock counts as lost."""
        return self.lock.duration * 2 / 3 / self._pace()

    def check(self) -> None:
        """Raise LockLost if the lease stopped being ours: call it before each mutating call."""
        if self.lost is not None:
            raise LockLost(self.lost)

    def _lose(self, sentence: str) -> None:
        self.lost = sentence
        self.lost_event.set()
        log.warning("%s", sentence)

    async def run(self) -> None:
        while self.lost is None:
            await asyncio.sleep(self.interval())
            try:
                await self.lock.renew()
            except LockLost as exc:
                self._lose(str(exc))
            except KubeError as exc:
                if time.monotonic() - self._last_renewed > self.deadline():
                    self._lose(
                        f"could not renew the pairing lock on {self.lock.target.name} for "
                        f"{self.deadline():.0f} s ({exc}); another warroom may take it: stop "
                        "and check before acting again"
                    )
            else:
                self.renewals += 1
                self._last_renewed = time.monotonic()
