"""Nodes and GPUs: one row per node (then per bare-metal GPU host), virtual (see rows.RowView).

Each row: the node's state in kubectl's words, its pod count, and per GPU a utilisation bar,
a framebuffer-memory block, the temperature and any XID error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style

from warroom.state.nodes import GpuCell, GpuReadings, NodeRow, NodesView, natural
from warroom.state.trouble import Trouble
from warroom.ui.widgets.rows import RowView, Segments, fixed
from warroom.ui.widgets.tones import over

SPARK = "▁▂▃▄▅▆▇█"
GPU_HEADER = "GPU: util▕mem°C"
CELL_WIDTH = 12  # "0:████▅72° "
TEMP_WARN = 83.0  # °C: NVIDIA's data-centre GPUs start to slow down here
MEMORY_WARN = 0.9
BUSY = 90.0  # percent utilisation


def bar(fraction: float, width: int) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


@dataclass(frozen=True)
class Host:
    """A bare-metal GPU host read over SSH, listed after the Kubernetes nodes."""

    name: str
    error: str  # "" while it answers

    @property
    def status(self) -> str:
        return "ssh ✗" if self.error else "ssh"


class NodeTable(RowView):
    """Kubernetes nodes in natural order, then the SSH-read GPU hosts of the layout."""

    EMPTY = "No nodes listed yet."
    NOUN = "nodes"
    ORDERS = {
        "name": ("name", lambda r: natural(r.name)),
        "status": ("status", lambda r: r.status),
    }
    DEFAULT_CSS = """
    NodeTable { height: 1fr; }
    """

    _view = NodesView((), {}, GpuReadings())
    _all: tuple[NodeRow | Host, ...] = ()
    _rows: tuple[NodeRow | Host, ...] = ()
    _widths = (4, 6)
    _width = 0

    def show(self, view: NodesView) -> None:
        self._view = view
        hosts = [Host(host, error) for host, error in sorted(view.gpus.hosts.items())]
        self._all = (*view.rows, *hosts)
        names = [r.name for r in self._all]
        statuses = [r.status for r in view.rows]
        self._widths = (max(map(len, names), default=4), max([6, *map(len, statuses)]))
        most = max((len(c) for c in view.gpus.cells.values()), default=0)
        errors = max((len(h.error) for h in hosts), default=0)
        self._width = sum(self._widths) + 2 + 5 + max(most * CELL_WIDTH, errors, len(GPU_HEADER))
        self.regroup()

    def regroup(self) -> None:
        self._rows = self.arranged(self._all, lambda r: f"{r.name} {r.status}".lower())
        self.set_rows([r.name for r in self._rows], self._width)

    def chosen(self, name: str) -> NodeRow | Host | None:
        return next((r for r in self._all if r.name == name), None)

    def header_segments(self) -> Segments:
        name_w, status_w = self._widths
        return [
            fixed("node", name_w),
            fixed("status", status_w),
            fixed("pods", 4),
            Segment(GPU_HEADER),
        ]

    def gpu_segments(self, cells: Sequence[GpuCell]) -> Segments:
        out = self._gpu_segments(cells)
        if self._view.gpus_stale:  # readings that may be behind are drawn dimmed
            return over(out, self.tone("stale"))
        return out

    def _gpu_segments(self, cells: Sequence[GpuCell]) -> Segments:
        out = []
        for cell in cells:
            hot = cell.temp >= TEMP_WARN
            level: Trouble = "bad" if cell.xid or hot else ("warn" if cell.util >= BUSY else "")
            out.append(Segment(f"{cell.index}:{bar(cell.util / 100, 4)}", self.trouble(level)))
            memory = self.tone("memory")
            if cell.memory >= MEMORY_WARN:
                memory += Style(bold=True)
            out.append(Segment(SPARK[min(7, int(cell.memory * 7.999))], memory))
            out.append(Segment(f"{cell.temp:2.0f}° ", self.tone("bad") if hot else None))
            if cell.xid:
                out.append(Segment(f"XID {cell.xid} ", self.tone("bad")))
        return out

    def row_segments(self, index: int, now: float) -> Segments:
        name_w, status_w = self._widths
        row, gpus = self._rows[index], self._view.gpus.cells
        if isinstance(row, NodeRow):
            style = self.trouble(row.trouble)
            out = [fixed(row.name, name_w, style), fixed(row.status, status_w, style)]
            out.append(fixed(str(self._view.pods.get(row.name, 0)), 4))
            cells = self.gpu_segments(gpus.get(row.name, ()))
            if not cells and row.gpus:
                cells = [Segment(f"{row.gpus} GPU(s), no telemetry", self.tone("dim"))]
            return out + cells
        # Bare-metal GPU hosts read over SSH: not Kubernetes nodes, listed after them.
        style = self.trouble("bad" if row.error else "")
        out = [fixed(row.name, name_w, style), fixed(row.status, status_w, style)]
        out.append(fixed("", 4))
        if row.error:
            return [*out, Segment(row.error, self.tone("bad"))]
        return out + self.gpu_segments(gpus.get(row.name, ()))
