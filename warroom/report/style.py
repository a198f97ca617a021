"""The HTML report's one stylesheet, inlined: system fonts only (no web font, no URL), verdict
colours that carry white text at WCAG AA contrast, and a layout that prints on A4/Letter."""

from __future__ import annotations

# Each verdict's colour; the word is always written inside it, so colour is never alone.
TONES = {
    "pass": "#1a7f37",
    "fail": "#c62828",
    "unknown": "#6b7280",
    "pending": "#b45309",
    "done": "#1d4ed8",
}

_BASE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1f2328; background: #fff; margin: 0 auto; padding: 24px 32px; max-width: 1180px; }
h1 { font-size: 24px; margin: 0 0 12px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.says { font-size: 15px; margin: 4px 0 10px; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 12.5px; overflow-wrap: anywhere; }
.alert { border: 3px solid #c62828; background: #fdecea; color: #7f1d1d; padding: 10px 14px;
  font-weight: 700; margin: 0 0 16px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { font-weight: 600; color: #57606a; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.summary { margin: 14px 0; font-size: 15px; }
.summary .v { margin-right: 4px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { border: 1px solid #d0d7de; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td { overflow-wrap: anywhere; }
.v { display: inline-block; min-width: 64px; text-align: center; color: #fff;
  font-weight: 700; border-radius: 3px; padding: 1px 6px; font-size: 12.5px;
  white-space: nowrap; overflow-wrap: normal;
  print-color-adjust: exact; -webkit-print-color-adjust: exact; }
ul.details { margin: 4px 0 0; padding-left: 18px; color: #424a53; font-size: 13px; }
.override { border-left: 4px solid #b45309; padding: 4px 10px; background: #fff8eb; }
.lapsed { color: #c62828; font-weight: 600; }
.muted { color: #57606a; }
ol.timeline { list-style: none; padding: 0; margin: 0; }
ol.timeline li { display: grid; grid-template-columns: 230px 80px 1fr; gap: 8px;
  padding: 3px 0; border-bottom: 1px solid #eaeef2; }
ol.timeline .v { min-width: 0; margin-right: 6px; }
ol.timeline.moments li { grid-template-columns: 90px 1fr; }
figure { margin: 8px 0 16px; }
svg.graph { max-width: 100%; height: auto; font-family: inherit; }
svg .g-title { font-size: 13px; font-weight: 600; fill: #1f2328; }
svg .g-tick, svg .g-empty { font-size: 11px; fill: #57606a; }
svg .g-frame { fill: none; stroke: #afb8c1; }
svg .g-grid { stroke: #eaeef2; }
svg .g-line { fill: none; stroke: #1d4ed8; stroke-width: 2; }
svg .g-dot { fill: #1d4ed8; }
svg .g-slo { stroke: #c62828; stroke-width: 1.5; }
footer { margin-top: 28px; padding-top: 8px; border-top: 2px solid #d0d7de; }
@media print {
  body { padding: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  tr, figure, ol.timeline li, .alert { break-inside: avoid; }
  thead { display: table-header-group; }
  ol.timeline li { grid-template-columns: 190px 70px 1fr; }
  ol.timeline.moments li { grid-template-columns: 80px 1fr; }
  section.drill table { break-inside: avoid; }
}
"""


def stylesheet() -> str:
    tones = "\n".join(f".v-{name} {{ background: {colour}; }}" for name, colour in TONES.items())
    return _BASE + tones + "\n"
