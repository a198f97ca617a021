"""Tab 6: the go-live checklist, phase by phase, every item's verdict live, under the
session's fields (the go-live record's date, version, environment …)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult

from warroom.checklist.evaluator import Evaluation
from warroom.layout.checklist import Phase
from warroom.ui.panes.pane import ListPane
from warroom.ui.widgets.checklist import ChecklistList, rows_of
from warroom.ui.widgets.session_fields import FieldShown, SessionFieldsPanel


class ChecklistPane(ListPane):
    def __init__(self, clock: Callable[[], float]) -> None:
        self.list = ChecklistList(clock, id="checklist-list")
        self.fields = SessionFieldsPanel(id="session-fields")
        self.fields.display = False  # until the layout's fields are shown
        super().__init__("Checklist", id="checklist", rows=self.list)

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.fields
        yield self.filter
        yield self.rows

    def update(
        self,
        phases: tuple[Phase, ...],
        evaluation: Evaluation | None,
        overridden: set[str],
        version: int,
        said: str,
        fields: tuple[FieldShown, ...] = (),
    ) -> None:
        if evaluation is not None and self.changed("checklist", version):
            self.fields.show(fields)
            self.list.show(rows_of(phases, evaluation, overridden), evaluation.now)
        elif self.changed("clock", int(self.list.clock())):
            self.list.refresh()  # the countdowns move with the clock
        self.say(said)

    def say(self, *parts: str) -> None:
        """The status line: the phase in progress, who signs, the journal; and the filter."""
        line = " · ".join(p for p in (*parts, self.list.order_words()) if p)
        if str(self.status.content) != line:
            self.status.update(Text(line), layout=False)
