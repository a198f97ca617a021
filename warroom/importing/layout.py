"""A read checklist turned into a layout: phases and items in the source's order and words,
criteria as promql checks on named signals, commands as the checks they stand for, sign-off
lines as sign-offs by their roles, the rest as items a person ticks.

A criterion's signal gets a placeholder query (PLACEHOLDER_METRIC, a series no Prometheus
has): its checks read as unknown — never as passed — until someone writes the real PromQL, and
`warroom validate` lists the signals still waiting for it. A signal's SLO is its first
criterion, so "monitor 30 min" soaks every signal a criterion named. Commands are read by
commands.py (rollout status, pods Running, curl of an endpoint, other reads on demand). Sign-offs:
an item like "Team Sign-Off" listing roles (`Engineering lead: [ ]`) becomes one sign-off per
role; in a sign-off phase, an item naming a team and the steps under it becomes that team's
sign-off, and team headings get one sign-off after their items; a note with a `Signature:`
line is signed by the signatory. A Notes block of blanks to fill in (`**Version**: ____`,
`**Environment**: ☐ Staging ☐ Production`) becomes the layout's session_fields. Nothing of the
source is dropped: an item's nested lines and code become its help, and blocks that are not
tasks become items that are not required.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import yaml

from warroom.importing.commands import Found, check_of, inline_commands
from warroom.importing.reading import ReadChecklist, ReadItem, ReadPhase
from warroom.importing.thresholds import Criterion, find_criteria, hold_of
from warroom.layout.signals import PLACEHOLDER_METRIC

# A criterion's unit as a layout signal's.
_UNITS = {"s": "s", "ratio": "ratio", "tokens/sec": "tokens/s", "tokens/s": "tokens/s", "": "count"}
SUSTAINED = timedelta(minutes=5)  # "sustained" with no duration given
_SIGNOFF = re.compile(r"sign[- ]?off|approvals?\b", re.I)
_MONITOR = re.compile(r"\bmonitor(?:ing)?\b|\bSLOs?\b.*\bgreen\b", re.I)
_COMMENT = re.compile(r"^\s*#\s*-\s+")  # `# - CB p99 latency: ≤ 1.5ms` in a code block
_TEAM = re.compile(r"\b(team|lead|management|owner|architect|board|committee|manager)\b", re.I)
_ROLE_LINE = re.compile(r"^\s*[-*+]\s+(?:\[[ xX]\]\s+)?(.+?)(?::\s*\[[ xX]?\])?\s*$")
_SIGNATURE = re.compile(r"^\s*signature\s*:", re.I | re.M)
# `**Deployed By**: ______`, `**Environment:** ☐ Staging ☐ Production`, `**Notes**:`.
_FIELD_LINE = re.compile(r"^\s*\*\*(?P<name>[^*:]+?)(?::\*\*|\*\*\s*:)\s*(?P<rest>.*?)\s*$")
_BLANK = re.compile(r"_{3,}")
_BOX = re.compile(r"[☐□]|\[ \]")
_OPTIONAL_FIELD = re.compile(r"\b(notes?|comments?|remarks?)\b", re.I)


@dataclass
class Summary:
    phases: int = 0
    items: int = 0
    automatic: int = 0
    commands: int = 0  # command checks, run when the operator asks
    signoffs: int = 0
    fields: int = 0  # session fields to fill in during the go-live
    placeholders: list[str] = field(default_factory=list)  # signal ids to write PromQL for
    assumed: list[str] = field(default_factory=list)  # item ids held SUSTAINED by assumption

    def lines(self) -> list[str]:
        out = [
            f"{self.phases} phases, {self.items} items, {self.automatic} automatic, "
            f"{self.commands} commands on demand, {self.signoffs} sign-offs, "
            f"{self.fields} session fields"
        ]
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
        self.targets: dict[tuple[str, str], dict[str, str]] = {}
        self.namespaces: list[str] = []
        self.roles: dict[str, str] = {}
        self.soaks: list[dict[str, Any]] = []
        self.fields: dict[str, dict[str, Any]] = {}
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
        entry: dict[str, Any] = {
            "title": measured,
            "query": f'{PLACEHOLDER_METRIC}{{signal="{sid}"}}',
        }
        unit = _UNITS.get(criterion.unit)  # GB, docs/hour, $ …: no unit the war room knows
        if unit:
            entry["unit"] = unit
        slo = _slo(criterion)
        if slo:
            entry["slo"] = slo
        self.signals[sid] = entry
        self.by_measured[measured.lower()] = sid
        self.summary.placeholders.append(sid)
        return sid

    def role(self, title: str) -> str:
        base = slug(title, "_", 40) or "signer"
        if not base[0].isalpha():
            base = f"role_{base}"
        for rid, known in self.roles.items():
            if known == title:
                return rid
        rid = _unique(base, set(self.roles), "_")
        self.roles[rid] = title
        return rid

    def _base(self, read: ReadItem, title: str | None = None) -> dict[str, Any]:
        title = title or read.title or read.group or "Note"
        out: dict[str, Any] = {"id": _unique(slug(title) or "item", self.ids), "title": title}
        help_text = _help(read)
        if help_text:
            out["help"] = help_text
        return out

    def signoff(self, read: ReadItem, role: str, statement: str, title: str) -> dict[str, Any]:
        out = self._base(read, title)
        out["signoff"] = {"role": self.role(role), "statement": statement}
        self.summary.signoffs += 1
        return out

    def slos(self, read: ReadItem) -> None:
        """Criteria listed in a code block's comments (`# - Cache L1 hit: ≥ 90%`) are SLOs."""
        for line in read.detail:  # code blocks are in the detail as written
            if _COMMENT.match(line):
                for criterion in find_criteria(_COMMENT.sub("", line)):
                    self.signal(criterion)

    def items(self, read: ReadItem, signoff_phase: bool, children: list[str]) -> list[dict]:
        """What one read item becomes: usually one item; a sign-off listing roles, several."""
        self.slos(read)
        if not read.task:
            fields = _session_fields(read)
            if fields:
                for name, field in fields:
                    fid = _unique(slug(name, "_", 40) or "field", set(self.fields), "_")
                    self.fields[fid] = field
                self.summary.fields += len(fields)
                return []
            if _SIGNATURE.search("\n".join(read.detail)):
                return [self.signoff(read, "Signatory", _statement(read), read.title)]
            out = self._base(read)
            out["required"] = False
            return [out]
        roles = _listed_roles(read) if _SIGNOFF.search(read.title) else []
        if roles:
            return [self.signoff(read, r, f"{read.title}: {r}", f"{read.title}: {r}")
                    for r in roles]  # fmt: skip
        if signoff_phase and _TEAM.search(read.title) and children:
            statement = f"{read.title}: " + "; ".join(children)
            return [self.signoff(read, read.title, statement, read.title)]
        out = self._base(read)
        self._check(out, read)
        return [out]

    def _check(self, out: dict[str, Any], read: ReadItem) -> None:
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
                self.summary.assumed.append(out["id"])
            if held is not None:
                check["for"] = _duration(held)
            out["promql"] = check
            self.summary.automatic += 1
            return
        command = check_of([*read.code, *inline_commands(read.title)])
        if command is not None:
            self._command(out, command)
            return
        held = hold_of(read.title)
        if held is not None and _MONITOR.search(read.title):
            out["soak"] = {"for": _duration(held)}
            self.soaks.append(out)
            self.summary.automatic += 1

    def _command(self, out: dict[str, Any], found: Found) -> None:
        out[found.kind] = found.check
        if found.target is not None:
            key = (found.target.get("namespace", ""), found.target["name"])
            self.targets.setdefault(key, found.target)
        for namespace in found.namespaces:
            if namespace not in self.namespaces:
                self.namespaces.append(namespace)
        if found.kind == "command":
            self.summary.commands += 1
        else:
            self.summary.automatic += 1

    def finish(self) -> None:
        """Soaks need a signal with an SLO; without one they stay items a person ticks."""
        if any("slo" in s for s in self.signals.values()):
            return
        for item in self.soaks:
            del item["soak"]
            self.summary.automatic -= 1


def _slo(criterion: Criterion) -> dict[str, float] | None:
    if criterion.between is not None:
        low, high = criterion.between
        return {"min": low, "max": high} if low < high else None
    value = criterion.value
    if value is None:
        return None
    if criterion.op in ("<", "<="):
        return {"max": value}
    if criterion.op in (">", ">="):
        return {"min": value}
    return None


def _statement(read: ReadItem) -> str:
    """What a signed note says: its lines up to the `Signature:` line, without the markup."""
    words = []
    for line in read.detail:
        if _SIGNATURE.match(line):
            break
        text = re.sub(r"\*\*|__|`", "", line).strip(" -*>")
        if text and not text.startswith("```") and not re.search(r"_{3,}", text):
            words.append(text)
    return " ".join(words) or read.title


def _session_fields(read: ReadItem) -> list[tuple[str, dict[str, Any]]]:
    """The blanks a note asks to fill in, each a session field: every line of it is
    `**Name**: ____` (a date, a version or text, by its name), `**Name**: ☐ A ☐ B` (one of
    the choices) or `**Name**:` with nothing after; [] when it is any other note."""
    fields: list[tuple[str, dict[str, Any]]] = []
    blanks = 0
    for line in read.detail:
        match = _FIELD_LINE.match(line)
        if match is None:
            return []
        name, rest = match.group("name").strip(), match.group("rest")
        field: dict[str, Any] = {"title": name}
        if _BOX.search(rest):
            choices = [c.strip() for c in _BOX.split(rest) if c.strip()]
            if _BOX.match(rest) is None or not choices:
                return []
            field["choices"] = choices
        elif rest and _BLANK.fullmatch(rest) is None:
            return []  # a value already written: a note, not a blank
        elif re.search(r"\bdate\b", name, re.I):
            field["kind"] = "date"
        elif re.search(r"\bversion\b", name, re.I):
            field["kind"] = "version"
        blanks += bool(rest)
        if _OPTIONAL_FIELD.search(name):
            field["required"] = False
        fields.append((name, field))
    return fields if blanks else []


def _listed_roles(read: ReadItem) -> list[str]:
    """The roles a sign-off item lists under it: `- Engineering lead: [ ]`, `- [ ] Security`."""
    roles = []
    for line in read.detail:
        match = _ROLE_LINE.match(line)
        if match is None:
            return []
        roles.append(match.group(1).strip(" *"))
    return roles


def _team_signoffs(builder: _Builder, phase: ReadPhase, made: list[list[dict]]) -> list[dict]:
    """The phase's items; in a sign-off phase, each team heading's sign-off after its items."""
    groups = [item.group for item in phase.items]
    # A team heading over plain steps (not over items that are teams themselves).
    teams = {
        g for g in groups
        if g and " › " not in g and _TEAM.search(g) and not any(
            h.startswith(f"{g} › ") for h in groups
        )
    }  # fmt: skip
    if not _SIGNOFF.search(phase.title) or not teams:
        return [i for group in made for i in group]
    out: list[dict] = []
    for i, (read, items) in enumerate(zip(phase.items, made, strict=True)):
        out.extend(items)
        group = read.group
        last = i + 1 == len(phase.items) or groups[i + 1] != group
        if group in teams and last:
            done = [r.title for r in phase.items if r.group == group and r.task]
            note = ReadItem(f"{group} sign-off", group=group)
            out.append(builder.signoff(note, group, f"{group}: " + "; ".join(done), note.title))
    return out


def build_layout(read: ReadChecklist) -> tuple[dict[str, Any], Summary]:
    """The layout for `read` (a mapping ready for YAML) and what was made of it."""
    builder = _Builder()
    phase_ids: set[str] = set()
    phases = []
    for phase in read.phases:
        signoff_phase = bool(_SIGNOFF.search(phase.title))
        made: list[list[dict]] = []
        for item in phase.items:
            inner = f"{item.group} › {item.title}" if item.group else item.title
            children = [r.title for r in phase.items if r.task and r.group == inner]
            made.append(builder.items(item, signoff_phase, children))
        items = _team_signoffs(builder, phase, made)
        if not items:
            continue  # its text became session fields
        pid = _unique(slug(phase.title) or "phase", phase_ids)
        phases.append({"id": pid, "title": phase.title, "items": items})
        builder.summary.items += len(items)
    builder.finish()
    builder.summary.phases = len(phases)
    layout: dict[str, Any] = {
        "name": read.title,
        "cluster": {"namespaces": builder.namespaces or ["default"]},
    }
    if builder.targets:
        layout["targets"] = list(builder.targets.values())
    if builder.signals:
        layout["signals"] = builder.signals
    if builder.roles:
        layout["roles"] = builder.roles
    if builder.fields:
        layout["session_fields"] = builder.fields
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
