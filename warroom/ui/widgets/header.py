"""The top line: DRILL / READ-ONLY badges, the cluster's time, context and who it is with what
it may change ("warroom-sim-viewer · read-only"), namespaces, session and which Prometheus
answers."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.style import Style
from rich.text import Text

from warroom.state.identity import Identity
from warroom.state.room import HeaderInfo
from warroom.ui.widgets.tones import Toned

BOLD = Style(bold=True)


class WarHeader(Toned):
    """Redraws once a second for its clock; `server` is set as Prometheus answers."""

    COMPONENT_CLASSES = {
        "header--production",
        "header--drill",
        "header--read-only",
        "header--context",
    }
    DEFAULT_CSS = """
    WarHeader { height: 1; }
    WarHeader > .header--production {
        background: $error; color: $background; text-style: bold;
    }
    WarHeader > .header--drill { background: $warning; color: $background; text-style: bold; }
    WarHeader > .header--read-only { background: $primary; color: $background; text-style: bold; }
    WarHeader > .header--context { color: $accent; text-style: bold; }
    """

    def __init__(
        self, info: HeaderInfo, clock: Callable[[], float] = time.time, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.info = info
        self.clock = clock
        self.server = ""
        self.server_down = False
        self.operator = ""
        self.identity: Identity | None = None

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh)

    def set_server(self, label: str, *, down: bool = False) -> None:
        """Which Prometheus answered last; `down` while it does not (the name stays, marked)."""
        label = label or self.server
        if (label, down) != (self.server, self.server_down):
            self.server, self.server_down = label, down
            self.refresh()

    def set_operator(self, name: str) -> None:
        """Who is signing the session's records (a shared tmux hands the keyboard over)."""
        if name != self.operator:
            self.operator = name
            self.refresh()

    def set_identity(self, identity: Identity | None) -> None:
        """Who the context is and what it may change, as the room asked at its start."""
        if identity != self.identity:
            self.identity = identity
            self.refresh()

    def _identity(self, text: Text) -> None:
        """The context, then the user it is (when the name differs) and what it may do."""
        context = self.get_component_rich_style("header--context")
        identity = self.identity
        if identity is None:
            text.append(f"  ⎈ {self.info.context}", style=context)
            return
        shown = identity.badge
        if identity.username != identity.context:
            shown = f"{identity.context} as {shown}"
        said = identity.summary
        tone = "ok" if said == "operator" else "dim" if identity.problem else "warn"
        text.append("  ⎈ ", style=context)
        text.append(shown.removesuffix(said), style=context)
        text.append(said, style=self.tone(tone) + BOLD)

    def render(self) -> Text:
        info = self.info
        text = Text(no_wrap=True, overflow="ellipsis")
        if info.production:
            text.append(" PRODUCTION ", style=self.get_component_rich_style("header--production"))
            text.append(" ")
        if info.drill:
            text.append(" DRILL ", style=self.get_component_rich_style("header--drill"))
            text.append(" ")
        if info.read_only:
            text.append(" READ-ONLY ", style=self.get_component_rich_style("header--read-only"))
            text.append(" ")
        text.append(time.strftime("%H:%M:%S", time.localtime(self.clock())), style=Style(bold=True))
        if info.clock:
            text.append(f" {info.clock}", style=self.tone("dim"))
        self._identity(text)
        if self.operator:
            text.append(f"  ✎ {self.operator}", style=BOLD)
        # Which Prometheus, and whether it answers, before what fits at the end if it can.
        if self.server_down:
            text.append(f"  {self.server or 'Prometheus'} ✗ unreachable", style=self.tone("bad"))
        elif self.server:
            text.append(f"  {self.server}", style=self.tone("dim"))
        text.append(f"  ns {','.join(info.namespaces)}")
        text.append(f"  session {info.session}", style=self.tone("dim"))
        return text
