"""Each drill a session ran, scored for the record: `drills.scorecard` folds its records, as
the drill's screen and `warroom drill --headless` fold them, so the three say the same. The
report derives nothing of a drill itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warroom.drills.scorecard import Scorecard, card_of, drills_in


@dataclass(frozen=True)
class Drill:
    """One drill of the session (the `number`th), from its drill_started on: its scorecard,
    or, when its records cannot be scored (a damaged journal), why in one sentence."""

    number: int
    scenario: str
    started: float
    card: Scorecard | None
    problem: str | None = None


def drills_of(records: Sequence[Mapping[str, Any]]) -> tuple[Drill, ...]:
    """The session's drills in the order they ran, each judged at its end (or, one the journal
    stops in the middle of, at its last record)."""
    out = []
    for number, run in enumerate(drills_in(records), 1):
        scenario = str(run[0].payload.get("scenario") or "—")
        try:
            card = card_of(run)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            # A payload of the wrong shape (another version's, or an edited line): the record
            # must still be written, with the drill's records in its timeline as they are.
            problem = (
                f"its records could not be scored ({type(exc).__name__}: {exc}); "
                "the session's timeline below shows them as they were written"
            )
            out.append(Drill(number, scenario, run[0].at, None, problem))
            continue
        out.append(Drill(number, scenario, run[0].at, card))
    return tuple(out)


__all__ = ["Drill", "drills_of"]
