"""Every key of the war room, by id: one table feeds the bindings, the key bar, the help and the
command palette, and a keymap file in the user's config folder may give any id other keys.

The keymap file is YAML, binding id to keys (Textual's names, comma-separated or a list):

    view.pods: p
    list.down: [down, j]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import yaml
from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, Keys, format_key, key_to_character

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")


@dataclass(frozen=True)
class Key:
    """One binding: its id, default keys, the action it runs and how it is named."""

    id: str
    keys: str  # Textual key names, comma-separated
    action: str
    description: str  # short, for the key bar and the help
    command: str = ""  # how the palette offers it, when that differs from the description
    show: bool = True  # on the key bar
    bar: str = ""  # on the key bar, when shorter than the description
    priority: bool = False  # before any widget's own binding of the same key (an input's)

    @property
    def palette(self) -> str:
        return self.command or self.description


APP_KEYS = (  # in the key bar's order: what is cut first at a narrow width comes last
    Key("view.overview", "1", "tab('overview')", "Overview", "Show overview"),
    Key("view.pods", "2", "tab('pods')", "Pods", "Show pods"),
    Key("view.nodes", "3", "tab('nodes')", "Nodes/GPUs", "Show nodes and GPUs", bar="Nodes"),
    Key("view.graphs", "4", "tab('graphs')", "Graphs", "Show graphs"),
    Key("view.events", "5", "tab('events')", "Events", "Show events"),
    Key("view.checklist", "6", "tab('checklist')", "Checklist", "Show the checklist"),
    Key("list.filter", "slash", "filter", "Filter the list", bar="Filter"),
    Key("app.help", "question_mark", "help", "Keys", "Show every key"),
    Key("app.prompt", "colon", "prompt", "Go to", "Go to :pods :nodes :deploy :hpa …"),
    Key("object.describe", "d", "describe", "Describe", "Describe the selected object"),
    Key("object.yaml", "y", "yaml", "YAML", "YAML of the selected object", show=False),
    Key("pod.logs", "l", "logs", "Logs", "Logs of the selected pod", show=False),
    Key("app.quit", "q", "quit", "Quit"),
    # As in k9s and every terminal program: ^c quits, even from the filter box.
    Key("app.interrupt", "ctrl+c", "quit", "Quit", show=False, priority=True),
    Key(
        "app.sources",
        "exclamation_mark",
        "sources",
        "Sources",
        "Show every source, how current",
        show=False,
    ),
    Key(
        "app.drill",
        "D",
        "drill_card",
        "Scorecard",
        "Show the drill's scorecard: its timers, the responses met or missed",
        show=False,
    ),
    Key("checklist.tick", "t", "tick", "Tick", "Tick the selected item", show=False),
    Key("checklist.untick", "u", "untick", "Untick", "Untick the selected item", show=False),
    Key("checklist.note", "n", "note", "Note", "Add a note (on the selected item)", show=False),
    Key("checklist.run", "r", "run_check", "Run", "Run the selected check now", show=False),
    Key(
        "checklist.override",
        "o",
        "override",
        "Override",
        "Override the phase: go on early, with a reason",
        show=False,
    ),
    Key("checklist.sign", "s", "sign", "Sign off", "Sign off the selected item", show=False),
    Key(
        "checklist.field",
        "f",
        "set_field",
        "Set field",
        "Set a session field (date, version, environment …)",
        show=False,
    ),
    Key(
        "app.operator",
        "w",
        "operator",
        "Who signs",
        "Change who signs (hand over the keyboard)",
        show=False,
    ),
    Key(
        "target.act",
        "a",
        "act",
        "Act",
        "Act on a target: pause, resume, restart, scale, set image, undo …",
        show=False,
    ),
    Key(
        "trigger.rollback",
        "b",
        "rollback_trigger",
        "Roll back",
        "Roll back the target of the rollback trigger that holds",
        show=False,
    ),
    Key(
        "trigger.acknowledge",
        "e",
        "acknowledge",
        "Acknowledge",
        "Acknowledge the rollback trigger that holds: you have seen it and are on it",
        show=False,
    ),
    Key(
        "trigger.cancel-auto",
        "x",
        "cancel_auto",
        "Cancel auto",
        "Cancel the automatic rollback counting down (signed, with a reason)",
        show=False,
    ),
    Key("graphs.zoom-in", "plus,equals_sign", "zoom(-1)", "Zoom graphs in", bar="Zoom in"),
    Key("graphs.zoom-out", "minus", "zoom(1)", "Zoom graphs out", bar="Zoom out"),
)
LIST_KEYS = (
    Key("list.up", "up,k", "move(-1)", "Up", show=False),
    Key("list.down", "down,j", "move(1)", "Down", show=False),
    Key("list.page-up", "pageup", "page(-1)", "Page up", show=False),
    Key("list.page-down", "pagedown", "page(1)", "Page down", show=False),
    Key("list.first", "home", "jump(0)", "First", show=False),
    Key("list.last", "end", "jump(-1)", "Last", show=False),
    Key("list.open", "enter", "choose", "Open", "Open the selected row", show=False),
)
# k9s' sort keys: shift and the column's letter; the same key again reverses (the status line
# shows the order with its arrow).
SORT_KEYS = (
    Key("sort.name", "N", "sort('name')", "Sort by name", show=False),
    Key("sort.status", "S", "sort('status')", "Sort by status", show=False),
    Key("sort.age", "A", "sort('age')", "Sort by age", show=False),
    Key("sort.ready", "R", "sort('ready')", "Sort by ready", show=False),
    Key("sort.restarts", "T", "sort('restarts')", "Sort by restarts", show=False),
    Key("sort.node", "O", "sort('node')", "Sort by node", show=False),
)
# Keys bound in one place must differ; each group is one such place.
GROUPS = (APP_KEYS, LIST_KEYS + SORT_KEYS)
ALL_KEYS = {key.id: key for group in GROUPS for key in group}


class KeymapError(Exception):
    """The keymap file cannot be used; the message is one sentence saying what to fix."""


def bindings(keys: Iterable[Key]) -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    return [
        Binding(k.keys, k.action, k.description, show=k.show, id=k.id, priority=k.priority)
        for k in keys
    ]


def key_label(key: str) -> str:
    """How a key is written on screen: `?`, `/`, `^p`, `pgdn`."""
    *mods, base = key.split("+")
    shown = format_key(base)
    prefix = "".join("^" if m == "ctrl" else f"{m}+" for m in mods)
    return prefix + shown


def _valid(key: str) -> bool:
    *mods, base = key.split("+")
    if any(m not in MODIFIERS for m in mods) or not base:
        return False
    named = {k.value.rsplit("+", 1)[-1] for k in Keys} | {"enter", "space", "tab", "backspace"}
    return len(base) == 1 or base in named or key_to_character(base) is not None


def _normal(key: str) -> str:
    """Textual's name for a key written as its character (`?` is question_mark)."""
    if len(key) != 1 or key.isalnum():
        return key
    name = unicodedata.name(key, key).lower().replace("-", "_").replace(" ", "_")
    return KEY_NAME_REPLACEMENTS.get(name, name)


def default_keymap_path() -> Path:
    return platformdirs.user_config_path("warroom") / "keymap.yaml"


class Keymap:
    """The keys in force: the defaults, with the user's keymap over them."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self.overrides = dict(overrides or {})

    def keys(self, key_id: str) -> list[str]:
        """The keys bound to `key_id` now, first the one to show."""
        text = self.overrides.get(key_id, ALL_KEYS[key_id].keys)
        return [k.strip() for k in text.split(",") if k.strip()]

    def label(self, key_id: str) -> str:
        return key_label(self.keys(key_id)[0])

    def labels(self, key_id: str) -> str:
        return " ".join(key_label(k) for k in self.keys(key_id))


def parse_keymap(text: str, where: str) -> Keymap:
    """A keymap from the text of a keymap file named `where` in messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise KeymapError(f"{where}{line}: not valid YAML; fix the file or remove it") from None
    if data is None:
        return Keymap()
    if not isinstance(data, dict):
        raise KeymapError(f"{where}: expected binding ids mapped to keys, like `view.pods: p`")
    overrides: dict[str, str] = {}
    for key_id, value in data.items():
        if key_id not in ALL_KEYS:
            known = ", ".join(sorted(ALL_KEYS))
            raise KeymapError(f"{where}: {key_id!r} is not a key binding id; the ids are {known}")
        keys = value if isinstance(value, list) else str(value).split(",")
        names = [_normal(str(k).strip()) for k in keys if str(k).strip()]
        if not names:
            raise KeymapError(f"{where}: {key_id} has no keys; give at least one, or remove it")
        for name in names:
            if not _valid(name):
                raise KeymapError(
                    f"{where}: {key_id}: {name!r} is not a key name Textual knows "
                    "(e.g. p, ctrl+r, f5, pagedown, question_mark)"
                )
        overrides[key_id] = ",".join(names)
    keymap = Keymap(overrides)
    for group in GROUPS:
        owner: dict[str, str] = {}
        for key in group:
            for name in keymap.keys(key.id):
                if name in owner:
                    raise KeymapError(
                        f"{where}: {key_label(name)} would do both {owner[name]} and {key.id}; "
                        "give one of them another key"
                    )
                owner[name] = key.id
    return keymap


def load_keymap(path: Path | None = None) -> Keymap:
    """The user's keymap (the default file when `path` is None); defaults when there is none."""
    path = default_keymap_path() if path is None else path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Keymap()
    except (OSError, UnicodeDecodeError) as err:
        raise KeymapError(f"{path}: cannot read the keymap ({err}); fix or remove it") from None
    return parse_keymap(text, str(path))
