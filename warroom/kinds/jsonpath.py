"""kubectl's JSONPath (k8s.io/client-go/util/jsonpath) for checks that read one path.

Written from client-go's parser and evaluator and held to their test cases
(tests/kinds/test_jsonpath.py). A check compares one value, so a path is one action: `{range}`,
`{end}` and text around actions are refused. Where kubectl stops with an error on data that is
not there (an index out of range, `[0]` of a map, a field of a list), `find` returns no match,
as a missing key does under `--allow-missing-template-keys`: a check reads it as "not set".

Deliberate differences, each for a check's sake:
- filters compare numbers as numbers (kubectl reads JSON numbers as float64 and the literal `3`
  as an int, so its `[?(@.restartCount>3)]` fails with "incompatible types for comparison");
- `['a.b']` is the key "a.b" when the object has one, else the path `.a.b` (client-go only does
  the latter, so there `.metadata.labels['app.kubernetes.io/name']` finds nothing);
- a bare first name is a field (`spec.replicas`), as kubectl's custom-columns accept it;
- `..` descends into maps and lists, not into the characters of a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias

from warroom.kinds.fieldcheck import compare

__all__ = ["JsonPath", "JsonPathError", "compare", "compile_jsonpath"]

TEMPLATES = "templates are not supported in a check; give one path such as .spec.replicas"
OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
_SLICE = re.compile(r"^(-?\d*)(?::(-?\d*))?(?::(-?\d*))?$")
_HEX = frozenset("0123456789abcdefABCDEF")
_TERMINATORS = frozenset(" \t\r\n.,[]$@{}")
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
}


class JsonPathError(ValueError):
    """A path that cannot be read; str() is one sentence saying what is wrong and where."""


@dataclass(frozen=True, slots=True)
class Field:
    name: str


@dataclass(frozen=True, slots=True)
class Key:
    """`['name']`: the key itself if the object has it, else `name` read as a path."""

    name: str
    path: Path


@dataclass(frozen=True, slots=True)
class Slice:
    start: int | None
    end: int | None
    step: int | None
    single: bool  # `[n]`, not `[n:m]`


@dataclass(frozen=True, slots=True)
class Wildcard:
    pass


@dataclass(frozen=True, slots=True)
class Recursive:
    pass


@dataclass(frozen=True, slots=True)
class Union:
    parts: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class Filter:
    left: Path
    op: str  # one of OPERATORS, or "exists"
    right: Path


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | int | float | bool


Step: TypeAlias = Field | Key | Slice | Wildcard | Recursive | Union | Filter | Literal
Path: TypeAlias = tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A compiled path; `find` lists what it matches in a parsed JSON object."""

    text: str
    steps: Path

    def find(self, obj: Any) -> list[Any]:
        return _run(self.steps, [obj])


def compile_jsonpath(text: str) -> JsonPath:
    """Read `.spec.replicas`, `{.spec.replicas}`, `$.items[0]`…; raises `JsonPathError`."""
    body = text.strip()
    lead = len(text) - len(text.lstrip())
    if not body:
        raise JsonPathError("the path is empty; give one such as .spec.replicas")
    if body[0] == "{":
        close = _outside_quotes(body, "}", 1)
        if close < 0:
            raise JsonPathError(f"unclosed {{ at column {lead + 1}")
        if body[close + 1 :].strip():
            raise JsonPathError(TEMPLATES)
        body, lead = body[1:close], lead + 1
        if not body.strip():
            raise JsonPathError("the path is empty; give one such as .spec.replicas")
    return JsonPath(text, _Parser(body, lead).path(relaxed=True))


# --- evaluation ---------------------------------------------------------------------------


def _run(steps: Path, values: list[Any]) -> list[Any]:
    for step in steps:
        values = _apply(step, values)
    return values


def _apply(step: Step, values: list[Any]) -> list[Any]:
    out: list[Any] = []
    match step:
        case Field(name):
            out = [v[name] for v in values if isinstance(v, dict) and name in v]
        case Key(name, path):
            for v in values:
                if isinstance(v, dict) and name in v:
                    out.append(v[name])
                else:
                    out.extend(_run(path, [v]))
        case Slice():
            for v in values:
                if isinstance(v, list):
                    out.extend(_slice(v, step))
        case Wildcard():
            for v in values:
                out.extend(_children(v))
        case Recursive():
            for v in values:
                out.extend(_descend(v))
        case Union(parts):
            for part in parts:
                out.extend(_run(part, values))
        case Filter():
            for v in values:
                if isinstance(v, list):
                    out.extend(item for item in v if _keeps(step, item))
        case Literal(value):
            out = [value] * len(values)
    return out


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return value
    return []


def _descend(value: Any) -> Iterator[Any]:
    # As client-go: every map or list with something in it, depth first, leaves left out.
    children = _children(value)
    if children:
        yield value
        for child in children:
            yield from _descend(child)


def _slice(items: list[Any], s: Slice) -> list[Any]:
    n = len(items)
    start = s.start or 0
    if start < 0:
        start += n
    if s.single:
        return [items[start]] if 0 <= start < n else []
    end = n if s.end is None else s.end + n if s.end < 0 else s.end
    if start == end or not (0 <= start < n and 0 <= end <= n and start <= end):
        return []  # kubectl: "array index out of bounds"
    return items[start : end : s.step or 1]


def _keeps(f: Filter, item: Any) -> bool:
    lefts = _run(f.left, [item])
    if f.op == "exists":
        return bool(lefts)
    rights = _run(f.right, [item])
    if len(lefts) != 1 or len(rights) != 1:
        return False  # kubectl: "can only compare one element at a time"
    return _holds(lefts[0], f.op, rights[0])


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "other"


def _holds(left: Any, op: str, right: Any) -> bool:
    kind = _kind(left)
    if kind != _kind(right) or kind == "other":
        return False  # kubectl: "incompatible types for comparison"
    if op in ("==", "!="):
        return bool(left == right) == (op == "==")
    if kind == "bool":
        return False  # kubectl: "invalid type for comparison"
    return bool(
        {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    )


# --- parsing ------------------------------------------------------------------------------


def _outside_quotes(text: str, chars: str, start: int = 0) -> int:
    """The index of the first of `chars` at or after `start` outside quotes, else -1."""
    quote = ""
    i = start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in chars:
            return i
        i += 1
    return -1


def _split_outside_quotes(text: str, sep: str) -> list[tuple[int, str]]:
    parts, start = [], 0
    while (i := _outside_quotes(text, sep, start)) >= 0:
        parts.append((start, text[start:i]))
        start = i + 1
    parts.append((start, text[start:]))
    return parts


class _Parser:
    """Reads one action; `offset` places its text in the user's, for columns in errors."""

    def __init__(self, text: str, offset: int) -> None:
        self.text = text
        self.offset = offset
        self.pos = 0

    def column(self, pos: int | None = None) -> int:
        return self.offset + (self.pos if pos is None else pos) + 1

    def fail(self, what: str, pos: int | None = None) -> JsonPathError:
        return JsonPathError(f"{what} at column {self.column(pos)}")

    def path(self, relaxed: bool = False) -> Path:
        steps: list[Step] = []
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c in " \t":
                self.pos += 1
            elif text.startswith("..", self.pos):
                if steps and isinstance(steps[-1], Recursive):
                    raise self.fail("two recursive descents (..) in a row")
                steps.append(Recursive())
                self.pos += 2
                if self.pos < len(text) and (text[self.pos].isalnum() or text[self.pos] == "_"):
                    steps.append(Field(self.name()))
            elif c == ".":
                self.pos += 1
                name = self.name()
                if name == "*":
                    steps.append(Wildcard())
                elif name:
                    steps.append(Field(name))
            elif c in "@$":
                self.pos += 1
            elif text.startswith("[?(", self.pos):
                steps.append(self.filter())
            elif c == "[":
                steps.append(self.bracket())
            elif c in "'\"":
                steps.append(Literal(self.quoted()))
            elif c in "+-" or c.isdigit():
                steps.append(self.number())
            elif c.isalnum() or c == "_":
                start = self.pos
                name = self.name()
                if name in ("true", "false"):
                    steps.append(Literal(name == "true"))
                elif name in ("range", "end"):
                    raise JsonPathError(TEMPLATES)
                elif relaxed and not steps:
                    steps.append(Field(name))
                else:
                    raise self.fail(f"unexpected name {name!r} (a field starts with a dot)", start)
            elif c in "{}":
                raise JsonPathError(TEMPLATES)
            elif c in "\r\n":
                raise self.fail("a line break inside the path")
            else:
                raise self.fail(f"unexpected {c!r}")
        return tuple(steps)

    def name(self) -> str:
        """A field name up to the next terminator; a backslash escapes the next character."""
        text, chars = self.text, []
        while self.pos < len(text) and text[self.pos] not in _TERMINATORS:
            if text[self.pos] == "\\" and self.pos + 1 < len(text):
                self.pos += 1
            chars.append(text[self.pos])
            self.pos += 1
        return "".join(chars)

    def number(self) -> Literal:
        match = re.compile(r"[+-]?[\d.]*").match(self.text, self.pos)
        assert match is not None
        value, start = match.group(), self.pos
        self.pos = match.end()
        try:
            return Literal(int(value))
        except ValueError:
            pass
        try:
            return Literal(float(value))
        except ValueError:
            raise self.fail(f"cannot read the number {value!r}", start) from None

    def quoted(self) -> str:
        text, quote, start = self.text, self.text[self.pos], self.pos
        chars, i = [], start + 1
        while i < len(text) and text[i] != quote:
            if text[i] == "\\":
                i += 1
                escaped = text[i] if i < len(text) else ""
                if escaped in _ESCAPES:
                    chars.append(_ESCAPES[escaped])
                elif escaped in "xuU" and escaped:
                    width = {"x": 2, "u": 4, "U": 8}[escaped]
                    digits = text[i + 1 : i + 1 + width]
                    if len(digits) != width or not all(d in _HEX for d in digits):
                        raise self.fail(f"a bad \\{escaped} escape", i - 1)
                    chars.append(chr(int(digits, 16)))
                    i += width
                else:
                    raise self.fail(f"an unknown escape \\{escaped}", i - 1)
            else:
                chars.append(text[i])
            i += 1
        if i >= len(text):
            raise self.fail(f"unclosed {quote}", start)
        self.pos = i + 1
        return "".join(chars)

    def bracket(self) -> Step:
        start = self.pos
        close = _outside_quotes(self.text, "]\n", start + 1)
        if close < 0 or self.text[close] == "\n":
            raise self.fail("unclosed [", start)
        self.pos = close + 1
        return self.inside_bracket(self.text[start + 1 : close], start + 1)

    def inside_bracket(self, content: str, at: int) -> Step:
        parts = _split_outside_quotes(content, ",")
        if len(parts) > 1:
            return Union(tuple((self.inside_bracket(part, at + i),) for i, part in parts))
        spec = content.strip()
        if spec == "*":
            return Slice(None, None, None, single=False)
        if len(spec) >= 2 and spec[0] == spec[-1] and spec[0] in "'\"":
            name = spec[1:-1]
            return Key(name, _Parser("." + name, self.offset + at - 1).path())
        match = _SLICE.match(spec)
        if not spec or match is None:
            raise self.fail(
                f"cannot read [{content}]: give an index, a slice, *, a quoted key or a filter",
                at - 1,
            )
        first, end, step = match.groups()
        if step not in (None, "") and int(step) <= 0:
            raise self.fail("a slice step must be above 0", at - 1)
        return Slice(
            int(first) if first else None,
            int(end) if end else None,
            int(step) if step else None,
            single=end is None and step is None,
        )

    def filter(self) -> Filter:
        start = self.pos
        close = _outside_quotes(self.text, ")\n", start + 3)
        if close < 0 or self.text[close] == "\n":
            raise self.fail("unclosed filter [?(", start)
        if self.text[close + 1 : close + 2] != "]":
            raise self.fail("a filter's ) must be followed by ]", close)
        self.pos = close + 2
        inner, at = self.text[start + 3 : close], start + 3
        for word in ("&&", "||"):
            if (i := _find_outside_quotes(inner, word)) >= 0:
                raise self.fail(
                    f"{word} is not supported (kubectl's filters compare one thing)", at + i
                )
        i = _outside_quotes(inner, "!<>=")
        if i < 0:
            return Filter(self.sub(inner, at), "exists", ())
        j = i
        while j < len(inner) and inner[j] in "!<>=":
            j += 1
        op = inner[i:j]
        if op not in OPERATORS:
            raise self.fail(f"unknown filter operator {op!r}; use == != < <= > >=", at + i)
        left, right = inner[:i], inner[j:]
        if not left.strip() or not right.strip():
            raise self.fail(f"a filter needs something on each side of {op}", at + i)
        return Filter(self.sub(left, at), op, self.sub(right, at + j))

    def sub(self, text: str, at: int) -> Path:
        return _Parser(text, self.offset + at).path()


def _find_outside_quotes(text: str, word: str) -> int:
    i = _outside_quotes(text, word[0])
    while i >= 0 and not text.startswith(word, i):
        i = _outside_quotes(text, word[0], i + 1)
    return i
