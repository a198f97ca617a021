"""Label selectors as kubectl writes them (`app=web,tier!=cache,env in (a,b),!canary`), read
as k8s.io/apimachinery/pkg/labels parses and matches them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# apimachinery's lexer: identifiers run until whitespace or one of these.
_SPECIAL = "=!(),<> \t\n"
_TOKEN_RE = re.compile(r"\s*(==|!=|=|!|\(|\)|,|<|>|[^=!(),<>\s]+)")


class SelectorError(ValueError):
    """A selector that does not parse; str() says what is wrong, for a layout's message."""


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    op: str  # exists, !, =, !=, in, notin, gt, lt
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        # gt/lt: the label must be an integer (apimachinery parses both sides as int64).
        if not present or value is None:
            return False
        try:
            have = int(value)
        except ValueError:
            return False
        want = int(self.values[0])
        return have > want if self.op == "gt" else have < want


@dataclass(frozen=True, slots=True)
class Selector:
    requirements: tuple[Requirement, ...]
    text: str

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether an object with `labels` is selected; the empty selector selects all."""
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN_RE.match(text, pos)
        if match is None:  # pragma: no cover - the pattern matches any non-space character
            raise SelectorError(f"cannot read {text[pos:]!r}")
        out.append(match.group(1))
        pos = match.end()
    return out


def _identifier(token: str | None, what: str, text: str) -> str:
    if token is None or token in ("==", "!=", "=", "!", "(", ")", ",", "<", ">"):
        found = "the end" if token is None else repr(token)
        raise SelectorError(f"{text!r} is not a label selector: expected {what}, found {found}")
    return token


def parse_selector(text: str) -> Selector:
    """The selector in `text`; SelectorError names what is wrong."""
    tokens = _tokens(text)
    reqs: list[Requirement] = []
    i = 0

    def peek() -> str | None:
        return tokens[i] if i < len(tokens) else None

    while i < len(tokens):
        if peek() == "!":
            i += 1
            key = _identifier(peek(), "a label key after '!'", text)
            i += 1
            reqs.append(Requirement(key, "!"))
        else:
            key = _identifier(peek(), "a label key", text)
            i += 1
            op = peek()
            if op in (None, ","):
                reqs.append(Requirement(key, "exists"))
            elif op in ("=", "==", "!="):
                i += 1
                value = peek()
                if value in (None, ","):
                    value = ""  # `key=` selects an empty value, as apimachinery allows
                else:
                    value = _identifier(value, f"a value after {key}{op}", text)
                    i += 1
                reqs.append(Requirement(key, "!=" if op == "!=" else "=", (value,)))
            elif op in ("in", "notin"):
                i += 1
                if peek() != "(":
                    raise SelectorError(
                        f"{text!r} is not a label selector: expected '(' after {op}"
                    )
                i += 1
                values: list[str] = []
                while peek() != ")":
                    if peek() is None:
                        raise SelectorError(f"{text!r} is not a label selector: ')' is missing")
                    if peek() == ",":
                        i += 1
                        continue
                    values.append(_identifier(peek(), "a value", text))
                    i += 1
                i += 1
                reqs.append(Requirement(key, op, tuple(values) or ("",)))
            elif op in ("<", ">"):
                i += 1
                value = _identifier(peek(), f"a number after {key}{op}", text)
                i += 1
                if not re.fullmatch(r"-?\d+", value):
                    raise SelectorError(
                        f"{text!r} is not a label selector: {value!r} is not an integer"
                    )
                reqs.append(Requirement(key, "gt" if op == ">" else "lt", (value,)))
            else:
                raise SelectorError(
                    f"{text!r} is not a label selector: unexpected {op!r} after {key}"
                )
        if peek() is not None:
            if peek() != ",":
                raise SelectorError(
                    f"{text!r} is not a label selector: expected ',' before {peek()!r}"
                )
            i += 1
            if peek() is None:
                raise SelectorError(f"{text!r} is not a label selector: it ends with ','")
    return Selector(tuple(reqs), text)
