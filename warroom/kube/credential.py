"""What a context proves itself with, read from its kubeconfig user, and the one sentence for
each way that proof fails: a token the server no longer takes, a client certificate revoked or
expired, a server whose certificate the kubeconfig's CA does not vouch for.

A 401 says only "Unauthorized"; what to do about it depends on what was sent. A token is
renewed by logging in again (or by the plugin that mints it), a certificate by whoever issues
them, a certificate authority by fetching the cluster's kubeconfig anew. Nothing here holds or
says a credential's value: only its kind, the plugin's name, the file it is in, its expiry.
"""

from __future__ import annotations

import base64
import binascii
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import aiohttp
from cryptography import x509

Kind = Literal["exec", "token", "token-file", "certificate", "none", "other"]

# The TLS alerts a server sends when it will not take the client certificate offered.
_CERTIFICATE_ALERTS = (
    "CERTIFICATE_EXPIRED",
    "CERTIFICATE_REVOKED",
    "CERTIFICATE_UNKNOWN",
    "BAD_CERTIFICATE",
    "UNKNOWN_CA",
    "CERTIFICATE_REQUIRED",
)


def _stamp(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _certificate_expiry(user: dict[str, Any], base: Path) -> float | None:
    """The client certificate's notAfter, None when it cannot be read (the client library
    then says why when it loads the context)."""
    pem: bytes | None = None
    try:
        if isinstance(user.get("client-certificate-data"), str):
            pem = base64.b64decode(user["client-certificate-data"])
        elif isinstance(user.get("client-certificate"), str):
            path = Path(user["client-certificate"]).expanduser()
            pem = (path if path.is_absolute() else base / path).read_bytes()
        if pem is None:
            return None
        return x509.load_pem_x509_certificate(pem).not_valid_after_utc.timestamp()
    except (OSError, ValueError, binascii.Error):
        return None


@dataclass(frozen=True, slots=True)
class Credential:
    """How a context's user authenticates: its kind, and what may be said of it."""

    kind: Kind
    plugin: str = ""  # the exec plugin's command
    token_file: str = ""
    certificate_expires: float | None = None  # the client certificate's notAfter

    @classmethod
    def of_user(cls, user: dict[str, Any], base: Path) -> Credential:
        """Read from a kubeconfig `users[].user` entry; `base` is its file's folder. The
        order is the one the server weighs them in: a token is checked before a certificate."""
        plugin = user.get("exec")
        if isinstance(plugin, dict):
            return cls("exec", plugin=str(plugin.get("command", "?")))
        if user.get("token"):
            return cls("token")
        if user.get("tokenFile"):
            return cls("token-file", token_file=str(user["tokenFile"]))
        if user.get("client-certificate-data") or user.get("client-certificate"):
            return cls("certificate", certificate_expires=_certificate_expiry(user, base))
        if user.get("auth-provider") or user.get("username"):
            return cls("other")
        return cls("none")

    def expired(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.certificate_expires is not None and self.certificate_expires <= now

    def rejected(self, server: str, context: str, kubeconfig: str) -> str:
        """The one sentence for a 401: what was refused, and how to get a new one."""
        at = f"the API server at {server}"
        if self.kind == "exec":
            return (
                f'{at} rejected the token the credential plugin "{self.plugin}" gave context '
                f'"{context}" (401 Unauthorized: it expired or was revoked); log in again, or run '
                f'"{self.plugin}" by hand to see why'
            )
        if self.kind in ("token", "token-file"):
            where = self.token_file or kubeconfig
            return (
                f'{at} rejected the bearer token of context "{context}" (401 Unauthorized: it '
                f"expired or was revoked); get a new token and put it in {where}"
            )
        if self.kind == "certificate":
            if self.expired():
                return self._expired_sentence(context, kubeconfig)
            return (
                f'{at} rejected the client certificate of context "{context}" (401 '
                "Unauthorized: it was revoked, or the cluster's CA did not sign it); ask the "
                f"cluster's admin for a new one and put it in {kubeconfig}"
            )
        if self.kind == "none":
            return (
                f'{at} asks context "{context}" for credentials and its user has none (401 '
                "Unauthorized); add a token, a client certificate or an exec plugin to it in "
                f"{kubeconfig}"
            )
        return (
            f'{at} rejected the credentials of context "{context}" (401 Unauthorized); log in '
            f"again or renew them in {kubeconfig}"
        )

    def _expired_sentence(self, context: str, kubeconfig: str) -> str:
        assert self.certificate_expires is not None
        return (
            f'the client certificate of context "{context}" expired at '
            f"{_stamp(self.certificate_expires)}; ask the cluster's admin for a new one and put "
            f"it in {kubeconfig}"
        )

    def untrusted(
        self, exc: BaseException, server: str, context: str, kubeconfig: str
    ) -> str | None:
        """The one sentence for a TLS failure that is about trust, None for any other. A
        client certificate past its notAfter is said to be so whatever the failure looked
        like: under TLS 1.3 a server's refusal of it arrives as a connection closed."""
        if self.kind == "certificate" and self.expired():
            return self._expired_sentence(context, kubeconfig)
        verify = _verify_failure(exc)
        if verify is not None:
            return (
                f'the API server at {server} of context "{context}" showed a certificate its '
                f"kubeconfig's certificate authority does not vouch for ({verify}); put the "
                f"cluster's current CA in certificate-authority-data in {kubeconfig} (a "
                "cluster made anew has a new CA: fetch its kubeconfig again)"
            )
        alert = _alert(exc)
        if alert is None or self.kind != "certificate":
            return None
        return (
            f'the API server at {server} refused the client certificate of context "{context}" '
            f"in the TLS handshake ({alert}); ask the cluster's admin for a new one and put it "
            f"in {kubeconfig}"
        )


def _ssl_cause(exc: BaseException) -> BaseException | None:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return exc.os_error
    if isinstance(exc, ssl.SSLError):
        return exc
    cause = exc.__cause__ or exc.__context__
    return cause if isinstance(cause, ssl.SSLError) else None


def _verify_failure(exc: BaseException) -> str | None:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert_error = exc.certificate_error
        said = getattr(cert_error, "verify_message", None) or str(cert_error)
        return f"certificate verify failed: {said}"
    cause = _ssl_cause(exc)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {cause.verify_message or cause.reason}"
    return None


def _alert(exc: BaseException) -> str | None:
    cause = _ssl_cause(exc)
    if not isinstance(cause, ssl.SSLError):
        return None
    reason = str(cause.reason or cause)
    if any(alert in reason.upper() for alert in _CERTIFICATE_ALERTS):
        return f"TLS alert {reason.lower()}"
    return None


__all__ = ["Credential"]
