"""The bottom line: the app's keys, built from the key table with the keymap applied, and the
palette key kept at the right whatever the width.

Textual's Footer recomposes its keys on every focus change; at 10–25 ms a keypress that was a
quarter of the keypress budget, for keys that here change only when the keymap does.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widget import Widget


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { height: 1; background: $panel; }
    """

    def __init__(self, keys: Sequence[tuple[str, str]], palette: str, **kwargs: object) -> None:
        """`keys`: (key label, description) in order; `palette`: the palette key's label."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.keys = list(keys)
        self.palette = palette

    def render(self) -> Content:
        width = self.size.width
        palette = Content.assemble((self.palette, "bold $accent"), " palette ")
        if width < 100:  # narrow: the palette's key alone, so that every view key fits
            palette = Content.assemble((f"{self.palette} ", "bold $accent"))
        parts: list[Content] = []
        used = palette.cell_length
        for key, description in self.keys:
            item = Content.assemble((f" {key}", "bold $accent"), f" {description} ")
            if used + item.cell_length > width:
                break
            parts.append(item)
            used += item.cell_length
        parts.append(Content(" " * max(0, width - used)))
        parts.append(palette)
        return Content("").join(parts)
