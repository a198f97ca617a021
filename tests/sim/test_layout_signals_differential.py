"""Every shipped layout's signals, on the scenario that rehearses it: the built-in PromQL subset
and a real Prometheus scraping the same sim agree, and each graphed signal with an SLO has data
there.

All layouts run at once (one sim and one real Prometheus each, in this event loop), so the test
costs one history window. The layouts' range windows are shortened to 20 s for it (both servers
need scrapes from before the widest window, or Prometheus rightly extrapolates from a partial
one): what is compared is each query's metrics, labels, functions and arithmetic, which the
window's length does not change.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp

from tests.conftest import require_tool
from tests.sim.test_promql_differential import close, instant, window_filled
from warroom.layout import Layout, load_layout
from warroom.sim.cluster import SimCluster
from warroom.sim.prometheus import PrometheusProcess

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = sorted((ROOT / "layouts").glob("*.yaml"))
WINDOW = re.compile(r"\[\d+(?:ms|s|m|h|d)\]")
SUBQUERY = re.compile(r"\[\d+(?:ms|s|m|h|d):(?:\d+(?:ms|s|m|h|d))?\]")
HISTORY = 45.0


def shortened(query: str) -> str:
    return SUBQUERY.sub("[20s:1s]", WINDOW.sub("[20s]", query))


async def _compare(layout: Layout, binary: str) -> list[str]:
    assert layout.simulation is not None
    async with (
        SimCluster(layout.simulation.scenario, speed=10, scrape_interval=0.5) as sim,
        PrometheusProcess(sim.metrics_target, scrape_interval=0.5, binary=binary) as prom,
        aiohttp.ClientSession() as session,
    ):
        at = await window_filled(session, prom.url, HISTORY)
        problems = []
        for sid, signal in layout.signals.items():
            expr = shortened(signal.query)
            real = {
                tuple(sorted(m.items())): v for m, v in await instant(session, prom.url, expr, at)
            }
            ours = {
                tuple(sorted(m.items())): v
                for m, v in await instant(session, sim.prometheus_url, expr, at)
            }
            where = f"{layout.simulation.scenario}: {sid} = {expr}"
            if real.keys() != ours.keys():
                problems.append(
                    f"{where}: series differ: real {sorted(real)} vs sim {sorted(ours)}"
                )
                continue
            # A graphed signal with an SLO is what the screen leads with: it must have data.
            # (A canary's SLOs, graph: false, have none until a canary runs.)
            if signal.slo is not None and signal.graph and not ours:
                problems.append(f"{where}: no data on its own scenario")
            problems += [
                f"{where} {dict(key)}: real {value} vs sim {ours[key]}"
                for key, value in real.items()
                if not close(value, ours[key])
            ]
        return problems


async def test_every_layouts_signals_agree_on_its_own_scenario() -> None:
    binary = require_tool("prometheus")
    layouts = [load_layout(path) for path in LAYOUTS]
    found = await asyncio.gather(*(_compare(layout, binary) for layout in layouts))
    problems = [p for each in found for p in each]
    assert not problems, "\n".join(problems)


def test_range_windows_and_subqueries_are_shortened_in_kind() -> None:
    query = (
        "histogram_quantile(0.95, sum by (le) (rate(x[5m]))) + max_over_time(rate(y[1m])[1h:1m])"
    )
    assert shortened(query) == (
        "histogram_quantile(0.95, sum by (le) (rate(x[20s]))) + max_over_time(rate(y[20s])[20s:1s])"
    )
