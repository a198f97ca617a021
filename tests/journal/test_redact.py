"""Credentials never reach a session file: realistic kubeconfigs, curl commands, URLs."""

from __future__ import annotations

import pytest

from tests.journal.conftest import journal_at
from warroom.journal import redact, session_path

JWT = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IjFhMmIifQ.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwi"
    "c3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OmRlZmF1bHQ6ZGVwbG95In0.Qm9ndXNTaWduYXR1cmVfX19fX18"
)

KUBECONFIG_YAML = f"""apiVersion: v1
kind: Config
users:
- name: admin
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF
- name: deployer
  user:
    token: {JWT}
- name: oidc
  user:
    auth-provider:
      name: oidc
      config:
        id-token: abc.def.ghi
        refresh-token: 1//0gR3fr3sh
        client-secret: s3cr3t-value
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "curl -sS -H 'Authorization: Bearer 9f8e7d6c5b4a' https://api.example:6443/healthz",
            "curl -sS -H 'Authorization: Bearer <redacted>' https://api.example:6443/healthz",
        ),
        (
            'curl -H "Authorization: Basic YWxpY2U6czNjcjN0" https://grafana.example/api',
            'curl -H "Authorization: Basic <redacted>" https://grafana.example/api',
        ),
        ("Bearer xxx", "Bearer <redacted>"),
        ("we rotated the bearer token at T-2h", "we rotated the bearer token at T-2h"),
        (
            "git clone https://deploy:ghs_pAsSw0rd@git.example/infra.git",
            "git clone https://deploy:<redacted>@git.example/infra.git",
        ),
        (
            "prometheus at http://admin:hunter2@prom.monitoring:9090/api/v1/query",
            "prometheus at http://admin:<redacted>@prom.monitoring:9090/api/v1/query",
        ),
        ("kubectl --token=sha256~Xy12 get pods", "kubectl --token=<redacted> get pods"),
        ("kubectl --token sha256~Xy12 get pods", "kubectl --token <redacted> get pods"),
        ("mysql --password 'hunter 2' -u root", "mysql --password <redacted> -u root"),
        (
            "helm repo add x --password=p4ss --username u",
            "helm repo add x --password=<redacted> --username u",
        ),
        ("docker login --password-stdin reg", "docker login --password-stdin reg"),
        (
            "GET /render?access_token=abc123&from=now-1h",
            "GET /render?access_token=<redacted>&from=now-1h",
        ),
        ('{"password": "hunter2", "user": "bob"}', '{"password": "<redacted>", "user": "bob"}'),
        ("DB_PASSWORD=hunter2 ./migrate", "DB_PASSWORD=<redacted> ./migrate"),
        ("X-Api-Key: 12345abcdef", "X-Api-Key: <redacted>"),
        (f"token was {JWT} ok", "token was <redacted> ok"),
        ("ghp_0123456789abcdefghijABCDEFGHIJ in a note", "<redacted> in a note"),
        (
            "max_tokens=512, tokens: 30, secretName: db-creds",
            "max_tokens=512, tokens: 30, secretName: db-creds",
        ),
        (
            "key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n"
            "-----END OPENSSH PRIVATE KEY-----\nend",
            "key:\n<redacted>\nend",
        ),
        ("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE (cut)", "<redacted>"),
    ],
)
def test_credentials_in_text_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected  # redacting twice changes nothing


def test_a_kubeconfig_as_text_keeps_its_shape_but_not_its_secrets() -> None:
    out = redact(KUBECONFIG_YAML)
    for secret in ("LS0t", JWT, "abc.def.ghi", "1//0gR3fr3sh", "s3cr3t-value"):
        assert secret not in out
    assert "    client-key-data: <redacted>\n" in out
    assert "        id-token: <redacted>\n" in out
    assert "- name: deployer\n  user:\n    token: <redacted>\n" in out


def test_a_parsed_kubeconfig_is_redacted_by_key_and_not_changed_in_place() -> None:
    kubeconfig = {
        "users": [
            {
                "name": "admin",
                "user": {"client-key-data": "LS0t", "client-certificate-data": "LS0t"},
            },
            {"name": "sa", "user": {"token": JWT, "tokenFile": "/var/run/secrets/token"}},
            {
                "name": "oidc",
                "user": {"auth-provider": {"config": {"id-token": "x", "refresh-token": "y"}}},
            },
        ],
        "headers": {"Authorization": "Bearer abc", "apiKey": "k", "api_key": 7, "id_token": "t"},
        "password": None,
        "secret": {"secretName": "db"},
        "notes": ("kubectl --token=abc", 3.5, True),
    }
    out = redact(kubeconfig)
    assert out == {
        "users": [
            {
                "name": "admin",
                "user": {"client-key-data": "<redacted>", "client-certificate-data": "<redacted>"},
            },
            {"name": "sa", "user": {"token": "<redacted>", "tokenFile": "<redacted>"}},
            {
                "name": "oidc",
                "user": {
                    "auth-provider": {
                        "config": {"id-token": "<redacted>", "refresh-token": "<redacted>"}
                    }
                },
            },
        ],
        "headers": {
            "Authorization": "<redacted>",
            "apiKey": "<redacted>",
            "api_key": "<redacted>",
            "id_token": "<redacted>",
        },
        "password": None,
        "secret": {"secretName": "db"},
        "notes": ["kubectl --token=<redacted>", 3.5, True],
    }
    assert kubeconfig["users"][1]["user"]["token"] == JWT


def test_a_payload_that_is_not_json_is_refused() -> None:
    with pytest.raises(TypeError, match="holds only JSON values, not set"):
        redact({"ids": {1, 2}})


def test_a_token_in_a_payload_never_reaches_the_file(opened: list) -> None:
    path = session_path("secrets")
    journal = journal_at(path, opened)
    record = journal.append(
        "verdict",
        {
            "phase": "canary",
            "item": "health",
            "verdict": "pass",
            "reason": "200",
            "evidence": {
                "measured": "HTTP 200",
                "query": f"curl -H 'Authorization: Bearer {JWT}' https://x/healthz",
                "value": "200",
                "threshold": None,
                "since": None,
                "taken": 1.0,
                "source": "https://svc:Pa55word@inference.example/healthz",
                "detail": {"token": "sha256~plain-token-value"},
            },
        },
    )
    data = path.read_bytes()
    for secret in (JWT, b"Pa55word", b"plain-token-value", JWT[:40]):
        assert (secret.encode() if isinstance(secret, str) else secret) not in data
    assert b"Bearer <redacted>" in data
    assert record.payload["evidence"]["detail"] == {"token": "<redacted>"}
