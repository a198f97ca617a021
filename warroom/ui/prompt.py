"""The `:` prompt, as k9s has it: a view by its name or kubectl's short name (`:po`, `:no`,
`:deploy`), completed as it is typed (Tab or → takes the completion); `:q` quits."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input

# What each word opens: a tab, a listing of a kind, or an app action.
TARGETS: dict[str, str] = {
    "overview": "tab:overview",
    "pods": "tab:pods",
    "nodes": "tab:nodes",
    "graphs": "tab:graphs",
    "events": "tab:events",
    "deploy": "list:deployments",
    "hpa": "list:hpas",
    "sources": "action:sources",
    "help": "action:help",
    "quit": "action:quit",
}
# kubectl's names and short names, and k9s' own, for the same targets.
ALIASES = {
    "pod": "pods",
    "po": "pods",
    "node": "nodes",
    "no": "nodes",
    "ev": "events",
    "event": "events",
    "deployment": "deploy",
    "deployments": "deploy",
    "dp": "deploy",
    "hpas": "hpa",
    "horizontalpodautoscaler": "hpa",
    "horizontalpodautoscalers": "hpa",
    "graph": "graphs",
    "q": "quit",
    "q!": "quit",
}
SHOWN = ("pods", "nodes", "events", "deploy", "hpa", "graphs", "overview")


def resolve(word: str) -> str | None:
    """The target of what was typed (`po`, ` Pods `, `deployments`), None if nothing."""
    word = word.strip().lower().lstrip(":")
    return TARGETS.get(ALIASES.get(word, word))


def unknown(word: str) -> str:
    offered = " ".join(f":{w}" for w in SHOWN)
    return f":{word.strip()} is not a view here; try {offered}."


class Prompt(Input):
    """The one-line prompt over the key bar; Enter goes, Esc closes."""

    BINDINGS = [
        Binding("tab", "cursor_right", "Complete", show=False),
        Binding("escape", "close", "Close", show=False),
    ]

    class Go(Message):
        def __init__(self, word: str) -> None:
            super().__init__()
            self.word = word

    def __init__(self, **kwargs: object) -> None:
        words = [*TARGETS, *ALIASES]
        super().__init__(
            placeholder="pods nodes events deploy hpa graphs (Tab completes, Esc closes)",
            suggester=SuggestFromList(words, case_sensitive=False),
            **kwargs,  # type: ignore[arg-type]
        )
        # Hidden, it must not take the screen's first focus (display: none does not stop it).
        self.can_focus = False

    def open(self) -> None:
        self.value = ""
        self.display = True
        self.can_focus = True
        self.focus()

    def action_close(self) -> None:
        self.value = ""
        self.display = False
        self.can_focus = False
        self.screen.focus_next()  # back to what the tab shows

    async def action_submit(self) -> None:
        word = self.value
        self.action_close()
        if word.strip():
            self.post_message(self.Go(word))
