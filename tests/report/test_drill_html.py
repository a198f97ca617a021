"""A drill's record in HTML, as headless Chromium renders it: the DRILL badge on the title,
each drill's section with its facts, its timers and responses drawn met (the pass colour) or
missed (the fail colour), its derived timeline, a halt said as an alert, and the drill's
records told in words, each with its coloured word, on the session's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.report.drilled import HALT, drilled
from tests.report.test_html import chromium, seen
from warroom.report import write_report


@dataclass
class Cell:
    text: str = ""
    badges: list[tuple[str, str]] = field(default_factory=list)  # (tone class, word)


class Rows(HTMLParser):
    """Every table row and list item of the page as cells: a row's <td>s, an item's own
    <span>s and <b>s (a badge's word and colour class kept apart from the text), and the
    alerts' text. A list inside a cell (an item's details) is a row of its own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[Cell]] = []
        self.alerts: list[str] = []
        self.open: list[list[Cell]] = []  # the rows being read, innermost last
        self.stack: list[str] = []
        self.badge: tuple[str, str] | None = None
        self.alert: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(tag)
        if tag in ("tr", "li"):
            self.open.append([])
        elif self.open and (tag == "td" or (parent == "li" and tag in ("span", "b")
                                            and "v" not in classes)):  # fmt: skip
            self.open[-1].append(Cell())
        if tag == "span" and "v" in classes:
            self.badge = (next(c for c in classes if c.startswith("v-")), "")
        if tag == "div" and "alert" in classes:
            self.alert = ""

    def handle_endtag(self, tag: str) -> None:
        self.stack.pop()
        if tag in ("tr", "li") and self.open:
            self.rows.append(self.open.pop())
        if tag == "span" and self.badge is not None:
            if self.open and self.open[-1]:
                self.open[-1][-1].badges.append(self.badge)
            self.badge = None
        if tag == "div" and self.alert is not None:
            self.alerts.append(self.alert)
            self.alert = None

    def handle_data(self, data: str) -> None:
        if self.alert is not None:
            self.alert += data
        if self.badge is not None:
            self.badge = (self.badge[0], self.badge[1] + data)
        elif self.open and self.open[-1]:
            self.open[-1][-1].text += data


def rows_of(dom: str) -> list[list[Cell]]:
    parser = Rows()
    parser.feed(dom)
    return parser.rows


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("drill-html")
    session = drilled(folder)
    out = folder / "drill.html"
    write_report(session.records(), session.chain(), "html", out)
    return out


@pytest.fixture(scope="module")
def dom(written: Path) -> str:
    """Chromium's DOM of the record, once for the module (the machine's cores are shared)."""
    return chromium(written.parent, "--dump-dom", written.as_uri()).stdout


def test_the_title_carries_the_drill_badge_and_each_drill_its_section(dom: str) -> None:
    text = seen(dom)
    assert text.startswith("DRILL Drill record: llm rehearsal")
    first = text.index("Drill 1: llm-slow-release")
    second = text.index("Drill 2: llm-pod-loss")
    assert first < second < text.index("Phase: The switch")
    drill = text[first:second]
    for words in (
        "The release answers three times slower four minutes in; roll it back within five "
        "minutes of the first breach.",
        "Againstthe simulated cluster, layout llm rehearsal",  # <dt> and <dd> side by side
        "Endedfinished at T+9:20 (2026-11-20 14:09:20Z): its time ran out (10 min)",
        "Points4 of 7",
        "SLO minutes breached3.0 (3:00)",
        "Error budget burnt0.14 % of the 99.9 % SLO's 30-day budget (error_rate)",
        "Checklist completion1 of 2 items passing",
        "Overrides used1",
        "Who actedbob",
        "Expected responses (4 of 7 points)",
    ):
        assert words in drill, words


def test_timers_and_responses_are_drawn_met_or_missed_in_the_verdict_colours(dom: str) -> None:
    rows = rows_of(dom)
    timers = [r for r in rows if r and r[0].text in ("detect", "acknowledge", "decide",
                                                      "mitigate", "recover")][:5]  # fmt: skip
    assert [[c.text for c in r[:3]] for r in timers] == [
        ["detect", "1:30", "≤ 1:00"], ["acknowledge", "2:30", "≤ 3:00"],
        ["decide", "3:00", "≤ 10:00"], ["mitigate", "4:20", "≤ 30:00"],
        ["recover", "5:00", "none"],
    ]  # fmt: skip
    assert [r[3].badges for r in timers] == [
        [("v-fail", "missed")], [("v-pass", "met")], [("v-pass", "met")], [("v-pass", "met")],
        [("v-pass", "met")],
    ]  # fmt: skip
    responses = {r[0].text: r for r in rows if len(r) == 4 and r[0].text != "detect"}
    acked = responses["The latency trigger acknowledged"]
    assert (acked[1].badges, acked[2].text, acked[3].text) == (
        [("v-pass", "met")],
        "met 1:30 after the first breach",
        "1",
    )
    drained = responses["gpu-1 drained"]
    assert (drained[1].badges, drained[2].text, drained[3].text) == (
        [("v-fail", "missed")],
        "not done in time",
        "2",
    )


def test_the_derived_timeline_and_the_halt(dom: str) -> None:
    rows = rows_of(dom)
    moments = [[c.text for c in r] for r in rows if r and r[0].text.startswith("T+")]
    assert moments[:4] == [
        ["T+0:00", "drill llm-slow-release started"],
        ["T+1:00", "fault release: deployment inference/llm set to registry.example/llm:2.1"],
        ["T+4:00", "fault slow: registry.example/llm:2.1 answers ×3 slower"],
        ["T+5:00", "first breach: error_rate, p95"],
    ]
    assert ["T+2:30", f"halted: {HALT}"] in moments
    parser = Rows()
    parser.feed(dom)
    assert parser.alerts == [f"HALTED: {HALT}"]


def test_the_sessions_timeline_gives_each_drill_record_its_word(dom: str) -> None:
    said = {}
    for row in rows_of(dom):
        if len(row) == 3 and row[0].text.startswith("2026-"):  # stamp, operator, what
            said[row[2].text] = row[2].badges
    assert said["fault injected: release (release) — deployment inference/llm set to "
                "registry.example/llm:2.1"] == [("v-fail", "fault")]  # fmt: skip
    assert said["drill: SLOs breached now: 5xx error rate, p95 latency"] == [("v-fail", "breached")]
    assert said["drill: every SLO within bounds"] == [("v-pass", "green")]
    assert said["fault taken back: slow — registry.example/llm:2.1 answers as before"] == [
        ("v-pass", "undone")
    ]
    assert said[f"drill HALTED: {HALT}"] == [("v-fail", "halted")]
    assert said["fault cordon (cordon) not injected: declined by the operator"] == []
    assert not any(words.startswith("drill_") for words in said)
