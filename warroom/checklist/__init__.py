"""The go-live checklist, judged: verdicts with evidence for every item, phases, soak timers
and rollback triggers — pure functions of the room's picture, the signals and the time."""
