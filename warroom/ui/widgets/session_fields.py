"""The session's fields at the top of the checklist tab: each title with its value, an empty
one plainly `not set` (in the warning tone when the go-live waits for it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text

from warroom.checklist.session import SessionState
from warroom.layout.session_fields import SessionField
from warroom.ui.widgets.panels import Panel

BOLD = Style(bold=True)
LONGEST_SHOWN = 40  # characters of a value on the line; the whole of it is in the report


@dataclass(frozen=True, slots=True)
class FieldShown:
    """One session field as drawn: its title and its value (None: not set)."""

    id: str
    title: str
    value: str | None
    required: bool


def fields_of(specs: Mapping[str, SessionField], session: SessionState) -> tuple[FieldShown, ...]:
    """The layout's session fields, in its order, with what the session recorded."""
    out = []
    for name, spec in specs.items():
        now = session.field_value(name)
        out.append(
            FieldShown(name, spec.title, now.value if now is not None else None, spec.required)
        )
    return tuple(out)


def shown_value(value: str) -> str:
    """A value on one line, cut to LONGEST_SHOWN characters."""
    flat = " ".join(value.split())
    return flat if len(flat) <= LONGEST_SHOWN else flat[: LONGEST_SHOWN - 1] + "…"


class SessionFieldsPanel(Panel):
    """`Session: Version 2.1.0 · Environment not set · …`, wrapped over as many lines as it
    needs; hidden when the layout has no session fields."""

    DEFAULT_CSS = """
    SessionFieldsPanel { height: auto; max-height: 4; padding: 0 1; }
    """

    def show(self, data: tuple[FieldShown, ...] | None) -> None:
        super().show(data)
        self.display = bool(self._data)

    def draw(self, data: tuple[FieldShown, ...] | None) -> RenderableType:
        text = Text()
        text.append("Session: ", style=self.tone("dim"))
        for i, field in enumerate(data or ()):
            if i:
                text.append(" · ", style=self.tone("dim"))
            text.append(field.title, style=BOLD)
            if field.value is None:
                required = field.required
                text.append(" not set", style=self.tone("warn" if required else "dim"))
                if not required:
                    text.append(" (optional)", style=self.tone("dim"))
            else:
                text.append(f" {shown_value(field.value)}")
        return text
