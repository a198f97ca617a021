"""PromQL label matchers (``=``, ``!=``, ``=~``, ``!~``) with Prometheus' regex semantics:
RE2 syntax, fully anchored, ASCII classes. Python's ``re`` reads some RE2 differently, so
patterns are rewritten first (translate_re2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_POSIX_RE = re.compile(r"\[:(\^?)([a-z]+):\]")
_FLAG_GROUP_RE = re.compile(r"\(\?([a-zA-Z-]+)\)")


class RegexError(ValueError):
    """A label regex Python's `re` cannot compile (the PromQL parser already accepted it)."""


def _class_end(pattern: str, i: int) -> int:
    """Index just past the character class opening at `pattern[i]` (RE2 rules)."""
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):
        j += 1  # a leading ] is literal
    while j < len(pattern):
        if pattern[j] == "\\":
            j += 2
        elif _POSIX_RE.match(pattern, j):
            j = _POSIX_RE.match(pattern, j).end()  # type: ignore[union-attr]
        elif pattern[j] == "]":
            return j + 1
        else:
            j += 1
    raise RegexError(f"{pattern!r}: missing closing ]")


def _translate_class(body: str) -> str:
    out = ["["]
    j = 1
    if body.startswith("^", j):
        out.append("^")
        j += 1
    if body.startswith("]", j):
        out.append("\\]")
        j += 1
    while j < len(body) - 1:
        posix = _POSIX_RE.match(body, j)
        if posix:
            if posix.group(1) or posix.group(2) not in _POSIX_CLASSES:
                raise RegexError(f"[:{posix.group(1)}{posix.group(2)}:] in a character class")
            out.append(_POSIX_CLASSES[posix.group(2)])
            j = posix.end()
        elif body[j] == "\\":
            out.append(body[j : j + 2])
            j += 2
        else:
            # Python gives these set-operation characters a future meaning when doubled.
            out.append("\\" + body[j] if body[j] in "[&~|" else body[j])
            j += 1
    out.append("]")
    return "".join(out)


def translate_re2(pattern: str) -> str:
    """Rewrite the RE2 constructs Python's `re` lacks or reads differently.

    Flag groups such as `(?i)` apply to the rest of the enclosing group in RE2 but must lead
    the whole pattern in Python, so they become scoped `(?i:...)` groups, closed and reopened
    around each `|`. Also: POSIX classes (`[[:alpha:]]`), `\\z` and `\\Q...\\E`.
    """
    out: list[str] = []
    active: list[list[str]] = [[]]  # flag groups opened at each nesting depth
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if pattern.startswith("\\Q", i):
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = len(pattern) if end < 0 else end + 2
                continue
            out.append("\\Z" if pattern.startswith("\\z", i) else pattern[i : i + 2])
            i += 2
        elif c == "[":
            end = _class_end(pattern, i)
            out.append(_translate_class(pattern[i:end]))
            i = end
        elif c == "(":
            flags = _FLAG_GROUP_RE.match(pattern, i)
            if flags:
                out.append(f"(?{flags.group(1)}:")
                active[-1].append(flags.group(1))
                i = flags.end()
            else:
                active.append([])
                out.append("(")
                i += 1
        elif c == "|":
            out.append(")" * len(active[-1]) + "|" + "".join(f"(?{f}:" for f in active[-1]))
            i += 1
        elif c == ")":
            out.append(")" * len(active[-1]) + ")")
            if len(active) > 1:
                active.pop()
            else:
                active[-1] = []
            i += 1
        else:
            out.append(c)
            i += 1
    out.append(")" * len(active[-1]))
    return "".join(out)


@lru_cache(maxsize=4096)
def compile_anchored(pattern: str) -> re.Pattern[str]:
    """Compile an RE2 pattern for Prometheus' fully anchored matching (`^(?:pattern)$`).

    RE2's `\\d`, `\\w` and `\\s` are ASCII-only, hence re.ASCII; see `translate_re2` for the
    syntax that needs rewriting.
    """
    try:
        return re.compile(f"(?:{translate_re2(pattern)})", re.ASCII)
    except (re.error, OverflowError, RecursionError) as err:
        raise RegexError(f"{pattern!r}: {err}") from None


@dataclass(frozen=True)
class LabelMatcher:
    """One `name op "value"` term of a selector; op is one of `=`, `!=`, `=~`, `!~`."""

    name: str
    op: str
    value: str

    def __post_init__(self) -> None:
        if self.op not in ("=", "!=", "=~", "!~"):
            raise ValueError(f"unknown label match operator {self.op!r}")
        if self.op in ("=~", "!~"):
            compile_anchored(self.value)  # fail at construction, not on first use

    def matches(self, value: str) -> bool:
        """Whether a label value (empty string when the label is absent) satisfies the term."""
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = compile_anchored(self.value).fullmatch(value) is not None
        return found if self.op == "=~" else not found


MatcherLike = LabelMatcher | tuple[str, str, str]


def as_matcher(m: MatcherLike) -> LabelMatcher:
    """A LabelMatcher from a matcher or a (name, op, value) tuple."""
    return m if isinstance(m, LabelMatcher) else LabelMatcher(*m)
