"""The go-live record: a session's journal written as Markdown or as one self-contained HTML
file. Headless (no Textual, nothing of the sim); the CLI passes what the journal's verifier says.
"""

from __future__ import annotations

from warroom.report.model import ChainStatus, Report, build_report

__all__ = ["ChainStatus", "Report", "build_report"]
