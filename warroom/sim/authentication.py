"""Every request to the sim's API port proves who it is, as kube-apiserver's authenticators ask.

A bearer token (`Authorization: Bearer …`) the run minted, or a client certificate its CA
signed, names the user; a request with neither, or with a token the sim does not know (or that
expired, or was revoked), is answered 401 Unauthorized with the API server's own Status. As a
cluster with anonymous requests limited to the health endpoints does, /healthz, /livez and
/readyz answer anyone. The control API (`/_sim/…`) is the operator's alone.

Served as plain HTTP (`warroom sim --insecure-http`), a request without a credential is the
operator's, as every request was before the sim authenticated; a token still names its user.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from warroom.sim.access import role_of
from warroom.sim.api_responses import json_response
from warroom.sim.credentials import AUTHENTICATED, MASTERS, OPERATOR, Authority, User
from warroom.sim.errors import failure_status

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ANONYMOUS_PATHS = frozenset({"/healthz", "/livez", "/readyz"})
CONTROL = "/_sim/"
# aiohttp ≥ 3.13 types a request's own storage; older ones key it by a string.
USER_KEY: Any = web.RequestKey("user", User) if hasattr(web, "RequestKey") else "warroom.user"
INSECURE_USER = User(OPERATOR, (MASTERS, AUTHENTICATED))
ANONYMOUS = User("system:anonymous", ("system:unauthenticated",))


def unauthorized() -> web.Response:
    """kube-apiserver's answer to a request it cannot authenticate: kubectl reads its
    reason and says "You must be logged in to the server (Unauthorized)"."""
    return json_response(failure_status(401, "Unauthorized", "Unauthorized"), 401)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _peer_certificate(request: web.Request) -> bytes | None:
    transport = request.transport
    if transport is None:
        return None
    ssl_object = transport.get_extra_info("ssl_object")
    if not isinstance(ssl_object, ssl.SSLObject):
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return der or None


class Authentication:
    """The aiohttp middleware that puts the request's User on it, or answers 401."""

    def __init__(self, authority: Authority, *, insecure: bool = False) -> None:
        self.authority = authority
        self.insecure = insecure

    def user_of(self, request: web.Request) -> User | None:
        token = _bearer(request)
        if token is None and self.insecure:
            return INSECURE_USER
        if token is not None:
            # kube-apiserver's union authenticator: a token that is not valid is a 401 even
            # when a valid certificate came with it.
            return self.authority.from_token(token)
        der = _peer_certificate(request)
        return self.authority.from_certificate(der) if der is not None else None

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.rstrip("/") in ANONYMOUS_PATHS:
            return await handler(request)
        user = self.user_of(request)
        if user is None:
            return unauthorized()
        if AUTHENTICATED not in user.groups:
            user = User(user.name, (*user.groups, AUTHENTICATED))
        if path.startswith(CONTROL) and role_of(user) != "operator":
            return json_response(
                failure_status(
                    403,
                    f"the simulated cluster's control API is the operator's: User \"{user.name}\" "
                    "may not use it; use the warroom-sim context's token",
                    "Forbidden",
                ),
                403,
            )
        request[USER_KEY] = user
        return await handler(request)


def user_of(request: web.Request) -> User:
    """The authenticated user the middleware put on `request` (anonymous on the health
    endpoints, which ask for none)."""
    return request.get(USER_KEY) or ANONYMOUS


__all__ = ["ANONYMOUS", "INSECURE_USER", "Authentication", "unauthorized", "user_of"]
