"""Custom resources the layout names, with their own status (Flagger canaries)."""

from __future__ import annotations

from warroom.state.custom import custom_row


def test_a_flagger_canary_shows_its_phase_and_weight() -> None:
    canary = {
        "metadata": {"name": "api", "namespace": "ns"},
        "status": {"phase": "Progressing", "canaryWeight": 30, "conditions": []},
    }
    row = custom_row("canaries.flagger.app", canary)
    assert (row.state, row.trouble) == ("Progressing · weight 30%", "warn")
    canary["status"] = {"phase": "Failed", "canaryWeight": 0}
    assert custom_row("canaries.flagger.app", canary).trouble == "bad"
