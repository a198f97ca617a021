"""The ``labelSelector`` query string parsed as labels.Parse parses it (pkg/labels/selector.go's
Lexer and Parser), token for token, so that a bad selector fails with the apiserver's message."""

from __future__ import annotations

from warroom.sim.selector_errors import SelectorError, invalid_value, label_key_errors
from warroom.sim.selectors import LabelSelector, Requirement, new_requirement

_ID, _EOS = "<identifier>", "<end>"  # token kinds; every other token is its own literal
_SPECIAL = frozenset("=!(),><")
_SPACE = frozenset(" \t\r\n")
_WORD_END = _SPECIAL | _SPACE | {"\x00"}
_BINARY_OPS = {"in": "in", "notin": "notin", "=": "=", "==": "==", "!=": "!=", ">": "gt", "<": "lt"}


def _lex(text: str) -> list[tuple[str, str]]:
    """The Go Lexer's tokens, ending with _EOS.

    Go's read() returns 0 both past the end and for a NUL byte, so a NUL ends a word (and is
    swallowed right after a token), and a NUL where a token should start ends the input.
    """
    items: list[tuple[str, str]] = []
    pos, size = 0, len(text)
    while True:
        while pos < size and text[pos] in _SPACE:
            pos += 1
        if pos == size or text[pos] == "\x00":
            return [*items, (_EOS, "")]
        if text[pos] in _SPECIAL:
            lit = text[pos : pos + 2] if text[pos : pos + 2] in ("!=", "==") else text[pos]
            kind = lit
        else:
            end = pos
            while end < size and text[end] not in _WORD_END:
                end += 1
            lit = text[pos:end]
            kind = lit if lit in ("in", "notin") else _ID
        pos += len(lit)
        if pos < size and text[pos] == "\x00":
            pos += 1
        items.append((kind, lit))


class _Parser:
    """labels.Parser; where a value is expected, 'in' and 'notin' are plain identifiers."""

    def __init__(self, text: str) -> None:
        self.items, self.pos = _lex(text), 0

    def peek(self, as_value: bool = True) -> tuple[str, str]:
        kind, lit = self.items[self.pos]
        return (_ID if as_value and kind in ("in", "notin") else kind), lit

    def take(self, as_value: bool = True) -> tuple[str, str]:
        self.pos += 1
        kind, lit = self.items[self.pos - 1]
        return (_ID if as_value and kind in ("in", "notin") else kind), lit

    def parse(self) -> list[Requirement]:
        found: list[Requirement] = []
        kind, lit = self.peek()
        while kind != _EOS:
            if kind not in (_ID, "!"):
                raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                found.append(self.requirement())
            except SelectorError as err:
                raise SelectorError(f"unable to parse requirement: {err}") from None
            kind, lit = self.take()
            if kind == _EOS:
                break
            if kind != ",":
                raise SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            kind, lit = self.peek()
            if kind not in (_ID, "!"):
                raise SelectorError(f"found '{lit}', expected: identifier after ','")
        return found

    def requirement(self) -> Requirement:
        kind, key = self.take()
        op = "!" if kind == "!" else ""
        if op:
            kind, key = self.take()
        if kind != _ID:
            raise SelectorError(f"found '{key}', expected: identifier")
        if key_errs := label_key_errors(key):  # Go prints this error's nil field path as <nil>
            raise SelectorError(invalid_value("<nil>", key, "; ".join(key_errs)))
        if not op and self.peek()[0] in (_EOS, ","):
            op = "exists"
        if op:
            return new_requirement(key, op, [])
        kind, lit = self.take(as_value=False)
        if kind not in _BINARY_OPS:
            raise SelectorError(f"found '{lit}', expected: in, notin, =, ==, !=, gt, lt")
        op = _BINARY_OPS[kind]
        return new_requirement(
            key, op, sorted(self.value_set() if op in ("in", "notin") else self.exact_value())
        )

    def value_set(self) -> set[str]:
        kind, lit = self.take()
        if kind != "(":
            raise SelectorError(f"found '{lit}' expected: '('")
        kind, lit = self.peek()
        if kind == ")":
            self.take()
            return {""}
        if kind not in (_ID, ","):
            raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")
        values: set[str] = set()
        while True:  # an empty entry, as in "(,a)" or "(a,,b)", is the empty value
            kind, lit = self.take()
            if kind not in (_ID, ","):
                raise SelectorError(f"found '{lit}', expected: ',', or identifier")
            after, after_lit = self.peek()
            if kind == _ID:
                values.add(lit)
                if after not in (",", ")"):
                    raise SelectorError(f"found '{after_lit}', expected: ',' or ')'")
            elif not values or after in (",", ")"):
                values.add("")
            if after == ")":
                self.take()
                return values

    def exact_value(self) -> list[str]:
        if self.peek()[0] in (_EOS, ","):
            return [""]
        kind, lit = self.take()
        if kind != _ID:
            raise SelectorError(f"found '{lit}', expected: identifier")
        return [lit]


def parse_label_selector(text: str) -> LabelSelector:
    """labels.Parse, as for the ``labelSelector`` query parameter; "" selects everything."""
    return LabelSelector(sorted(_Parser(text).parse(), key=lambda r: r.key))
