"""`warroom check` end to end: open the room, run the probes once, judge, print, exit code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from warroom.checklist.verdicts import ItemVerdict
from warroom.kube.errors import KubeError
from warroom.layout import Layout
from warroom.live.check import UNREACHABLE, CheckOutcome, check_once
from warroom.live.probing import ProbeRunner
from warroom.live.room import open_room, ssh_target


async def run_check(
    layout: Layout,
    *,
    kubeconfig: str | Path | None,
    phase: str | None,
    as_json: bool,
    run_commands: bool,
    timeout: float,
    echo: Callable[[str], Any],
    pace: float | None = None,
) -> int:
    """Print the checks' verdicts (a table, or JSON) and return the exit code."""
    try:
        async with open_room(layout, kubeconfig=kubeconfig) as room:
            probes = ProbeRunner(
                layout, room.connection, clock=room.picture.clock, ssh_target=ssh_target
            )
            async with probes:
                if run_commands:
                    for _, item in layout.items():
                        if item.command is not None:
                            probes.ask(item.id)
                outcome = await check_once(room, probes, phase=phase, timeout=timeout, pace=pace)
    except KubeError as exc:
        if as_json:
            echo(json.dumps({"code": UNREACHABLE, "unreachable": [str(exc)], "items": []}))
        else:
            echo(f"warroom check: {exc}")
        return UNREACHABLE
    echo(_json(layout, outcome) if as_json else _table(layout, outcome))
    return outcome.code


_WORDS = {0: "all pass", 1: "some fail", 2: "some unknown (no data)", 3: "a source unreachable"}


def _row(v: ItemVerdict, titles: dict[str, str]) -> tuple[str, ...]:
    ev = v.evidence
    found = ev.value or ev.detail or ""
    if ev.threshold and v.verdict not in ("done",):
        found = f"{found} (wants {ev.threshold})" if found else f"wants {ev.threshold}"
    return (v.phase, titles[v.item], v.verdict.upper(), v.reason, found.replace("\n", " ")[:70])


def _table(layout: Layout, outcome: CheckOutcome) -> str:
    titles = {i.id: i.title for _, i in layout.items()}
    rows: list[tuple[str, ...]] = [("PHASE", "ITEM", "VERDICT", "REASON", "EVIDENCE")]
    rows += [_row(v, titles) for v in outcome.verdicts]
    widths = [min(max(len(r[c]) for r in rows), cap) for c, cap in enumerate((18, 48, 7, 28, 70))]
    lines = [
        "  ".join(cell[:w].ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]
    if outcome.manual:
        lines.append(
            f"{len(outcome.manual)} item(s) are ticked by a person in the war room; "
            "check does not judge them"
        )
    lines += [f"unreachable: {s}" for s in outcome.unreachable]
    counts = {
        k: sum(1 for v in outcome.verdicts if v.verdict == k)
        for k in ("pass", "fail", "pending", "unknown")
    }
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    result = f"exit {outcome.code}: {_WORDS[outcome.code]}"
    lines.append(f"{layout.name}: {summary or 'nothing to check'} — {result}")
    return "\n".join(lines)


def _json(layout: Layout, outcome: CheckOutcome) -> str:
    titles = {i.id: i.title for _, i in layout.items()}
    items = [
        {
            "phase": v.phase,
            "item": v.item,
            "title": titles[v.item],
            "verdict": v.verdict,
            "reason": v.reason,
            "evidence": v.evidence.record(),
        }
        for v in outcome.verdicts
    ]
    manual = [{"phase": v.phase, "item": v.item, "title": titles[v.item]} for v in outcome.manual]
    return json.dumps(
        {
            "layout": layout.name,
            "code": outcome.code,
            "result": _WORDS[outcome.code],
            "unreachable": list(outcome.unreachable),
            "items": items,
            "manual": manual,
            "triggers": [
                {"trigger": t.id, "title": t.title, "raised": t.raised, "reason": t.reason}
                for t in outcome.evaluation.triggers
            ],
        },
        indent=2,
        ensure_ascii=False,
    )
