"""Who is asking: the sim's certificate authority, its bearer tokens and client certificates.

A real cluster serves HTTPS with a certificate its own authority signed and authenticates every
request: a bearer token, or a client certificate that authority signed (its CommonName is the
user, its Organizations the groups, as kube-apiserver's x509 authenticator reads them). The sim
does the same with an authority made for each run (`cryptography`, ECDSA P-256: quick to make,
and what kubeadm's own certificates may use). Tokens expire on the machine's clock, as an exec
plugin's `expirationTimestamp` does; a certificate or token revoked through the control API is
refused from the next request on.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import ssl
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

OPERATOR = "warroom-sim"
VIEWER = "warroom-sim-viewer"
# The groups RBAC's defaults (and the sim's roles) read: cluster-admin is bound to
# system:masters; the viewers' group is the sim's own.
MASTERS = "system:masters"
VIEWERS = "warroom:viewers"
AUTHENTICATED = "system:authenticated"
SERVER_NAMES = ("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc")


@dataclass(frozen=True, slots=True)
class User:
    """An authenticated user: as kube-apiserver's user.Info names it."""

    name: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Token:
    user: User
    expires: float | None  # the machine's clock (time.time()); None never


@dataclass(frozen=True, slots=True)
class Certificate:
    """A client certificate and its key, PEM, as a kubeconfig's *-data fields hold them."""

    certificate: bytes
    key: bytes
    serial: int
    not_after: float


def write_private(path: Path, data: bytes) -> None:
    """Write `data` readable by its owner alone (0600), also over a file that was wider."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common: str, organizations: Iterable[str] = ()) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    return x509.Name(attributes)


class Authority:
    """The run's CA, the server's certificate, and every credential the sim accepts."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._ca_key = _key()
        now = dt.datetime.fromtimestamp(clock(), dt.UTC)
        self._ca = (
            x509.CertificateBuilder()
            .subject_name(_name("warroom-sim-ca"))
            .issuer_name(_name("warroom-sim-ca"))
            .public_key(self._ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self._ca_key, hashes.SHA256())
        )
        self.ca_pem = self._ca.public_bytes(serialization.Encoding.PEM)
        self.tokens: dict[str, Token] = {}
        self.revoked_serials: set[int] = set()
        self._server_key = _key()
        self._server = self._sign(
            "kube-apiserver",
            (),
            self._server_key,
            days=365,
            server=True,
        )

    # ---- certificates --------------------------------------------------------------------

    def _sign(
        self,
        common: str,
        organizations: Iterable[str],
        key: ec.EllipticCurvePrivateKey,
        *,
        days: float,
        server: bool = False,
        not_before: dt.datetime | None = None,
    ) -> x509.Certificate:
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        start = not_before or now - dt.timedelta(minutes=5)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common, organizations))
            .issuer_name(self._ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        usage = (
            x509.ExtendedKeyUsageOID.SERVER_AUTH if server else x509.ExtendedKeyUsageOID.CLIENT_AUTH
        )
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.IPAddress(IPv4Address("127.0.0.1")),
                        *(x509.DNSName(n) for n in SERVER_NAMES),
                    ]
                ),
                critical=False,
            )
        return builder.sign(self._ca_key, hashes.SHA256())

    def issue_certificate(
        self, user: str, groups: Iterable[str] = (), *, days: float = 30
    ) -> Certificate:
        """A client certificate for `user` in `groups`, signed by the run's CA. A negative
        `days` gives one that has already expired."""
        key = _key()
        start = None
        if days < 0:
            start = dt.datetime.fromtimestamp(self.clock(), dt.UTC) + dt.timedelta(days=2 * days)
        cert = self._sign(user, tuple(groups), key, days=days, not_before=start)
        return Certificate(
            cert.public_bytes(serialization.Encoding.PEM),
            _pem_key(key),
            cert.serial_number,
            cert.not_valid_after_utc.timestamp(),
        )

    def server_context(self) -> ssl.SSLContext:
        """The listening side: the server's certificate, and client certificates verified
        against the run's CA when a client offers one (a client without one still connects,
        and must then bring a token)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        chain = self._server.public_bytes(serialization.Encoding.PEM) + self.ca_pem
        # load_cert_chain reads files only: a private folder for the moment it takes.
        with tempfile.TemporaryDirectory(prefix="warroom-sim-tls-") as folder:
            cert, key = Path(folder) / "server.crt", Path(folder) / "server.key"
            write_private(cert, chain)
            write_private(key, _pem_key(self._server_key))
            context.load_cert_chain(cert, key)
        context.load_verify_locations(cadata=self.ca_pem.decode())
        context.verify_mode = ssl.CERT_OPTIONAL
        return context

    def client_context(self) -> ssl.SSLContext:
        """What a client that trusts the run's CA verifies the server with."""
        context = ssl.create_default_context(cadata=self.ca_pem.decode())
        return context

    # ---- tokens --------------------------------------------------------------------------

    def mint_token(
        self, user: str, groups: Iterable[str] = (), *, ttl: float | None = None
    ) -> tuple[str, float | None]:
        """A new bearer token for `user`; with `ttl` (seconds) it expires then."""
        token = secrets.token_urlsafe(32)
        expires = None if ttl is None else self.clock() + ttl
        self.tokens[token] = Token(User(user, tuple(groups)), expires)
        return token, expires

    def revoke_token(self, token: str) -> bool:
        return self.tokens.pop(token, None) is not None

    def revoke_certificate(self, serial: int) -> None:
        self.revoked_serials.add(serial)

    # ---- authentication ------------------------------------------------------------------

    def from_token(self, token: str) -> User | None:
        known = self.tokens.get(token)
        if known is None or (known.expires is not None and known.expires <= self.clock()):
            return None
        return known.user

    def from_certificate(self, der: bytes) -> User | None:
        """The user a verified client certificate names, None when it was revoked."""
        cert = x509.load_der_x509_certificate(der)
        if cert.serial_number in self.revoked_serials:
            return None
        names = cert.subject
        common = names.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not common:
            return None
        groups = tuple(
            str(a.value) for a in names.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        )
        return User(str(common[0].value), groups)


__all__ = [
    "AUTHENTICATED",
    "MASTERS",
    "OPERATOR",
    "VIEWER",
    "VIEWERS",
    "Authority",
    "Certificate",
    "Token",
    "User",
    "write_private",
]
