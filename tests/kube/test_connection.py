"""Connecting from a kubeconfig: the sim's context works, and every user mistake is one sentence.

The sim authenticates every request over HTTPS, so a kubeconfig written here carries its CA and
a credential; the credential failures themselves are in test_credentials.py.
"""

from __future__ import annotations

import base64
import socket
import stat
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.kube.conftest import CONFIGMAPS, reflector
from tests.waiting import until
from warroom.kube import ApiError, KubeError, connect
from warroom.sim.cluster import CONTEXT, SimCluster, kubeconfig_text
from warroom.sim.credentials import MASTERS, Token, User
from warroom.state.store import ObjectCache


def one_sentence(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text, text
    return text


def write(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def two_contexts(
    server: str, user: dict[str, Any] | None = None, sim: SimCluster | None = None
) -> dict[str, Any]:
    cluster: dict[str, Any] = {"server": server}
    if sim is not None:  # trust the sim's CA
        cluster["certificate-authority-data"] = base64.b64encode(sim.authority.ca_pem).decode()
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": user or {}}],
        "contexts": [
            {"name": "staging", "context": {"cluster": "c", "user": "u", "namespace": "web"}},
            {"name": "prod-eu", "context": {"cluster": "c", "user": "u"}},
        ],
        "current-context": "staging",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_sims_context_connects_and_lists(sim: SimCluster) -> None:
    async with await connect(sim.kubeconfig, CONTEXT) as conn:
        assert (conn.server, conn.context, conn.namespace) == (sim.url, CONTEXT, "default")
        body = await conn.get_json("/api/v1/namespaces")
        assert "default" in {ns["metadata"]["name"] for ns in body["items"]}
        session = conn.api.rest_client.pool_manager
    assert session is not None and session.closed


async def test_current_context_is_the_default_and_kubeconfig_env_merges_files(
    sim: SimCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = write(tmp_path / "other", two_contexts(sim.url, {"token": sim.tokens[CONTEXT]}, sim))
    monkeypatch.setenv("KUBECONFIG", f"{sim.kubeconfig}:{other}")
    async with await connect() as conn:
        assert conn.context == "staging"  # the later file's current-context, as the client merges
        assert conn.namespace == "web"
    async with await connect(context=CONTEXT) as conn:
        assert conn.server == sim.url


async def test_missing_kubeconfig(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "kubeconfig"
    with pytest.raises(KubeError) as raised:
        await connect(missing)
    assert one_sentence(raised.value) == (
        f"no kubeconfig at {missing}; pass --kubeconfig, set KUBECONFIG, or run `warroom sim` "
        "for a simulated cluster"
    )


async def test_unknown_context_names_the_ones_there_are(tmp_path: Path) -> None:
    path = write(tmp_path / "kubeconfig", two_contexts("https://example.invalid"))
    with pytest.raises(KubeError) as raised:
        await connect(path, "prod")
    assert one_sentence(raised.value) == (
        f'context "prod" is not in {path}; pick one of: prod-eu, staging'
    )


async def test_no_current_context_asks_for_one(tmp_path: Path) -> None:
    config = two_contexts("https://example.invalid")
    del config["current-context"]
    path = write(tmp_path / "kubeconfig", config)
    with pytest.raises(KubeError) as raised:
        await connect(path)
    assert one_sentence(raised.value) == (
        f"kubeconfig {path} has no current-context; pass a context, one of: prod-eu, staging"
    )


async def test_invalid_yaml_points_at_the_line(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text("apiVersion: v1\ncontexts: [\n  - name: x\n", encoding="utf-8")
    with pytest.raises(KubeError) as raised:
        await connect(path)
    text = one_sentence(raised.value)
    assert text.startswith(f"kubeconfig {path} is not valid YAML (line ")
    assert text.endswith("; fix the file or pass another one")


async def test_context_with_a_missing_cluster_says_which_entry(tmp_path: Path) -> None:
    config = two_contexts("https://example.invalid")
    config["contexts"][0]["context"]["cluster"] = "gone"
    path = write(tmp_path / "kubeconfig", config)
    with pytest.raises(KubeError) as raised:
        await connect(path, "staging")
    text = one_sentence(raised.value)
    assert text.startswith(f'cannot use context "staging" from {path} (')
    assert "gone" in text and text.endswith("; fix that entry")


async def test_unreachable_server(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    path = tmp_path / "kubeconfig"
    path.write_text(kubeconfig_text(url), encoding="utf-8")
    with pytest.raises(KubeError) as raised:
        await connect(path, CONTEXT)
    assert one_sentence(raised.value) == (
        f'cannot reach the API server at {url} of context "{CONTEXT}" (connection refused); '
        "check that the cluster is up and reachable from here (VPN, proxy, firewall)"
    )


async def test_server_refusing_requests_at_connect(sim: SimCluster) -> None:
    sim.restart_apiserver(30.0)
    with pytest.raises(KubeError) as raised:
        await connect(sim.kubeconfig, CONTEXT)
    text = one_sentence(raised.value)
    assert text.startswith(
        f"could not read the API's discovery document on {sim.url} (503 Service Unavailable: "
    )


@pytest.fixture
def rejecting(sim: SimCluster) -> str:
    """The sim's URL: it answers a token it did not make 401, as a server does an expired one."""
    return sim.url


async def test_rejected_credentials(sim: SimCluster, rejecting: str, tmp_path: Path) -> None:
    path = write(tmp_path / "kubeconfig", two_contexts(rejecting, {"token": "expired"}, sim))
    with pytest.raises(KubeError) as raised:
        await connect(path, "prod-eu")
    assert one_sentence(raised.value) == (
        f'the API server at {rejecting} rejected the bearer token of context "prod-eu" (401 '
        f"Unauthorized: it expired or was revoked); get a new token and put it in {path}"
    )


def plugin(tmp_path: Path, body: str) -> dict[str, Any]:
    script = tmp_path / "credential-plugin"
    script.write_text(f"#!{sys.executable}\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": str(script),
            "interactiveMode": "Never",
        }
    }


async def test_exec_plugin_token_is_sent(sim: SimCluster, tmp_path: Path) -> None:
    user = plugin(
        tmp_path,
        "import json; print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1beta1',"
        " 'kind': 'ExecCredential', 'status': {'token': 'from-plugin'}}))",
    )
    path = write(tmp_path / "kubeconfig", two_contexts(sim.url, user, sim))
    seen: list[str] = []

    async def on_start(_: Any, __: Any, params: aiohttp.TraceRequestStartParams) -> None:
        seen.append(params.headers.get("Authorization", ""))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    sim.authority.tokens["from-plugin"] = Token(User("plugin", (MASTERS,)), None)
    async with await connect(path, "staging", trace_configs=[trace]):
        pass
    assert seen == ["Bearer from-plugin"]


async def test_failing_exec_plugin_says_to_run_it(sim: SimCluster, tmp_path: Path) -> None:
    user = plugin(tmp_path, "import sys; sys.exit('not logged in')")
    path = write(tmp_path / "kubeconfig", two_contexts(sim.url, user, sim))
    with pytest.raises(KubeError) as raised:
        await connect(path, "staging")
    command = user["exec"]["command"]
    assert one_sentence(raised.value) == (
        f'the credential plugin "{command}" of context "staging" gave no credentials; run it '
        "by hand to see why (is it installed, are you logged in?)"
    )


async def test_api_errors_carry_the_status(sim: SimCluster) -> None:
    sim.fail_requests(429, 1, CONFIGMAPS, "list")
    async with await connect(sim.kubeconfig, CONTEXT) as conn:
        with pytest.raises(ApiError) as raised:
            await conn.get_json(CONFIGMAPS)
    assert (raised.value.code, raised.value.retry_after) == (429, 1.0)
    assert raised.value.throttled and raised.value.transient and not raised.value.expired


async def test_rejected_credentials_while_reflecting_are_one_sentence(
    sim: SimCluster, rejecting: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "kubeconfig", two_contexts(rejecting, {"token": "expired"}, sim))
    async with (
        await connect(path, "prod-eu", check=False) as conn,
        reflector(conn, ObjectCache()) as r,
    ):
        await until(lambda: r.last_error is not None)
    text = r.last_error or ""
    assert text.startswith(
        f'the API server at {rejecting} rejected the bearer token of context "prod-eu" (401 '
        f"Unauthorized: it expired or was revoked); get a new token and put it in {path} "
        "(retrying in "
    )
