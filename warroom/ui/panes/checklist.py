"""Tab 6: the go-live checklist, phase by phase, every item's verdict live."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from warroom.checklist.evaluator import Evaluation
from warroom.layout.checklist import Phase
from warroom.ui.panes.pane import ListPane
from warroom.ui.widgets.checklist import ChecklistList, rows_of


class ChecklistPane(ListPane):
    def __init__(self, clock: Callable[[], float]) -> None:
        self.list = ChecklistList(clock, id="checklist-list")
        super().__init__("Checklist", id="checklist", rows=self.list)

    def update(
        self,
        phases: tuple[Phase, ...],
        evaluation: Evaluation | None,
        overridden: set[str],
        version: int,
        said: str,
    ) -> None:
        if evaluation is not None and self.changed("checklist", version):
            self.list.show(rows_of(phases, evaluation, overridden), evaluation.now)
        elif self.changed("clock", int(self.list.clock())):
            self.list.refresh()  # the countdowns move with the clock
        self.say(said)

    def say(self, *parts: str) -> None:
        """The status line: the phase in progress, who signs, the journal; and the filter."""
        line = " · ".join(p for p in (*parts, self.list.order_words()) if p)
        if str(self.status.content) != line:
            self.status.update(Text(line), layout=False)
