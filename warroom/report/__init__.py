"""The go-live record: a session's journal written as Markdown or as one self-contained HTML
file. Headless (no Textual, nothing of the sim); the CLI passes what the journal's verifier says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from warroom.report.model import ChainStatus, Report, build_report

FORMATS = ("md", "html")


def write_report(
    records: Iterable[Mapping[str, Any]], chain: ChainStatus, fmt: str, out: Path | None
) -> str:
    """The report of `records` in `fmt` ("md" or "html"); also written to `out` when given."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    report = build_report(records, chain)
    if fmt == "md":
        from warroom.report.markdown import render_markdown

        written = render_markdown(report)
    else:
        from warroom.report.html import render_html

        written = render_html(report)
    if out is not None:
        out.write_text(written, encoding="utf-8")
    return written


__all__ = ["FORMATS", "ChainStatus", "Report", "build_report", "write_report"]
