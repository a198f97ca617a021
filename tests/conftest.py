"""Shared fixtures: tools the tests need, which skip locally but fail in CI when missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from warroom.journal.redact import forget_secrets


def require_tool(name: str) -> str:
    """The path of `name`; skips the test when absent, but fails it when CI=true."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed; install it to run this test"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI must have it)")
        pytest.skip(message)
    return path


def canary_ingress(
    name: str, namespace: str, service: str, weight: int, total: int | None = None
) -> dict[str, Any]:
    """An NGINX canary Ingress on the bizra-inference-10k scenario's host, sending `weight` of
    `total` (ingress-nginx's canary-weight-total, 100 when None) of its requests to `service`."""
    annotations = {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": str(weight),
    }
    if total is not None:
        annotations["nginx.ingress.kubernetes.io/canary-weight-total"] = str(total)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": annotations,
        },
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": "inference.bizra.example",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": service, "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


@pytest.fixture(autouse=True)
def private_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions (journals) go to a folder of the test's own, never the user's data folder;
    child processes (tmux, the CLI) inherit it through the environment."""
    monkeypatch.setenv("WARROOM_DATA_DIR", str(tmp_path_factory.mktemp("warroom-data")))


@pytest.fixture(autouse=True)
def no_secrets_carried_over() -> Iterator[None]:
    """Each test is one session: the credentials registered for redaction by the one before
    (its sim's tokens and keys) are forgotten, as a new process would not know them."""
    yield
    forget_secrets()
