"""Load a layout file: YAML with line numbers → schema → one LayoutError listing every problem."""

from __future__ import annotations

import os

from pydantic import ValidationError

from warroom.layout.errors import LayoutError, Problem
from warroom.layout.messages import format_path, problems_from_validation
from warroom.layout.schema import Layout
from warroom.layout.source import YamlSyntaxError, read_yaml

_EMPTY = "is empty; a layout needs at least name and cluster.namespaces"


def parse_layout(text: str, source: str = "<layout>") -> Layout:
    """The layout in `text`; `source` names it in messages (usually the file name)."""
    try:
        document = read_yaml(text)
    except YamlSyntaxError as err:
        raise LayoutError.single(source, err.message, line=err.line) from None
    if document is None:
        raise LayoutError.single(source, _EMPTY, line=1)
    if not isinstance(document.data, dict):
        what = "a list" if isinstance(document.data, list) else "a single value"
        raise LayoutError.single(
            source,
            f"the layout is {what}; it must be a mapping of keys such as name, cluster, signals",
            line=document.lines.line_of(()),
        )
    problems = [
        Problem(source, line, format_path(path), message)
        for path, line, message in document.problems
    ]
    try:
        layout = Layout.model_validate(document.data)
    except ValidationError as err:
        problems.extend(
            problems_from_validation(err, source, Layout, document.lines, document.unreadable)
        )
        raise LayoutError(problems) from None
    except RecursionError:
        raise LayoutError.single(source, "is nested too deeply to read; flatten it") from None
    if problems:
        # Duplicate keys and the like: the data validated, but it is not what was written.
        raise LayoutError(problems)
    return layout


def load_layout(path: str | os.PathLike[str]) -> Layout:
    """The layout in the file at `path`; every failure is a LayoutError naming the file."""
    source = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise LayoutError.single(source, "no such file; check the path") from None
    except IsADirectoryError:
        raise LayoutError.single(source, "is a directory; give the layout file inside it") from None
    except PermissionError:
        raise LayoutError.single(
            source, "cannot be read (permission denied); check its permissions"
        ) from None
    except OSError as err:
        raise LayoutError.single(
            source, f"cannot be read ({err.strerror or err}); check the path"
        ) from None
    try:
        # utf-8-sig: editors on Windows like to start files with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise LayoutError.single(source, "is not UTF-8 text; save it as UTF-8", line=line) from None
    return parse_layout(text, source)
