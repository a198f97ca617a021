"""The HTML record, read by a real browser: headless Chromium renders it, its DOM's text holds
the record, a note's `<script>` stays text, and the screenshot shows the verdicts' colours."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.report.golive import DEPLOYED_BY, NASTY_NOTE, go_live
from tests.report.png import pixels
from warroom.report import ChainStatus, write_report
from warroom.report.style import TONES

BROKEN = "line 41 does not follow line 40"


class Page(HTMLParser):
    """The text a reader sees and the elements the DOM holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.skip += tag in ("style", "title")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "title")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data)


def read(dom: str) -> Page:
    page = Page()
    page.feed(dom)
    return page


def seen(dom: str) -> str:
    """The DOM's text as one line, white space collapsed as the browser draws it."""
    return " ".join("".join(read(dom).text).split())


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    browser = require_tool("chromium")
    return subprocess.run(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The go-live's HTML record, written to a file."""
    journal = go_live()
    out = tmp_path_factory.mktemp("html") / "record.html"
    write_report(journal.parsed(), journal.chain(), "html", out)
    return out


@pytest.fixture(scope="module")
def dom(written: Path) -> str:
    """Chromium's DOM of the record, once for the module (the machine's cores are shared)."""
    return chromium(written.parent, "--dump-dom", written.as_uri()).stdout


def test_the_browser_shows_the_items_people_and_reasons(dom: str) -> None:
    text = seen(dom)
    for title in ("GPU nodes Ready", "GPU capacity free", "Runbook read", "Change approved",
                  "Canary p99 under 300 ms", "Soak 15 minutes", "SRE sign-off",
                  "All replicas available", "Customer comms sent"):
        assert title in text
    for who in ("alice", "bob", "carol (change manager)", "dave"):
        assert who in text
    assert "overrode Canary 10%: soak runs after the switch, agreed" in text
    assert "sign-off lapsed at 2026-12-02 21:14:00Z (T+14m): revision changed: 7 → 8" in text
    assert "bound to: target inference/llm; revision 7; image registry.example/llm:1.4.2; " in text
    assert "signed by dave as SRE lead at 2026-12-02 21:12:00Z" in text
    assert "Go-live record: llm-inference <b>v2</b>" in text
    assert "Journal: 110 records, hash chain verifies" in text


def test_the_session_fields_are_among_the_facts(dom: str) -> None:
    text = seen(dom)
    facts = text.split("items:")[0]  # the facts come before the summary
    assert "Deployment Datenot set (required)" in facts  # <dt> and <dd> side by side
    assert (
        "Version1.4.2, set by dave at 2026-12-02 21:13:00Z (T+13m); before: 1.4.1 by alice at "
        "2026-12-02 15:02:00Z (T-5h58m)" in facts
    )
    assert f"Deployed By{DEPLOYED_BY}, set by bob" in facts  # markup typed stays text
    assert "Additional Notesnot set" in facts
    assert "Version set: 1.4.2" in text  # and on the timeline


def test_markup_from_the_journal_stays_text(dom: str) -> None:
    page = read(dom)
    assert "script" not in page.tags
    assert "b" in page.tags  # the page's own bold, so the check above could see tags
    first_line = NASTY_NOTE.splitlines()[0]
    assert any(first_line in chunk for chunk in page.text)


def test_the_file_is_self_contained(written: Path) -> None:
    html = written.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"url\(|@import|@font-face", html, re.I)
    assert "<svg" in html and "<style>" in html


def test_the_screenshot_shows_the_verdicts_colours(written: Path) -> None:
    shot = written.parent / "record.png"
    chromium(written.parent, f"--screenshot={shot}", "--window-size=1200,2000", written.as_uri())
    width, height, counts = pixels(shot)
    assert (width, height) == (1200, 2000)
    assert len(counts) > 50, "the screenshot is (nearly) blank"

    def near(hex_colour: str) -> int:
        target = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        return sum(n for colour, n in counts.items()
                   if all(abs(a - b) <= 2 for a, b in zip(colour, target, strict=True)))

    for verdict in ("pass", "fail", "done", "pending", "unknown"):
        assert near(TONES[verdict]) > 300, f"no {verdict} colour on the page"


def test_a_chain_that_does_not_verify_is_said_first(tmp_path: Path) -> None:
    journal = go_live()
    out = tmp_path / "broken.html"
    write_report(journal.parsed(), ChainStatus(False, 40, "cd" * 32, BROKEN), "html", out)
    text = seen(chromium(tmp_path, "--dump-dom", out.as_uri()).stdout)
    assert text.index("does NOT verify") < text.index("Layout")
    assert f"does NOT verify: {BROKEN}" in text


def test_write_report_returns_the_text_and_knows_its_formats(tmp_path: Path) -> None:
    journal = go_live()
    out = tmp_path / "record.md"
    written = write_report(journal.parsed(), journal.chain(), "md", out)
    assert out.read_text(encoding="utf-8") == written
    assert written.startswith("# Go-live record")
    assert write_report(journal.parsed(), journal.chain(), "html", None).startswith("<!DOCTYPE")
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        write_report(journal.parsed(), journal.chain(), "pdf", None)
