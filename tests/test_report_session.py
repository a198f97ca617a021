"""`warroom report` of a real session: a ChecklistRun on a room over the simulated cluster
records ticks, a note, an override, a sign-off, the verdicts of a rollout the sim finishes and
a trigger the sim's regression raises; then the CLI writes the record as Markdown and HTML
(read back through headless Chromium), and a journal with one edited line says so at the top.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import require_tool
from tests.report.png import pixels
from tests.report.test_html import chromium, seen
from tests.sim.conftest import Kubectl
from warroom.checklist.evaluator import Evaluation
from warroom.cli import main
from warroom.journal import session_path
from warroom.layout import parse_layout
from warroom.live.checklist import ChecklistRun
from warroom.live.room import open_room
from warroom.live.session import open_checklist
from warroom.sim.cluster import SimCluster

NS = "bizra-prod"
SPEED = 10.0
STABLE = "ghcr.io/bizra/inference:2.0.0-production"
NEW = "ghcr.io/bizra/inference:2.0.1"
SESSION = "bizra-golive"
OVERRIDE = "comms go out after the switch; agreed with the duty manager"
LAYOUT = """
name: BIZRA scripted go-live
cluster: {namespaces: [bizra-prod]}
prometheus: {interval: 1s, range: 5m}
targets: [{name: bizra-inference, container: inference-server}]
signals:
  p95:
    title: p95 latency
    query: >-
      histogram_quantile(0.95, sum by (le) (
        rate(http_request_duration_seconds_bucket{namespace="bizra-prod"}[30s])))
    unit: s
    slo: {max: 1.0}
roles:
  eng_lead: Engineering lead
phases:
  - id: prep
    title: Preparation
    items:
      - {id: runbook, title: Runbook reviewed}
      - {id: comms, title: Customer comms sent}
  - id: go
    title: The switch
    items:
      - {id: rolled, title: Rolled out, rollout: {target: bizra-inference}}
      - {id: pods, title: Three pods Ready, pods: {selector: app=bizra-inference, min: 3}}
      - id: sign
        title: Engineering lead signs the go
        signoff: {role: eng_lead, statement: bizra-inference 2.0.1 is live and healthy.}
triggers:
  slow: {title: p95 over 1 s, signal: p95, op: ">", value: 1.0}
"""


@dataclass(frozen=True)
class Recorded:
    journal: Path
    head: str  # as `warroom verify` printed it


async def until_evaluation(
    run: ChecklistRun, check: Callable[[Evaluation], bool], what: str, timeout: float = 60
) -> Evaluation:
    """Tick (journalling what changed) until the evaluation passes `check`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check(evaluation := run.tick()):
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.1)
    return evaluation


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


pytestmark = pytest.mark.kubectl


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """One scripted go-live, recorded once for the module (the machine's cores are shared);
    the tests name its journal by path (each test has a data folder of its own)."""
    kubectl_binary = require_tool("kubectl")
    folder = tmp_path_factory.mktemp("session")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WARROOM_DATA_DIR", str(folder / "data"))
        asyncio.run(script(folder, kubectl_binary))
        code, said = cli("verify", SESSION)
        assert code == 0, said
        head = re.fullmatch(rf"{SESSION}: ok: \d+ records, head ([0-9a-f]{{64}})\n", said)
        assert head is not None, said
        return Recorded(session_path(SESSION), head.group(1))


async def script(folder: Path, kubectl_binary: str) -> None:
    layout_path = folder / "bizra.yaml"
    layout_path.write_text(LAYOUT, encoding="utf-8")
    async with SimCluster("bizra-inference-10k", speed=SPEED, scrape_interval=0.5) as sim:
        sim.set_hpa_metric(NS, "bizra-inference-hpa", 70)  # hold the replica count
        sim.set_users(f"{NS}/bizra-inference", 600)
        kubectl = Kubectl(kubectl_binary, sim.kubeconfig, folder / "kube-cache")
        layout = parse_layout(LAYOUT).with_overrides(
            context="warroom-sim", prometheus=sim.prometheus_url
        )
        async with (
            open_room(layout, kubeconfig=sim.kubeconfig, clock=sim.clock.now) as room,
            open_checklist(
                room, SESSION, operator="ana", layout_path=layout_path, pace=lambda: SPEED
            ) as run,
        ):
            await room.sources.wait_synced(20)
            await until_evaluation(
                run, lambda e: e.items["rolled"].verdict == "pass", "the rollout passing"
            )
            run.tick_item("runbook", note="read it twice")
            run.note("traffic is steady at 600 users", item_id="pods")
            run.override("prep", OVERRIDE)
            await kubectl.ok(
                "set", "image", "deployment/bizra-inference", f"inference-server={NEW}",
                "-n", NS,
            )  # fmt: skip
            await until_evaluation(
                run, lambda e: e.items["rolled"].verdict == "pending", "the rollout moving"
            )
            await until_evaluation(
                run, lambda e: e.items["rolled"].verdict == "pass", "the rollout done", 120
            )
            run.set_operator("bo")
            run.sign("sign", note="dashboards green")
            sim.regress_image(NEW, latency=4.0, errors=0.0)
            await until_evaluation(run, lambda e: bool(e.raised), "the trigger raised")


def md_report(session: str) -> str:
    code, text = cli("report", session)
    assert code == 0, text
    return text


def test_the_markdown_record_holds_the_session(recorded: Recorded) -> None:
    md = md_report(str(recorded.journal))
    rows = {
        cells[0]: cells
        for line in md.splitlines()
        if line.startswith("| ")
        for cells in [[c.strip() for c in line.strip().strip("|").split("|")]]
    }
    for title in ("Runbook reviewed", "Customer comms sent", "Rolled out", "Three pods Ready",
                  "Engineering lead signs the go"):  # fmt: skip
        assert title in rows, f"{title} missing from\n{md}"
    assert rows["Runbook reviewed"][1] == "done" and "ana" in rows["Runbook reviewed"]
    assert rows["Customer comms sent"][1] == "pending"
    assert rows["Rolled out"][1] == "pass"
    assert rows["Engineering lead signs the go"][1] == "done"
    assert "bo (Engineering lead)" in rows["Engineering lead signs the go"]
    assert OVERRIDE in md and "(unmet: Customer comms sent)" in md
    assert "read it twice" in md and "traffic is steady at 600 users" in md
    assert "p95 over 1 s" in md  # the trigger raised
    assert "pending → pass" in md  # the rollout's verdicts as the sim moved it
    assert f"image {NEW}" in md  # what the sign-off is bound to
    assert md.rstrip().splitlines()[-1].endswith(f"hash chain verifies; head {recorded.head}")
    assert "NOT" not in md


def test_the_html_record_in_chromium_holds_the_same_text(
    recorded: Recorded, tmp_path: Path
) -> None:
    out = tmp_path / "record.html"
    code, said = cli("report", str(recorded.journal), "--format", "html", "-o", str(out))
    assert code == 0 and said.startswith(f"{out}: the html report of "), said
    text = seen(chromium(tmp_path, "--dump-dom", out.as_uri()).stdout)
    for words in ("Runbook reviewed", "Customer comms sent", "Rolled out", "Three pods Ready",
                  "Engineering lead signs the go", "bo (Engineering lead)", OVERRIDE,
                  "read it twice", "p95 over 1 s", recorded.head):  # fmt: skip
        assert words in text, words
    shot = tmp_path / "record.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1000,1400", out.as_uri())
    width, height, counts = pixels(shot)
    assert (width, height) == (1000, 1400)
    assert len(counts) > 50, "the screenshot is (nearly) blank"


def test_an_edited_line_is_named_at_the_top_and_verify_exits_1(
    recorded: Recorded, tmp_path: Path
) -> None:
    lines = recorded.journal.read_bytes().splitlines(keepends=True)
    edited = next(n for n, line in enumerate(lines, 1) if b"read it twice" in line)
    lines[edited - 1] = lines[edited - 1].replace(b"read it twice", b"never read it")
    copy = tmp_path / "edited.jsonl"
    copy.write_bytes(b"".join(lines))
    code, said = cli("verify", str(copy))
    # The edit keeps the line valid JSON, so the next line's prev no longer matches.
    assert code == 1 and said.startswith(f"{copy}:{edited + 1}: "), said
    md = md_report(str(copy))
    top = md.splitlines()[2]
    assert top.startswith("> **WARNING: The journal's hash chain does NOT verify:"), md[:400]
    assert f"{copy}:{edited + 1}: " in top
