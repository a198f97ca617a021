"""A Markdown go-live checklist read into phases of items, with nothing of its text dropped.

The file is read as people write them: a BOM, CRLF line ends and UTF-8 that was once decoded as
cp1252 (`âœ…` for ✅) are repaired (ftfy). It is parsed with markdown-it-py (CommonMark, GFM
tables and task lists), not with line patterns:

- the document's single `#` title names the checklist; the shallowest heading level below it
  makes the phases, and deeper headings are kept as each item's group;
- task-list items (`- [ ]`, `- [x]`) and numbered steps are items, nested ones included (their
  parent is their group); what is nested under an item (bullets, code, tables) is its detail;
- any other block (a paragraph, a plain list, a table, code) is kept as a note item under its
  heading, so the reader loses nothing the file says.

Bad input ends in ImportProblem, whose text is one sentence saying what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ftfy
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.tasklists import tasklists_plugin

MAX_BYTES = 5 * 1024 * 1024  # the largest seed is 20 KB; 5 MB of Markdown is not a checklist


# The headings an item sits under: (the heading's index in the document, level, text).
Path_ = tuple[tuple[int, int, str], ...]


class ImportProblem(Exception):
    """Input that is not a checklist; str() is one sentence saying what to do."""


@dataclass
class ReadItem:
    title: str
    detail: list[str] = field(default_factory=list)  # lines nested under it, as written
    group: str = ""  # the headings (below the phase) and parent items it sits under
    task: bool = True  # a task or numbered step; False: a note kept from other text
    ticked: bool = False  # `- [x]` in the source
    code: list[str] = field(default_factory=list)  # its fenced code blocks

    @property
    def text(self) -> str:
        """The item's whole text: its title and every detail line."""
        return "\n".join([self.title, *self.detail])


@dataclass
class ReadPhase:
    title: str
    items: list[ReadItem] = field(default_factory=list)


@dataclass
class ReadChecklist:
    title: str
    phases: list[ReadPhase]

    @property
    def items(self) -> list[ReadItem]:
        return [item for phase in self.phases for item in phase.items]


def decode(data: bytes, source: str) -> str:
    """The file's text: BOM and CRLF handled, mojibake repaired; ImportProblem for files that
    are not Markdown text."""
    if len(data) > MAX_BYTES:
        raise ImportProblem(
            f"{source} is {len(data) / 1e6:.1f} MB; a checklist is at most "
            f"{MAX_BYTES // (1024 * 1024)} MB of Markdown — is this the right file?"
        )
    if b"\x00" in data:
        raise ImportProblem(f"{source} is not text (it holds binary data); give the Markdown file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportProblem(
                f"{source} is neither UTF-8 nor Windows-1252 text; save it as UTF-8 and try again"
            ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportProblem(f"{source} is empty; give the Markdown file of the checklist")
    return ftfy.fix_text(text, normalization="NFC")


def read_file(path: str | Path) -> ReadChecklist:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            size = path.stat().st_size
            raise ImportProblem(
                f"{path} is {size / 1e6:.1f} MB; a checklist is at most "
                f"{MAX_BYTES // (1024 * 1024)} MB of Markdown — is this the right file?"
            )
        data = path.read_bytes()
    except OSError as failed:
        raise ImportProblem(f"cannot read {path}: {failed.strerror}; check the path") from None
    return read_text(decode(data, str(path)), str(path))


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(tasklists_plugin)


def _inline_text(node: SyntaxTreeNode) -> str:
    """The words of a heading or paragraph, without emphasis markers."""
    content = node.children[0].content if node.children else node.content
    return " ".join(content.replace("**", "").replace("__", "").split())


def _source(node: SyntaxTreeNode, lines: list[str]) -> list[str]:
    """The block's own lines in the file, as written."""
    if node.map is None:
        return [node.content] if node.content else []
    start, end = node.map
    return [line.rstrip() for line in lines[start:end] if line.strip()]


def _is_task(node: SyntaxTreeNode) -> bool:
    return "task-list-item" in str(node.attrs.get("class", ""))


def _checked(node: SyntaxTreeNode) -> bool:
    """`- [x]`: the task-list plugin renders the box as an <input … checked>."""
    first = next((c for c in node.children if c.type == "paragraph"), None)
    inline = first.children[0] if first is not None and first.children else None
    boxes = [c for c in inline.children if c.type == "html_inline"] if inline is not None else []
    return bool(boxes) and "checked" in boxes[0].content


def _title_of(node: SyntaxTreeNode) -> str:
    first = next((c for c in node.children if c.type == "paragraph"), None)
    if first is None:
        return ""
    words = _inline_text(first)
    for box in ("[ ] ", "[x] ", "[X] "):
        words = words.removeprefix(box)
    return words


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.root = SyntaxTreeNode(_parser().parse(text))
        # Each item with the headings it sits under: (heading's index, level, text).
        self.found: list[tuple[Path_, ReadItem]] = []

    def walk(self) -> None:
        path: Path_ = ()
        for index, node in enumerate(self.root.children):
            if node.type == "heading":
                level = int(node.tag[1:])
                path = (*(h for h in path if h[1] < level), (index, level, _inline_text(node)))
            elif node.type in ("bullet_list", "ordered_list") and self._has_steps(node):
                self._list(node, path, "")
            elif node.type != "hr":
                self._note(node, path)

    def _has_steps(self, node: SyntaxTreeNode) -> bool:
        return node.type == "ordered_list" or any(_is_task(c) for c in node.children)

    def _list(self, node: SyntaxTreeNode, path: Path_, group: str) -> None:
        for entry in node.children:
            if node.type == "bullet_list" and not _is_task(entry):
                # A plain bullet beside tasks: kept as a note of the group.
                self._add(path, ReadItem(_title_of(entry), _source(entry, self.lines)[1:],
                                         group, task=False))  # fmt: skip
                continue
            item = ReadItem(_title_of(entry), group=group, ticked=_checked(entry))
            self._add(path, item)
            for child in entry.children[1:]:
                if child.type in ("bullet_list", "ordered_list") and self._has_steps(child):
                    inner = f"{group} › {item.title}" if group else item.title
                    self._list(child, path, inner)
                    continue
                if child.type == "fence":
                    item.code.append(child.content.rstrip("\n"))
                item.detail.extend(_source(child, self.lines))

    def _note(self, node: SyntaxTreeNode, path: Path_) -> None:
        lines = _source(node, self.lines)
        if not lines:
            return
        last = self.found[-1] if self.found else None
        if last is not None and not last[1].task and last[0] == path:
            last[1].detail.extend(lines)  # the same heading's notes stay one item
            return
        title = path[-1][2] if path else "Notes"
        self._add(path, ReadItem(title, lines, task=False))

    def _add(self, path: Path_, item: ReadItem) -> None:
        self.found.append((path, item))


def read_text(text: str, source: str = "<checklist>") -> ReadChecklist:
    """The checklist in Markdown `text` (already decoded)."""
    reader = _Reader(text)
    reader.walk()
    headings = [n for n in reader.root.children if n.type == "heading"]
    levels = [int(n.tag[1:]) for n in headings]
    title = source
    top = 1
    if levels.count(1) == 1 and levels and levels[0] == 1:
        title = _inline_text(headings[0])
        top = 2
    if not any(item.task for _, item in reader.found):
        raise ImportProblem(
            f"{source} has no checklist items (no `- [ ]` tasks and no numbered steps); "
            "give a Markdown checklist"
        )
    below = [lvl for lvl in levels if lvl >= top]
    phase_level = min(below) if below else top
    phases: list[ReadPhase] = []
    by_heading: dict[int, ReadPhase] = {}
    for path, item in reader.found:
        heading = next((h for h in path if h[1] == phase_level), None)
        key = heading[0] if heading is not None else -1
        phase = by_heading.get(key)
        if phase is None:
            name = heading[2] if heading is not None else "Before the checklist"
            phase = by_heading[key] = ReadPhase(name)
            phases.append(phase)
        deeper = " › ".join(h[2] for h in path if h[1] > phase_level)
        if deeper:
            item.group = f"{deeper} › {item.group}" if item.group else deeper
        phase.items.append(item)
    return ReadChecklist(title, phases)
