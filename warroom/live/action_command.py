"""`warroom action LAYOUT ACTION [TARGET]`: one action, headless, with the same preflight,
journal and verification as its key on the screen. It prints the preview (and the dry run's
word on what the real calls will do), asks on stdin unless `--yes`, and on a context the
layout marks production a destructive action also needs `--confirm NAME` (or the name typed).
A target another warroom holds (its pairing lock) is refused before anything is asked, in a
sentence naming the holder and what they are doing.
The node actions (cordon, uncordon, drain) take a node's name as TARGET, not a layout target;
a node's pairing lock lives in the layout's first namespace. Interrupted (Ctrl-C), it says
what the cancel left behind, as the journal does.

`status` prints where the target stands in its strategy's words (phase, step, what it waits
for, what happens next) and changes nothing.

Exit codes: 0 done and verified (or nothing to do, or the status printed), 1 refused or
failed (the reason in one sentence), 2 the preflight denied it (a permission missing, the dry
run refused), 4 the layout or the command line is wrong.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from warroom.actions.nodes import ACTIONS as NODE_ACTIONS
from warroom.actions.nodes import NodeActions
from warroom.actions.plan import ActionArgs, ActionRefused, MissingArgument
from warroom.actions.run import ActionRunner, confirmation_problem, typed_name_needed
from warroom.actions.strategies import Strategy, for_target
from warroom.journal import JournalError, open_journal, session_path
from warroom.journal.redact import register_secret
from warroom.kube import connect
from warroom.kube.errors import KubeError
from warroom.layout import Layout

DONE, FAILED, DENIED, USAGE = 0, 1, 2, 4


class UsageError(Exception):
    """The command line or the layout does not say enough; one sentence."""


def _node(layout: Layout, action: str, name: str | None) -> tuple[Strategy, str]:
    """The node to act on and the namespace its pairing lock lives in."""
    if not name:
        raise UsageError(f"{action} needs the node's name: warroom action LAYOUT {action} NODE")
    if not layout.cluster.namespaces:
        raise UsageError(
            "a node's pairing lock lives in the layout's first namespace: list one under "
            "cluster.namespaces"
        )
    return NodeActions(name), layout.cluster.namespaces[0]


def _target(layout: Layout, action: str, name: str | None) -> tuple[Strategy, str]:
    """The strategy to act with, and the namespace of the lock of a cluster-scoped target."""
    if action in NODE_ACTIONS:
        return _node(layout, action, name)
    return _layout_target(layout, name), ""


def _layout_target(layout: Layout, name: str | None) -> Strategy:
    targets = layout.targets
    if not targets:
        raise UsageError("the layout has no targets: add the Deployment to act on under targets")
    if name is None:
        if len(targets) > 1:
            names = ", ".join(layout.target_key(t) for t in targets)
            raise UsageError(f"the layout has {len(targets)} targets ({names}); name one")
        return for_target(targets[0])
    keys = {layout.target_key(t): t for t in targets}
    found = keys.get(name)
    if found is not None:
        return for_target(found)
    shared = [key for key, t in keys.items() if t.name == name]
    if shared:
        raise UsageError(
            f"two targets are named {name}: name one as namespace/name ({' or '.join(shared)})"
        )
    raise UsageError(f"the layout has no target {name!r} (its targets: {', '.join(keys)})")


async def run_action(
    layout: Layout,
    action: str,
    target: str | None,
    *,
    asked: ActionArgs,
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
    try:
        strategy, lock_namespace = _target(layout, action, target)
    except UsageError as exc:
        echo(f"error: {exc}")
        return USAGE
    if action == "status":
        return await _status(layout, strategy, kubeconfig, echo)
    if action not in strategy.actions:
        echo(
            f"error: there is no action {action!r} for {strategy.target.name} "
            f"({strategy.strategy}); its actions: {', '.join(strategy.actions)}"
        )
        return USAGE
    try:
        async with await connect(
            kubeconfig, layout.cluster.context, on_secret=register_secret
        ) as connection:
            journal = open_journal(session_path(session), operator, clock=connection.clock.now)
            with journal:
                if journal.read_only:
                    echo(f"error: the session's journal is read-only ({journal.problem}); "
                         "nothing may run unrecorded: pick another --session")  # fmt: skip
                    return FAILED
                runner = ActionRunner(
                    connection,
                    operator=operator,
                    record=journal.append,
                    now=connection.clock.now,
                    lock_namespace=lock_namespace,
                )
                return await _go(runner, strategy, layout, action, asked, dry_run, yes, confirm,
                                 echo, ask)  # fmt: skip
    except MissingArgument as exc:
        echo(f"error: {exc}")
        return USAGE
    except ActionRefused as exc:
        more = f" (try: warroom action … {exc.instead})" if exc.instead else ""
        echo(f"refused: {exc}{more}")
        return FAILED
    except (KubeError, JournalError) as exc:
        echo(f"error: {exc}")
        return FAILED


async def _status(
    layout: Layout, strategy: Strategy, kubeconfig: str | None, echo: Callable[[str], None]
) -> int:
    """`status`: where the target's rollout stands, in the strategy's words; it changes
    nothing, so it needs no journal."""
    try:
        async with await connect(
            kubeconfig, layout.cluster.context, on_secret=register_secret
        ) as connection:
            words = strategy.status(await strategy.read(connection))
    except KubeError as exc:
        echo(f"error: {exc}")
        return FAILED
    echo(f"{strategy.target.described} ({strategy.strategy})")
    for line in (*words.lines(), *(f"{k}: {v}" for k, v in words.facts.items())):
        echo(f"  {line}")
    return DONE


async def _go(
    runner: ActionRunner,
    strategy: Strategy,
    layout: Layout,
    action: str,
    asked: ActionArgs,
    dry_run: bool,
    yes: bool,
    confirm: str | None,
    echo: Callable[[str], None],
    ask: Callable[[str], str],
) -> int:
    state = await strategy.read(runner.connection)
    plan = strategy.plan(action, state, asked, runner.now())
    if plan.nothing_to_do:
        echo(plan.nothing_to_do)
        await runner.run(plan, await runner.preflight(plan))
        return DONE
    checked = await runner.preflight(plan)
    for line in plan.preview:
        echo(f"  {line}")
    for line in (*checked.after, *checked.held):
        echo(f"  {line}")
    for line in plan.warnings:
        echo(f"  warning: {line}")
    if not checked.ok:
        await runner.run(plan, checked)  # journals the refusal
        echo(f"denied: {checked.sentence}")
        return DENIED
    if dry_run:
        if checked.untried:
            echo("dry run: the server accepted every call it can dry-run, and the permission "
                 "of the rest; nothing was changed")  # fmt: skip
        else:
            echo("dry run: the server accepted every call; nothing was changed")
        return DONE
    holding = await runner.lock(plan).read()
    if holding is not None and holding.record.holder != runner.holder:
        # Said before it is confirmed; taking the lock when it runs is still the guard.
        echo(f"refused: {holding.sentence}")
        return FAILED
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
    try:
        outcome = await runner.run(plan, checked, progress=lambda words: echo(f"  … {words}"))
    except asyncio.CancelledError:
        echo(runner.cancelled(plan))
        raise
    echo(outcome.sentence)
    return DONE if outcome.ok else FAILED
