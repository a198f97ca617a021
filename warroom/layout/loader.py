"""Load a layout file: YAML with line numbers → schema → one LayoutError listing every problem.

`parse_model` and `read_text` are the same steps for any file warroom reads this way (the
drill scenarios of drills/loading.py too): the document and its line map come back with the
model, for checks that span files."""

from __future__ import annotations

import os
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from warroom.layout.errors import LayoutError, Problem
from warroom.layout.messages import format_path, problems_from_validation
from warroom.layout.schema import Layout
from warroom.layout.source import Document, YamlSyntaxError, read_yaml

_EMPTY = "is empty; a layout needs at least name and cluster.namespaces"
_KEYS = "name, cluster, signals"

M = TypeVar("M", bound=BaseModel)


def parse_model(
    text: str,
    source: str,
    model: type[M],
    *,
    what: str,
    empty: str,
    keys: str,
    error: type[LayoutError] = LayoutError,
) -> tuple[M, Document]:
    """`text` read as `model`, a `what` ("layout"); `empty` says what an empty file lacks,
    `keys` names a few of the mapping's keys; every problem is one of `error`'s lines."""
    try:
        document = read_yaml(text)
    except YamlSyntaxError as err:
        raise error.single(source, err.message, line=err.line) from None
    if document is None:
        raise error.single(source, empty, line=1)
    if not isinstance(document.data, dict):
        shape = "a list" if isinstance(document.data, list) else "a single value"
        raise error.single(
            source,
            f"the {what} is {shape}; it must be a mapping of keys such as {keys}",
            line=document.lines.line_of(()),
        )
    problems = [
        Problem(source, line, format_path(path), message)
        for path, line, message in document.problems
    ]
    try:
        parsed = model.model_validate(document.data)
    except ValidationError as err:
        problems.extend(
            problems_from_validation(err, source, model, document.lines, document.unreadable)
        )
        raise error(problems) from None
    except RecursionError:
        raise error.single(source, "is nested too deeply to read; flatten it") from None
    if problems:
        # Duplicate keys and the like: the data validated, but it is not what was written.
        raise error(problems)
    return parsed, document


def parse_layout(text: str, source: str = "<layout>") -> Layout:
    """The layout in `text`; `source` names it in messages (usually the file name)."""
    return parse_model(text, source, Layout, what="layout", empty=_EMPTY, keys=_KEYS)[0]


def read_text(
    path: str | os.PathLike[str], what: str = "layout", error: type[LayoutError] = LayoutError
) -> str:
    """The UTF-8 text of the `what` file at `path`; each failure one of `error`, naming it."""
    source = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise error.single(source, "no such file; check the path") from None
    except IsADirectoryError:
        raise error.single(source, f"is a directory; give the {what} file inside it") from None
    except PermissionError:
        raise error.single(
            source, "cannot be read (permission denied); check its permissions"
        ) from None
    except OSError as err:
        raise error.single(
            source, f"cannot be read ({err.strerror or err}); check the path"
        ) from None
    try:
        # utf-8-sig: editors on Windows like to start files with a byte-order mark.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise error.single(source, "is not UTF-8 text; save it as UTF-8", line=line) from None


def load_layout(path: str | os.PathLike[str]) -> Layout:
    """The layout in the file at `path`; every failure is a LayoutError naming the file."""
    return parse_layout(read_text(path), os.fspath(path))
