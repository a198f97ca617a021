"""Asking the operator: a line of text (a note, a reason, a name), one of a few choices (a
session field's), or a yes before something is recorded or run. Enter answers, Esc cancels;
the answer comes back through dismiss()."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


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


class ChooseScreen(ModalScreen[str | None]):
    """`question` above a list of `options` (id, how it reads); Enter picks the one
    highlighted, Esc cancels. The answer is the id picked (None on Esc)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        question: str,
        options: Sequence[tuple[str, str]],
        *,
        current: str | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.choices = OptionList(
            *(Option(Text(label), id=key) for key, label in options), id="ask-choices"
        )
        keys = [key for key, _ in options]
        self.start = keys.index(current) if current in keys else 0

    def compose(self) -> ComposeResult:
        with Vertical(id="ask") as box:
            box.border_title = self.title_text
            box.border_subtitle = "↑↓ choose · Enter picks · Esc cancels"
            yield Static(Text(self.question), id="ask-question")
            yield self.choices

    def on_mount(self) -> None:
        self.choices.highlighted = self.start
        self.choices.focus()

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
