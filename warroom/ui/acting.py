"""An action on the screen: its preflight (run as the box opens), the preview in plain words,
what the dry run says will happen, what else may undo it, then the confirmation (y, or the
target's name typed for a destructive action on production), the run with its progress, and
the outcome. The run belongs to the app, not to the box: Esc closes the box at any time and
the action goes on, its outcome a notification; nothing can leave the screen wedged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from warroom.actions.plan import Plan
from warroom.actions.preflight import Preflight
from warroom.actions.run import Outcome, confirmation_problem
from warroom.kube.errors import KubeError
from warroom.live.actions import RoomActions

if TYPE_CHECKING:
    from warroom.ui.app import WarRoomApp


class ActionScreen(ModalScreen[None]):
    """The preflight, confirmation, progress and outcome of one planned action."""

    AUTO_FOCUS = None  # the name's input takes the focus only when it is asked for
    BINDINGS = [
        Binding("y,enter", "confirm", "Run it", show=False),
        Binding("n,escape", "close", "Close", show=False),
        Binding("c", "cancel_run", "Cancel the action", show=False),
    ]

    def __init__(self, actions: RoomActions, plan: Plan) -> None:
        super().__init__()
        self.actions = actions
        self.plan = plan
        self.checked: Preflight | None = None
        self.stage = "checking"  # checking, ready, denied, running, done
        self.typed_name = actions.needs_typed_name(plan)
        self.body = Static(id="ask-body")
        self.question = Static(id="ask-question")
        # Hidden and disabled until the name is asked for: a focused input would take the y.
        self.input = Input(placeholder=plan.target.name, id="ask-input", disabled=True)
        self.input.display = False
        self.said = Static(id="ask-said")
        self.progress: list[str] = []
        self.outcome: Outcome | None = None
        self.cancel_asked = False  # c while it runs: the runner stops at its next check
        self.held = ""  # another warroom's hold on the target, in a sentence

    def compose(self) -> ComposeResult:
        with Vertical(id="ask") as box:
            box.border_title = f"{self.plan.action} — {self.plan.target.described}"
            box.border_subtitle = "Esc closes"
            yield self.body
            yield self.question
            yield self.input
            yield self.said

    def on_mount(self) -> None:
        self._draw()
        self.run_worker(self._preflight(), exclusive=True)

    async def _preflight(self) -> None:
        try:
            self.checked = await self.actions.preflight(self.plan)
            held = await self.actions.held_by_another(self.plan)
        except KubeError as exc:
            self.stage = "denied"
            self.said.update(Text(f"The preflight could not run: {exc}"))
            self._draw()
            return
        self.held = held
        self.stage = "ready" if self.checked.ok and not held else "denied"
        self._draw()
        if self.stage == "ready" and self.typed_name:
            self.input.disabled = False
            self.input.display = True
            self.input.focus()

    def _draw(self) -> None:
        body = Text()
        for line in self.plan.preview:
            body.append(f"{line}\n", style="bold")
        checked = self.checked
        if checked is not None:
            for line in checked.after:
                body.append(f"{line}\n")
            for line in checked.held:  # a drain's evictions a budget will hold for a while
                body.append(f"⏸ {line}\n", style="yellow")
        for line in self.plan.warnings:
            body.append(f"⚠ {line}\n", style="yellow")
        for line in self.progress[-6:]:
            body.append(f"… {line}\n", style="dim")
        body.rstrip()
        self.body.update(body if body.plain else Text("…"))
        self.question.update(Text(self._question()))
        if self.stage == "denied" and checked is not None:
            refused = checked.sentence or ""
            said = f"Refused before anything was sent: {refused}" if refused else (
                f"Not now: {self.held}")  # fmt: skip
            self.said.update(Text(said))

    def _question(self) -> str:
        name = self.plan.target.name
        return {
            "checking": "Preflight: asking the API server whether each call may and would go…",
            "ready": (
                f"Production: type {name} and Enter to {self.plan.action} it · Esc cancels"
                if self.typed_name
                else f"{self.plan.action} {name} now? y/Enter runs it · n/Esc cancels"
            ),
            "denied": "Nothing was changed. Esc closes.",
            "running": (
                "Cancelling… it stops at its next step."
                if self.cancel_asked
                else "Running… c cancels it · Esc closes this box; the action goes on."
            ),
            "done": "Esc closes.",
        }[self.stage]

    @on(Input.Submitted)
    def typed(self, event: Input.Submitted) -> None:
        event.stop()
        problem = confirmation_problem(self.plan, self.actions.production, event.value)
        if problem:
            self.said.update(Text(problem))
            return
        self.said.update("")
        self._start()

    def action_confirm(self) -> None:
        if self.stage == "ready" and not self.typed_name:
            self._start()

    def _start(self) -> None:
        checked = self.checked
        if self.stage != "ready" or checked is None:
            return
        self.stage = "running"
        self.input.disabled = True
        self.input.display = False
        self._draw()
        app: WarRoomApp = self.app  # type: ignore[assignment]
        app.run_worker(app.carry_out(self, checked), group="actions")

    def show_progress(self, words: str) -> None:
        self.progress.append(words)
        self._draw()

    def finished(self, outcome: Outcome) -> None:
        self.stage = "done"
        self.outcome = outcome
        self.said.update(Text(outcome.sentence, style="green" if outcome.ok else "red"))
        self._draw()

    def action_cancel_run(self) -> None:
        if self.stage == "running" and not self.cancel_asked:
            self.cancel_asked = True
            self._draw()

    def action_close(self) -> None:
        self.dismiss(None)
