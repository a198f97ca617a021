"""Custom resources the layout names (e.g. Flagger canaries), each with its own status."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.kinds.objects import Obj, as_int, section
from warroom.state.trouble import Trouble


@dataclass(frozen=True, slots=True)
class CustomRow:
    kind: str  # plural.group
    namespace: str
    name: str
    state: str  # status.phase, else the Ready condition, else "–"
    message: str
    trouble: Trouble


def custom_row(kind: str, obj: Obj) -> CustomRow:
    """What a custom resource says about itself: its phase or Ready condition (Flagger-style)."""
    meta, status = section(obj, "metadata"), section(obj, "status")
    ready = next((c for c in status.get("conditions") or () if c.get("type") == "Ready"), None)
    state = str(status.get("phase") or (f"Ready={ready.get('status')}" if ready else "–"))
    message = str((ready or {}).get("message") or status.get("message") or "")
    bad = state in ("Failed", "Ready=False") or "fail" in state.lower()
    waiting = state in ("Progressing", "Promoting", "Finalising", "Waiting", "–")
    if status.get("canaryWeight") is not None:  # Flagger: the canary's share of requests
        state += f" · weight {as_int(status.get('canaryWeight'))}%"
    return CustomRow(
        kind,
        str(meta.get("namespace", "")),
        str(meta.get("name", "")),
        state,
        message,
        "bad" if bad else ("warn" if waiting else ""),
    )
