"""No token or key material ever reaches the screen, the journal, a report or a log line: a
real session against the HTTPS sim whose checklist commands print the very credentials the
session connects with (the token file, `kubectl config view --raw`, the client key), run by
`warroom check` in a subprocess and by a war room on the screen; then every file the session
wrote, both reports, the log and what was drawn are searched for each secret."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

from tests.sim.conftest import kubectl_binary  # noqa: F401 - the fixture
from tests.test_check import warroom_check
from tests.ui.test_checklist import close, open_checklist_tab, open_evidence, select, shows
from tests.waiting import until
from warroom.journal import session_path
from warroom.journal.redact import REDACTED, forget_secrets, log_to_file
from warroom.layout import parse_layout
from warroom.live.room import open_room
from warroom.live.session import open_checklist
from warroom.sim.cluster import SimCluster
from warroom.ui.run import room_app

ROOT = Path(__file__).resolve().parents[1]
NS = "bizra-prod"
SESSION = "no-secrets"
COMMANDS = ("cat-token", "token-b64", "config-view", "cat-key", "cert-b64")
# "<redacted>" as written: plain, escaped for Markdown, for HTML.
SHOWN_REDACTED = (REDACTED, r"\<redacted\>", "&lt;redacted&gt;")
TITLES = (
    "The token file",
    "The token in base64",
    "The kubeconfig raw",
    "The client key",
    "The client certificate in base64",
)


def layout_text(kubeconfig: Path, token_file: Path, key: Path, cert: Path) -> str:
    return f"""
name: no secrets
cluster: {{namespaces: [{NS}]}}
targets: [{{name: bizra-inference, container: inference-server}}]
phases:
  - id: creds
    title: Credentials
    items:
      - {{id: runbook, title: Runbook reviewed}}
      - id: cat-token
        title: The token file
        command: {{run: "cat {token_file}"}}
      - id: token-b64
        title: The token in base64
        command: {{run: "sh -c 'printf %s $(cat {token_file}) | base64 -w0'"}}
      - id: config-view
        title: The kubeconfig raw
        command: {{run: "kubectl --kubeconfig {kubeconfig} config view --raw"}}
      - id: cat-key
        title: The client key
        command: {{run: "cat {key}"}}
      - id: cert-b64
        title: The client certificate in base64
        command: {{run: "base64 -w0 {cert}"}}
"""


def forms(secret: str) -> Iterator[str]:
    """`secret`, its base64 forms and, for PEM, its body and each line of it."""
    yield secret
    yield base64.b64encode(secret.encode()).decode()
    yield base64.urlsafe_b64encode(secret.encode()).decode().rstrip("=")
    body = [line for line in secret.strip().splitlines() if not line.startswith("-----")]
    if body:
        yield "".join(body)
        yield from body


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


async def test_no_token_or_key_reaches_a_file_the_screen_or_a_log_line(
    tmp_path: Path,
    kubectl_binary: str,  # noqa: F811
) -> None:
    forget_secrets()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    log_file = tmp_path / "warroom.log"
    drawn: list[str] = []
    try:
        async with SimCluster("bizra-inference-10k", speed=10, scrape_interval=0.5) as sim:
            sim.set_hpa_metric(NS, "bizra-inference-hpa", 70)
            # The operator's user brings its token file and a client certificate both.
            issued = sim.authority.issue_certificate("operator", ["system:masters"])
            key, cert = tmp_path / "client.key", tmp_path / "client.crt"
            key.write_bytes(issued.key)
            cert.write_bytes(issued.certificate)
            config = yaml.safe_load(sim.kubeconfig.read_text())
            for user in config["users"]:
                if user["name"] == "warroom-sim":
                    user["user"]["client-certificate-data"] = base64.b64encode(
                        issued.certificate
                    ).decode()
                    user["user"]["client-key-data"] = base64.b64encode(issued.key).decode()
            kubeconfig = tmp_path / "kubeconfig"
            kubeconfig.write_text(yaml.safe_dump(config))
            kubeconfig.chmod(0o600)
            token_file = sim.token_file("warroom-sim")
            layout_path = tmp_path / "layout.yaml"
            text = layout_text(kubeconfig, token_file, key, cert)
            layout_path.write_text(text)
            secrets = [
                *sim.tokens.values(),
                issued.key.decode(),
                issued.certificate.decode(),
                token_file.read_text().strip(),
            ]

            # 1. `warroom check` in a subprocess: what it prints.
            ran = await warroom_check(
                str(layout_path), "--kubeconfig", str(kubeconfig), "--context", "warroom-sim",
                "--run-commands", "--json", "--timeout", "20",
            )  # fmt: skip
            assert ran.code in (0, 1, 2), ran
            items = ran.items()
            for item in COMMANDS:
                assert REDACTED in (items[item]["evidence"].get("detail") or ""), items[item]
            printed = ran.out + ran.err

            # 2. A war room on the screen with a journal, logging at DEBUG to a file.
            log_to_file(log_file, logging.DEBUG)
            layout = parse_layout(text).with_overrides(context="warroom-sim")
            async with (
                open_room(layout, kubeconfig=kubeconfig, clock=sim.clock.now) as room,
                open_checklist(
                    room, SESSION, operator="ana", layout_path=None, pace=lambda: 10.0
                ) as run,
            ):
                # A careless log line: the filter takes the token out of it.
                logging.getLogger("warroom.test").debug("token file holds %s", secrets[0])
                app = room_app(
                    room, session=SESSION, drill=True, clock=sim.clock.now, checklist=run
                )
                async with app.run_test(size=(160, 50)) as pilot:
                    await open_checklist_tab(pilot, app)
                    for item in COMMANDS:
                        run.approve(item)
                        run.run_now(item)
                    probes = run.probes
                    assert probes is not None
                    await until(
                        lambda: all(
                            i in probes.results and not probes.results[i].running for i in COMMANDS
                        ),
                        what="every command to have run",
                        pause=pilot.pause,
                        timeout=30,
                    )
                    for title in TITLES:
                        await shows(pilot, app, title, "✓ pass")
                    for title in TITLES:
                        await select(pilot, app, title)
                        shown = await open_evidence(pilot, app)
                        assert REDACTED in shown, shown
                        drawn.append(shown)
                        await close(pilot, app)
                    drawn.append(app.export_screenshot())
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        forget_secrets()

    # 3. The report, Markdown and HTML, from another process.
    reports = {"md": tmp_path / "report.md", "html": tmp_path / "report.html"}
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for fmt, path in reports.items():
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "warroom", "report", SESSION, "--format", fmt, "-o", str(path)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    data_dir = Path(os.environ["WARROOM_DATA_DIR"])
    written = {str(p): p.read_text(errors="replace") for p in files_under(data_dir)}
    journal = written[str(session_path(SESSION))]
    assert REDACTED in journal  # the commands' output got there, redacted
    for path in (*reports.values(), log_file):
        written[str(path)] = path.read_text(errors="replace")
        assert any(m in written[str(path)] for m in SHOWN_REDACTED), path
    written["warroom check's output"] = printed
    written["the screen"] = "\n".join(drawn)
    leaks = [
        (where, shown[:12])
        for secret in secrets
        for shown in forms(secret)
        if len(shown) >= 16
        for where, content in written.items()
        if shown in content
    ]
    assert not leaks, leaks
