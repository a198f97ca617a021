"""A drill against a real context is refused before any call: a layout that marks its cluster
production, a context or a server URL that says prod, a scenario with a fault only the
simulated cluster can take. The "cluster" is a listening socket that counts every connection
made to it: none may come."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from warroom.cli import main

STAGING_LAYOUT = """
name: staging rehearsal
cluster: {namespaces: [shop], production: false}
prometheus: {url: "http://127.0.0.1:9/"}
targets: [{name: web, container: web}]
phases:
  - id: ready
    title: Ready
    items: [{id: up, title: Web is up, rollout: {target: web}}]
"""

SAFE_SCENARIO = """
name: safe
layout: staging.yaml
says: A pod of web deleted; see it come back.
faults:
  - {at: 10s, delete_pod: {selector: app=web}}
responses:
  - {id: back, title: Web is up again, checklist: {item: up}, within: 5m, after: start}
"""


class CountingServer:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def server() -> Iterator[CountingServer]:
    counting = CountingServer()
    yield counting
    counting.close()


def kubeconfig(path: Path, context: str, server: str) -> Path:
    path.write_text(
        f"""apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "{server}"}}}}]
users: [{{name: u, user: {{token: t}}}}]
contexts: [{{name: {context}, context: {{cluster: c, user: u}}}}]
current-context: {context}
"""
    )
    return path


def drill(tmp_path: Path, *args: str, layout: str = STAGING_LAYOUT,
          scenario: str = SAFE_SCENARIO) -> tuple[int, str]:  # fmt: skip
    (tmp_path / "staging.yaml").write_text(layout)
    (tmp_path / "safe.yaml").write_text(scenario)
    result = CliRunner().invoke(
        main, ["drill", "--scenario", str(tmp_path / "safe.yaml"), "--headless", "--yes", *args]
    )
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("context", "url_path", "said"),
    [
        ("prod-eu", "", "the context 'prod-eu' looks like production"),
        ("Eu-Production", "", "the context 'Eu-Production' looks like production"),
        ("staging", "/k8s-prod", "looks like production (it contains 'prod')"),
    ],
)
def test_a_context_or_server_that_says_prod_is_refused_before_any_call(
    tmp_path: Path, server: CountingServer, context: str, url_path: str, said: str
) -> None:
    url = f"http://127.0.0.1:{server.port}{url_path}"
    config = kubeconfig(tmp_path / "kubeconfig", context, url)
    code, out = drill(tmp_path, "--context", context, "--kubeconfig", str(config))
    assert code == 2, out
    assert out.startswith("refused: ") and said in out, out
    assert "Traceback" not in out
    assert server.connections == 0


def test_a_layout_that_marks_its_cluster_production_is_refused(
    tmp_path: Path, server: CountingServer
) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", "staging", f"http://127.0.0.1:{server.port}")
    layout = STAGING_LAYOUT.replace("production: false", "production: true")
    code, out = drill(tmp_path, "--context", "staging", "--kubeconfig", str(config),
                      layout=layout)  # fmt: skip
    assert code == 2, out
    assert "marks its cluster production, and a drill never runs against production" in out
    assert server.connections == 0


def test_a_fault_only_the_sim_can_take_is_refused_against_staging(
    tmp_path: Path, server: CountingServer
) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", "staging", f"http://127.0.0.1:{server.port}")
    scenario = SAFE_SCENARIO.replace(
        "  - {at: 10s, delete_pod: {selector: app=web}}",
        "  - {at: 10s, delete_pod: {selector: app=web}}\n"
        "  - {id: slow, at: 1m, regress: {image: 'web:2'}}",
    )
    code, out = drill(tmp_path, "--context", "staging", "--kubeconfig", str(config),
                      scenario=scenario)  # fmt: skip
    assert code == 2, out
    assert "faults only the simulated cluster can take: slow (regress)" in out
    assert server.connections == 0


def test_a_missing_kubeconfig_is_one_sentence(tmp_path: Path) -> None:
    code, out = drill(tmp_path, "--context", "staging", "--kubeconfig", str(tmp_path / "none"))
    assert code == 2 and out.startswith("refused: no kubeconfig at "), out


def test_an_unreachable_staging_context_is_one_sentence(tmp_path: Path) -> None:
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens there now
    config = kubeconfig(tmp_path / "kubeconfig", "staging", f"http://127.0.0.1:{port}")
    code, out = drill(tmp_path, "--context", "staging", "--kubeconfig", str(config))
    assert code == 1, out
    assert out.startswith(f"error: cannot reach the API server at http://127.0.0.1:{port} of "
                          'context "staging"'), out  # fmt: skip
    assert "Traceback" not in out
