"""A read checklist turned into a layout: phases and items in the source's order and words,
criteria as promql checks on named signals, the rest as items a person ticks.

A criterion's signal gets a placeholder query (PLACEHOLDER_METRIC, a series no Prometheus
has): its checks read as unknown — never as passed — until someone writes the real PromQL, and
`warroom validate` lists the signals still waiting for it. Nothing of the source is dropped:
an item's nested lines and code become its help, and blocks that are not tasks become items
that are not required.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import yaml

from warroom.importing.reading import ReadChecklist, ReadItem
from warroom.importing.thresholds import Criterion, find_criteria
from warroom.layout.signals import PLACEHOLDER_METRIC

# A criterion's unit as a layout signal's.
_UNITS = {"s": "s", "ratio": "ratio", "tokens/sec": "tokens/s", "tokens/s": "tokens/s", "": "count"}
SUSTAINED = timedelta(minutes=5)  # "sustained" with no duration given


@dataclass
class Summary:
    phases: int = 0
    items: int = 0
    automatic: int = 0
    placeholders: list[str] = field(default_factory=list)  # signal ids to write PromQL for
    assumed: list[str] = field(default_factory=list)  # item ids held SUSTAINED by assumption

    def lines(self) -> list[str]:
        out = [f"{self.phases} phases, {self.items} items, {self.automatic} automatic"]
        if self.placeholders:
            out.append(
                f"placeholder queries to write ({len(self.placeholders)}): "
                + ", ".join(self.placeholders)
            )
        if self.assumed:
            out.append(
                f"'sustained' read as for: {_duration(SUSTAINED)} in: " + ", ".join(self.assumed)
            )
        return out


def slug(text: str, joiner: str = "-", limit: int = 48) -> str:
    """Lowercase ASCII words of `text` joined by `joiner`: `p95-latency`."""
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", flat.lower())
    return joiner.join(words)[:limit].strip(joiner)


def _unique(base: str, taken: set[str], joiner: str = "-") -> str:
    name, n = base, 2
    while name in taken:
        name = f"{base}{joiner}{n}"
        n += 1
    taken.add(name)
    return name


def _duration(held: timedelta) -> str:
    seconds = int(held.total_seconds())
    for size, unit in ((3600, "h"), (60, "m")):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _help(item: ReadItem) -> str:
    """The item's group and the lines under it, dedented together (code keeps its shape)."""
    body = textwrap.dedent("\n".join(item.detail)).strip("\n")
    return "\n".join(part for part in (item.group, body) if part)


class _Builder:
    def __init__(self) -> None:
        self.signals: dict[str, dict[str, Any]] = {}
        self.by_measured: dict[str, str] = {}
        self.ids: set[str] = set()
        self.summary = Summary()

    def signal(self, criterion: Criterion) -> str:
        measured = criterion.measured or "criterion"
        known = self.by_measured.get(measured.lower())
        if known is not None:
            return known
        base = slug(measured, "_", 40)
        if not base or not base[0].isalpha():
            base = f"signal_{base}" if base else "signal"
        sid = _unique(base, set(self.signals), "_")
        entry = {"title": measured, "query": f'{PLACEHOLDER_METRIC}{{signal="{sid}"}}'}
        unit = _UNITS.get(criterion.unit)  # GB, docs/hour, $ …: no unit the war room knows
        if unit:
            entry["unit"] = unit
        self.signals[sid] = entry
        self.by_measured[measured.lower()] = sid
        self.summary.placeholders.append(sid)
        return sid

    def item(self, read: ReadItem) -> dict[str, Any]:
        iid = _unique(slug(read.title) or "item", self.ids)
        out: dict[str, Any] = {"id": iid, "title": read.title or read.group or "Note"}
        help_text = _help(read)
        if help_text:
            out["help"] = help_text
        if not read.task:
            out["required"] = False
            return out
        # The item's own criterion: in its title, else in the first line under it that has one
        # (the others stay in its help).
        found = find_criteria(read.title) or next(
            (c for line in read.detail if (c := find_criteria(line))), []
        )
        if found:
            criterion = found[0]
            check: dict[str, Any] = {"signal": self.signal(criterion)}
            if criterion.between is not None:
                check["between"] = list(criterion.between)
            else:
                check["op"] = criterion.op
                check["value"] = criterion.value
            held = criterion.held
            if held is None and criterion.sustained:
                held = SUSTAINED
                self.summary.assumed.append(iid)
            if held is not None:
                check["for"] = _duration(held)
            out["promql"] = check
            self.summary.automatic += 1
        return out


def build_layout(read: ReadChecklist) -> tuple[dict[str, Any], Summary]:
    """The layout for `read` (a mapping ready for YAML) and what was made of it."""
    builder = _Builder()
    phase_ids: set[str] = set()
    phases = []
    for phase in read.phases:
        items = [builder.item(item) for item in phase.items]
        pid = _unique(slug(phase.title) or "phase", phase_ids)
        phases.append({"id": pid, "title": phase.title, "items": items})
        builder.summary.items += len(items)
    builder.summary.phases = len(phases)
    layout: dict[str, Any] = {
        "name": read.title,
        "cluster": {"namespaces": ["default"]},
    }
    if builder.signals:
        layout["signals"] = builder.signals
    layout["phases"] = phases
    return layout, builder.summary


def render(layout: dict[str, Any], source: str) -> str:
    """The layout as YAML, under a header saying where it came from and what to fill in."""
    header = (
        f"# Imported by `warroom import` from {source}.\n"
        "# Fill in: cluster.namespaces and targets, a prometheus.url, and the PromQL of every\n"
        f"# signal whose query is still {PLACEHOLDER_METRIC}{{...}} (`warroom validate` lists\n"
        "# them); until then their checks read as unknown, never as passed.\n"
    )
    body = yaml.dump(layout, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body


class _Dumper(yaml.SafeDumper):
    """Multi-line text as `|` blocks, as a person writes help in a layout."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)
