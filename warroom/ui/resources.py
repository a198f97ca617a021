"""`:deploy` and `:hpa`: the watched Deployments or HPAs in kubectl's columns, over the war
room. Enter, `d` describe and `y` YAML the selected one; Esc goes back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from warroom.kinds.hpa import format_hpa_metrics
from warroom.kinds.objects import Obj, section
from warroom.kinds.times import elapsed, timestamp_of
from warroom.state.picture import ClusterPicture
from warroom.ui.prompt import Prompt
from warroom.ui.widgets.rows import RowView, Segments, fixed


@dataclass(frozen=True)
class Listing:
    """How one kind is listed: its title and kubectl's columns, each from an object."""

    kind: str  # as the room names it: deployments, hpas
    title: str
    columns: tuple[tuple[str, Callable[[Obj, float], str]], ...]


def _age(obj: Obj, now: float) -> str:
    created = timestamp_of(section(obj, "metadata").get("creationTimestamp"))
    return elapsed(now, created) if created is not None else "<unknown>"


def _created(obj: Obj) -> float:
    return timestamp_of(section(obj, "metadata").get("creationTimestamp")) or 0.0


def _name(obj: Obj, now: float) -> str:
    return str(section(obj, "metadata").get("name", ""))


def _namespace(obj: Obj, now: float) -> str:
    return str(section(obj, "metadata").get("namespace", ""))


def _ready(obj: Obj, now: float) -> str:
    # printers.go printDeployment: READY is readyReplicas/spec.replicas.
    ready = section(obj, "status").get("readyReplicas", 0)
    return f"{ready}/{section(obj, 'spec').get('replicas', 1)}"


def _status(field: str) -> Callable[[Obj, float], str]:
    return lambda obj, now: str(section(obj, "status").get(field, 0))


def _spec(field: str, default: str) -> Callable[[Obj, float], str]:
    return lambda obj, now: str(section(obj, "spec").get(field, default))


def _reference(obj: Obj, now: float) -> str:
    target = section(section(obj, "spec"), "scaleTargetRef")
    return f"{target.get('kind')}/{target.get('name')}"


def _targets(obj: Obj, now: float) -> str:
    spec, status = section(obj, "spec"), section(obj, "status")
    return format_hpa_metrics(spec.get("metrics") or [], status.get("currentMetrics") or [])


# kubectl get deployments / hpa, with the namespace first as `-A` prints it.
LISTINGS = {
    "deployments": Listing(
        "deployments",
        "Deployments",
        (
            ("NAMESPACE", _namespace),
            ("NAME", _name),
            ("READY", _ready),
            ("UP-TO-DATE", _status("updatedReplicas")),
            ("AVAILABLE", _status("availableReplicas")),
            ("AGE", _age),
        ),
    ),
    "hpas": Listing(
        "hpas",
        "HorizontalPodAutoscalers",
        (
            ("NAMESPACE", _namespace),
            ("NAME", _name),
            ("REFERENCE", _reference),
            ("TARGETS", _targets),
            ("MINPODS", _spec("minReplicas", "1")),
            ("MAXPODS", _spec("maxReplicas", "")),
            ("REPLICAS", _status("currentReplicas")),
            ("AGE", _age),
        ),
    ),
}


class ResourceList(RowView):
    """The objects of one kind, by namespace and name; a row's key is its uid."""

    # age ↑: the youngest first, as the pods list.
    ORDERS = {"name": ("name", lambda o: _name(o, 0)), "age": ("age", lambda o: -_created(o))}
    DEFAULT_CSS = """
    ResourceList { height: 1fr; }
    """

    def __init__(self, listing: Listing, clock: Callable[[], float], **kwargs: object) -> None:
        super().__init__(clock, **kwargs)
        self.listing = listing
        self.NOUN = listing.kind
        self.EMPTY = f"No {listing.title} in the watched namespaces."
        self._all: tuple[Obj, ...] = ()
        self._rows: tuple[Obj, ...] = ()
        self._widths: list[int] = [len(h) for h, _ in listing.columns]

    def show(self, objects: Sequence[Obj]) -> None:
        def key(obj: Obj) -> tuple[str, str]:
            return (_namespace(obj, 0), _name(obj, 0))

        self._all = tuple(sorted(objects, key=key))
        now = self.clock()
        for obj in self._all:
            for i, (_, cell) in enumerate(self.listing.columns):
                self._widths[i] = max(self._widths[i], len(cell(obj, now)))
        self.regroup()

    def regroup(self) -> None:
        rows = self.arranged(self._all, lambda o: _name(o, 0).lower())
        self._rows = rows
        width = sum(w + 3 for w in self._widths) + 6
        self.set_rows([str(section(o, "metadata").get("uid", "")) for o in rows], width)

    def header_segments(self) -> Segments:
        return [
            fixed(header, w + 2)
            for (header, _), w in zip(self.listing.columns, self._widths, strict=True)
        ]

    def row_segments(self, index: int, now: float) -> Segments:
        obj = self._rows[index]
        return [
            fixed(cell(obj, now), w + 2)
            for (_, cell), w in zip(self.listing.columns, self._widths, strict=True)
        ]


class ResourceScreen(Screen[None]):
    """One kind listed over the war room, kept current on the app's tick (`update`)."""

    BINDINGS = [Binding("escape", "dismiss", "Back")]

    def __init__(self, listing: Listing, clock: Callable[[], float]) -> None:
        super().__init__()
        self.listing = listing
        self.status = Static(classes="status-line")
        self.list = ResourceList(listing, clock, id="resource-list")
        self.prompt = Prompt()
        self.prompt.display = False
        self._version = -1

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.list
        yield self.prompt  # `:` works here too; what it says goes up to the app

    def on_mount(self) -> None:
        self.list.focus()

    def update(self, picture: ClusterPicture, age: str) -> None:
        version = picture.kind_version(self.listing.kind)
        if version != self._version:
            self._version = version
            self.list.show(list(picture.objects(self.listing.kind)))
        else:
            self.list.refresh()  # ages move with the clock
        parts = [f"{self.list.row_count} {self.listing.title}", self.list.order_words(), age]
        self.status.update(Text(" · ".join(p for p in parts if p) + " · Esc back"))
