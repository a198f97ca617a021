"""Asking the operator: a line of text (a note, a reason, a name) or a yes before something
is recorded or run. Enter answers, Esc cancels; the answer comes back through dismiss()."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class AskScreen(ModalScreen[str | None]):
    """`question` above an input; dismisses with the text typed (None on Esc). With
    `required`, an empty answer is refused in place, saying `required`."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        question: str,
        *,
        placeholder: str = "",
        value: str = "",
        required: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.required = required
        self.input = Input(value=value, placeholder=placeholder, id="ask-input")
        self.said = Static(id="ask-said")

    def compose(self) -> ComposeResult:
        with Vertical(id="ask") as box:
            box.border_title = self.title_text
            box.border_subtitle = "Enter records · Esc cancels"
            yield Static(Text(self.question), id="ask-question")
            yield self.input
            yield self.said

    def on_mount(self) -> None:
        self.input.focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.required and not event.value.strip():
            self.said.update(Text(self.required))
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """Something shown exactly (a command, a statement) and a question: y or Enter goes on,
    n or Esc does not."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, title: str, body: Text | str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body if isinstance(body, Text) else Text(body)
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="ask") as box:
            box.border_title = self.title_text
            box.border_subtitle = "y/Enter yes · n/Esc no"
            yield Static(self.body, id="ask-body")
            yield Static(Text(self.question), id="ask-question")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
