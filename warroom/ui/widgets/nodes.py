"""Nodes and GPUs: one row per node (then per bare-metal GPU host), virtual (see rows.RowView).

Each row: the node's state in kubectl's words, its pod count, and per GPU a utilisation bar,
a framebuffer-memory block, the temperature and any XID error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style

from warroom.state.views import NodeRow
from warroom.ui.widgets.rows import HEADER, RowView, Segments, fixed

SPARK = "▁▂▃▄▅▆▇█"
TROUBLE = {
    "": Style(color="green"),
    "warn": Style(color="yellow"),
    "bad": Style(color="red", bold=True),
}
DIM = Style(dim=True)
GPU_HEADER = "GPU: util▕mem°C"
CELL_WIDTH = 12  # "0:████▅72° "


@dataclass(frozen=True)
class GpuCell:
    index: int
    util: float
    memory: float  # used / total, 0..1
    temp: float
    xid: int
    pod: str


def bar(fraction: float, width: int) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


def gpu_segments(
    cells: Sequence[GpuCell], temp_warn: float = 83.0, memory_warn: float = 0.9
) -> Segments:
    out = []
    for cell in cells:
        hot = cell.temp >= temp_warn
        colour = "red" if cell.xid or hot else ("yellow" if cell.util >= 90 else "green")
        out.append(Segment(f"{cell.index}:{bar(cell.util / 100, 4)}", Style(color=colour)))
        out.append(
            Segment(
                SPARK[min(7, int(cell.memory * 7.999))],
                Style(color="magenta", bold=cell.memory >= memory_warn),
            )
        )
        out.append(Segment(f"{cell.temp:2.0f}° ", Style(color="red", bold=True) if hot else None))
        if cell.xid:
            out.append(Segment(f"XID {cell.xid} ", Style(color="red", bold=True)))
    return out


class NodeTable(RowView):
    """Kubernetes nodes in natural order, then the SSH-read GPU hosts of the layout."""

    EMPTY = "No nodes listed yet."
    DEFAULT_CSS = """
    NodeTable { height: 1fr; }
    """

    _node_rows: tuple[NodeRow, ...] = ()
    _hosts: tuple[tuple[str, str], ...] = ()  # (host, error or "")
    _gpus: Mapping[str, Sequence[GpuCell]] = {}
    _pods: Mapping[str, int] = {}
    _widths = (4, 6)

    def show(
        self,
        rows: Sequence[NodeRow],
        pods: Mapping[str, int],
        gpus: Mapping[str, Sequence[GpuCell]],
        hosts: Mapping[str, str] | None = None,
    ) -> None:
        """`pods`: how many watched pods each node runs, by node name."""
        self._node_rows = tuple(rows)
        self._pods = pods
        self._hosts = tuple(sorted((hosts or {}).items()))
        self._gpus = gpus
        names = [r.name for r in self._node_rows] + [h for h, _ in self._hosts]
        statuses = [r.status for r in self._node_rows]
        self._widths = (max(map(len, names), default=4), max([6, *map(len, statuses)]))
        most = max((len(c) for c in gpus.values()), default=0)
        errors = max((len(e) for _, e in self._hosts), default=0)
        width = sum(self._widths) + 2 + 5 + max(most * CELL_WIDTH, errors, len(GPU_HEADER))
        self.set_rows(names, width)

    def header_segments(self) -> Segments:
        name_w, status_w = self._widths
        return [
            fixed("node", name_w, HEADER),
            fixed("status", status_w, HEADER),
            fixed("pods", 4, HEADER),
            Segment(GPU_HEADER, HEADER),
        ]

    def row_segments(self, index: int, now: float) -> Segments:
        name_w, status_w = self._widths
        if index < len(self._node_rows):
            row = self._node_rows[index]
            style = TROUBLE[row.trouble]
            out = [fixed(row.name, name_w, style), fixed(row.status, status_w, style)]
            out.append(fixed(str(self._pods.get(row.name, 0)), 4))
            cells = gpu_segments(self._gpus.get(row.name, ()))
            if not cells and row.gpus:
                cells = [Segment(f"{row.gpus} GPU(s), no telemetry", DIM)]
            return out + cells
        # Bare-metal GPU hosts read over SSH: not Kubernetes nodes, listed after them.
        host, error = self._hosts[index - len(self._node_rows)]
        style = TROUBLE["bad" if error else ""]
        out = [fixed(host, name_w, style), fixed("ssh ✗" if error else "ssh", status_w, style)]
        out.append(fixed("", 4))
        if error:
            return [*out, Segment(error, Style(color="red"))]
        return out + gpu_segments(self._gpus.get(host, ()))
