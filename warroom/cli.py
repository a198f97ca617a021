"""The `warroom` command line."""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from warroom.drills.scenario import Scenario
    from warroom.journal import Verification
    from warroom.layout import Layout
    from warroom.ui.keys import Keymap

DEFAULT_KUBECONFIG = Path.home() / ".kube" / "warroom-sim.yaml"


LAYOUT_SUFFIXES = (".yaml", ".yml")


class UnknownWord(click.ClickException):
    """A first word that is neither a command nor a file: a usage error (exit 2), one line."""

    exit_code = 2


#: `warroom check`'s exit code for a layout it cannot load or a command line it cannot use:
#: apart from its verdicts (0 pass, 1 fail, 2 unknown, 3 unreachable), so a CI gate never
#: reads a typo in the layout as "some check failed" or "no data".
CHECK_USAGE = 4


class CheckUsageError(click.ClickException):
    """`warroom check` could not start: its layout or its command line is wrong (exit 4)."""

    exit_code = CHECK_USAGE


class CheckCommand(click.Command):
    """`warroom check`: click's usage errors (exit 2, which check means "unknown") exit 4."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = CHECK_USAGE
            raise


def looks_like_layout(word: str) -> bool:
    """True when `word` is meant as a layout file: it exists, ends in .yaml/.yml or has a
    folder in it. Anything else that is not a command is a mistyped command."""
    return (
        word.lower().endswith(LAYOUT_SUFFIXES)
        or "/" in word
        or os.sep in word
        or os.path.lexists(word)
    )


class LayoutOrCommand(click.Group):
    """`warroom LAYOUT ...` is `warroom run LAYOUT ...`; other words are subcommands.

    Its help shows the options of `run` (generated from the command, so it cannot drift)
    between the group's own options and the list of commands.
    """

    default_command = "run"

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            if not looks_like_layout(args[0]) and not ctx.resilient_parsing:
                raise UnknownWord(self._unknown(ctx, args[0]))
            args = [self.default_command, *args]
        return super().resolve_command(ctx, args)

    def _visible(self, ctx: click.Context) -> list[str]:
        return [
            name
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]

    def _unknown(self, ctx: click.Context, word: str) -> str:
        names = self._visible(ctx)
        close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.6)
        listed = ", ".join(names)
        if close:
            return (
                f"{word!r} is not a warroom command or a file; did you mean "
                f"'{ctx.command_path} {close[0]}'? (commands: {listed})"
            )
        return (
            f"{word!r} is not a warroom command or a file; give one of the commands "
            f"{listed}, or the path of a layout file (.yaml)"
        )

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "LAYOUT [OPTIONS]")
        formatter.write_usage(ctx.command_path, "COMMAND [ARGS]...", prefix="   or: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        click.Command.format_options(self, ctx, formatter)
        default = self.get_command(ctx, self.default_command)
        if default is not None:
            with click.Context(default, info_name=self.default_command, parent=ctx) as sub:
                rows = [
                    record
                    for param in default.get_params(sub)
                    if param.name != "help" and (record := param.get_help_record(sub))
                ]
            title = f"Options of {ctx.command_path} LAYOUT (the {self.default_command} command)"
            with formatter.section(title):
                formatter.write_dl(rows)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The whole first sentence of each command's help, wrapped, rather than click's
        # cut-off at 45 characters.
        rows = []
        for name in self._visible(ctx):
            command = self.get_command(ctx, name)
            assert command is not None
            rows.append((name, command.get_short_help_str(limit=200)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LayoutOrCommand, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """warroom: the go-live war room for Kubernetes.

    \b
    warroom LAYOUT is short for warroom run LAYOUT: the war room on the
    layout file LAYOUT against your cluster, with the options below.
    """
    from warroom.journal.redact import redact_logging

    # No credential in a log line, whichever command runs and wherever its log goes.
    redact_logging()


NOT_A_TERMINAL = (
    "warroom draws on a terminal, and this is not one (or TERM is dumb); run it in a "
    "terminal, or use the headless commands: warroom validate LAYOUT"
)


def _terminal() -> None:
    """Refuse, before anything starts, to draw where nobody can see it: escape codes into a
    file or a pipe help no one. Exit 2, as a usage error does."""
    if os.environ.get("TERM") == "dumb" or not sys.stdout.isatty():
        click.echo(NOT_A_TERMINAL, err=True)
        sys.exit(2)


def _keymap() -> Keymap:
    """The user's keymap, read before anything starts: a bad one stops here in one sentence."""
    from warroom.ui.keys import KeymapError, load_keymap

    try:
        return load_keymap()
    except KeymapError as exc:
        raise click.ClickException(str(exc)) from exc


def _load(path: str, **overrides: str | None) -> object:
    from warroom.layout import LayoutError, load_layout

    if not os.path.lexists(path):
        # Named as a layout here: `warroom WORD` may have been meant as a command, so say
        # what the word was taken for.
        raise click.ClickException(f"{path}: no such layout file; check the path")
    try:
        return load_layout(path).with_overrides(**overrides)
    except LayoutError as exc:
        raise click.ClickException(str(exc)) from exc


def cluster_options(command: Callable[..., None]) -> Callable[..., None]:
    """--context, --namespace, --prometheus and --kubeconfig: where the layout runs."""
    for option in reversed(
        (
            click.option("--context", help="Kubeconfig context (overrides the layout's)."),
            click.option("--namespace", help="Namespace (overrides the layout's first namespace)."),
            click.option(
                "--prometheus",
                "prometheus_url",
                metavar="URL",
                help="Prometheus URL (overrides the layout's).",
            ),
            click.option("--kubeconfig", type=click.Path(dir_okay=False), help="Kubeconfig file."),
        )
    ):
        command = option(command)
    return command


def session_options(default: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """--session, --operator and --go-live: which journal, who signs, when the go-live is."""

    def add(command: Callable[..., None]) -> Callable[..., None]:
        command = click.option(
            "--go-live",
            metavar="TIME",
            help="When the go-live is (22:00, or 2026-12-02T22:00): phases with `at: T-6h` "
            "count down to it. Kept in the session.",
        )(command)
        command = click.option(
            "--operator", metavar="NAME", help="Who signs the records (default: your login name)."
        )(command)
        return click.option(
            "--session",
            metavar="NAME",
            default=None,
            help=f"The session's journal to record in or resume (default: {default}).",
        )(command)

    return add


@main.command()
@click.argument("layout", type=click.Path())
@cluster_options
@click.option("--read-only", is_flag=True, help="Disable every action that changes the cluster.")
@session_options("the layout file's name")
def run(
    layout: str,
    context: str | None,
    namespace: str | None,
    prometheus_url: str | None,
    kubeconfig: str | None,
    read_only: bool,
    session: str | None,
    operator: str | None,
    go_live: str | None,
) -> None:
    """Open the war room on LAYOUT against a real cluster."""
    from warroom.journal import JournalError
    from warroom.kube.errors import KubeError
    from warroom.layout import Layout
    from warroom.live.room import open_room
    from warroom.live.session import GoLiveError, default_operator, open_checklist
    from warroom.ui.run import room_app, run_app

    loaded = _load(layout, context=context, namespace=namespace, prometheus=prometheus_url)
    assert isinstance(loaded, Layout)
    keymap = _keymap()
    _terminal()

    name = _session_name(session or Path(layout).stem)

    async def go() -> None:
        async with open_room(loaded, kubeconfig=kubeconfig) as room:
            if not loaded.prometheus.url:
                room.picture.note(
                    "NoPrometheus",
                    "the layout names no Prometheus URL; pass "
                    "--prometheus URL to see signals and graphs",
                )
            async with open_checklist(
                room,
                name,
                operator=operator or default_operator(),
                layout_path=layout,
                go_live=go_live,
            ) as checklist:
                app = room_app(
                    room, session=name, read_only=read_only, keymap=keymap, checklist=checklist
                )
                await run_app(app, room)

    try:
        asyncio.run(go())
    except (KubeError, JournalError, GoLiveError) as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("layout", type=click.Path())
def validate(layout: str) -> None:
    """Check LAYOUT and print each problem as file:line: what to fix."""
    from warroom.layout import Layout
    from warroom.layout.signals import is_placeholder

    loaded = _load(layout)
    assert isinstance(loaded, Layout)
    checklist = ""
    if loaded.phases:
        items = loaded.items()
        checks = sum(1 for _, i in items if not i.ticked_by_person)
        checklist = (
            f", {len(loaded.phases)} phase(s) of {len(items)} item(s) ({checks} proved by "
            f"checks), {len(loaded.triggers)} trigger(s)"
        )
    if loaded.session_fields:
        checklist += f", {len(loaded.session_fields)} session field(s)"
    click.echo(
        f"{layout}: ok: {len(loaded.targets)} target(s), {len(loaded.signals)} "
        f"signal(s){checklist}, namespaces {', '.join(loaded.cluster.namespaces)}"
    )
    waiting = [sid for sid, s in loaded.signals.items() if is_placeholder(s.query)]
    if waiting:
        click.echo(
            f"{layout}: {len(waiting)} signal(s) still have a placeholder query, so their "
            f"checks stay unknown: {', '.join(waiting)}; write their PromQL"
        )


@main.command()
@click.argument("session")
def verify(session: str) -> None:
    """Check that every record of SESSION (a name or a journal's path) follows the one before.

    Prints SESSION: ok, or FILE:LINE: what is wrong for the first bad line (exit 1)."""
    path, checked = _verified(session)
    if not checked.ok:
        first = checked.problems[0]
        click.echo(f"{path}:{first.line}: {first.message}")
        sys.exit(1)
    click.echo(f"{session}: ok: {checked.records} records, head {checked.head}")
    for note in checked.problems:  # a torn last line: never acknowledged, so still ok
        click.echo(f"{path}:{note.line}: {note.message}", err=True)


def _verified(session: str) -> tuple[Path, Verification]:
    """The journal of SESSION and what its chain says; a missing or unreadable session is
    one sentence and exit 2."""
    from warroom.journal import SessionNameError, session_path, verify_file

    try:
        path = session_path(session)
    except SessionNameError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if not path.is_file():
        click.echo(f"{session}: no such session (there is no {path})", err=True)
        sys.exit(2)
    try:
        return path, verify_file(path)
    except OSError as exc:
        click.echo(f"{path}: cannot read it ({(exc.strerror or str(exc)).lower()})", err=True)
        sys.exit(2)


@main.command()
@click.argument("session")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html"]),
    default="md",
    show_default=True,
    help="Markdown (for a ticket) or one self-contained HTML file.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write it here instead of printing it.",
)
def report(session: str, fmt: str, output: Path | None) -> None:
    """The go-live record of SESSION: timeline, phases with their items and evidence, who
    ticked and signed what, overrides, triggers, the signals against their SLOs, and
    whether the journal's hash chain verifies (its head hash anchors it elsewhere)."""
    from warroom.journal import readable_records
    from warroom.report import ChainStatus, write_report

    path, checked = _verified(session)
    problem = next((p for p in checked.problems if not checked.ok), None)
    chain = ChainStatus(
        checked.ok,
        checked.records,
        checked.head,
        f"{path}:{problem.line}: {problem.message}" if problem else None,
    )
    try:
        text = write_report(readable_records(path), chain, fmt, output)
    except OSError as exc:
        raise click.ClickException(
            f"cannot write {output} ({(exc.strerror or str(exc)).lower()}); choose another -o"
        ) from exc
    if output is None:
        click.echo(text, nl=False)
    else:
        said = "verifies" if checked.ok else "does NOT verify"
        click.echo(
            f"{output}: the {fmt} report of {session}; its journal {said}, head {checked.head}"
        )


@main.command("import")
@click.argument("checklist", type=click.Path())
@click.option("-o", "--output", type=click.Path(), help="Write the layout here (default: stdout).")
def import_(checklist: str, output: str | None) -> None:
    """Read a Markdown go-live CHECKLIST into a layout: phases, items, criteria as checks."""
    import sys

    from warroom.importing.layout import build_layout, render
    from warroom.importing.reading import ImportProblem, read_file
    from warroom.layout import parse_layout

    try:
        layout, summary = build_layout(read_file(checklist))
    except ImportProblem as problem:
        raise click.ClickException(str(problem)) from None
    from warroom.layout.errors import LayoutError

    text = render(layout, Path(checklist).name)
    try:
        parse_layout(text, output or "<import>")  # what we write must load
    except LayoutError as problem:
        first = str(problem).splitlines()[0]
        raise click.ClickException(
            f"the layout made from {checklist} does not load ({first}); this is a bug in "
            "warroom import: please report it with the checklist"
        ) from None
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as failed:
            raise click.ClickException(f"cannot write {output}: {failed.strerror}") from None
    else:
        sys.stdout.write(text)
    for line in summary.lines():
        click.echo(f"{checklist}: {line}", err=True)


@main.command()
@click.argument("layout", type=click.Path())
@click.argument("action_name", metavar="ACTION")
@click.argument("target", required=False)
@cluster_options
@click.option(
    "--session",
    metavar="NAME",
    help="The session's journal to record in (default: the layout file's name).",
)
@click.option("--operator", metavar="NAME", help="Who acts (default: your login name).")
@click.option("--dry-run", is_flag=True, help="Preflight and preview only; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before acting.")
@click.option(
    "--confirm", metavar="NAME", help="The target's name, typed: destructive actions on production."
)
@click.option("--replicas", type=click.IntRange(min=0), help="For scale: the replica count.")
@click.option("--image", metavar="REPO:TAG", help="For set-image: the image.")
@click.option(
    "--to-revision", type=click.IntRange(min=0), default=0, help="For undo: the revision."
)
@click.option(
    "--delete-emptydir-data", is_flag=True, help="For drain: evict pods with emptyDir data too."
)
@click.option("--force", is_flag=True, help="For drain: evict pods no controller replaces too.")
@click.option(
    "--timeout",
    "drain_timeout",
    metavar="DURATION",
    help="For drain: how long all of it may take on the cluster's clock (default 10m).",
)
def action(
    layout: str,
    action_name: str,
    target: str | None,
    context: str | None,
    namespace: str | None,
    prometheus_url: str | None,
    kubeconfig: str | None,
    session: str | None,
    operator: str | None,
    dry_run: bool,
    yes: bool,
    confirm: str | None,
    replicas: int | None,
    image: str | None,
    to_revision: int,
    delete_emptydir_data: bool,
    force: bool,
    drain_timeout: str | None,
) -> None:
    """Run one ACTION on a TARGET of LAYOUT, headless (or `status`: where it stands, in
    words, changing nothing): pause, resume, restart, scale,
    set-image, undo or resume-undo (rolling); promote, promote-full, pause, resume, abort or
    rollback (slow-roll, blue-green, flagger; flagger also emergency-rollback); or cordon,
    uncordon or drain of a
    node (TARGET is the node's name); with the preflight, journal and verification of its key.
    Exit 0 done and verified, 1 refused or failed, 2 the preflight denied it, 4 a usage
    mistake."""
    from warroom.actions.plan import ActionArgs
    from warroom.layout import Layout
    from warroom.live.action_command import run_action
    from warroom.live.session import default_operator

    try:
        loaded = _load(layout, context=context, namespace=namespace, prometheus=prometheus_url)
    except click.ClickException as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(4)
    assert isinstance(loaded, Layout)
    timeout = None
    if drain_timeout is not None:
        from warroom.layout.durations import parse_duration

        try:
            timeout = parse_duration(drain_timeout).total_seconds()
        except ValueError as exc:
            click.echo(f"error: --timeout: {exc}", err=True)
            sys.exit(4)
    asked = ActionArgs(
        replicas=replicas,
        image=image,
        to_revision=to_revision,
        delete_emptydir_data=delete_emptydir_data,
        force=force,
        timeout=timeout,
    )
    try:
        code = asyncio.run(
            run_action(
                loaded,
                action_name,
                target,
                asked=asked,
                kubeconfig=kubeconfig,
                session=_session_name(session or Path(layout).stem),
                operator=operator or default_operator(),
                dry_run=dry_run,
                yes=yes,
                confirm=confirm,
                echo=click.echo,
                ask=lambda prompt: click.prompt(prompt, default="", show_default=False),
            )
        )
    except KeyboardInterrupt:  # the action said what the cancel left behind
        sys.exit(1)
    sys.exit(code)


def _backtest(
    path: str,
    layout: Layout,
    window_text: str | None,
    step_text: str | None,
    *,
    as_json: bool,
    phase: str | None,
    timeout: float,
) -> int:
    """`warroom check --backtest`: its usage errors (exit 4), then the replay's own code."""
    from warroom.layout.durations import parse_duration
    from warroom.live.backtest_command import run_backtest

    if window_text is None:
        raise CheckUsageError("--step is for --backtest; give --backtest DURATION too")
    if phase is not None:
        raise CheckUsageError("--phase does not apply to --backtest, which replays triggers")
    durations = []
    for option, text in (("--backtest", window_text), ("--step", step_text)):
        try:
            durations.append(parse_duration(text).total_seconds() if text else None)
        except ValueError:
            raise CheckUsageError(
                f"{option} {text!r} is not a duration; write it like 30m, 6h or 7d"
            ) from None
    window, step = durations
    assert window is not None
    if step is not None and step > window:
        raise CheckUsageError(f"--step {step_text} is longer than the window {window_text}")
    if not layout.triggers:
        raise CheckUsageError(
            f"{path} has no triggers to backtest; add a triggers: section (docs/layouts.md)"
        )
    if not layout.prometheus.url:
        raise CheckUsageError(
            f"{path} names no Prometheus (prometheus.url); give --prometheus URL"
        )
    return asyncio.run(
        run_backtest(
            layout, window, step=step, as_json=as_json, echo=click.echo, timeout=timeout
        )
    )


@main.command()
@click.argument("layout", required=False)
@click.option("--scenario", "scenario_name", metavar="NAME",
              help="The scenario to rehearse: a shipped one's name (see --list) or a file.")
@click.option("--sim/--no-sim", "on_sim", default=None,
              help="Rehearse on the simulated cluster the layout's simulation.scenario builds "
              "(the default without --context).")
@click.option("--context", help="Rehearse on this kubeconfig context (staging): only the safe "
              "faults (delete a pod, cordon a node, scale a Deployment), each confirmed.")
@click.option("--kubeconfig", type=click.Path(dir_okay=False), help="Kubeconfig file.")
@click.option("--speed", type=click.FloatRange(min=0.1, max=1000),
              help="The sim's clock, × real time (default: the scenario's, else 5 on the "
              "screen and 30 headless).")
@click.option("--headless", is_flag=True, help="Run unattended with the scenario's scripted "
              "responder, print the scorecard; exit 0 when every expected response was met, "
              "1 when not, 2 when refused.")
@click.option("--json", "as_json", is_flag=True, help="With --headless: the scorecard as JSON.")
@click.option("--yes", is_flag=True, help="Against staging, --headless: confirm every fault "
              "without asking.")
@click.option("--list", "listing", is_flag=True, help="List the shipped scenarios and exit.")
@click.option(
    "--check",
    "check_path",
    metavar="SCENARIO",
    help="Check a scenario (a file, or a shipped one's name) against its layout and the "
    "simulated cluster it runs on; print each problem as file:line: what to fix.",
)
@click.option("--session", metavar="NAME", default=None,
              help="The session's journal to record in (default: a new drill-SCENARIO-DATE-TIME).")
@click.option("--operator", metavar="NAME",
              help="Who signs the records (default: your login name).")
def drill(
    layout: str | None,
    scenario_name: str | None,
    on_sim: bool | None,
    context: str | None,
    kubeconfig: str | None,
    speed: float | None,
    headless: bool,
    as_json: bool,
    yes: bool,
    listing: bool,
    check_path: str | None,
    session: str | None,
    operator: str | None,
) -> None:
    """Rehearse a go-live (docs/drills.md): `warroom drill LAYOUT --scenario NAME` runs the
    layout's war room with the scenario's faults on its timeline, a DRILL badge, the timers
    and the scorecard; --headless runs it unattended. --list shows the library, one line a
    scenario: its name, the layout it rehearses, one sentence."""
    from warroom.drills.library import library

    if listing:
        for entry in library():
            if entry.scenario is None:
                click.echo(f"{entry.path.stem}: {entry.problem.splitlines()[0]}")
                continue
            s = entry.scenario
            click.echo(f"{s.name:<30} {s.layout:<24} {s.says}")
        return
    if check_path is not None:
        click.echo(_checked_scenario(check_path)[0])
        return
    if scenario_name is None:
        raise click.UsageError("give --scenario NAME (see warroom drill --list), or --list, "
                               "or --check SCENARIO")
    if as_json and not headless:
        raise click.UsageError("--json is for --headless")
    if on_sim and context is not None:
        raise click.UsageError("--sim rehearses on the simulated cluster; leave out --context, "
                               "or --sim to rehearse on that context")
    if speed is not None and context is not None:
        raise click.UsageError("--speed is the simulated cluster's; a real context runs at its own")
    _, scenario, found, layout_path = _checked_scenario(scenario_name)
    if layout is not None:
        from warroom.layout import LayoutError, load_layout
        from warroom.layouts import find_layout

        chosen = find_layout(layout) if not Path(layout).is_file() else Path(layout)
        if chosen is None:
            raise click.ClickException(f"{layout}: no such layout file or shipped layout; see "
                                       "warroom demo --list")
        try:
            found = load_layout(chosen)
        except LayoutError as exc:
            raise click.ClickException(str(exc)) from exc
        if found.name != scenario.layout and chosen.stem != scenario.layout:
            raise click.ClickException(
                f"the scenario {scenario.name} rehearses {scenario.layout}, not {layout}; "
                f"give that layout, or leave LAYOUT out"
            )
        layout_path = chosen
    from warroom.live.session import default_operator
    from warroom.rehearse import Rehearsal, rehearse_headless, rehearse_on_screen

    asked = Rehearsal(
        scenario=scenario,
        layout=found,
        layout_path=layout_path,
        sim=on_sim if on_sim is not None else context is None,
        context=context,
        kubeconfig=kubeconfig,
        speed=speed,
        # A fresh session each run by default: a drill resumed would carry the last run's
        # acknowledgements and countdowns into this one.
        session=session or f"drill-{scenario.name}-{time.strftime('%Y%m%d-%H%M%S')}",
        operator=operator or default_operator(),
        headless=headless,
    )

    async def confirm(question: str) -> bool:
        if yes:
            return True
        return await asyncio.to_thread(click.confirm, question, default=False)

    if headless:
        raise SystemExit(asyncio.run(rehearse_headless(asked, as_json=as_json, echo=click.echo,
                                                       confirm=confirm)))
    from functools import partial

    from warroom.ui.drilling import drill_screen

    screen = partial(drill_screen, keymap=_keymap())  # a bad keymap stops before the sim starts
    raise SystemExit(asyncio.run(rehearse_on_screen(asked, confirm=None, screen=screen,
                                                    echo=click.echo)))


def _checked_scenario(name_or_path: str) -> tuple[str, Scenario, Layout, Path]:
    """The scenario checked against its layout and its simulated cluster's nodes: in one
    line, with the scenario, its layout and the layout's file; ClickException with every
    problem as file:line when it does not hold."""
    from warroom.drills.library import find_scenario
    from warroom.drills.loading import ScenarioError, parse_scenario, read_scenario_file
    from warroom.layout import LayoutError, load_layout
    from warroom.layouts import find_layout
    from warroom.sim import scenario as sim_scenarios

    path = find_scenario(name_or_path)
    if path is None:
        raise click.ClickException(
            f"{name_or_path}: no such scenario file or shipped scenario; see warroom drill --list"
        )
    try:
        text = read_scenario_file(path)
        scenario = parse_scenario(text, str(path))
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    beside = path.parent / scenario.layout
    layout_path = beside if beside.is_file() else find_layout(scenario.layout)
    if layout_path is None:
        raise click.ClickException(
            f"{path}: layout: {scenario.layout!r} is neither a shipped layout nor a file beside "
            "the scenario; see warroom demo --list"
        )
    try:
        layout: Layout = load_layout(layout_path)
    except LayoutError as exc:
        raise click.ClickException(str(exc)) from exc
    nodes = None
    if layout.simulation is not None:
        try:
            cluster = sim_scenarios.load(layout.simulation.scenario)
        except sim_scenarios.ScenarioError as exc:
            raise click.ClickException(str(exc)) from exc
        nodes = sim_scenarios.node_names(cluster)
    try:
        parse_scenario(text, str(path), layout=layout, nodes=nodes)
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    on = f" on its simulated cluster ({len(nodes)} nodes)" if nodes is not None else ""
    line = (
        f"{path}: ok: {len(scenario.faults)} fault(s), {len(scenario.responses)} expected "
        f"response(s); rehearses {scenario.layout}{on}"
    )
    return line, scenario, layout, layout_path


@main.command()
def schema() -> None:
    """Print the layout file's JSON Schema (for editors' completion and checks)."""
    import json

    from warroom.layout.jsonschema import layout_schema

    click.echo(json.dumps(layout_schema(), indent=2, ensure_ascii=False))


@main.command(cls=CheckCommand)
@click.argument("layout", type=click.Path())
@click.option("--phase", help="Check only this phase (its id).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with the evidence.")
@cluster_options
@click.option(
    "--run-commands", is_flag=True, help="Also run the layout's command checks (trivy, cosign…)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds to wait for the sources' first answers (with --backtest: for each query).",
)
@click.option(
    "--backtest",
    metavar="DURATION",
    help="Instead of checking, replay each rollback trigger over the last DURATION of "
    "Prometheus' history (30m, 6h, 7d) and print when it would have fired.",
)
@click.option(
    "--step",
    metavar="DURATION",
    help="With --backtest: judge every STEP (default: from the window, 60s for 7d).",
)
def check(
    layout: str,
    phase: str | None,
    as_json: bool,
    context: str | None,
    namespace: str | None,
    prometheus_url: str | None,
    kubeconfig: str | None,
    run_commands: bool,
    timeout: float,
    backtest: str | None,
    step: str | None,
) -> None:
    """Evaluate LAYOUT's automatic checks once, headless: exit 0 all pass, 1 any fail,
    2 any unknown (no data), 3 a source unreachable, 4 the layout or the command line is
    wrong.

    `for` durations and soaks are judged from Prometheus' history. Items a person ticks are
    listed, not judged. Runs without a terminal: a gate for CI.

    With --backtest DURATION: each trigger judged, as the war room judges it, at every step
    of that much history, with the times it would have been raised and cleared. Exit 0 the
    backtest ran (whether or not anything fired), 2 a trigger's query failed, 3 Prometheus
    could not be reached, 4 the layout (no triggers, no Prometheus) or the command line is
    wrong.
    """
    from warroom.layout import Layout
    from warroom.live.check_command import run_check

    try:
        loaded = _load(layout, context=context, namespace=namespace, prometheus=prometheus_url)
    except click.ClickException as exc:
        raise CheckUsageError(exc.message) from exc
    assert isinstance(loaded, Layout)
    if backtest is not None or step is not None:
        sys.exit(
            _backtest(layout, loaded, backtest, step, as_json=as_json, phase=phase, timeout=timeout)
        )
    if phase is not None and phase not in {p.id for p in loaded.phases}:
        known = ", ".join(p.id for p in loaded.phases) or "none"
        raise CheckUsageError(f"{layout} has no phase {phase!r} (its phases: {known})")
    code = asyncio.run(
        run_check(
            loaded,
            kubeconfig=kubeconfig,
            phase=phase,
            as_json=as_json,
            run_commands=run_commands,
            timeout=timeout,
            echo=click.echo,
        )
    )
    sys.exit(code)


@main.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default="a free port",
    help="Port to serve the Kubernetes API on (127.0.0.1 only).",
)
@click.option(
    "--kubeconfig",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_KUBECONFIG,
    show_default=True,
    help="Where to write the kubeconfig (contexts warroom-sim and warroom-sim-viewer; each "
    "user's token in FILE.CONTEXT.token beside it, all 0600).",
)
@click.option(
    "--scenario",
    default="bizra-inference-10k",
    show_default=True,
    help="A packaged scenario's name (each shipped layout's is its own: layouts/NAME.yaml is "
    "rehearsed on scenario NAME) or the path of a scenario YAML file.",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    help="How many times faster than real time the cluster runs.",
)
@click.option(
    "--prometheus",
    "with_prometheus",
    is_flag=True,
    help="Also run a real Prometheus (the prometheus binary) scraping the sim every second.",
)
@click.option(
    "--insecure-http",
    is_flag=True,
    help="Serve plain HTTP, where a request without a credential is the operator's (as "
    "before the sim asked for one); a viewer's token still makes it the viewer's.",
)
def sim(
    port: int,
    kubeconfig: Path,
    scenario: str,
    speed: float,
    with_prometheus: bool,
    insecure_http: bool,
) -> None:
    """Serve a simulated Kubernetes cluster that kubectl and warroom can drive.

    \b
    It speaks HTTPS with a certificate authority made for the run (its certificate is in the
    kubeconfig as certificate-authority-data) and asks every request for a credential, as a
    real API server does. The kubeconfig has two contexts:
      warroom-sim         the operator: may do everything, and drive the sim's /_sim/ API
      warroom-sim-viewer  a viewer: may get, list and watch, nothing else
    so `kubectl --context warroom-sim-viewer auth can-i patch deployments` says no, and
    `warroom LAYOUT --context warroom-sim-viewer` shows the room as a viewer sees it. Client
    certificates the run's CA signs work too (POST /_sim/certificates, as the operator).
    """
    from warroom.sim.cluster import SimCluster
    from warroom.sim.scenario import ScenarioError

    try:
        cluster = SimCluster(
            scenario, port=port, speed=speed, kubeconfig=kubeconfig, tls=not insecure_http
        )
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        asyncio.run(_serve(cluster, with_prometheus))
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on 127.0.0.1:{port} ({exc.strerror}); choose another --port"
        ) from exc
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


CONTEXTS_LINE = "warroom-sim (operator, the current one) and warroom-sim-viewer (read only)"


async def _serve(cluster: object, with_prometheus: bool) -> None:
    from warroom.sim.cluster import SimCluster
    from warroom.sim.prometheus import INSTALL_HINT, PrometheusError, PrometheusProcess, find_binary

    assert isinstance(cluster, SimCluster)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Event loops without signal support (Windows) raise here; Ctrl-C still ends the run.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with cluster:
        click.echo(
            f"warroom sim: scenario {cluster.scenario.name} at {cluster.url} "
            f"(speed ×{cluster.speed:g}); try: kubectl --kubeconfig {cluster.kubeconfig} "
            "get pods -A   (Ctrl-C stops it)"
        )
        click.echo(
            f"warroom sim: contexts {CONTEXTS_LINE}"
            + ("" if cluster.tls else "; plain HTTP (--insecure-http)")
        )
        real: PrometheusProcess | None = None
        if with_prometheus and find_binary() is None:
            click.echo(f"warroom sim: prometheus is not on PATH; {INSTALL_HINT}.")
        elif with_prometheus:
            real = PrometheusProcess(cluster.metrics_target)
            try:
                await real.start()
            except PrometheusError as exc:
                click.echo(f"warroom sim: {exc}; using the built-in PromQL subset instead.")
                real = None
        if real is not None:
            click.echo(f"warroom sim: Prometheus {real.url} (real, scraping every second)")
        else:
            click.echo(
                f"warroom sim: Prometheus API {cluster.prometheus_url} (built-in PromQL subset)"
            )
        sys.stdout.flush()
        try:
            await stop.wait()
        finally:
            if real is not None:
                await real.stop()
    click.echo("warroom sim: stopped")


@main.command()
@click.option(
    "--speed",
    type=click.FloatRange(min=0.1),
    default=None,
    show_default="the layout's simulation.speed, 5",
    help="How many times faster than real time the simulated go-live runs.",
)
@click.option(
    "--layout",
    "layout_name",
    metavar="NAME",
    default="bizra-inference-10k",
    show_default=True,
    help="A shipped layout's name (see `warroom demo --list`) or a layout file with a "
    "simulation.scenario: its go-live rehearsed on that scenario.",
)
@click.option("--list", "list_layouts", is_flag=True, help="List the shipped layouts and exit.")
@session_options("demo, or demo-NAME for --layout NAME")
def demo(
    speed: float | None,
    layout_name: str,
    list_layouts: bool,
    session: str | None,
    operator: str | None,
    go_live: str | None,
) -> None:
    """Open the war room on a simulated go-live (no cluster needed): by default the BIZRA
    inference go-live; `--layout NAME` rehearses another of the shipped seed go-lives."""
    from warroom.demo import run_demo
    from warroom.journal import JournalError
    from warroom.live.session import GoLiveError

    if list_layouts:
        for name, line in _demo_layouts():
            click.echo(f"{name:<24} {line}")
        return
    path, loaded = _demo_layout(layout_name)
    assert loaded.simulation is not None
    stem = path.stem
    default = "demo" if stem == "bizra-inference-10k" else f"demo-{stem}"
    name = _session_name(session or default)
    keymap = _keymap()
    _terminal()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                run_demo(
                    speed=speed if speed is not None else loaded.simulation.speed,
                    keymap=keymap,
                    session=name,
                    operator=operator,
                    go_live=go_live,
                    layout_path=path,
                )
            )
    except (JournalError, GoLiveError) as exc:
        raise click.ClickException(str(exc)) from exc


def _demo_layouts() -> list[tuple[str, str]]:
    """(name, what it rehearses) of every shipped layout with a simulation."""
    from warroom.layout import LayoutError, load_layout
    from warroom.layouts import shipped_layout, shipped_names

    out = []
    for name in shipped_names():
        try:
            loaded = load_layout(shipped_layout(f"{name}.yaml"))
        except LayoutError:
            continue
        if loaded.simulation is not None:
            out.append((name, f"{loaded.name} (sim scenario {loaded.simulation.scenario})"))
    return out


def _demo_layout(name_or_path: str) -> tuple[Path, Any]:
    """The layout `warroom demo --layout` names, with the simulation that rehearses it."""
    from warroom.layout import LayoutError, load_layout
    from warroom.layouts import find_layout, shipped_names

    path = find_layout(name_or_path)
    if path is None:
        raise click.ClickException(
            f"no layout {name_or_path!r}: give a layout file or one of {', '.join(shipped_names())}"
        )
    try:
        loaded = load_layout(path)
    except LayoutError as exc:
        raise click.ClickException(str(exc)) from exc
    if loaded.simulation is None:
        raise click.ClickException(
            f"{path} has no simulation.scenario, so there is no simulated cluster to run it "
            f"on; add one, or run it against a cluster with `warroom {path}`"
        )
    return path, loaded


def _session_name(name: str) -> str:
    """A session name or path that can be a journal, checked before anything starts."""
    from warroom.journal import SessionNameError, session_path

    try:
        session_path(name)
    except SessionNameError as exc:
        raise click.ClickException(str(exc)) from exc
    return name


if __name__ == "__main__":
    main()
