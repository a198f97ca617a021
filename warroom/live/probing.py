"""The checklist's probes: HTTP endpoints, commands over SSH, local commands and objects the
picture does not keep, each run in its own task with a timeout, never blocking the tick.

Results land in `ProbeRunner.results` (by item id) as `ProbeResult`s the evaluator reads.
HTTP and SSH probes repeat on their item's `every`; fetched objects every FETCH_EVERY
seconds; local commands only when the operator asks (or, with `auto: true`, once approved).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from warroom.actions.strategies import rolling_back
from warroom.background import Background
from warroom.checklist.world import ProbeResult
from warroom.journal.redact import redact_text
from warroom.kinds.catalogue import split_ref
from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError
from warroom.layout import Layout, SshHost
from warroom.layout.checklist import Item
from warroom.live.readiness import KeyArmed, rollback_readiness
from warroom.probes.command import CommandOutcome, judge_output, run_command
from warroom.probes.http import HttpResult, answered, http_probe, judge_http, unanswered
from warroom.probes.ssh import SshTarget, ssh_check

log = logging.getLogger(__name__)

FETCH_EVERY = 15.0  # seconds between reads of an object the picture does not watch
DETAIL_LIMIT = 4000  # characters of output kept as evidence on the screen and in the journal


@dataclass
class _Due:
    item: Item
    every: float | None  # None: only when asked
    next_at: float = 0.0
    asked: bool = False
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class ProbeRunner(Background):
    """Runs each probing item's probe when due; `results` holds the newest outcomes."""

    def __init__(
        self,
        layout: Layout,
        connection: Connection,
        *,
        clock: Callable[[], float],
        ssh_target: Callable[[SshHost], SshTarget] | None = None,
    ) -> None:
        super().__init__()
        self.layout = layout
        self.connection = connection
        self.clock = clock
        self.ssh_target = ssh_target
        self.results: dict[str, ProbeResult] = {}
        # Whether the screen's rollback key is armed, for `rollback:` items (None: no screen).
        self.key_armed: KeyArmed = None
        self.version = 0
        self._context_file: Path | None = None
        self._due: dict[str, _Due] = {}
        self._wake = asyncio.Event()
        for _, item in layout.items():
            every = _every(item, layout)
            assert every is not True
            if every is not False:
                self._due[item.id] = _Due(item, every)
        # Probes that run on their own (commands wait to be asked).
        self.automatic = sum(1 for d in self._due.values() if d.every is not None)

    def ask(self, item_id: str) -> bool:
        """Run the item's probe now (the operator's `r`); False if it has none."""
        due = self._due.get(item_id)
        if due is None:
            return False
        due.asked = True
        self._wake.set()
        return True

    def busy(self, item_id: str) -> bool:
        due = self._due.get(item_id)
        return due is not None and due.task is not None and not due.task.done()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            now = time.monotonic()
            for due in self._due.values():
                if due.task is not None and not due.task.done():
                    continue
                if due.asked or (due.every is not None and now >= due.next_at):
                    due.asked = False
                    due.next_at = now + (due.every or 0.0)
                    self._mark_running(due.item.id)
                    due.task = asyncio.create_task(self._one(due.item), name=f"probe {due.item.id}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 1.0)

    async def close(self) -> None:
        tasks = [d.task for d in self._due.values() if d.task is not None and not d.task.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._context_file is not None:
            shutil.rmtree(self._context_file.parent, ignore_errors=True)

    def _mark_running(self, item_id: str) -> None:
        old = self.results.get(item_id)
        if old is None:
            self.results[item_id] = ProbeResult("unknown", "running", running=True)
        else:
            self.results[item_id] = ProbeResult(
                old.verdict, old.reason, old.value, old.detail, old.query, old.taken, True, old.obj
            )
        self.version += 1

    async def _one(self, item: Item) -> None:
        try:
            result = await self._probe(item)
        except Exception as err:  # a bug in one probe must show, not end the others
            log.exception("probe %s failed", item.id)
            result = ProbeResult("unknown", "probe failed", detail=f"internal error: {err!r}")
        self.results[item.id] = _redacted(result)
        self.version += 1

    def _command_env(self) -> dict[str, str]:
        """A local command (`kubectl logs deployment/…`) reaches the cluster the war room
        watches: KUBECONFIG lists, first, a file that only sets current-context to the room's
        context, then the room's kubeconfig files (kubectl takes current-context from the first
        file that sets it and merges the rest), so no credential is copied anywhere."""
        if self._context_file is None:
            folder = Path(tempfile.mkdtemp(prefix="warroom-context-"))  # 0700
            self._context_file = folder / "context.yaml"
            doc = {"apiVersion": "v1", "kind": "Config", "current-context": self.connection.context}
            self._context_file.write_text(json.dumps(doc), encoding="utf-8")
            self._context_file.chmod(0o600)
        given = filter(None, self.connection.kubeconfig.split(os.pathsep))
        paths = [str(self._context_file), *given]
        return {"KUBECONFIG": os.pathsep.join(paths)}

    async def _probe(self, item: Item) -> ProbeResult:
        if item.http is not None:
            return await self._http(item)
        if item.rollback is not None:
            target = self.layout.target_named(item.rollback.target, item.rollback.namespace)
            assert target is not None  # the layout refuses a rollback check of no target
            return await rollback_readiness(
                self.connection,
                rolling_back(target),
                item.rollback,
                taken=self.clock(),
                key_armed=self.key_armed,
            )
        if item.command is not None:
            local = item.command
            outcome = await run_command(
                local.run, timeout=local.timeout.total_seconds(), env=self._command_env()
            )
            return self._judged_output(
                local.run, outcome, local.exit_code, local.stdout, local.absent
            )
        if item.ssh is not None:
            remote = item.ssh
            host = next(
                h for h in self.layout.gpus.ssh if remote.host in (h.host, f"{h.host}:{h.port}")
            )
            assert self.ssh_target is not None
            outcome = await ssh_check(
                self.ssh_target(host), remote.run, timeout=remote.timeout.total_seconds()
            )
            return self._judged_output(
                f"ssh {remote.host} {remote.run}", outcome, remote.exit_code, remote.stdout, None
            )
        return await self._fetch(item)

    async def _http(self, item: Item) -> ProbeResult:
        check = item.http
        assert check is not None
        timeout = check.timeout.total_seconds()
        if check.url is not None:
            result = await http_probe(
                check.url, method=check.method, timeout=timeout, verify=check.verify_tls
            )
            shown = check.url
        else:
            namespace = check.namespace or self.layout.cluster.namespace
            path = check.proxy_path(namespace)
            result = await self._proxy(path, check.method, timeout)
            shown = f"{self.connection.server}{path}"
        verdict, reason = judge_http(
            result,
            status=list(check.status),
            json_subset=check.json_,
            body_pattern=check.body,
            max_latency=check.max_latency.total_seconds() if check.max_latency else None,
        )
        value = (
            f"{result.status} in {result.elapsed * 1000:.0f}ms"
            if result.status is not None
            else result.error
        )
        return ProbeResult(
            verdict,
            reason,
            value,
            redact_text(result.body or result.error or "")[:DETAIL_LIMIT] or None,
            shown,
            self.clock(),
        )

    async def _proxy(self, path: str, method: str, timeout: float) -> HttpResult:
        """GET through the API server's service proxy, with the kubeconfig's credentials."""
        started = time.monotonic()
        try:
            status, body = await self.connection.fetch(path, method=method, timeout=timeout)
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            return unanswered(path, str(self.connection.unreachable(err)))
        return answered(path, status, body, time.monotonic() - started)

    def _judged_output(
        self,
        command: str,
        outcome: CommandOutcome,
        exit_code: int,
        pattern: str | None,
        absent: str | None,
    ) -> ProbeResult:
        taken = self.clock()
        if outcome.error is not None:
            return ProbeResult("unknown", "could not run", None, outcome.error, command, taken)
        if outcome.timed_out:
            shown = redact_text(outcome.stdout)[-DETAIL_LIMIT:]
            return ProbeResult("fail", "timed out", None, shown, command, taken)
        verdict, reason = judge_output(
            outcome.exit_code,
            outcome.stdout,
            exit_code_expected=exit_code,
            pattern=pattern,
            absent_pattern=absent,
        )
        # Redacted before it is cut, so no credential is cut in half and kept.
        output = redact_text(outcome.stdout + ("\n" + outcome.stderr if outcome.stderr else ""))[
            -DETAIL_LIMIT:
        ]
        return ProbeResult(
            verdict, reason, f"exit {outcome.exit_code}", output or None, command, taken
        )

    async def _fetch(self, item: Item) -> ProbeResult:
        check = item.exists or item.field
        assert check is not None
        api, name = split_ref(check.object)
        assert api is not None
        namespace = check.namespace or self.layout.cluster.namespace
        path = api.path(name, namespace if api.namespaced else None)
        taken = self.clock()
        try:
            obj = await self.connection.get_json(path)
        except ApiError as err:
            if err.code == 404:
                return ProbeResult("pass", "not found", None, None, path, taken, obj=None)
            sentence = str(self.connection.refusal(err, f"read {check.object}"))
            return ProbeResult(
                "unknown", "refused" if err.code == 403 else "error", None, sentence, path, taken
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            sentence = str(self.connection.unreachable(err))
            return ProbeResult("unknown", "unreachable", None, sentence, path, taken)
        return ProbeResult("pass", "fetched", None, None, path, taken, obj=obj)


def _redacted(result: ProbeResult) -> ProbeResult:
    """`result` with every credential taken out of what the screen and the journal show of
    it (a command's output, an HTTP body, an error): the session's own tokens and keys, and
    whatever has a credential's shape. The judgement was made on the output as it came."""
    return dataclasses.replace(
        result,
        reason=redact_text(result.reason),
        value=_maybe(result.value),
        detail=_maybe(result.detail),
        query=_maybe(result.query),
    )


def _maybe(text: str | None) -> str | None:
    return None if text is None else redact_text(text)


def _every(item: Item, layout: Layout) -> float | bool | None:
    """How often the item's probe runs: seconds, None (only when asked), False (no probe)."""
    if item.http is not None:
        return item.http.every.total_seconds()
    if item.ssh is not None:
        return item.ssh.every.total_seconds()
    if item.rollback is not None:
        return item.rollback.every.total_seconds()
    if item.command is not None:
        return None
    check = item.exists or item.field
    if check is None:
        return False
    api, _ = split_ref(check.object)
    namespace = check.namespace or layout.cluster.namespace
    if (
        api is not None
        and api.picture
        and (not api.namespaced or namespace in layout.cluster.namespaces)
    ):
        return False  # read from the picture
    if api is not None and any(
        cr.group == api.group
        and cr.plural == api.plural
        and namespace in ((cr.namespace,) if cr.namespace else layout.cluster.namespaces)
        for cr in layout.custom_resources
    ):
        return False  # a custom resource the layout watches: read from its watch
    return FETCH_EVERY
