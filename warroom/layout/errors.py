"""The one exception a layout ever raises: a list of problems, each pointing at file:line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a layout, printed as `file:line: path: message`."""

    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        parts = [where, self.path, self.message] if self.path else [where, self.message]
        return ": ".join(_one_line(part) for part in parts if part)


def _one_line(text: str) -> str:
    # A problem is one line on a terminal: escape line breaks (including U+0085, U+2028 that
    # str.splitlines() honours) and other control characters a key or a parser message holds.
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class LayoutError(Exception):
    """A layout could not be read; `str()` is one line per problem, sorted by line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        # Sorting by line reads like the file; None (no line) goes first because it is
        # about the file as a whole.
        unique = dict.fromkeys(problems)
        self.problems: tuple[Problem, ...] = tuple(
            sorted(unique, key=lambda p: (p.line or 0, p.path, p.message))
        )
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(
        cls, source: str, message: str, *, line: int | None = None, path: str = ""
    ) -> LayoutError:
        return cls([Problem(source, line, path, message)])


class FieldProblems(ValueError):
    """Raised by a model validator for checks spanning fields: each item names its own path.

    pydantic can only place a model validator's error at the model itself; the loader unpacks
    this to point every problem at the exact key (and so the exact line) it is about.
    """

    def __init__(self, items: Iterable[tuple[tuple[str | int, ...], str]]) -> None:
        self.items = list(items)
        super().__init__("; ".join(f"{_dotted(path)}: {msg}" for path, msg in self.items))


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in path)
