"""The HTTP check against a real aiohttp server on 127.0.0.1 (plain and TLS)."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from warroom.probes.http import BODY_LIMIT, HttpResult, http_probe, judge_http

HEALTHY = {"status": "healthy", "model_loaded": True, "gpus": [0, 1], "checks": {"db": "up"}}


class Endpoint:
    """An aiohttp app with the answers a go-live check meets; `release` frees /hang."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.seen_headers: list[dict[str, str]] = []
        app = web.Application()
        app.router.add_get("/health", self.health)
        app.router.add_get("/degraded", self.degraded)
        app.router.add_get("/text", self.text)
        app.router.add_get("/hang", self.hang)
        app.router.add_get("/slow", self.slow)
        app.router.add_get("/old", self.redirect)
        app.router.add_get("/big", self.big)
        app.router.add_get("/drip", self.drip)
        app.router.add_route("*", "/echo", self.echo)
        self.app = app
        self.runner = web.AppRunner(app)
        self.base = ""

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"

    async def stop(self) -> None:
        self.release.set()
        await self.runner.cleanup()

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response(HEALTHY)

    async def degraded(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "degraded", "model_loaded": False}, status=503)

    async def text(self, request: web.Request) -> web.Response:
        return web.Response(text="checking…\nVerified OK\n")

    async def hang(self, request: web.Request) -> web.Response:
        await self.release.wait()
        return web.Response(text="late")

    async def slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0.2)  # the latency under test, not a wait for something
        return web.Response(text="ok")

    async def redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/health")

    async def big(self, request: web.Request) -> web.Response:
        return web.Response(text="x" * (BODY_LIMIT + 1000))

    async def drip(self, request: web.Request) -> web.StreamResponse:
        # A byte every 50 ms: no single read waits long, the whole answer never ends.
        response = web.StreamResponse()
        await response.prepare(request)
        while not self.release.is_set():
            await response.write(b".")
            await asyncio.sleep(0.05)
        return response

    async def echo(self, request: web.Request) -> web.Response:
        self.seen_headers.append(dict(request.headers))
        return web.json_response({"method": request.method})


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    server = Endpoint()
    await server.start()
    yield server
    await server.stop()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_healthy_json_endpoint_passes(endpoint: Endpoint) -> None:
    result = await http_probe(f"{endpoint.base}/health")
    assert result.error is None and result.status == 200
    assert result.json == HEALTHY and result.final_url == f"{endpoint.base}/health"
    assert result.elapsed > 0
    verdict, reason = judge_http(
        result, json_subset={"status": "healthy", "model_loaded": True, "checks": {"db": "up"}}
    )
    assert verdict == "pass" and reason.startswith("200 in ")


async def test_a_degraded_answer_names_the_status_then_the_key(endpoint: Endpoint) -> None:
    result = await http_probe(f"{endpoint.base}/degraded")
    assert result.status == 503 and result.json == {"status": "degraded", "model_loaded": False}
    assert judge_http(result) == ("fail", "status 503, wants 200")
    assert judge_http(result, status=[200, 204]) == ("fail", "status 503, wants one of 200, 204")
    assert judge_http(result, status=503, json_subset={"status": "healthy"}) == (
        "fail",
        "status is 'degraded', wants 'healthy'",
    )
    assert judge_http(result, status=503, json_subset={"model_loaded": True}) == (
        "fail",
        "model_loaded is false, wants true",
    )


async def test_json_subset_is_recursive_and_lists_must_be_equal(endpoint: Endpoint) -> None:
    result = await http_probe(f"{endpoint.base}/health")
    cases = {
        "checks.db is 'up', wants 'down'": {"checks": {"db": "down"}},
        "checks.cache is missing, wants 'up'": {"checks": {"cache": "up"}},
        "gpus is [0,1], wants [0]": {"gpus": [0]},
        "model_loaded is true, wants 1": {"model_loaded": 1},
        "status is 'healthy', wants an object": {"status": {"ok": True}},
    }
    for reason, subset in cases.items():
        assert judge_http(result, json_subset=subset) == ("fail", reason)
    assert judge_http(result, json_subset={"gpus": [0, 1]})[0] == "pass"


async def test_a_body_pattern_reads_text_and_json_wants_json(endpoint: Endpoint) -> None:
    result = await http_probe(f"{endpoint.base}/text")
    assert not result.is_json and "Verified OK" in result.body
    assert judge_http(result, body_pattern=r"^Verified OK$")[0] == "pass"
    assert judge_http(result, body_pattern=r"^Verified$") == (
        "fail",
        "no line matches '^Verified$'",
    )
    assert judge_http(result, json_subset={"status": "healthy"}) == ("fail", "the body is not JSON")


async def test_a_redirect_is_followed_and_the_final_url_kept(endpoint: Endpoint) -> None:
    result = await http_probe(f"{endpoint.base}/old")
    assert result.status == 200 and result.json == HEALTHY
    assert result.final_url == f"{endpoint.base}/health"


async def test_method_and_headers_are_sent(endpoint: Endpoint) -> None:
    result = await http_probe(
        f"{endpoint.base}/echo", method="POST", headers={"X-Check": "go-live"}
    )
    assert result.json == {"method": "POST"}
    assert endpoint.seen_headers[0]["X-Check"] == "go-live"


async def test_a_shared_client_is_used_and_left_open(endpoint: Endpoint) -> None:
    async with httpx.AsyncClient() as client:
        first = await http_probe(f"{endpoint.base}/health", client=client)
        second = await http_probe(f"{endpoint.base}/old", client=client)
        assert not client.is_closed
    assert first.status == second.status == 200  # redirects followed on a caller's client too


async def test_a_big_body_keeps_the_first_64_kib(endpoint: Endpoint) -> None:
    result = await http_probe(f"{endpoint.base}/big")
    assert result.status == 200 and result.body_cut and len(result.body) == BODY_LIMIT
    assert judge_http(result, json_subset={"a": 1}) == (
        "fail",
        "the body is not JSON (cut at 64 KiB)",
    )


async def test_latency_over_the_limit_fails(endpoint: Endpoint) -> None:
    result = await http_probe(f"{endpoint.base}/slow")
    assert result.status == 200 and result.elapsed >= 0.2  # measured around the request
    verdict, reason = judge_http(result, max_latency=0.05)
    assert verdict == "fail"
    assert reason == f"took {result.elapsed:.2f} s, wants at most 0.05 s"
    assert judge_http(result, max_latency=60)[0] == "pass"


async def test_an_endpoint_that_never_answers_times_out(endpoint: Endpoint) -> None:
    url = f"{endpoint.base}/hang"
    result = await http_probe(url, timeout=0.2)
    assert result.status is None and result.error_kind == "timeout"
    assert result.error == (
        f"{url}: no answer within 0.2 s; the service may be overloaded or the address "
        "unreachable from here"
    )
    assert judge_http(result) == ("fail", "timed out")


async def test_the_timeout_bounds_the_whole_answer(endpoint: Endpoint) -> None:
    result = await http_probe(f"{endpoint.base}/drip", timeout=0.3)
    assert result.error_kind == "timeout" and judge_http(result) == ("fail", "timed out")


async def test_a_closed_port_is_unreachable() -> None:
    url = f"http://127.0.0.1:{closed_port()}/health"
    result = await http_probe(url)
    assert result.error == (
        f"{url}: connection refused; check that the service is running and the port is right"
    )
    assert judge_http(result) == ("fail", "unreachable (connection refused)")


async def test_a_name_that_does_not_resolve_is_unreachable() -> None:
    url = "http://warroom-check.invalid/health"  # .invalid never resolves (RFC 2606)
    result = await http_probe(url)
    assert result.error_kind == "dns"
    assert result.error == (
        f"{url}: cannot resolve warroom-check.invalid; check the host name and DNS"
    )
    assert judge_http(result) == ("fail", "unreachable (host name does not resolve)")


async def test_a_url_that_cannot_be_asked_is_unknown() -> None:
    result = await http_probe("ftp://example.com/")
    assert result.error_kind == "invalid" and result.error is not None
    assert result.error.startswith("ftp://example.com/: not a URL warroom can ask (")
    assert judge_http(result)[0] == "unknown"


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_an_untrusted_certificate_is_a_tls_failure(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = Endpoint()
    await server.start(context)
    try:
        url = f"{server.base}/health"
        refused = await http_probe(url)
        trusted = await http_probe(url, verify=str(cert))
    finally:
        await server.stop()
    assert refused.error_kind == "tls" and refused.error is not None
    assert refused.error.startswith(f"{url}: TLS failed (")
    assert refused.error.endswith(
        "); check the server's certificate, or give the check a CA bundle (verify)"
    )
    assert "certificate verify failed" in refused.error
    assert judge_http(refused) == ("fail", "TLS failed")
    assert trusted.status == 200 and trusted.json == HEALTHY


def test_judging_needs_no_network() -> None:
    ok = HttpResult("http://x/", status=204, elapsed=0.01, final_url="http://x/")
    assert judge_http(ok, status=204) == ("pass", "204 in 0.01 s")
