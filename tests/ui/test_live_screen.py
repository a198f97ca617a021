"""The live screen follows the cluster: rows appear, nodes turn red, versions show, staleness."""

from __future__ import annotations

import aiohttp
from rich.table import Table
from rich.text import Text

from tests.ui.conftest import NS, Room, wait_until
from warroom.ui.widgets.panels import Banner, NodesPanel, Panel, RolloutPanel
from warroom.ui.widgets.pods import PodTable


def rendered(panel: Panel) -> str:
    """The text a panel shows, as plain characters."""
    return panel.plain()


async def patch(room: Room, path: str, body: dict, patch_type: str = "merge") -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.patch(
            f"{room.sim.url}{path}",
            json=body,
            headers={"Content-Type": f"application/{patch_type}-patch+json"},
        ) as resp,
    ):
        assert resp.status == 200, await resp.text()


def pod_names(table: PodTable) -> set[str]:
    return {table.cell(uid, "name") for uid in table.uids}


async def test_scaling_the_deployment_makes_rows_appear(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one("#pod-table", PodTable)
        await wait_until(pilot, lambda: table.row_count == 3, what="three pod rows")
        await patch(
            room,
            f"/apis/apps/v1/namespaces/{NS}/deployments/bizra-inference",
            {"spec": {"replicas": 6}},
        )
        await wait_until(pilot, lambda: table.row_count == 6, what="six pod rows")
        await wait_until(
            pilot,
            lambda: all(
                table.cell(uid, "status") == "Running" and table.cell(uid, "ready") == "1/1"
                for uid in table.uids
            ),
            timeout=30,
            what="all six running and ready",
        )
        live = {p["metadata"]["name"] for p in room.sim.store.list(("", "pods"), NS)}
        assert pod_names(table) == live


async def test_node_failure_turns_the_node_red(room: Room) -> None:
    app = room.app()
    pod = room.sim.store.list(("", "pods"), NS)[0]
    node = pod["spec"]["nodeName"]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        panel = app.query_one("#nodes-panel", NodesPanel)
        await wait_until(pilot, lambda: node in rendered(panel), what="node rows")
        room.sim.fail_node(node)
        await wait_until(
            pilot,
            lambda: (
                f"{node}" in rendered(panel)
                and any(
                    line.split()[:2] == [node, "NotReady"] for line in rendered(panel).splitlines()
                )
            ),
            timeout=30,
            what="node NotReady",
        )
        table = panel.shown
        assert isinstance(table, Table)
        cell = next(c for c in table.columns[0].cells if isinstance(c, Text) and c.plain == node)
        assert "red" in str(cell.style)


async def test_a_rollout_shows_both_versions_with_their_counts(room: Room) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one("#rollout", RolloutPanel)
        await wait_until(pilot, lambda: "2.0.0-production" in rendered(panel), what="rollout")
        room.sim.set_image_broken("ghcr.io/bizra/inference:2.0.1-rc1")
        await patch(
            room,
            f"/apis/apps/v1/namespaces/{NS}/deployments/bizra-inference",
            {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "inference-server",
                                    "image": "ghcr.io/bizra/inference:2.0.1-rc1",
                                }
                            ]
                        }
                    }
                }
            },
            patch_type="strategic-merge",
        )
        await wait_until(
            pilot, lambda: "2.0.1-rc1" in rendered(panel), timeout=30, what="the new version"
        )
        text = rendered(panel)
        new_line = next(line for line in text.splitlines() if "2.0.1-rc1" in line)
        old_line = next(line for line in text.splitlines() if "2.0.0-production" in line)
        assert new_line.split()[0] == "new" and old_line.split()[0] == "stable"
        assert "bizra/inference:2.0.1-rc1" in new_line
        # maxUnavailable 0: the crashing new pod never takes traffic; old keeps all three.
        assert old_line.split()[2:6] == ["1", "3", "3", "3"]
        assert new_line.split()[3] == "1" and new_line.split()[5] == "0"
        assert "Waiting for rollout to finish" in text


async def test_lost_api_connections_show_staleness_then_recover_without_ghosts(
    room: Room,
) -> None:
    app = room.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one("#pod-table", PodTable)
        banner = app.query_one("#banner", Banner)
        await wait_until(pilot, lambda: table.row_count == 3, what="pod rows")
        assert not banner.display
        room.sim.restart_apiserver(seconds=3.0)
        await wait_until(pilot, lambda: banner.display, timeout=10, what="the staleness banner")
        assert "⚠" in rendered(banner)
        # While the API is down the cluster moves on: one pod goes, two come.
        victim = room.sim.store.list(("", "pods"), NS)[0]["metadata"]["name"]
        room.sim.registry.delete_pod(
            room.sim.store.get(("", "pods"), NS, victim), {"gracePeriodSeconds": 0}
        )
        deployment = room.sim.catalogue.get("apps", "v1", "deployments")
        room.sim.registry.patch(
            deployment,
            NS,
            "bizra-inference",
            "application/merge-patch+json",
            {"spec": {"replicas": 4}},
            dry_run=False,
        )
        await wait_until(pilot, lambda: not banner.display, timeout=30, what="recovery")

        def same_as_cluster() -> bool:
            live = {p["metadata"]["name"] for p in room.sim.store.list(("", "pods"), NS)}
            return pod_names(table) == live and table.row_count == len(live) == 4

        await wait_until(pilot, same_as_cluster, timeout=30, what="rows equal to the cluster")
        assert victim not in pod_names(table)
