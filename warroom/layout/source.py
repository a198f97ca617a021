"""Read YAML into plain Python while remembering the line of every key and value.

PyYAML's node tree carries marks; we build the data ourselves from it (rather than with
`safe_load`) so that duplicate keys, which YAML loaders silently collapse, are reported, and so
that every path in the data can be traced back to a line for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
# Aliases can expand exponentially ("billion laughs"); no honest layout comes near this.
MAX_NODES = 100_000


class YamlSyntaxError(Exception):
    """The text cannot be read as one YAML document; `line` is where reading stopped."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class LineMap:
    """Lines (1-based) of values and of mapping keys, by their path in the data."""

    values: dict[Path, int] = field(default_factory=dict)
    keys: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path, *, key: bool = False) -> int | None:
        """The line of `path` (its key's line when `key`), else of its nearest ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            line = self.values.get(path[:end])
            if line is not None:
                return line
        return None


@dataclass
class Document:
    """A YAML document as plain data, its line map, and the problems found reading it."""

    data: object
    lines: LineMap
    # (path, line, message): things YAML allows but a layout must not (duplicate keys, ...).
    problems: list[tuple[Path, int, str]]
    # Paths already reported as unreadable (a bad tag, a key that is not text): pydantic's
    # errors about them would only repeat the problem.
    unreadable: set[Path]


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Builder:
    def __init__(self) -> None:
        self.lines = LineMap()
        self.problems: list[tuple[Path, int, str]] = []
        self.unreadable: set[Path] = set()
        self.constructor = SafeConstructor()
        self.active: set[int] = set()
        self.count = 0

    def build(self, node: Node, path: Path) -> object:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlSyntaxError(
                _line(node), f"has more than {MAX_NODES} values; is an alias expanding too much?"
            )
        self.lines.values[path] = _line(node)
        if id(node) in self.active:
            self.problems.append(
                (path, _line(node), "refers to itself through an alias; remove the alias")
            )
            self.unreadable.add(path)
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
            return self._scalar(node, path)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: Node, path: Path) -> object:
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as err:
            # An unknown tag (`!foo`) or a timestamp such as 2024-13-45.
            problem = getattr(err, "problem", None) or str(err)
            self.problems.append(
                (
                    path,
                    _line(node),
                    f"cannot read this value ({problem}); write it as plain text or a number",
                )
            )
            self.unreadable.add(path)
            return None

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, object]:
        out: dict[str, object] = {}
        # `<<: *defaults` supplies keys the mapping does not set itself (YAML's merge rule):
        # read the merged mappings first so that explicit keys, and their lines, win.
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, MappingNode):
                        out.update(self._mapping(source, path))
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, ScalarNode):
                self.problems.append(
                    (
                        path,
                        _line(key_node),
                        "has a key that is a list or a mapping; keys must be plain text",
                    )
                )
                continue
            reported = len(self.problems)
            key = self._scalar(key_node, path)
            if len(self.problems) > reported:
                continue  # the key could not be read at all; _scalar said so
            if not isinstance(key, str):
                # Every key of a layout is text, but YAML reads `yes:` as true and `404:` as a
                # number; say so at the key's line and carry on with the text as written.
                key = str(key_node.value)
                self.problems.append(
                    ((*path, key), _line(key_node), "keys must be text; put this one in quotes")
                )
                self.unreadable.add((*path, key))
            if key in first_line:
                self.problems.append(
                    (
                        (*path, key),
                        _line(key_node),
                        f"duplicate key (first at line {first_line[key]}); keep only one",
                    )
                )
            first_line[key] = _line(key_node)
            self.lines.keys[(*path, key)] = _line(key_node)
            out[key] = self.build(value_node, (*path, key))
        return out


def read_yaml(text: str) -> Document | None:
    """The document in `text`, or None if it holds none; raises YamlSyntaxError."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = err.problem or err.context or "cannot be read"
        column = f" at column {mark.column + 1}" if mark is not None else ""
        raise YamlSyntaxError(
            line, f"YAML syntax error{column}: {what}; check the indentation and quoting"
        ) from None
    except yaml.YAMLError as err:
        # ReaderError: a control character or invalid encoding somewhere in the text.
        position = getattr(err, "position", 0) or 0
        line = text.count("\n", 0, position) + 1
        reason = getattr(err, "reason", None) or "unreadable text"
        raise YamlSyntaxError(
            line, f"cannot read the file ({reason}); remove that character"
        ) from None
    except RecursionError:
        raise YamlSyntaxError(1, "is nested too deeply to read; flatten it") from None
    if node is None:
        return None
    builder = _Builder()
    try:
        data = builder.build(node, ())
    except RecursionError:
        raise YamlSyntaxError(_line(node), "is nested too deeply to read; flatten it") from None
    return Document(data, builder.lines, builder.problems, builder.unreadable)
