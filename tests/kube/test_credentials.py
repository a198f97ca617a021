"""The war room's TLS and credential paths against the HTTPS sim: each way a real cluster asks
a client to prove itself works, and each way that proof fails is one sentence naming the
context and what to do, at connect and from a reflector alike.

The sim checks every request (its CA verifies the TLS handshake, its authority the token or
the certificate), so a client that sent nothing, or the wrong thing, fails here as it would on
a real cluster.
"""

from __future__ import annotations

import base64
import json
import stat
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.kube.conftest import CONFIGMAPS, NS, World, reflector
from tests.waiting import until
from warroom.kube import KubeError, connect
from warroom.kube.connection import Connection
from warroom.sim.cluster import SimCluster
from warroom.sim.credentials import Authority
from warroom.state.model import banner_lines
from warroom.state.store import ObjectCache

WHOAMI = "/apis/authentication.k8s.io/v1/selfsubjectreviews"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def config(sim: SimCluster, user: dict[str, Any], *, ca: bytes | None = None) -> dict[str, Any]:
    cluster: dict[str, Any] = {"server": sim.url}
    cluster["certificate-authority-data"] = b64(ca if ca is not None else sim.authority.ca_pem)
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u", "namespace": NS}}],
        "current-context": "ctx",
    }


def certificate_user(issued: Any) -> dict[str, Any]:
    """A kubeconfig user entry holding `issued`'s certificate and key, as base64 data."""
    return {"client-certificate-data": b64(issued.certificate), "client-key-data": b64(issued.key)}


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def one_sentence(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text, text
    return text


async def whoami(conn: Connection) -> str:
    response = await conn.open(
        WHOAMI,
        method="POST",
        body={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    try:
        answer = json.loads(await response.read())
    finally:
        response.release()
    return str(answer["status"]["userInfo"]["username"])


async def test_ca_data_and_a_bearer_token(sim: SimCluster, tmp_path: Path) -> None:
    path = write(tmp_path / "kc", config(sim, {"token": sim.tokens["warroom-sim"]}))
    async with await connect(path, "ctx") as conn:
        assert conn.server.startswith("https://")
        assert await whoami(conn) == "warroom-sim"
        assert (await conn.get_json(CONFIGMAPS))["kind"] == "ConfigMapList"


async def test_the_viewer_token_is_the_viewer(sim: SimCluster) -> None:
    async with await connect(sim.kubeconfig, "warroom-sim-viewer") as conn:
        assert await whoami(conn) == "warroom-sim-viewer"


async def test_a_client_certificate_signed_by_the_sims_ca(sim: SimCluster, tmp_path: Path) -> None:
    issued = sim.authority.issue_certificate("alice", ["system:masters"])
    user = certificate_user(issued)
    async with await connect(write(tmp_path / "kc", config(sim, user)), "ctx") as conn:
        assert await whoami(conn) == "alice"
        assert (await conn.get_json(CONFIGMAPS))["kind"] == "ConfigMapList"


def plugin_script(tmp_path: Path, sim: SimCluster, ttl: float) -> tuple[Path, Path]:
    """An exec credential plugin, as `aws eks get-token` is one: each run mints a token of
    `ttl` seconds from the sim (as the operator, trusting its CA) and prints it with its
    expirationTimestamp. It counts its runs, one line each, in the file returned with it."""
    ca = tmp_path / "ca.pem"
    ca.write_bytes(sim.authority.ca_pem)
    runs = tmp_path / "plugin-runs"
    script = tmp_path / "get-token"
    body = f"""
import json, ssl, urllib.request
with open({str(runs)!r}, "a") as f:
    f.write("run\\n")
request = urllib.request.Request(
    {sim.url + "/_sim/tokens"!r},
    data=json.dumps({{"user": "plugin-user", "groups": ["system:masters"], "ttl": {ttl}}}).encode(),
    headers={{"Authorization": "Bearer {sim.tokens["warroom-sim"]}",
             "Content-Type": "application/json"}},
)
context = ssl.create_default_context(cafile={str(ca)!r})
answer = json.load(urllib.request.urlopen(request, context=context))
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1beta1",
                  "kind": "ExecCredential",
                  "status": {{"token": answer["token"],
                             "expirationTimestamp": answer["expirationTimestamp"]}}}}))
"""
    script.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, runs


async def test_an_exec_plugins_token_expires_and_is_renewed_mid_session(
    sim: SimCluster, world: World, tmp_path: Path
) -> None:
    script, runs = plugin_script(tmp_path, sim, ttl=2)
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": str(script),
            "interactiveMode": "Never",
        }
    }
    path = write(tmp_path / "kc", config(sim, user))
    cache = ObjectCache()
    async with await connect(path, "ctx") as conn, reflector(conn, cache) as r:
        await until(lambda: r.healthy and r.phase == "watching", what="the first watch")
        first = conn.api.configuration.api_key["BearerToken"]
        # The first token expires on the sim: asked with it, the server says 401.
        async with sim.session(headers={"Authorization": first}) as http:
            await until(lambda: sim.authority.from_token(first.split()[1]) is None, timeout=5)
            async with http.get(sim.url + CONFIGMAPS) as answer:
                assert answer.status == 401
        # A watch dropped after the expiry is opened again with a token the plugin renewed.
        async with sim.session() as http, http.post(sim.url + "/_sim/watches/drop") as answer:
            assert answer.status == 200
        world.create("after-expiry")
        await until(lambda: cache.get(NS, "after-expiry") is not None, what="the new object")
        assert r.healthy, r.last_error
        assert conn.api.configuration.api_key["BearerToken"] != first
    assert len(runs.read_text().splitlines()) >= 2


async def test_a_wrong_ca_is_one_sentence(sim: SimCluster, tmp_path: Path) -> None:
    other = Authority()
    path = write(
        tmp_path / "kc", config(sim, {"token": sim.tokens["warroom-sim"]}, ca=other.ca_pem)
    )
    with pytest.raises(KubeError) as raised:
        await connect(path, "ctx")
    said = one_sentence(raised.value)
    assert said.startswith(
        f'the API server at {sim.url} of context "ctx" showed a certificate its kubeconfig\'s '
        "certificate authority does not vouch for (certificate verify failed: "
    ), said
    assert said.endswith(
        f"put the cluster's current CA in certificate-authority-data in {path} (a cluster made "
        "anew has a new CA: fetch its kubeconfig again)"
    )


async def test_an_expired_token_is_one_sentence(sim: SimCluster, tmp_path: Path) -> None:
    token, _ = sim.authority.mint_token("bob", ["system:masters"], ttl=-1)
    path = write(tmp_path / "kc", config(sim, {"token": token}))
    with pytest.raises(KubeError) as raised:
        await connect(path, "ctx")
    assert one_sentence(raised.value) == (
        f'the API server at {sim.url} rejected the bearer token of context "ctx" (401 '
        f"Unauthorized: it expired or was revoked); get a new token and put it in {path}"
    )


async def test_a_token_file_names_the_file(sim: SimCluster, tmp_path: Path) -> None:
    stale = tmp_path / "token"
    stale.write_text("not-a-token-the-sim-made", encoding="utf-8")
    path = write(tmp_path / "kc", config(sim, {"tokenFile": str(stale)}))
    with pytest.raises(KubeError) as raised:
        await connect(path, "ctx")
    assert one_sentence(raised.value).endswith(f"get a new token and put it in {stale}")


async def test_a_revoked_certificate_is_one_sentence(sim: SimCluster, tmp_path: Path) -> None:
    issued = sim.authority.issue_certificate("carol", ["system:masters"])
    user = certificate_user(issued)
    path = write(tmp_path / "kc", config(sim, user))
    async with sim.session() as http:
        body = {"serial": str(issued.serial)}
        async with http.post(sim.url + "/_sim/certificates/revoke", json=body) as answer:
            assert answer.status == 200
    with pytest.raises(KubeError) as raised:
        await connect(path, "ctx")
    assert one_sentence(raised.value) == (
        f'the API server at {sim.url} rejected the client certificate of context "ctx" (401 '
        "Unauthorized: it was revoked, or the cluster's CA did not sign it); ask the cluster's "
        f"admin for a new one and put it in {path}"
    )


async def test_an_expired_certificate_says_when(sim: SimCluster, tmp_path: Path) -> None:
    issued = sim.authority.issue_certificate("dave", ["system:masters"], days=-1)
    user = certificate_user(issued)
    path = write(tmp_path / "kc", config(sim, user))
    with pytest.raises(KubeError) as raised:
        await connect(path, "ctx")
    said = one_sentence(raised.value)
    assert said.startswith('the client certificate of context "ctx" expired at '), said
    assert said.endswith(f"ask the cluster's admin for a new one and put it in {path}")


async def test_no_credentials_at_all(sim: SimCluster, tmp_path: Path) -> None:
    path = write(tmp_path / "kc", config(sim, {}))
    with pytest.raises(KubeError) as raised:
        await connect(path, "ctx")
    assert one_sentence(raised.value) == (
        f'the API server at {sim.url} asks context "ctx" for credentials and its user has none '
        "(401 Unauthorized); add a token, a client certificate or an exec plugin to it in "
        f"{path}"
    )


async def test_a_token_revoked_mid_session_is_the_banners_sentence(
    sim: SimCluster, tmp_path: Path
) -> None:
    token, _ = sim.authority.mint_token("erin", ["system:masters"])
    path = write(tmp_path / "kc", config(sim, {"token": token}))
    async with await connect(path, "ctx") as conn, reflector(conn, ObjectCache()) as r:
        await until(lambda: r.healthy and r.phase == "watching", what="the first watch")
        async with sim.session() as http:
            async with http.delete(sim.url + "/_sim/tokens", json={"token": token}) as answer:
                assert answer.status == 200
            async with http.post(sim.url + "/_sim/watches/drop") as answer:
                assert answer.status == 200
        await until(lambda: not r.healthy, what="the reflector to fail")
        sentence = (
            f'the API server at {sim.url} rejected the bearer token of context "ctx" (401 '
            f"Unauthorized: it expired or was revoked); get a new token and put it in {path}"
        )
        assert (r.last_error or "").startswith(f"{sentence} (retrying in "), r.last_error
        line = banner_lines((r.freshness(),))[0]
        assert line.startswith(f"⚠ {sentence} ("), line
        assert "Traceback" not in line and token not in line


async def test_a_wrong_ca_mid_session_is_the_banners_sentence(
    sim: SimCluster, tmp_path: Path
) -> None:
    """The reflector's connection trusts another CA from the start: every list fails TLS."""
    path = write(
        tmp_path / "kc",
        config(sim, {"token": sim.tokens["warroom-sim"]}, ca=Authority().ca_pem),
    )
    async with await connect(path, "ctx", check=False) as conn, reflector(conn, ObjectCache()) as r:
        await until(lambda: r.last_error is not None, what="the reflector to fail")
        line = banner_lines((r.freshness(),))[0]
    assert line.startswith(f'⚠ the API server at {sim.url} of context "ctx" showed a certificate')
    assert "certificate-authority-data" in line


async def test_plain_http_without_a_credential_is_the_operators() -> None:
    async with (
        SimCluster(None, manual_clock=True, tls=False) as sim,
        aiohttp.ClientSession() as http,
    ):
        assert sim.url.startswith("http://")
        async with http.get(sim.url + CONFIGMAPS) as answer:
            assert answer.status == 200
        viewer = {"Authorization": f"Bearer {sim.tokens['warroom-sim-viewer']}"}
        async with http.delete(sim.url + CONFIGMAPS + "/x", headers=viewer) as answer:
            assert answer.status == 403
