"""`l`: the selected pod's log, following, as `kubectl logs -f` shows it. A pod with several
containers asks which first (Enter or its number); Esc goes back."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Log, OptionList, Static
from textual.widgets.option_list import Option

from warroom.kube.errors import KubeError
from warroom.kube.logs import LogSource


class LogScreen(Screen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Back")]

    def __init__(
        self, namespace: str, pod: str, containers: Sequence[str], source: LogSource
    ) -> None:
        super().__init__()
        self.namespace, self.pod = namespace, pod
        self.containers = list(containers)
        self.source = source
        self.status = Static(classes="status-line", id="log-status")
        self.picker = OptionList(
            *(Option(f"{i}  {name}", id=name) for i, name in enumerate(self.containers, 1)),
            id="log-containers",
        )
        self.log_view = Log(id="log", max_lines=10_000, auto_scroll=True)
        self.lines = 0
        self.container = ""

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.picker
        yield self.log_view

    def on_mount(self) -> None:
        if len(self.containers) == 1:
            self.follow(self.containers[0])
            return
        self.log_view.display = False
        self.say(f"{self.namespace}/{self.pod} has {len(self.containers)} containers: which log?")
        self.picker.focus()

    def say(self, line: str, where: str = "") -> None:
        """The status line: what is happening first, so that a narrow pane keeps it."""
        # Plain text: `[inference-server]` is a container's name, not markup.
        self.status.update(Text(" · ".join(p for p in (line, "Esc back", where) if p)))

    def on_key(self, event: events.Key) -> None:
        key = event.key
        if self.picker.display and key.isdigit() and 0 < int(key) <= len(self.containers):
            self.follow(self.containers[int(key) - 1])

    @on(OptionList.OptionSelected, "#log-containers")
    def picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.follow(event.option.id)

    def follow(self, container: str) -> None:
        self.container = container
        self.picker.display = False
        self.log_view.display = True
        self.log_view.clear()
        self.lines = 0
        self.log_view.focus()
        self.say(f"[{container}] connecting", f"{self.namespace}/{self.pod}")
        self.read(container)

    @work(exclusive=True, group="logs", exit_on_error=False)
    async def read(self, container: str) -> None:
        where = f"{self.namespace}/{self.pod}"
        try:
            async for line in self.source(self.namespace, self.pod, container):
                self.log_view.write_line(line)
                self.lines += 1
                self.say(f"[{container}] following · {self.lines} lines", where)
        except KubeError as exc:
            self.say(str(exc))
            return
        self.say(f"[{container}] ended, the container stopped · {self.lines} lines", where)
