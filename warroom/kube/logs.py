"""A container's log, as `kubectl logs -f --tail` reads it: GET pods/{name}/log with
follow=true, streamed line by line until the container ends or the reader stops."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp

from warroom.kube.connection import Connection
from warroom.kube.errors import ApiError, KubeError

# (namespace, pod, container) → the container's log lines, following.
LogSource = Callable[[str, str, str], AsyncIterator[str]]
TAIL = 500  # lines of history first, as k9s shows (its logger.tail default is 100)


async def follow_log(
    connection: Connection,
    namespace: str,
    pod: str,
    container: str,
    *,
    tail: int = TAIL,
    previous: bool = False,
) -> AsyncIterator[str]:
    """Each line of the container's log (without its newline), following new ones.

    A refusal (the container waiting to start, no previous instance) raises KubeError with the
    API server's own sentence; the connection dropping ends the stream."""
    query: list[tuple[str, str]] = [
        ("container", container),
        ("tailLines", str(tail)),
        ("timestamps", "false"),
    ]
    if previous:
        query.append(("previous", "true"))
    else:
        query.append(("follow", "true"))
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log"
    # A followed log may stay quiet for long: no total deadline, only one to connect.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    try:
        response = await connection.open(path, query, timeout=timeout)
    except ApiError as exc:
        raise KubeError(
            f"cannot read the log of {namespace}/{pod} [{container}]: {exc.message}"
        ) from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise connection.unreachable(exc) from None
    try:
        partial = b""
        async for chunk in response.content.iter_any():
            partial += chunk
            *whole, partial = partial.split(b"\n")
            for line in whole:
                yield line.decode("utf-8", errors="replace")
        if partial:
            yield partial.decode("utf-8", errors="replace")
    except (aiohttp.ClientError, OSError):
        return  # the stream ended under us (the pod went, the server restarted)
    finally:
        response.release()


def log_source(connection: Connection) -> LogSource:
    """How the screen reads logs: from this connection's API server."""

    def read(namespace: str, pod: str, container: str) -> AsyncIterator[str]:
        return follow_log(connection, namespace, pod, container)

    return read
