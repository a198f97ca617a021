"""`warroom action LAYOUT ACTION [TARGET]`: one action, headless, with the same preflight,
journal and verification as its key on the screen. It prints the preview (and the dry run's
word on what the real calls will do), asks on stdin unless `--yes`, and on a context the
layout marks production a destructive action also needs `--confirm NAME` (or the name typed).

Exit codes: 0 done and verified (or nothing to do), 1 refused or failed (the reason in one
sentence), 2 the preflight denied it (a permission missing, the dry run refused), 4 the
layout or the command line is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from warroom.actions.plan import ActionRefused, Plan
from warroom.actions.rolling import Rolling
from warroom.actions.run import ActionRunner, confirmation_problem, typed_name_needed
from warroom.journal import JournalError, open_journal, session_path
from warroom.kube import connect
from warroom.kube.errors import KubeError
from warroom.layout import Layout

DONE, FAILED, DENIED, USAGE = 0, 1, 2, 4
# The rolling strategy's actions (the others come with their strategies).
ACTIONS = ("pause", "resume", "restart", "scale", "set-image", "undo", "resume-undo")


class UsageError(Exception):
    """The command line or the layout does not say enough; one sentence."""


@dataclass(frozen=True, slots=True)
class Asked:
    """What the command line gives an action beyond its name."""

    replicas: int | None = None
    image: str | None = None
    to_revision: int = 0


def _target(layout: Layout, name: str | None) -> Rolling:
    targets = layout.targets
    if not targets:
        raise UsageError("the layout has no targets: add the Deployment to act on under targets")
    if name is None:
        if len(targets) > 1:
            names = ", ".join(t.name for t in targets)
            raise UsageError(f"the layout has {len(targets)} targets ({names}); name one")
        chosen = targets[0]
    else:
        found = [t for t in targets if t.name == name]
        if not found:
            names = ", ".join(t.name for t in targets)
            raise UsageError(f"the layout has no target {name!r} (its targets: {names})")
        chosen = found[0]
    return Rolling(chosen.namespace, chosen.name, chosen.container or "")


async def _plan(rolling: Rolling, action: str, asked: Asked, runner: ActionRunner) -> Plan:
    state = await rolling.read(runner.connection)
    if action == "pause":
        return rolling.pause(state)
    if action == "resume":
        return rolling.resume(state)
    if action == "restart":
        return rolling.restart(state, runner.now())
    if action == "scale":
        if asked.replicas is None:
            raise UsageError("scale needs --replicas N")
        return rolling.scale(state, asked.replicas)
    if action == "set-image":
        if not asked.image:
            raise UsageError("set-image needs --image REPO:TAG")
        return rolling.set_image(state, asked.image)
    return rolling.undo(state, asked.to_revision, resume=action == "resume-undo")


async def run_action(
    layout: Layout,
    action: str,
    target: str | None,
    *,
    asked: Asked,
    kubeconfig: str | None,
    session: str,
    operator: str,
    dry_run: bool,
    yes: bool,
    confirm: str | None,
    echo: Callable[[str], None],
    ask: Callable[[str], str],
) -> int:
    """Plan, preflight, confirm, run and verify one action; its exit code."""
    if action not in ACTIONS:
        echo(f"error: there is no action {action!r}; the actions are {', '.join(ACTIONS)}")
        return USAGE
    try:
        rolling = _target(layout, target)
    except UsageError as exc:
        echo(f"error: {exc}")
        return USAGE
    try:
        async with await connect(kubeconfig, layout.cluster.context) as connection:
            journal = open_journal(session_path(session), operator, clock=connection.clock.now)
            with journal:
                if journal.read_only:
                    echo(f"error: the session's journal is read-only ({journal.problem}); "
                         "nothing may run unrecorded: pick another --session")  # fmt: skip
                    return FAILED
                runner = ActionRunner(
                    connection, operator=operator, record=journal.append, now=connection.clock.now
                )
                return await _go(runner, rolling, layout, action, asked, dry_run, yes, confirm,
                                 echo, ask)  # fmt: skip
    except UsageError as exc:
        echo(f"error: {exc}")
        return USAGE
    except ActionRefused as exc:
        more = f" (try: warroom action … {exc.instead})" if exc.instead else ""
        echo(f"refused: {exc}{more}")
        return FAILED
    except (KubeError, JournalError) as exc:
        echo(f"error: {exc}")
        return FAILED


async def _go(
    runner: ActionRunner,
    rolling: Rolling,
    layout: Layout,
    action: str,
    asked: Asked,
    dry_run: bool,
    yes: bool,
    confirm: str | None,
    echo: Callable[[str], None],
    ask: Callable[[str], str],
) -> int:
    plan = await _plan(rolling, action, asked, runner)
    if plan.nothing_to_do:
        echo(plan.nothing_to_do)
        await runner.run(plan, await runner.preflight(plan))
        return DONE
    checked = await runner.preflight(plan)
    for line in plan.preview:
        echo(f"  {line}")
    for line in checked.after:
        echo(f"  {line}")
    for line in plan.warnings:
        echo(f"  warning: {line}")
    if not checked.ok:
        await runner.run(plan, checked)  # journals the refusal
        echo(f"denied: {checked.sentence}")
        return DENIED
    if dry_run:
        echo("dry run: the server accepted every call; nothing was changed")
        return DONE
    production = layout.cluster.production
    if typed_name_needed(plan, production):
        typed = confirm if confirm is not None else ask(
            f"{layout.cluster.context or 'this context'} is production: type "
            f"{plan.target.name} to {action} it")  # fmt: skip
        problem = confirmation_problem(plan, production, typed)
        if problem:
            echo(f"refused: {problem}")
            return FAILED
    elif not yes and ask("go ahead? [y/N]").strip().casefold() not in ("y", "yes"):
        echo("not confirmed: nothing was changed")
        return FAILED
    outcome = await runner.run(plan, checked, progress=lambda words: echo(f"  … {words}"))
    echo(outcome.sentence)
    return DONE if outcome.ok else FAILED
