"""Speed of the simulated API server at scale: LIST, paged LIST and WATCH fan-out.

10,000 pods on 200 nodes (20 Deployments of 500 replicas, brought up by the sim's own
controllers). The sim runs in a child process, as `warroom sim` would (HTTPS, each request
authenticated by the operator's bearer token), and the clients here:

    python benchmarks/sim_api.py [--pods 10000] [--nodes 200] [--events 20000] [--watchers 5]
                                 [--insecure-http]

Targets (issue 2): full LIST ≤ 1 s; paged LIST by 500 ≤ 1.5 s in all; ≥ 2,000 events/s to
each of 5 concurrent watchers.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import ssl
import statistics
import time
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import orjson

from warroom.sim.cluster import SimCluster
from warroom.sim.scenario import NodePool, Scenario

PODS = ("", "pods")


def scenario(pods: int, nodes: int, deployments: int = 20) -> Scenario:
    namespaces = [f"team-{i}" for i in range(4)]
    objects: list[dict[str, Any]] = []
    for i in range(deployments):
        labels = {"app": f"svc-{i}", "tier": "web"}
        objects.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": f"svc-{i}", "namespace": namespaces[i % len(namespaces)]},
                "spec": {
                    "replicas": pods // deployments,
                    "selector": {"matchLabels": {"app": f"svc-{i}"}},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "containers": [
                                {
                                    "name": "app",
                                    "image": f"registry.local/svc-{i}:1.0",
                                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                                }
                            ]
                        },
                    },
                },
            }
        )
    return Scenario(
        name="bench",
        warmup=60,
        namespaces=namespaces,
        objects=objects,
        node_pools=[NodePool(name="pool", count=nodes, prefix="node", cpu="64", memory="256Gi")],
    )


# ---- the sim, in its own process ------------------------------------------------------


def serve(conn: Connection, pods: int, nodes: int, tls: bool) -> None:
    asyncio.run(_serve(conn, pods, nodes, tls))


async def _serve(conn: Connection, pods: int, nodes: int, tls: bool) -> None:
    started = time.perf_counter()
    async with SimCluster(scenario(pods, nodes), manual_clock=True, tls=tls) as sim:
        conn.send(
            {
                "url": sim.url,
                "ca": sim.authority.ca_pem.decode(),
                "headers": sim.auth_headers(),
                "setup_s": time.perf_counter() - started,
                "pods": sim.store.count(PODS),
            }
        )
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command["op"] == "stop":
                return
            if command["op"] == "churn":
                await churn(sim, command["events"])
                conn.send({"done": True})


async def churn(sim: SimCluster, events: int) -> None:
    """Write `events` pod updates as fast as the server can take them, yielding in batches."""
    pods = sorted(sim.store.list(PODS), key=lambda p: p["metadata"]["name"])
    for i in range(events):
        current = sim.store.get(
            PODS,
            pods[i % len(pods)]["metadata"]["namespace"],
            pods[i % len(pods)]["metadata"]["name"],
        )
        assert current is not None
        # Stored objects are never mutated, so a write may share every part it does not change.
        annotations = dict(current["metadata"].get("annotations") or {}, **{"bench/seq": str(i)})
        updated = dict(current, metadata=dict(current["metadata"], annotations=annotations))
        sim.store.update(PODS, updated)
        if i % 200 == 199:
            await asyncio.sleep(0)


# ---- the clients ----------------------------------------------------------------------


async def full_list(session: aiohttp.ClientSession, url: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    async with session.get(f"{url}/api/v1/pods") as resp:
        body = await resp.read()
    items = orjson.loads(body)["items"]
    return time.perf_counter() - start, len(items), len(body)


async def paged_list(
    session: aiohttp.ClientSession, url: str, limit: int
) -> tuple[float, int, int]:
    start = time.perf_counter()
    token, count, pages = "", 0, 0
    while True:
        params = {"limit": str(limit)}
        if token:
            params["continue"] = token
        async with session.get(f"{url}/api/v1/pods", params=params) as resp:
            page = orjson.loads(await resp.read())
        count += len(page["items"])
        pages += 1
        token = page["metadata"].get("continue", "")
        if not token:
            return time.perf_counter() - start, count, pages


async def watcher(
    session: aiohttp.ClientSession, url: str, rv: str, expected: int, ready: asyncio.Event
) -> tuple[int, float]:
    params = {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "300"}
    async with session.get(
        f"{url}/api/v1/pods",
        params=params,
        timeout=aiohttp.ClientTimeout(total=None, sock_read=120),
    ) as resp:
        ready.set()
        seen, first = 0, 0.0
        buffer = b""
        async for chunk in resp.content.iter_any():
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if not line:
                    continue
                event = orjson.loads(line)
                if event["type"] != "MODIFIED":
                    continue
                if (event["object"]["metadata"].get("annotations") or {}).get("bench/seq") is None:
                    continue
                seen += 1
                if seen == 1:
                    first = time.perf_counter()
                if seen == expected:
                    return seen, time.perf_counter() - first
    return seen, time.perf_counter() - first


async def run_clients(
    conn: Connection, hello: dict[str, Any], args: argparse.Namespace
) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    url = hello["url"]
    # As a client of a real cluster: the run's CA trusted, the operator's token on each request.
    trust = ssl.create_default_context(cadata=hello["ca"]) if url.startswith("https") else True
    connector = aiohttp.TCPConnector(ssl=trust)
    async with aiohttp.ClientSession(headers=hello["headers"], connector=connector) as session:
        await full_list(session, url)  # warm the encoded-object cache once, as any server would be
        runs = [await full_list(session, url) for _ in range(args.repeat)]
        times = [r[0] for r in runs]
        rows.append(
            (
                f"full LIST of {runs[0][1]:,} pods ({runs[0][2] / 1e6:.1f} MB)",
                f"median {statistics.median(times):.3f} s, best {min(times):.3f} s",
                "≤ 1 s",
            )
        )
        paged = [await paged_list(session, url, 500) for _ in range(args.repeat)]
        ptimes = [p[0] for p in paged]
        rows.append(
            (
                f"paged LIST by 500 ({paged[0][2]} pages, {paged[0][1]:,} pods)",
                f"median {statistics.median(ptimes):.3f} s, best {min(ptimes):.3f} s",
                "≤ 1.5 s",
            )
        )
        async with session.get(f"{url}/api/v1/pods", params={"limit": "1"}) as resp:
            rv = orjson.loads(await resp.read())["metadata"]["resourceVersion"]
        readies = [asyncio.Event() for _ in range(args.watchers)]
        tasks = [asyncio.create_task(watcher(session, url, rv, args.events, r)) for r in readies]
        for r in readies:
            await r.wait()
        started = time.perf_counter()
        conn.send({"op": "churn", "events": args.events})
        results = await asyncio.wait_for(asyncio.gather(*tasks), timeout=300)
        total = time.perf_counter() - started
        rates = [seen / span if span > 0 else 0.0 for seen, span in results]
        assert all(seen == args.events for seen, _ in results), results
        rows.append(
            (
                f"WATCH: {args.events:,} pod updates to each of {args.watchers} watchers",
                f"slowest {min(rates):,.0f} events/s, fastest {max(rates):,.0f} events/s "
                f"({total:.2f} s for all)",
                "≥ 2,000 events/s each",
            )
        )
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--watchers", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--insecure-http", action="store_true", help="plain HTTP, as `warroom sim --insecure-http`"
    )
    args = parser.parse_args()
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(
        target=serve, args=(child, args.pods, args.nodes, not args.insecure_http), daemon=True
    )
    proc.start()
    try:
        hello = parent.recv()
        rows = [
            (
                f"sim start ({'HTTP' if args.insecure_http else 'HTTPS'}): {hello['pods']:,} pods "
                f"on {args.nodes} nodes via controllers",
                f"{hello['setup_s']:.1f} s",
                "(setup, no target)",
            )
        ]
        rows += asyncio.run(run_clients(parent, hello, args))
    finally:
        parent.send({"op": "stop"})
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    header = ("measurement", "result", "target")
    print(" | ".join(h.ljust(w) for h, w in zip(header, width, strict=True)))
    print("-|-".join("-" * w for w in width))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, width, strict=True)))


if __name__ == "__main__":
    main()
