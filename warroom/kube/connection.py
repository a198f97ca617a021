"""A connection to one cluster, from a kubeconfig file and context, through `kubernetes.aio`.

The official client does the kubeconfig work (tokens, client certificates, exec plugins,
certificate authorities, proxies); we send raw requests through its `ApiClient` and keep the
answers as JSON dicts parsed with orjson, never as generated model objects.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import orjson
import yaml
from kubernetes.aio import config as kconfig
from kubernetes.aio.client import ApiClient, Configuration

from warroom.kube.clock import ServerClock
from warroom.kube.credential import Credential
from warroom.kube.errors import ApiError, KubeError, from_response

DEFAULT_KUBECONFIG = Path("~/.kube/config")
Query = Sequence[tuple[str, str]]


def kubeconfig_paths(kubeconfig: str | Path | None) -> list[Path]:
    """The files to read: the one given, else $KUBECONFIG's list, else ~/.kube/config."""
    if kubeconfig is not None:
        return [Path(kubeconfig).expanduser()]
    env = os.environ.get("KUBECONFIG", "")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return [DEFAULT_KUBECONFIG.expanduser()]


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise KubeError(
            f"kubeconfig {path} is not valid YAML ({where}{problem}); fix the file or pass "
            "another one"
        ) from None
    except OSError as exc:
        raise KubeError(
            f"cannot read kubeconfig {path} ({exc.strerror or exc}); check its permissions"
        ) from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise KubeError(
            f"kubeconfig {path} is not a kubeconfig (its top level is not a mapping); "
            "pass another file"
        )
    return doc


def _named(doc: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in doc.get(section) or ():
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            out.setdefault(entry["name"], entry.get(section[:-1]) or {})
    return out


class Kubeconfig:
    """The merged contexts and users of one or more kubeconfig files, for choosing and checking."""

    def __init__(self, paths: list[Path]) -> None:
        existing = [p for p in paths if p.is_file()]
        shown = os.pathsep.join(str(p) for p in paths)
        if not existing:
            raise KubeError(
                f"no kubeconfig at {shown}; pass --kubeconfig, set KUBECONFIG, or run "
                "`warroom sim` for a simulated cluster"
            )
        self.paths = existing
        self.shown = os.pathsep.join(str(p) for p in existing)
        self.contexts: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.clusters: dict[str, dict[str, Any]] = {}
        self.user_files: dict[str, Path] = {}
        self.current: str | None = None
        for path in existing:
            doc = _read(path)
            for name, entry in _named(doc, "contexts").items():
                self.contexts.setdefault(name, entry)
            for name, entry in _named(doc, "users").items():
                self.users.setdefault(name, entry)
                self.user_files.setdefault(name, path)
            for name, entry in _named(doc, "clusters").items():
                self.clusters.setdefault(name, entry)
            # As the client's merger does: a later file's current-context wins.
            if isinstance(doc.get("current-context"), str) and doc["current-context"]:
                self.current = doc["current-context"]

    def choose(self, context: str | None) -> str:
        names = sorted(self.contexts)
        if not names:
            raise KubeError(
                f"kubeconfig {self.shown} defines no contexts; add one with "
                "`kubectl config set-context`, or pass another file"
            )
        if context is None:
            if self.current is None:
                raise KubeError(
                    f"kubeconfig {self.shown} has no current-context; pass a context, one of: "
                    f"{', '.join(names)}"
                )
            context = self.current
        if context not in self.contexts:
            raise KubeError(
                f'context "{context}" is not in {self.shown}; pick one of: {", ".join(names)}'
            )
        return context

    def server_of(self, context: str) -> str:
        """The server URL the context's cluster names ("" when it names none), read from the
        file alone: nothing is asked of the server."""
        cluster = self.clusters.get(str(self.contexts[context].get("cluster", ""))) or {}
        return str(cluster.get("server") or "")

    def user_name(self, context: str) -> str:
        """The name of the `users[]` entry the context names ("" for none)."""
        return str(self.contexts[context].get("user") or "")

    def user_of(self, context: str) -> dict[str, Any]:
        """The context's `users[].user` entry ({} when it names none)."""
        user = self.users.get(self.user_name(context))
        return user if isinstance(user, dict) else {}

    def credential_of(self, context: str) -> Credential:
        """What the context's user authenticates with (its kind, never its value)."""
        base = self.user_files.get(self.user_name(context), self.paths[0]).parent
        return Credential.of_user(self.user_of(context), base)


def network_reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"its TLS certificate is not trusted: {exc.certificate_error}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        cause = exc.os_error
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "its host name does not resolve"
        if isinstance(cause, ssl.SSLError):
            return f"TLS failed: {cause.reason or cause}"
        if isinstance(cause, TimeoutError):
            return "connecting timed out"
        return cause.strerror or str(cause) or type(cause).__name__
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return "the server closed the connection mid-answer"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, aiohttp.ClientError | OSError):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


class Connection:
    """Raw JSON requests to one API server, authenticated as the kubeconfig context says."""

    def __init__(
        self,
        api: ApiClient,
        *,
        context: str,
        kubeconfig: str,
        namespace: str = "default",
        timeout: float = 10.0,
        credential: Credential | None = None,
        user: str = "",
    ) -> None:
        self.api = api
        self.context = context
        self.user = user  # the kubeconfig context's user entry, by name
        self.credential = credential or Credential("other")
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.timeout = timeout
        # The server's clock, from the Date header of every answer (see kube/clock.py).
        self.clock = ServerClock()

    @property
    def server(self) -> str:
        return str(self.api.configuration.host)

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self.api.close()  # type: ignore[no-untyped-call]

    async def open(
        self,
        path: str,
        query: Query = (),
        *,
        timeout: aiohttp.ClientTimeout | None = None,
        method: str = "GET",
        body: object = None,
        content_type: str = "application/json",
    ) -> aiohttp.ClientResponse:
        """Send a request and return the 2xx response unread; the caller must release it.

        `body` (a dict, or a list for a JSON patch) is sent as JSON with `content_type`.
        A non-2xx answer raises ApiError; network failures raise aiohttp/OS errors as they are,
        since the reflector treats each kind differently.
        """
        header_params = {"Accept": "application/json"}
        if body is not None:
            header_params["Content-Type"] = content_type
        _, url, headers, _, _ = await self.api.param_serialize(
            method,
            path,
            query_params=list(query) or None,
            header_params=header_params,
            auth_settings=["BearerToken"],
        )
        if timeout is None:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
        sent = time.time()
        rest = await self.api.call_api(
            method, url, header_params=headers, body=body, _request_timeout=timeout
        )
        response: aiohttp.ClientResponse = rest.response
        self.clock.observe(response.headers.get("Date"), sent, time.time())
        if response.status < 300:
            return response
        try:
            body = await response.read()
        finally:
            response.release()
        raise from_response(response.status, body, response.headers.get("Retry-After"))

    async def fetch(
        self,
        path: str,
        *,
        method: str = "GET",
        timeout: float | None = None,
        body: dict[str, Any] | None = None,
    ) -> tuple[int, bytes]:
        """(status, body) of one request, whatever the status: what `kubectl get --raw`
        shows of a service proxy's answer. `body` is sent as JSON. Network failures raise
        as `open`'s do."""
        header_params = {"Accept": "*/*"}
        if body is not None:
            header_params["Content-Type"] = "application/json"
        _, url, headers, _, _ = await self.api.param_serialize(
            method, path, header_params=header_params, auth_settings=["BearerToken"]
        )
        limit = aiohttp.ClientTimeout(total=timeout or self.timeout)
        sent = time.time()
        rest = await self.api.call_api(
            method, url, header_params=headers, body=body, _request_timeout=limit
        )
        response: aiohttp.ClientResponse = rest.response
        self.clock.observe(response.headers.get("Date"), sent, time.time())
        try:
            return response.status, await response.read()
        finally:
            response.release()

    async def get_json(
        self, path: str, query: Query = (), *, timeout: aiohttp.ClientTimeout | None = None
    ) -> dict[str, Any]:
        response = await self.open(path, query, timeout=timeout)
        try:
            body = await response.read()
        finally:
            response.release()
        parsed = orjson.loads(body)
        if not isinstance(parsed, dict):
            raise ApiError(500, f"GET {path} answered {type(parsed).__name__}, not an object")
        return parsed

    async def check(self) -> None:
        """Prove the server answers and accepts our credentials, or say in one sentence why not."""
        try:
            await self.get_json("/api")
        except ApiError as exc:
            raise self.refusal(exc, "read the API's discovery document") from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise self.unreachable(exc) from None

    def untrusted(self, exc: BaseException) -> str | None:
        """The sentence for a TLS failure about trust (the server's CA, our certificate),
        None when `exc` is not one."""
        return self.credential.untrusted(exc, self.server, self.context, self.kubeconfig)

    def unreachable(self, exc: BaseException) -> KubeError:
        trust = self.untrusted(exc)
        if trust is not None:
            return KubeError(trust)
        return KubeError(
            f'cannot reach the API server at {self.server} of context "{self.context}" '
            f"({network_reason(exc)}); check that the cluster is up and reachable from here "
            "(VPN, proxy, firewall)"
        )

    def refusal(self, exc: ApiError, doing: str) -> KubeError:
        """The one sentence for an API failure while trying to `doing`."""
        if exc.code == 401:
            return KubeError(self.credential.rejected(self.server, self.context, self.kubeconfig))
        if exc.code == 403:
            return KubeError(
                f'context "{self.context}" may not {doing} ({exc.message}); ask a cluster '
                "admin for that permission"
            )
        return KubeError(f"could not {doing} on {self.server} ({exc}); try again shortly")


async def connect(
    kubeconfig: str | Path | None = None,
    context: str | None = None,
    *,
    check: bool = True,
    timeout: float = 10.0,
    trace_configs: Sequence[aiohttp.TraceConfig] | None = None,
    session_options: Mapping[str, Any] | None = None,
    on_secret: Callable[[str], None] | None = None,
) -> Connection:
    """Load `context` (default: the current one) and, with `check`, prove the server answers.

    `on_secret` is handed each credential value the connection uses, once known: the token
    (inline, a tokenFile's content, an exec plugin's, again at each refresh), the client
    certificate and key (PEM, and as the kubeconfig's base64 data), so they can be redacted.

    Raises KubeError with one sentence for a missing file, an unknown context, a broken entry,
    an unreachable server or rejected credentials.
    """
    config = Kubeconfig(kubeconfig_paths(kubeconfig))
    chosen = config.choose(context)
    configuration = Configuration(
        trace_configs=list(trace_configs) if trace_configs else None,
        client_session_kwargs=dict(session_options) if session_options else None,
    )
    try:
        loader = await kconfig.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=os.pathsep.join(str(p) for p in config.paths),
            context=chosen,
            client_configuration=configuration,
            persist_config=False,
        )
    except (kconfig.ConfigException, ValueError, OSError) as exc:
        raise KubeError(
            f'cannot use context "{chosen}" from {config.shown} ({exc}); fix that entry'
        ) from None
    credential = config.credential_of(chosen)
    plugin = credential.plugin if credential.kind == "exec" else None
    if plugin is not None and not configuration.api_key and not configuration.cert_file:
        raise KubeError(
            f'the credential plugin "{plugin}" of context "{chosen}" gave no credentials; '
            "run it by hand to see why (is it installed, are you logged in?)"
        )
    if on_secret is not None:
        for secret in _secrets(configuration, config.user_of(chosen)):
            on_secret(secret)
    if hasattr(loader, "exec_plugin_expiry"):
        configuration.refresh_api_key_hook = _exec_refresher(loader, on_secret)
    connection = Connection(
        ApiClient(configuration),
        context=chosen,
        kubeconfig=config.shown,
        namespace=str(config.contexts[chosen].get("namespace") or "default"),
        timeout=timeout,
        credential=credential,
        user=config.user_name(chosen),
    )
    if check:
        try:
            await connection.check()
        except BaseException:
            await connection.close()
            raise
    return connection


def _secrets(configuration: Configuration, user: Mapping[str, Any]) -> Iterator[str]:
    """The credential values `configuration` was loaded with, and the user entry's own."""
    for value in configuration.api_key.values():
        if value:
            yield str(value)
    for name in ("cert_file", "key_file"):
        path = getattr(configuration, name, None)
        if path:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                yield Path(path).read_text(encoding="utf-8")
    for key in ("token", "client-certificate-data", "client-key-data", "password"):
        if user.get(key):
            yield str(user[key])


def _exec_refresher(loader: Any, on_secret: Callable[[str], None] | None = None) -> Any:
    """Re-run the exec plugin once its token expires (the aio loader does not do it itself);
    each token it hands out goes to `on_secret`."""

    async def refresh(configuration: Configuration) -> None:
        # A no-op until the plugin's expirationTimestamp passes.
        await loader.load_from_exec_plugin()
        token = getattr(loader, "token", None)
        if token:
            if on_secret is not None:
                on_secret(str(token))
            configuration.api_key["BearerToken"] = token

    return refresh
