"""What every tab's pane shares: it is handed the room's model on each tick and redraws the
parts whose version moved since it last drew them."""

from __future__ import annotations

from typing import Any

from textual.widgets import TabPane

from warroom.state.model import Part


class Pane(TabPane):
    """One tab of the war room."""

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__(title, id=id)
        self._drawn: dict[str, Any] = {}

    def changed(self, name: str, part: Part[Any] | int) -> bool:
        """Whether `part` (or a plain version number) moved since `name` was last drawn."""
        version = part if isinstance(part, int) else part.version
        if self._drawn.get(name) == version:
            return False
        self._drawn[name] = version
        return True
